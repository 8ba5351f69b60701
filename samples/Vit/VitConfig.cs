namespace Onnxc.Samples;

/// <summary>Size of a Vision Transformer (timm layout: Conv patch embedding, CLS token, pre-LN blocks, fused QKV, erf GELU).</summary>
public sealed record VitConfig(int ImageSize, int PatchSize, int Channels, int Layers, int Hidden, int Heads, int MlpDim, int Classes,
    float LayerNormEps = 1e-6f)
{
    /// <summary>32×32×3 images, patch 8, 2 layers, hidden 64, 4 heads: for fast tests.</summary>
    public static VitConfig Tiny { get; } = new(32, 8, 3, 2, 64, 4, 256, 10);

    /// <summary>ViT-B/16: 224×224×3, patch 16, 12 layers, hidden 768, 12 heads, MLP 3072, 1000 classes (86,567,656 parameters).</summary>
    public static VitConfig VitB16 { get; } = new(224, 16, 3, 12, 768, 12, 3072, 1000);

    public int HeadSize => Hidden / Heads;

    /// <summary>Patches per image.</summary>
    public int PatchCount => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    /// <summary>Tokens per image: the patches plus the CLS token.</summary>
    public int Tokens => PatchCount + 1;

    public long ParameterCount
    {
        get
        {
            long h = Hidden, f = MlpDim;
            long embedding = (long)Channels * PatchSize * PatchSize * h + h + h + Tokens * h;
            long layer = 2 * 2 * h + (h * 3 * h + 3 * h) + (h * h + h) + (h * f + f) + (f * h + h);
            return embedding + Layers * layer + 2 * h + h * Classes + Classes;
        }
    }

    /// <summary>ViT has no buffers: every initializer is a parameter.</summary>
    public long BufferElementCount => 0;

    internal void Validate()
    {
        SampleOpsets.Require(ImageSize > 0 && PatchSize > 0 && Channels > 0 && Layers > 0 && Hidden > 0 && Heads > 0 && MlpDim > 0 && Classes > 0,
            $"ViT sizes must be positive: {this}");
        SampleOpsets.Require(ImageSize % PatchSize == 0, $"ViT image size {ImageSize} is not a multiple of patch size {PatchSize}");
        SampleOpsets.Require(Hidden % Heads == 0, $"ViT hidden {Hidden} is not divisible by {Heads} heads");
    }
}
