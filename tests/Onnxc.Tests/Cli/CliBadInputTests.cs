using Onnxc.Tests.OnnxIo;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Cli;

/// <summary>
/// The bad-input corpus through the real CLI: each case prints one diagnostic line naming the problem, exits 2, and
/// leaves no output file (nor temp files) behind.
/// </summary>
public sealed class CliBadInputTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("onnxc-cli-bad-");

    public void Dispose() => _dir.Delete(recursive: true);

    public static TheoryData<string> CaseNames() => BadInputTests.CaseNames();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Optimize_rejects_bad_input_with_exit_2_and_writes_nothing(string name)
    {
        var (id, mentions, write) = BadInputTests.Cases[name];
        var input = Directory.CreateDirectory(Path.Combine(_dir.FullName, "in"));
        var model = Path.Combine(input.FullName, "model.onnx");
        write(model);
        var outputs = Directory.CreateDirectory(Path.Combine(_dir.FullName, "out"));
        var target = Path.Combine(outputs.FullName, "model.opt.onnx");

        var result = OnnxcProcess.Run("optimize", model, "-o", target);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(id, line);
        Assert.Contains(mentions, line);
        Assert.Empty(outputs.EnumerateFileSystemInfos());
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        var result = OnnxcProcess.Run("optimize", "model.onnx");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--output", result.Stderr);

        var badLevel = OnnxcProcess.Run("optimize", "model.onnx", "-o", "x.onnx", "-O", "7");
        Assert.Equal(2, badLevel.ExitCode);

        var badDim = OnnxcProcess.Run("verify", "a.onnx", "b.onnx", "--dim", "batch");
        Assert.Equal(2, badDim.ExitCode);
    }

    [Theory]
    [InlineData("--sparse-values int8 needs --sparsity 2:4", "--sparse-values", "int8")]
    [InlineData("add --target ort+onnxc", "--sparsity", "2:4", "--sparse-values", "int8")]
    public void Int8_sparse_values_without_sparsity_or_the_onnxc_target_exit_2(string mentions, params string[] options)
    {
        var model = Path.Combine(_dir.FullName, "bert.onnx");
        Assert.Equal(0, OnnxcProcess.Run("sample", "bert-tiny", "-o", model).ExitCode);
        var target = Path.Combine(_dir.FullName, "out.onnx");

        var result = OnnxcProcess.Run(new[] { "optimize", model, "-o", target }.Concat(options).ToArray());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ONNXC", result.Stderr);
        Assert.Contains(mentions, result.Stderr);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void Unknown_pass_exits_2_and_names_it()
    {
        var model = Path.Combine(_dir.FullName, "bert.onnx");
        Assert.Equal(0, OnnxcProcess.Run("sample", "bert-tiny", "-o", model).ExitCode);
        var target = Path.Combine(_dir.FullName, "out.onnx");

        var result = OnnxcProcess.Run("optimize", model, "-o", target, "--passes", "fuse-everything");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("fuse-everything", result.Stderr);
        Assert.False(File.Exists(target));
    }
}
