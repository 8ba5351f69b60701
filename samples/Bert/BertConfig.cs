namespace Onnxc.Samples;

/// <summary>Size of a BERT encoder (HuggingFace BertModel layout: post-LN, erf GELU, pooler).</summary>
public sealed record BertConfig(int Layers, int Hidden, int Heads, int Intermediate, int VocabSize, int MaxPositions = 512,
    int TypeVocabSize = 2, float LayerNormEps = 1e-12f)
{
    /// <summary>2 layers, hidden 64, 4 heads: for fast tests.</summary>
    public static BertConfig Tiny { get; } = new(2, 64, 4, 256, 1000, 128);

    /// <summary>bert-base-uncased: 12 layers, hidden 768, 12 heads, FFN 3072, vocab 30522 (109,482,240 parameters).</summary>
    public static BertConfig BertBase { get; } = new(12, 768, 12, 3072, 30522);

    public int HeadSize => Hidden / Heads;

    /// <summary>Trainable parameters: embeddings, per-layer attention/FFN/LayerNorms, pooler.</summary>
    public long ParameterCount
    {
        get
        {
            long h = Hidden, f = Intermediate;
            long embeddings = (VocabSize + MaxPositions + TypeVocabSize) * h + 2 * h;
            long layer = 4 * (h * h + h) + h * f + f + f * h + h + 2 * 2 * h;
            return embeddings + Layers * layer + h * h + h;
        }
    }

    /// <summary>Initializer elements that are not parameters: the int64 position_ids buffer [1, MaxPositions].</summary>
    public long BufferElementCount => MaxPositions;

    internal void Validate()
    {
        SampleOpsets.Require(Layers > 0 && Hidden > 0 && Heads > 0 && Intermediate > 0 && VocabSize > 0 && MaxPositions > 0 && TypeVocabSize > 0,
            $"BERT sizes must be positive: {this}");
        SampleOpsets.Require(Hidden % Heads == 0, $"BERT hidden {Hidden} is not divisible by {Heads} heads");
    }
}
