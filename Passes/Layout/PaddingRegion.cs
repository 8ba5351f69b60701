using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Layout;

/// <summary>
/// The values that widen together when one linear layer's reduction dimension K is padded: its activation and
/// everything elementwise between that activation and the linear layers that produce it, with every reader of
/// those values. Found by <see cref="Grow"/> from one consumer; refused, with the reason, when a value escapes (a
/// graph output, a reader that is not elementwise or a linear layer) or a padded column could become non-finite.
/// </summary>
/// <param name="Values">The widened values (last dimension K), producers' outputs included.</param>
/// <param name="Sources">Linear layers whose output columns (N = K) get zero weight columns.</param>
/// <param name="Sinks">Linear layers whose reduction rows (K) get zero weight rows.</param>
/// <param name="Vectors">Constant inputs of the elementwise nodes that run along K (biases) and get zeros appended.</param>
public sealed record PaddingRegion(
    IReadOnlyCollection<Value> Values, IReadOnlyList<LinearLayerMatch> Sources, IReadOnlyList<LinearLayerMatch> Sinks,
    IReadOnlyList<(Node Node, int Index)> Vectors)
{
    /// <summary>The largest region followed; an FFN has under ten values.</summary>
    private const int MaxValues = 64;

    public static (PaddingRegion? Region, string? Reason) Grow(LinearLayerMatch consumer, LinearLayerRequirements layers)
    {
        long k = consumer.K;
        var values = new HashSet<Value>();
        var nodes = new HashSet<Node>();
        var sources = new List<LinearLayerMatch>();
        var sinks = new Dictionary<Node, LinearLayerMatch>();
        var vectors = new List<(Node, int)>();
        var pending = new Queue<Value>();
        pending.Enqueue(consumer.Activation);
        values.Add(consumer.Activation);
        while (pending.Count > 0)
        {
            var value = pending.Dequeue();
            if (values.Count > MaxValues) return Refuse($"more than {MaxValues} values would widen with {consumer.Activation}");
            if (value.IsGraphOutput || value.IsGraphInput || value.IsInitializer) return Refuse($"{value} is a graph input, output or constant");
            if (value.Shape is not { Rank: > 0 } shape || shape[^1].Value != k) return Refuse($"the last dimension of {value} is not known to be {k}");
            foreach (var use in value.Uses)
            {
                if (nodes.Contains(use.Node) || sinks.ContainsKey(use.Node)) continue;
                if (use.InputIndex == 0 && LinearLayerMatcher.Find(use.Node, layers).Value is { } sink && sink.K == k)
                {
                    sinks.Add(use.Node, sink);
                    continue;
                }
                if (Visit(use.Node) is { } problem) return Refuse(problem);
            }
            var producer = value.Producer!;
            if (nodes.Contains(producer)) continue;
            if (LinearLayerMatcher.Find(producer, layers).Value is { } source && source.N == k && !values.Contains(source.Activation))
            {
                if (SourceProblem(source) is { } problem) return Refuse(problem);
                sources.Add(source);
                continue;
            }
            if (Visit(producer) is { } refusal) return Refuse(refusal);
        }
        if (sources.Count == 0) return Refuse($"no linear layer produces {consumer.Activation}");
        if (PadValues.Check(nodes, sources, values) is { } nonFinite) return Refuse(nonFinite);
        return (new PaddingRegion(values, sources, sinks.Values.ToList(), vectors), null);

        // An elementwise node joins: its K-wide operands widen with it, its constants must be scalars or K-vectors.
        string? Visit(Node node)
        {
            if (!ElementwiseOps.Widenable(node)) return $"{node} reads a K-wide value and is not an elementwise op onnxc can widen";
            nodes.Add(node);
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (node.Inputs[i] is not { } input) continue;
                if (Patterns.ConstantTensor(input) is { } constant)
                {
                    if (constant.ElementCount == 1) continue;
                    if (constant.Rank == 0 || constant.Dims[^1] != k || constant.Dims.Take(constant.Rank - 1).Any(d => d != 1))
                    {
                        return $"{node} reads constant {input} of shape [{string.Join(",", constant.Dims)}], neither a scalar nor a vector along K";
                    }
                    if (!ElementwiseOps.ZeroPaddable(node, i)) return $"{node} divides by {input}; zero padding would make it infinite";
                    vectors.Add((node, i));
                    continue;
                }
                if (values.Add(input)) pending.Enqueue(input);
            }
            if (node.Outputs.Count != 1) return $"{node} has {node.Outputs.Count} outputs";
            if (values.Add(node.Output(0))) pending.Enqueue(node.Output(0));
            return null;
        }

        (PaddingRegion?, string?) Refuse(string reason) => (null, reason);
    }

    /// <summary>What keeps a producing layer's new columns from holding a known constant, or null.</summary>
    private static string? SourceProblem(LinearLayerMatch source)
    {
        if (source.GemmBias is not { } bias) return null;
        if (Patterns.ConstantTensor(bias) is not { } tensor) return $"{source.Node}'s bias is not a constant";
        if (tensor.ElementCount == 1 || (tensor.Rank > 0 && tensor.Dims[^1] == source.N && tensor.ElementCount == source.N)) return null;
        return $"{source.Node}'s bias is not a scalar or a row of {source.N}";
    }
}
