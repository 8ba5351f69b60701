namespace Onnxc.Samples;

/// <summary>Size of a Llama decoder (HuggingFace layout: RMSNorm, rotary embeddings, SwiGLU MLP, no biases, untied head).</summary>
public sealed record LlamaConfig(int Layers, int Hidden, int Heads, int Intermediate, int VocabSize, int MaxPositions,
    float RmsNormEps = 1e-6f, float RopeTheta = 10000f)
{
    /// <summary>2 layers, hidden 64, 4 heads, 128 positions: for fast tests.</summary>
    public static LlamaConfig Tiny { get; } = new(2, 64, 4, 176, 1000, 128);

    /// <summary>A small Llama: 8 layers, hidden 512, 8 heads, SwiGLU 1376, vocab 32000, 2048 positions (about 58M parameters).</summary>
    public static LlamaConfig Small { get; } = new(8, 512, 8, 1376, 32000, 2048);

    public int HeadSize => Hidden / Heads;

    public long ParameterCount
    {
        get
        {
            long h = Hidden, f = Intermediate;
            long layer = 2 * h + 4 * h * h + 3 * h * f;
            return 2L * VocabSize * h + Layers * layer + h;
        }
    }

    /// <summary>Initializer elements that are not parameters: the rotary cos and sin caches [MaxPositions, HeadSize].</summary>
    public long BufferElementCount => 2L * MaxPositions * HeadSize;

    internal void Validate()
    {
        SampleOpsets.Require(Layers > 0 && Hidden > 0 && Heads > 0 && Intermediate > 0 && VocabSize > 0 && MaxPositions > 0,
            $"Llama sizes must be positive: {this}");
        SampleOpsets.Require(Hidden % Heads == 0, $"Llama hidden {Hidden} is not divisible by {Heads} heads");
        SampleOpsets.Require(HeadSize % 2 == 0, $"Llama head size {HeadSize} must be even for rotary embeddings");
    }
}
