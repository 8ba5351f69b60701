using Onnxc.Ir;

namespace Onnxc.Passes.Sparsity;

/// <summary>
/// Prunes MatMul/Gemm weights to the 2:4 pattern (magnitude or SparseGPT). For the portable target the layer stays a
/// dense MatMul of the pruned weights; for ort+onnxc it becomes com.onnxc SparseMatMul24 over the compressed weight.
/// Lossy: judge it by the task metric, not by output drift.
/// </summary>
public sealed class Prune24Pass(Prune24Options options) : IPass
{
    public Prune24Pass() : this(new Prune24Options()) { }

    public string Name => "prune-2-4";

    public string Description => "prune MatMul/Gemm weights to 2:4 sparsity (magnitude or SparseGPT); sparse op with --target ort+onnxc";

    /// <summary>No elementwise bound holds for pruning; the task metric (accuracy, cross-entropy) is the measure.</summary>
    public PassTolerance Tolerance { get; } = new("2:4 pruning (task metric)", double.PositiveInfinity, double.PositiveInfinity);

    public Prune24Options Options => options;

    public PassResult Run(Model model, PassContext context)
    {
        if (options.Method == SparsityMethod.SparseGpt && options.Hessians is null)
        {
            throw new OnnxcException(DiagnosticIds.Usage, "SparseGPT needs calibration data for the layer Hessians", hint: "pass --calibration DIR, or use --sparsity-method magnitude");
        }
        if (options.Values == SparseValues.Int8 && context.Target != EmissionTarget.OrtWithOnnxcOps)
        {
            throw new OnnxcException(DiagnosticIds.Usage, "int8 2:4 values exist only as com.onnxc SparseMatMul24",
                hint: "add --target ort+onnxc, or drop --sparse-values int8");
        }
        var layers = new List<(LinearLayer Layer, float[] Rows, bool AlreadySparse)>();
        foreach (var graph in GraphWalk.Rewritable(model))
        {
            foreach (var node in graph.Nodes)
            {
                var layer = LinearLayer.Find(node, out var reason);
                if (layer is null)
                {
                    if (reason.Length > 0) context.Record("2:4", node, false, reason);
                    continue;
                }
                if (!Selected(layer, context)) continue;
                var rows = layer.ReadRows();
                layers.Add((layer, rows, Sparse24Format.IsTwoFour(rows, layer.N, layer.K)));
            }
        }
        var toPrune = layers.Where(l => !l.AlreadySparse).Select(l => (l.Layer.Activation, l.Layer.K)).Distinct().ToList();
        var hessians = options.Hessians is { } source && toPrune.Count > 0 ? source(model, toPrune) : new Dictionary<Value, double[]>();

        int pruned = 0, sparse = 0, replaced = 0;
        foreach (var (layer, rows, alreadySparse) in layers)
        {
            var node = layer.Node;
            if (!alreadySparse)
            {
                if (!TryPrune(layer, rows, hessians.GetValueOrDefault(layer.Activation), context)) continue;
                pruned++;
            }
            string? why = context.Target == EmissionTarget.OrtWithOnnxcOps ? SparseMatMul24Emitter.Check(layer) : "portable target";
            if (why is null)
            {
                replaced += SparseMatMul24Emitter.Emit(model, layer, rows, options.Values);
                sparse++;
                context.Record("2:4", node, true, $"SparseMatMul24 [{layer.N}x{layer.K}]" + (options.Values == SparseValues.Int8 ? " int8" : ""));
            }
            else if (!alreadySparse)
            {
                ReplaceWeight(layer, rows);
                context.Record("2:4", node, true, $"pruned [{layer.N}x{layer.K}] in place" + (context.Target == EmissionTarget.OrtWithOnnxcOps ? $" (stays dense: {why})" : ""));
            }
            DropIfUnused(layer.Weight);
        }
        return PassResult.Of(("pruned-layers", pruned), ("sparse-matmul24", sparse), ("fused-nodes", replaced - sparse));
    }

    private bool Selected(LinearLayer layer, PassContext context)
    {
        if (options.Include is { } include && !layer.Names.Any(include.IsMatch))
        {
            context.Record("2:4", layer.Node, false, "not selected by the layer pattern");
            return false;
        }
        if (options.Exclude is { } exclude && layer.Names.Any(exclude.IsMatch))
        {
            context.Record("2:4", layer.Node, false, "excluded by the layer pattern");
            return false;
        }
        return true;
    }

    /// <summary>Prunes <paramref name="rows"/> in place unless the layer is too sensitive (then rows are restored and false returned).</summary>
    private bool TryPrune(LinearLayer layer, float[] rows, double[]? hessian, PassContext context)
    {
        var original = (float[])rows.Clone();
        if (hessian is not null && hessian.Length != layer.K * layer.K)
        {
            throw new OnnxcException(DiagnosticIds.ShapeMismatch, $"calibration Hessian of '{layer.Activation.Name}' has {hessian.Length} entries, {layer.K}x{layer.K} expected");
        }
        if (options.Method == SparsityMethod.SparseGpt)
        {
            if (hessian is null)
            {
                context.Record("2:4", layer.Node, false, "no calibration data reached this layer (left dense)");
                return false;
            }
            SparseGptPruning.Prune(rows, layer.N, layer.K, hessian, options.Dampening);
        }
        else
        {
            MagnitudePruning.Prune(rows, layer.K);
        }
        if (options.MaxRelativeError is { } limit)
        {
            double error = PruningError.Relative(original, rows, layer.N, layer.K, hessian);
            if (error > limit)
            {
                original.CopyTo(rows, 0);
                context.Record("2:4", layer.Node, false, $"too sensitive: relative error {error:0.###} > {limit:0.###} (left dense)");
                return false;
            }
        }
        return true;
    }

    private static void ReplaceWeight(LinearLayer layer, float[] rows)
    {
        var graph = layer.Node.Graph!;
        var pruned = graph.AddInitializer(InitializerNames.Unique(graph, layer.Weight.Name + ".2of4"), layer.ToStoredTensor(rows));
        layer.Node.ReplaceInput(LinearLayer.WeightInput, pruned);
    }

    /// <summary>Removes the dense weight once nothing reads it, so the output does not carry both copies.</summary>
    private static void DropIfUnused(Value weight)
    {
        if (weight.Uses.Count > 0 || weight.IsGraphOutput || weight.IsGraphInput) return;
        if (weight.Initializer is not null) weight.OwningGraph?.RemoveInitializer(weight);
        else if (weight.Producer is { } constant && constant.Is("Constant")) constant.Graph?.Remove(constant);
    }
}
