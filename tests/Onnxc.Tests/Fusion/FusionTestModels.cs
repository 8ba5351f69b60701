using Onnxc.Backends.Onnx;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Samples;
using Onnxc.Tests.Passes;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.Fusion;

/// <summary>Loading samples and real models for fusion tests, running passes on them and counting fused ops.</summary>
public static class FusionTestModels
{
    /// <summary>The file of a sample ("gpt2-tiny") or of a shared model ("models/vit-mnist/model.onnx"; skips when absent).</summary>
    public static string File(string name) =>
        name.StartsWith("models/", StringComparison.Ordinal) ? SharedData.RequireOrSkip(name) : SampleFiles.Get(name);

    /// <summary>Loads a model and runs the named passes (or "-O2") with IR verification after each.</summary>
    public static (Model Model, PassContext Context) LoadAndRun(string name, params string[] passes)
    {
        var model = OnnxImporter.Load(File(name));
        var steps = passes is ["-O2"] ? Pipelines.ForLevel(2) : Pipelines.FromNames(passes);
        var context = new PassContext { Explain = true };
        new PassManager(steps) { Verifier = PassVerification.FirstError }.Run(model, context);
        return (model, context);
    }

    /// <summary>How many nodes of <paramref name="op"/> the model holds, in every graph (If branches included).</summary>
    public static int Count(Model model, string op, string domain = "") =>
        GraphWalk.AllGraphs(model).Sum(g => g.Nodes.Count(n => n.OpType == op && n.Domain == domain));
}
