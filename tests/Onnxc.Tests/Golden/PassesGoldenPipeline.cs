using Onnxc.Ir;
using Onnxc.Passes;

namespace Onnxc.Tests.Golden;

/// <summary>"// RUN: passes a,b,c" runs the named passes in order, checking the IR after each.</summary>
public sealed class PassesGoldenPipeline : IGoldenPipeline
{
    public string Name => "passes";

    public Model Run(Model model, string arguments)
    {
        var steps = Pipelines.FromNames(arguments.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        new PassManager(steps) { Verifier = PassVerification.FirstError }.Run(model);
        return model;
    }
}

/// <summary>"// RUN: optimize N" runs the -O N pipeline, checking the IR after each pass.</summary>
public sealed class OptimizeGoldenPipeline : IGoldenPipeline
{
    public string Name => "optimize";

    public Model Run(Model model, string arguments)
    {
        new PassManager(Pipelines.ForLevel(int.Parse(arguments.Trim(), System.Globalization.CultureInfo.InvariantCulture))) { Verifier = PassVerification.FirstError }.Run(model);
        return model;
    }
}
