using System.CommandLine;
using Onnxc.Compiler.Cli;
using Onnxc.Compiler.Commands;
using Spectre.Console;

namespace Onnxc.Compiler;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("onnxc: an ahead-of-time ONNX graph-rewriting compiler")
        {
            InspectCommand.Create(),
            OptimizeCommand.Create(),
            PassesCommand.Create(),
            SampleCommand.Create(),
            VerifyCommand.Create(),
            ConformanceCommand.Create(),
            EvaluateCommand.Create(),
        };
        // Tables squeezed to 80 columns are unreadable in logs; pipes and CI get a wide console.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error ONNXC0601: {error.Message}");
            Console.Error.WriteLine("run 'onnxc --help' for usage");
            return ExitCodes.BadInput;
        }
        return parse.Invoke();
    }
}
