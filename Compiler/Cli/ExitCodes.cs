namespace Onnxc.Compiler.Cli;

/// <summary>The process exit codes, documented in README.md.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int VerificationFailed = 1;
    public const int BadInput = 2;
    public const int InternalError = 3;
}
