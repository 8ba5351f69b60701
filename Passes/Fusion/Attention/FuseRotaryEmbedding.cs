using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Fusion.Attention;

/// <summary>
/// Llama's decomposed rotary embedding, x·cos + rotate_half(x)·sin on a [B, H, S, D] head tensor with cos/sin gathered
/// from [max_positions, D] caches at Range(0, S) → com.microsoft RotaryEmbedding (interleaved=0, position_ids = [0],
/// which ORT reads as "positions start at 0") with the caches halved to [max_positions, D/2]; at explicit position ids
/// [B, S] (HF's cos_cached[position_ids]) RotaryEmbedding reads those ids. cos/sin computed at run time (HF ≥ 4.38)
/// become caches computed at run time (<see cref="ComputedRotaryCaches"/>).
/// </summary>
public sealed class FuseRotaryEmbedding(AttentionAnalysis analysis) : RewriteRule<RotaryMatch>
{
    public override string Name => "rotary-embedding";

    public override string RootOp => "Add";

    protected override Match<RotaryMatch> Find(Node root)
    {
        // Which Mul carries the rotated half: the one with a Concat operand.
        for (int side = 0; side < 2; side++)
        {
            if (Patterns.Producer(root.Input(side), "Mul") is not { } sinMul || Patterns.Producer(root.Input(1 - side), "Mul") is not { } cosMul) continue;
            for (int r = 0; r < 2; r++)
            {
                if (Patterns.Producer(sinMul.Input(r), "Concat") is not { } concat) continue;
                return FindWith(root, cosMul, sinMul, concat, sinMul.Input(1 - r)!);
            }
        }
        return Match<RotaryMatch>.None;
    }

    protected override void Rewrite(RotaryMatch m, Rewriter rewriter)
    {
        string hint = (m.Root.Name ?? "rotary").Replace('/', '_').Trim('_');
        var (positions, cos, sin) = m.Caches.Emit(rewriter, hint);
        var node = rewriter.Add("RotaryEmbedding", new[] { m.Input, positions, cos, sin }, domain: AttentionBuilder.MicrosoftDomain,
            attributes: new[] { Attribute.Int("interleaved", 0), Attribute.Int("num_heads", m.Heads) }, name: hint + "_RotaryEmbedding");
        rewriter.Replace(m.Root.Output(0), node.Output(0));
        rewriter.RemoveIfUnused(m.Nodes);
    }

    private Match<RotaryMatch> FindWith(Node root, Node cosMul, Node sinMul, Node concat, Value sinOperand)
    {
        var facts = analysis.Facts;
        // From here on the structure is a rotate-half candidate: report why it is refused.
        var rotated = RotateHalf.Find(concat, facts);
        if (rotated.Value is not { } half) return Match<RotaryMatch>.Miss(rotated.Reason!);
        Value x = half.Input;
        Value? cosOperand = ReferenceEquals(cosMul.Input(0), x) ? cosMul.Input(1) : ReferenceEquals(cosMul.Input(1), x) ? cosMul.Input(0) : null;
        if (cosOperand is null) return Match<RotaryMatch>.Miss("the cos product does not read the tensor that rotate_half slices");
        if (x.ElementType is not DataType.Float) return Match<RotaryMatch>.Miss("rotary input is not float32");
        if (x.Shape is not { Rank: 4 } shape || !shape[1].IsStatic || !shape[3].IsStatic)
            return Match<RotaryMatch>.Miss("rotary input is not known to be [batch, heads, sequence, head_size] with constant heads and head size");
        long heads = shape[1].Value!.Value, headSize = shape[3].Value!.Value;
        if (half.HeadSize != headSize || half.SecondEnd < headSize)
            return Match<RotaryMatch>.Miss($"rotate_half splits at {half.HeadSize / 2} and ends at {half.SecondEnd}, not at half and end of the head size {headSize}");

        var found = RotaryCaches.Find(cosOperand, sinOperand, shape, headSize, facts);
        if (found.Value is not { } caches) return Match<RotaryMatch>.Miss(found.Reason!);

        if (!Patterns.HasSingleUse(cosMul.Output(0)) || !Patterns.HasSingleUse(sinMul.Output(0)) || !Patterns.HasSingleUse(concat.Output(0)))
            return Match<RotaryMatch>.Miss("rotary products have other readers");
        var nodes = new List<Node> { root, cosMul, sinMul };
        nodes.AddRange(half.Nodes);
        nodes.AddRange(caches.Nodes);
        return new RotaryMatch(root, x, caches, heads, headSize, nodes);
    }
}
