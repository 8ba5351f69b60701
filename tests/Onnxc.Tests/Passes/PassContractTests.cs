using Onnxc.Backends.Onnx;
using Onnxc.Conformance;
using Onnxc.Ir;
using Onnxc.Ir.Text;
using Onnxc.Ir.Validation;
using Onnxc.Passes;
using Onnxc.Samples;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Passes;

/// <summary>
/// The contract every pass keeps, on every sample family and on the real models: valid IR afterwards, a second run
/// changes nothing, Changed=false means the graph is untouched, ORT loads the result, and outputs stay within the
/// pass's declared tolerance of the input model's.
/// </summary>
public class PassContractTests
{
    // bert-tiny-unfolded: as torch exports without constant folding (every Linear weight behind a Transpose);
    // llama-tiny-modules: with export_modules_as_functions (each layer a call of a model-local function).
    private static readonly string[] Samples = { "bert-tiny", "bert-tiny-unfolded", "gpt2-tiny", "gpt2-tiny-past", "llama-tiny", "llama-tiny-modules", "vit-tiny" };

    private static readonly string[] RealModels =
    {
        "models/vit-mnist/model.onnx",
        "models/chargpt-fortunes/model.onnx",
        "models/openwakeword-hey-jarvis/hey_jarvis_v0.1.onnx",
    };

    // gpt2-tiny-past also takes a 5-token cache.
    private static readonly IReadOnlyDictionary<string, long> Dims = new Dictionary<string, long>
    {
        ["batch"] = 2,
        ["sequence"] = 16,
        [Gpt2PastBuilder.Past] = 5,
        [Gpt2PastBuilder.Total] = 21,
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var pass in Pipelines.AllPasses().Select(p => p.Name).Append("-O1").Append("-O2"))
        {
            foreach (var model in Samples.Concat(RealModels)) data.Add(pass, model);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pass_keeps_its_contract(string pass, string modelName)
    {
        var original = ModelFile(modelName);
        using var model = OnnxImporter.Load(original);
        var steps = pass.StartsWith("-O", StringComparison.Ordinal)
            ? Pipelines.ForLevel(int.Parse(pass[2..], System.Globalization.CultureInfo.InvariantCulture))
            : Pipelines.FromNames(new[] { pass });
        var tolerance = pass.StartsWith("-O", StringComparison.Ordinal) ? PassTolerance.Lossless : Pipelines.FindPass(pass).Tolerance;

        var before = IrPrinter.Print(model);
        var first = new PassManager(steps) { Verifier = PassVerification.FirstError }.Run(model);
        if (!first.Any(r => r.Result.Changed)) Assert.Equal(before, IrPrinter.Print(model));
        Assert.DoesNotContain(IrVerifier.Verify(model), d => d.Severity == Severity.Error);

        var afterFirst = IrPrinter.Print(model);
        var second = new PassManager(steps).Run(model);
        Assert.All(second, r => Assert.False(r.Result.Changed, $"second run of {r.Pass} changed the graph again: {r.Result}"));
        Assert.Equal(afterFirst, IrPrinter.Print(model));

        var folder = Directory.CreateTempSubdirectory("onnxc-contract-");
        try
        {
            var candidate = Path.Combine(folder.FullName, "candidate.onnx");
            OnnxExporter.Save(model, candidate);
            var report = ModelVerifier.Verify(original, candidate, new VerifyOptions
            {
                Samples = 2,
                Dims = Dims,
                Tolerance = new Tolerance(tolerance.Name, tolerance.Rtol, tolerance.Atol),
            });
            Assert.True(report.Passed, $"{pass} on {modelName}: " + string.Join("; ", report.Outputs.Where(o => !o.Passed).Select(o => $"{o.Name}: {o.Reason}")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string ModelFile(string name)
    {
        if (name.StartsWith("models/", StringComparison.Ordinal)) return SharedData.RequireOrSkip(name);
        return SampleFiles.Get(name);
    }
}

/// <summary>
/// Sample models exported once per test run into a temp folder and shared by tests; a "-unfolded" suffix gives the
/// sample as exported without constant folding (<see cref="UnfoldedExport"/>), "-modules" with its layers as
/// model-local functions (<see cref="ModuleFunctionExport"/>).
/// </summary>
public static class SampleFiles
{
    private static readonly string Folder = Directory.CreateTempSubdirectory("onnxc-samples-").FullName;
    private static readonly Dictionary<string, string> Paths = new();
    private static readonly object Gate = new();

    public static string Get(string name)
    {
        lock (Gate)
        {
            if (Paths.TryGetValue(name, out var path)) return path;
            path = Path.Combine(Folder, name + ".onnx");
            using (var model = Build(name)) OnnxExporter.Save(model, path);
            Paths[name] = path;
            return path;
        }
    }

    private static Model Build(string name)
    {
        const string unfolded = "-unfolded", modules = "-modules";
        if (name.EndsWith(unfolded, StringComparison.Ordinal)) return UnfoldedExport.WithoutConstantFolding(SampleModels.Build(name[..^unfolded.Length]));
        if (name.EndsWith(modules, StringComparison.Ordinal)) return ModuleFunctionExport.AsModuleFunctions(SampleModels.Build(name[..^modules.Length]));
        return SampleModels.Build(name);
    }
}
