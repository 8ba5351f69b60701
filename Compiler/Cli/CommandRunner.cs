using Onnxc.Ir;

namespace Onnxc.Compiler.Cli;

/// <summary>Runs a command body and turns failures into one-line diagnostics and documented exit codes.</summary>
public static class CommandRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OnnxcException error)
        {
            Console.Error.WriteLine(error.Diagnostic.ToString());
            return ExitCodes.BadInput;
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(new Diagnostic(DiagnosticIds.FileNotFound, Severity.Error, error.Message, Hint: "check the path"));
            return ExitCodes.BadInput;
        }
        catch (Exception error)
        {
            Console.Error.WriteLine($"internal error ONNXC0001: {error.GetType().Name}: {error.Message}");
            Console.Error.WriteLine("this is a bug in onnxc; please report it with the model and the command line");
            if (Environment.GetEnvironmentVariable("ONNXC_TRACE") == "1") Console.Error.WriteLine(error);
            return ExitCodes.InternalError;
        }
    }
}
