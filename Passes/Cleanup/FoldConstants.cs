using Onnxc.Ir;
using Onnxc.Passes.Cleanup.Folding;

namespace Onnxc.Passes.Cleanup;

/// <summary>
/// Replaces nodes whose inputs are all constants (and Shape/Size of statically shaped values) by initializers holding
/// their result, and turns Constant nodes into initializers so later passes see one kind of constant. Only small
/// results are folded, and never a small constant grown into a large one (ConstantOfShape, Expand, Tile, Range).
/// </summary>
public sealed class FoldConstants : IPass
{
    /// <summary>Largest result (elements) folded: shape tensors and small tables, never weights.</summary>
    public const long MaxFoldedElements = 1 << 16;

    /// <summary>Results above this size are folded only when they are no larger than their inputs together.</summary>
    public const long MaxGrownElements = 1024;

    public string Name => "fold-constants";

    public string Description => "evaluate nodes with constant inputs (shape arithmetic, small tensors) into initializers";

    public PassResult Run(Model model, PassContext context)
    {
        int folded = 0, constants = 0;
        long opset = model.OpsetVersion("") ?? 21;
        // Function bodies are left alone: they cannot hold initializers.
        foreach (var graph in GraphWalk.WithSubgraphs(model.Graph).ToList())
        {
            foreach (var node in graph.TopologicalOrder())
            {
                if (node.Domain.Length > 0 && node.Domain != "ai.onnx") continue;
                if (node.OpType == "Constant")
                {
                    if (TryMakeInitializer(graph, node)) constants++;
                }
                else if (FoldEvaluator.Ops.Contains(node.OpType) && TryFold(graph, node, opset))
                {
                    folded++;
                }
            }
        }
        return PassResult.Of(("folded-nodes", folded), ("constants-to-initializers", constants));
    }

    private static bool TryMakeInitializer(Graph graph, Node node)
    {
        var output = node.Output();
        if (output.IsGraphOutput || ConstantAttribute(node) is not { } tensor) return false;
        Replace(graph, node, tensor);
        return true;
    }

    /// <summary>The tensor a Constant node holds, from whichever of its value attributes is set (sparse values excluded).</summary>
    private static Tensor? ConstantAttribute(Node node)
    {
        if (node.Attributes.Count != 1) return null;
        var attribute = node.Attributes[0];
        if (attribute.RefAttributeName is not null) return null;
        return attribute.Name switch
        {
            "value" when attribute.Kind == AttributeKind.Tensor => attribute.AsTensor(),
            "value_float" => Tensor.Scalar(attribute.AsFloat()),
            "value_floats" => Tensor.Vector(attribute.AsFloats()),
            "value_int" => Tensor.Scalar(attribute.AsInt()),
            "value_ints" => Tensor.Vector(attribute.AsInts()),
            _ => null,
        };
    }

    private static bool TryFold(Graph graph, Node node, long opset)
    {
        if (node.Outputs.Count != 1 || node.Output().IsGraphOutput || node.Subgraphs.Any()) return false;
        var inputs = new List<HostTensor?>(node.Inputs.Count);
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            var input = node.Inputs[i];
            if (input is null || (i == 0 && FoldEvaluator.ReadsOnlyShape(node.OpType)))
            {
                inputs.Add(null);
                continue;
            }
            if (input.Initializer is not { } tensor || input.IsGraphInput || tensor.ElementCount > MaxFoldedElements) return false;
            if (HostTensor.FromTensor(tensor) is not { } host) return false;
            inputs.Add(host);
        }
        if (PlannedCount(node, inputs) is { } planned && !Allowed(planned, inputs)) return false;
        HostTensor? result;
        try
        {
            result = FoldEvaluator.Evaluate(node, inputs, opset);
        }
        catch (Exception e) when (e is OverflowException or ArgumentException or IndexOutOfRangeException or Ir.Inference.ShapeInferenceException)
        {
            return false; // malformed constants: leave the error to run time, where it is reported with context
        }
        if (result is null || !Allowed(result.Count, inputs)) return false;
        if (node.Output().ElementType is { } declared && declared != result.ElementType) return false;
        Replace(graph, node, result.ToTensor());
        return true;
    }

    private static bool Allowed(long count, List<HostTensor?> inputs) =>
        count <= MaxFoldedElements && (count <= MaxGrownElements || count <= inputs.Sum(i => i?.Count ?? 0));

    /// <summary>The result size of ops that can grow their input, computed before evaluating so nothing large is allocated.</summary>
    private static long? PlannedCount(Node node, List<HostTensor?> inputs)
    {
        HostTensor? In(int i) => i < inputs.Count ? inputs[i] : null;
        try
        {
            switch (node.OpType)
            {
                case "ConstantOfShape": return In(0)?.AsInt64s() is { } shape && shape.All(d => d >= 0) ? IndexMath.Product(shape) : long.MaxValue;
                case "Expand":
                    return In(0) is { } data && In(1)?.AsInt64s() is { } target && IndexMath.Broadcast(new[] { data.Dims, target }) is { } dims
                        ? IndexMath.Product(dims) : long.MaxValue;
                case "Tile":
                    return In(0) is { } tiled && In(1)?.AsInt64s() is { } repeats && repeats.Length == tiled.Rank
                        ? IndexMath.Product(tiled.Dims.Zip(repeats, (d, r) => d * Math.Max(0, r))) : long.MaxValue;
                case "Range": return null; // bounded by the int.MaxValue check and then by the result size check
                default:
                    var present = inputs.Where(i => i is not null).Select(i => i!.Dims).ToList();
                    return present.Count > 1 && IndexMath.Broadcast(present) is { } broadcast ? IndexMath.Product(broadcast) : null;
            }
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    /// <summary>Makes readers of <paramref name="node"/>'s output read a new initializer instead, and drops the node.</summary>
    private static void Replace(Graph graph, Node node, Tensor tensor)
    {
        var output = node.Output();
        var constant = graph.AddInitializer(output.Name, tensor);
        output.ReplaceAllUsesWith(constant);
        graph.Remove(node);
    }
}
