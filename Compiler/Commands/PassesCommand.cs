using System.CommandLine;
using Onnxc.Compiler.Cli;
using Onnxc.Passes;
using Spectre.Console;

namespace Onnxc.Compiler.Commands;

/// <summary><c>onnxc passes</c>: the passes <c>--passes</c> accepts.</summary>
public static class PassesCommand
{
    public static Command Create()
    {
        var command = new Command("passes", "List the passes that 'optimize --passes' accepts");
        command.SetAction(_ => CommandRunner.Run(() =>
        {
            var table = new Table().AddColumns("pass", "what it does");
            foreach (var pass in Pipelines.AllPasses()) table.AddRow(pass.Name, Markup.Escape(pass.Description));
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
