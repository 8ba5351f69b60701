using Onnxc.Ir;

namespace Onnxc.Passes.Normalization;

/// <summary>One weight to re-center: input <paramref name="Index"/> of <paramref name="Consumer"/> gets a copy of it with zero mean along <paramref name="Axis"/>.</summary>
internal sealed record RecenterSite(Node Consumer, int Index, Value Constant, int Axis);

/// <summary>What the analysis found: the LayerNorms to convert and the weights to re-center, or why it cannot.</summary>
internal sealed record RmsNormPlan(IReadOnlyList<Node> LayerNorms, IReadOnlyList<RecenterSite> Sites, string? Refusal, Node? RefusedAt);

/// <summary>
/// Proves that every LayerNorm input in a graph (the residual stream of a Pre-LN transformer) has zero mean along
/// the normalized axis once the weights writing into it are re-centered (Jiang et al. 2023, "Pre-RMSNorm and
/// Pre-CRMSNorm Transformers"). The stream may only be read by LayerNorms and by the residual Adds; everything added
/// to it must be a linear map of constant weights (MatMul, Gemm, Conv, embedding Gather, constants) whose outputs
/// nobody else reads, so re-centering those weights changes no value outside the stream.
/// </summary>
internal sealed class ResidualStreamAnalysis
{
    private readonly HashSet<Value> _stream = new();
    private readonly List<RecenterSite> _sites = new();
    private readonly HashSet<Value> _readersChecked = new();
    private Node? _refusedAt;

    private ResidualStreamAnalysis()
    {
    }

    public static RmsNormPlan Analyze(Graph graph)
    {
        var layerNorms = graph.Nodes.Where(IsConvertibleLayerNorm).ToList();
        if (layerNorms.Count == 0) return new RmsNormPlan(layerNorms, Array.Empty<RecenterSite>(), "no LayerNormalization over the last axis", null);
        var analysis = new ResidualStreamAnalysis();
        foreach (var ln in layerNorms) analysis._stream.Add(ln.Input(0)!);
        var refusal = analysis.Prove();
        var sites = analysis._sites.DistinctBy(s => (s.Consumer, s.Index)).ToList();
        return new RmsNormPlan(layerNorms, refusal is null ? sites : Array.Empty<RecenterSite>(), refusal, analysis._refusedAt);
    }

    /// <summary>Standard LayerNormalization over the last axis of a float tensor whose mean/inv-std outputs are unused.</summary>
    public static bool IsConvertibleLayerNorm(Node node)
    {
        if (!node.Is("LayerNormalization") || node.Input(0) is not { } x || node.Input(1) is null) return false;
        if (x.ElementType is not DataType.Float) return false;
        long axis = node.GetInt("axis", -1);
        bool lastAxis = axis == -1 || (x.Shape is { } shape && axis == shape.Rank - 1);
        return lastAxis && node.Outputs.Skip(1).All(o => o.Uses.Count == 0 && !o.IsGraphOutput);
    }

    private string? Prove()
    {
        foreach (var value in _stream.ToList())
        {
            if (CheckReaders(value) is { } readers) return readers;
            if (value.Shape is not { Rank: > 0 } shape) return Refuse(value.Producer, $"residual stream value {value} has no known rank (run infer-shapes first)");
            if (ProveProducer(value, shape.Rank - 1) is { } writes) return writes;
        }
        return null;
    }

    /// <summary>Stream values may only be read by the LayerNorms being converted and by Adds that lead back into the stream.</summary>
    private string? CheckReaders(Value value)
    {
        if (!_readersChecked.Add(value)) return null;
        if (value.IsGraphOutput) return Refuse(value.Producer, $"residual stream value {value} is a graph output");
        foreach (var use in value.Uses)
        {
            var reader = use.Node;
            if (use.InputIndex == 0 && IsConvertibleLayerNorm(reader)) continue;
            if (reader.Is("Add"))
            {
                if (_stream.Contains(reader.Output())) continue;
                if (CheckReaders(reader.Output()) is { } inner) return inner;
                continue;
            }
            return Refuse(reader, $"residual stream value {value} is read by {reader}, which is not a LayerNorm");
        }
        return null;
    }

    /// <summary>Proves the producer of a stream value writes zero-mean data along <paramref name="axis"/>, collecting weights to re-center.</summary>
    private string? ProveProducer(Value value, int axis)
    {
        if (value.Producer is not { } node) return Refuse(null, $"residual stream value {value} is a graph input or constant, not computed from weights");
        return ProveNode(node, axis);
    }

    /// <summary>Proves <paramref name="value"/>, read at input <paramref name="index"/> of <paramref name="consumer"/>, can be made zero-mean along <paramref name="axis"/>.</summary>
    private string? ProveOperand(Node consumer, int index, int axis)
    {
        var value = consumer.Input(index)!;
        if (_stream.Contains(value) && value.Shape is { } s && axis == s.Rank - 1) return null; // proved on its own
        if (value.Initializer is { } tensor)
        {
            if (value.IsGraphInput) return Refuse(consumer, $"{value} written to the residual stream is an overridable initializer");
            if (tensor.ElementType != DataType.Float) return Refuse(consumer, $"{value} written to the residual stream is not float32");
            if (tensor.Dims[axis] <= 1) return Refuse(consumer, $"{value} broadcasts across the hidden dimension, so it cannot be re-centered");
            _sites.Add(new RecenterSite(consumer, index, value, axis));
            return null;
        }
        if (value.Producer is not { } producer) return Refuse(consumer, $"{value} written to the residual stream is a graph input");
        if (producer.OpType is "LayerNormalization" or "SimplifiedLayerNormalization") return ProveNode(producer, axis); // post-LN: named there
        // Re-centering changes this value, so nothing but the stream may read it.
        // Shape and Size read only the type, which re-centering keeps (ViT reads the patch tensor's shape for the class token).
        if (value.IsGraphOutput || value.Uses.Count(u => !u.Node.Is("Shape") && !u.Node.Is("Size")) != 1) return Refuse(producer, $"{value} written to the residual stream is also read elsewhere");
        return ProveNode(producer, axis);
    }

    private string? ProveNode(Node node, int axis)
    {
        var output = node.Output();
        int rank = output.Shape?.Rank ?? -1;
        if (node.Domain.Length > 0) return NotLinear(node);
        // Post-LN: a LayerNorm's output is itself (part of) the stream, and its mean is not zero.
        if (node.OpType is "LayerNormalization" or "SimplifiedLayerNormalization") return Refuse(node, $"post-LN: LayerNorm output {output} feeds the residual stream");
        switch (node.OpType)
        {
            case "Add":
                for (int i = 0; i < 2; i++)
                {
                    if (MapBroadcastAxis(node.Input(i), rank, axis) is not { } operandAxis)
                    {
                        return Refuse(node, $"{node.Input(i)} broadcasts across the hidden dimension, so it cannot be re-centered");
                    }
                    if (ProveOperand(node, i, operandAxis) is { } reason) return reason;
                }
                return null;
            case "MatMul":
                if (rank < 2 || axis != rank - 1 || !IsConstantMatrix(node.Input(1))) return NotLinear(node);
                return ProveOperand(node, 1, 1);
            case "Gemm":
                if (axis != 1 || !IsConstantMatrix(node.Input(1))) return NotLinear(node);
                if (ProveOperand(node, 1, node.GetInt("transB", 0) != 0 ? 0 : 1) is { } weight) return weight;
                if (node.Input(2) is null) return null;
                return MapBroadcastAxis(node.Input(2), 2, 1) is { } biasAxis ? ProveOperand(node, 2, biasAxis) : NotLinear(node);
            case "Conv":
                if (axis != 1 || node.GetInt("group", 1) != 1 || node.Input(1)?.Initializer is null) return NotLinear(node);
                if (ProveOperand(node, 1, 0) is { } kernel) return kernel;
                return node.Input(2) is null ? null : ProveOperand(node, 2, 0);
            case "Gather":
                {
                    if (node.Input(0)?.Initializer is not { } table || node.Input(1)?.Shape is not { } ids) return NotLinear(node);
                    if (Normalize(node.GetInt("axis", 0), table.Rank) != 0) return NotLinear(node);
                    int tableAxis = axis - ids.Rank + 1;
                    return tableAxis >= 1 ? ProveOperand(node, 0, tableAxis) : NotLinear(node);
                }
            case "Concat":
                if (Normalize(node.GetInt("axis", 0), rank) == axis) return Refuse(node, $"{node} concatenates along the hidden dimension");
                for (int i = 0; i < node.Inputs.Count; i++)
                {
                    if (ProveOperand(node, i, axis) is { } reason) return reason;
                }
                return null;
            case "Transpose":
                {
                    var perm = node.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(p => (long)p).ToArray();
                    return axis < perm.Length ? ProveOperand(node, 0, (int)perm[axis]) : NotLinear(node);
                }
            case "Reshape" or "Flatten":
                // The hidden coordinate of every element survives when all dims up to and including it are unchanged.
                if (node.Input(0)?.Shape is not { } inShape || output.Shape is not { } outShape || inShape.Rank <= axis) return NotLinear(node);
                for (int a = 0; a <= axis; a++)
                {
                    if (!inShape[a].Equals(outShape[a]) || (!inShape[a].IsStatic && inShape[a].Symbol is null)) return Refuse(node, $"{node} moves the hidden dimension");
                }
                return ProveOperand(node, 0, axis);
            case "Expand":
                // Broadcasting copies values along other axes (ViT's class token): zero mean along the hidden axis survives.
                return MapBroadcastAxis(node.Input(0), rank, axis) is { } expanded ? ProveOperand(node, 0, expanded) : NotLinear(node);
            case "Identity" or "Dropout":
                return ProveOperand(node, 0, axis);
            default:
                return NotLinear(node);
        }
    }

    /// <summary>The axis of a broadcast operand matching output axis <paramref name="axis"/>, or null when the operand is broadcast along it.</summary>
    private static int? MapBroadcastAxis(Value? operand, int outputRank, int axis)
    {
        if (operand?.Shape is not { } shape || outputRank < 0) return null;
        int mapped = axis - (outputRank - shape.Rank);
        if (mapped < 0) return null;
        return shape[mapped].Value == 1 ? null : mapped;
    }

    private static bool IsConstantMatrix(Value? value) => value is { Initializer: { Rank: 2 } } && !value.IsGraphInput;

    private static int Normalize(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    private string NotLinear(Node node) => Refuse(node, $"write from {node} is not a linear layer with constant weights");

    private string Refuse(Node? node, string reason)
    {
        _refusedAt ??= node;
        return reason;
    }
}
