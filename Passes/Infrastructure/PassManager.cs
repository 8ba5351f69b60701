using System.Diagnostics;
using Onnxc.Ir;

namespace Onnxc.Passes;

/// <summary>A step of a pipeline: one pass, or a group of passes repeated until none changes anything.</summary>
public abstract record PipelineStep
{
    public sealed record Single(IPass Pass) : PipelineStep;

    public sealed record Fixpoint(IReadOnlyList<IPass> Passes, int MaxIterations = 10) : PipelineStep;
}

/// <summary>One pass execution, for reports and <c>--explain</c>.</summary>
public sealed record PassRun(string Pass, PassResult Result, TimeSpan Elapsed, int Iteration);

/// <summary>Runs pipeline steps in order, optionally checking the IR after every pass.</summary>
public sealed class PassManager(IReadOnlyList<PipelineStep> steps)
{
    /// <summary>Check IR invariants after each pass (on in tests; costs a linear walk per pass).</summary>
    public Func<Model, string?>? Verifier { get; init; }

    /// <summary>Called after each pass, e.g. to print the graph for <c>--print-after</c>.</summary>
    public Action<PassRun, Model>? AfterPass { get; init; }

    public IReadOnlyList<PassRun> Run(Model model, PassContext? context = null)
    {
        context ??= new PassContext();
        var runs = new List<PassRun>();
        foreach (var step in steps)
        {
            switch (step)
            {
                case PipelineStep.Single single:
                    RunPass(single.Pass, model, context, runs, 1);
                    break;
                case PipelineStep.Fixpoint group:
                    for (int iteration = 1; iteration <= group.MaxIterations; iteration++)
                    {
                        bool changed = false;
                        foreach (var pass in group.Passes) changed |= RunPass(pass, model, context, runs, iteration).Changed;
                        if (!changed) break;
                    }
                    break;
            }
        }
        return runs;
    }

    private PassResult RunPass(IPass pass, Model model, PassContext context, List<PassRun> runs, int iteration)
    {
        context.CurrentPass = pass.Name;
        var clock = Stopwatch.StartNew();
        var result = pass.Run(model, context);
        var run = new PassRun(pass.Name, result, clock.Elapsed, iteration);
        runs.Add(run);
        if (Verifier?.Invoke(model) is { } problem)
        {
            throw new InvalidOperationException($"pass '{pass.Name}' left invalid IR: {problem}");
        }
        AfterPass?.Invoke(run, model);
        return result;
    }
}
