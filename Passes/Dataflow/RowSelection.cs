using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Dataflow;

/// <summary>
/// The edits of <see cref="SelectRowsEarly"/>: a row selection is <c>Gather(x, [i], axis=1)</c> on a [B, S, H]
/// value (the token axis kept, size 1). Moving it above an op means selecting the op's row-aligned inputs instead
/// and running the op on [B, 1, ·]; which inputs are row-aligned is decided per op, and any op or input this file
/// does not know stops the move.
/// </summary>
internal static class RowSelection
{
    private enum Role { Select, Keep }

    private static readonly HashSet<string> Unary = new(StringComparer.Ordinal) { "Relu", "Gelu", "Tanh", "Sigmoid", "Erf", "Neg", "Abs" };

    private static readonly HashSet<string> MicrosoftUnary = new(StringComparer.Ordinal) { "Gelu", "QuickGelu" };

    private static readonly HashSet<string> Binary = new(StringComparer.Ordinal) { "Add", "Sub", "Mul", "Div" };

    /// <summary><c>Gather(h, i, axis=1)</c> with a constant scalar i on a 3-D h: a classifier reading one token.</summary>
    public static bool IsTokenPick(Node node) =>
        node.Is("Gather") && node.Input(0) is { Shape.Rank: 3 } && node.GetInt("axis", 0) is 1 or -2
        && Patterns.ConstantTensor(node.Input(1)) is { Rank: 0, ElementType: DataType.Int64 or DataType.Int32 };

    /// <summary>Whether a selection of <paramref name="value"/> (its only reader) could move above its producer, or why not.</summary>
    public static bool CanMoveAbove(Value value, out string? reason)
    {
        reason = value.IsGraphOutput || value.Uses.Count != 1 ? $"{value} is read in full elsewhere" : ProducerRefusal(value);
        return reason is null;
    }

    /// <summary>
    /// Rewrites the pick <c>Gather(h, i)</c> into <c>Gather(Gather(h, [i], axis=1), 0)</c> and returns the inner
    /// selection, the node that then moves up.
    /// </summary>
    public static Node SplitPick(Graph graph, Node pick)
    {
        var source = pick.Input(0)!;
        bool wide = Patterns.ConstantTensor(pick.Input(1))!.ElementType == DataType.Int64;
        long token = (long)Patterns.ScalarConstant(pick.Input(1))!.Value;
        Tensor row = wide ? Tensor.Vector(token) : Tensor.Vector((int)token);
        var rowIndex = graph.AddInitializer((pick.Name ?? "pick") + "_row", row);
        var selection = new Node("Gather", new[] { source, rowIndex }, new[] { source.Name + "_row" }, attributes: new[] { Ir.Attribute.Int("axis", 1) }, name: (pick.Name ?? "pick") + "_row");
        graph.InsertBefore(pick, selection);
        selection.Output(0).Type = OneRow(source);
        pick.ReplaceInput(0, selection.Output(0));
        pick.ReplaceInput(1, graph.AddInitializer((pick.Name ?? "pick") + "_first", wide ? Tensor.Scalar(0L) : Tensor.Scalar(0)));
        return selection;
    }

    /// <summary>
    /// Moves <paramref name="selection"/> above the op that produces its input: the op is recreated on the selected
    /// rows of its row-aligned inputs. Returns the new selections (one per row-aligned input), or null when the
    /// op or one of its inputs does not allow it.
    /// </summary>
    public static IReadOnlyList<Node>? MoveAbove(Model model, Node selection)
    {
        var value = selection.Input(0)!;
        // Every reader must want the same row (a block's residual stream is read by its norm and its residual Add,
        // and both selections arrive here once the ops after them have moved).
        var selections = value.Uses.Select(u => u.Node).Distinct().ToList();
        if (value.IsGraphOutput || !selections.All(reader => SelectsSameRow(reader, selection))) return null;
        var first = model.Graph.Nodes.First(selections.Contains);
        var rewriter = new Rewriter(model, model.Graph, first);
        if (ProducerRefusal(value) is not null)
        {
            // The selections stop here: one of them serves every reader.
            foreach (var other in selections.Where(s => !ReferenceEquals(s, first))) rewriter.Replace(other.Output(0), first.Output(0));
            rewriter.RemoveIfUnused(selections.Where(s => !ReferenceEquals(s, first)));
            return null;
        }
        var op = value.Producer!;
        var roles = Roles(op, value)!;
        var above = new List<Node>();
        var inputs = new List<Value?>();
        for (int i = 0; i < op.Inputs.Count; i++)
        {
            if (roles[i] == Role.Keep)
            {
                inputs.Add(op.Inputs[i]);
                continue;
            }
            var input = op.Inputs[i]!;
            var picked = rewriter.Add("Gather", new[] { input, selection.Input(1) }, attributes: new[] { Ir.Attribute.Int("axis", 1) }, name: input.Name + "_row");
            picked.Output(0).Type = OneRow(input);
            above.Add(picked);
            inputs.Add(picked.Output(0));
        }
        var onRow = rewriter.Add(op.OpType, inputs, 1, op.Domain, op.Attributes, name: (op.Name ?? op.OpType) + "_row");
        onRow.Output(0).Type = selection.Output(0).Type;
        foreach (var reader in selections) rewriter.Replace(reader.Output(0), onRow.Output(0));
        rewriter.RemoveIfUnused(selections.Append(op));
        return above;
    }

    /// <summary><paramref name="node"/> is a row selection with the same constant index as <paramref name="selection"/>.</summary>
    private static bool SelectsSameRow(Node node, Node selection) =>
        node.Is("Gather") && node.GetInt("axis", 0) == 1 && ReferenceEquals(node.Input(0), selection.Input(0))
        && Patterns.ConstantTensor(node.Input(1)) is { } index && Patterns.ConstantTensor(selection.Input(1)) is { } wanted && index.ContentEquals(wanted);

    /// <summary>Why the op producing <paramref name="value"/> cannot run on one row, or null.</summary>
    private static string? ProducerRefusal(Value value)
    {
        if (value.Producer is not { } op) return $"{value} is a graph input or constant";
        if (value.Shape is not { Rank: 3 } shape || shape[1].Value == 1) return $"{value} is not known to be [B, S, H] with S > 1";
        if (op.Outputs.Skip(1).Any(o => o.Uses.Count > 0 || o.IsGraphOutput)) return $"{op} has other outputs that are read";
        return Roles(op, value) is null ? $"{op} is not a row-wise op onnxc can run on one row" : null;
    }

    /// <summary>For each input of <paramref name="op"/>: select its row or keep it; null when the op is not row-wise.</summary>
    private static Role[]? Roles(Node op, Value output)
    {
        var roles = new Role[op.Inputs.Count];
        for (int i = 0; i < roles.Length; i++)
        {
            if (op.Inputs[i] is not { } input)
            {
                roles[i] = Role.Keep;
                continue;
            }
            if (InputRole(op, i, input, output) is not { } role) return null;
            roles[i] = role;
        }
        return roles;
    }

    private static Role? InputRole(Node op, int index, Value input, Value output)
    {
        bool constant = Patterns.ConstantTensor(input) is not null;
        bool vector = Patterns.ConstantTensor(input) is { Rank: <= 1 };
        if (op.Domain.Length == 0)
        {
            if (op.OpType == "MatMul") return index == 0 ? RowAligned(input, output) : Patterns.ConstantTensor(input) is { Rank: 2 } ? Role.Keep : null;
            if (op.OpType is "LayerNormalization" or "SimplifiedLayerNormalization")
            {
                if (op.GetInt("axis", -1) is not (-1 or 2)) return null;
                return index == 0 ? RowAligned(input, output) : vector ? Role.Keep : null;
            }
            if (Unary.Contains(op.OpType)) return RowAligned(input, output);
            if (Binary.Contains(op.OpType)) return constant ? (BroadcastsOverRows(input) ? Role.Keep : null) : RowAligned(input, output) ?? (BroadcastsOverRows(input) ? Role.Keep : null);
            return null;
        }
        if (op.Domain != "com.microsoft") return null;
        if (MicrosoftUnary.Contains(op.OpType)) return RowAligned(input, output);
        if (op.OpType is "BiasGelu" or "FastGelu") return index == 0 ? RowAligned(input, output) : vector ? Role.Keep : null;
        if (op.OpType == "MultiHeadAttention")
        {
            // Row i of non-causal attention reads query i and every key and value; masks, caches and causality are
            // per query position, so they stop the move.
            if (op.GetInt("unidirectional", 0) != 0 || index > 3) return null;
            if (index == 0) return RowAligned(input, output);
            return index < 3 ? (input.Shape is { Rank: 3 } ? Role.Keep : null) : constant ? Role.Keep : null;
        }
        return null;
    }

    /// <summary>Select when <paramref name="input"/> has the output's token axis (not 1, not broadcast).</summary>
    private static Role? RowAligned(Value input, Value output) =>
        input.Shape is { Rank: 3 } shape && output.Shape is { Rank: 3 } result && shape[1] == result[1] && shape[1].Value != 1 && (shape[1].IsStatic || shape[1].Symbol is not null)
            ? Role.Select
            : null;

    /// <summary>A value that is the same for every token: a scalar, an [H] vector, or [.., 1, H].</summary>
    private static bool BroadcastsOverRows(Value input) =>
        input.Shape is { } shape && (shape.Rank <= 1 || (shape.Rank == 3 && shape[1].Value == 1) || (shape.Rank == 2 && shape[0].Value == 1));

    private static TensorType OneRow(Value value)
    {
        var shape = value.Shape!;
        return new TensorType(value.ElementType!.Value, new Shape(new[] { shape[0], Dim.Of(1), shape[2] }));
    }
}
