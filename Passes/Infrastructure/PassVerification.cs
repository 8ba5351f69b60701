using Onnxc.Ir;
using Onnxc.Ir.Validation;

namespace Onnxc.Passes;

/// <summary>The IR check the pass manager runs after each pass: always in tests, and on request in the CLI.</summary>
public static class PassVerification
{
    /// <summary>A verifier returning the first error as text, or null when the IR is valid.</summary>
    public static string? FirstError(Model model) =>
        IrVerifier.Verify(model).FirstOrDefault(d => d.Severity == Severity.Error)?.ToString();

    /// <summary>The verifier when ONNXC_VERIFY_IR=1 (tests and debugging), otherwise none: it costs a walk per pass.</summary>
    public static Func<Model, string?>? FromEnvironment() =>
        Environment.GetEnvironmentVariable("ONNXC_VERIFY_IR") == "1" ? FirstError : null;
}
