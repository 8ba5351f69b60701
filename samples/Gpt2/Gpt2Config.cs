namespace Onnxc.Samples;

/// <summary>Size of a GPT-2 language model (nanoGPT layout: pre-LN, fused c_attn, tanh GELU, tied LM head).</summary>
public sealed record Gpt2Config(int Layers, int Hidden, int Heads, int VocabSize, int Context, float LayerNormEps = 1e-5f)
{
    /// <summary>2 layers, hidden 64, 4 heads, context 128: for fast tests.</summary>
    public static Gpt2Config Tiny { get; } = new(2, 64, 4, 1000, 128);

    /// <summary>GPT-2 small: 12 layers, hidden 768, 12 heads, vocab 50257, context 1024 (124,439,808 parameters).</summary>
    public static Gpt2Config Gpt2Small { get; } = new(12, 768, 12, 50257, 1024);

    public int HeadSize => Hidden / Heads;

    /// <summary>MLP width, 4 × hidden as in GPT-2.</summary>
    public int Inner => 4 * Hidden;

    /// <summary>Trainable parameters (the LM head shares wte, so it is not counted again).</summary>
    public long ParameterCount
    {
        get
        {
            long h = Hidden, f = Inner;
            long layer = 2 * 2 * h + (h * 3 * h + 3 * h) + (h * h + h) + (h * f + f) + (f * h + h);
            return (long)VocabSize * h + (long)Context * h + Layers * layer + 2 * h;
        }
    }

    /// <summary>Initializer elements that are not parameters: the tril mask [1,1,ctx,ctx] and the LM head's transposed copy of wte.</summary>
    public long BufferElementCount => (long)Context * Context + (long)VocabSize * Hidden;

    internal void Validate()
    {
        SampleOpsets.Require(Layers > 0 && Hidden > 0 && Heads > 0 && VocabSize > 0 && Context > 0, $"GPT-2 sizes must be positive: {this}");
        SampleOpsets.Require(Hidden % Heads == 0, $"GPT-2 hidden {Hidden} is not divisible by {Heads} heads");
    }
}
