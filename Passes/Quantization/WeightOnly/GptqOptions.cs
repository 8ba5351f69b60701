namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>GPTQ settings (Frantar et al., 2022): dampening as a fraction of the mean Hessian diagonal, lazy batch width, act-order.</summary>
public sealed record GptqOptions
{
    public double DampPercent { get; init; } = 0.01;

    /// <summary>Columns updated together before the rest of the matrix sees their error (rounded up to whole blocks).</summary>
    public int LazyBatch { get; init; } = 128;

    /// <summary>
    /// Quantize columns in order of decreasing Hessian diagonal. Block parameters are fixed from the original weights
    /// first (GPTQ's "static groups"), so the result keeps MatMulNBits' plain block layout and needs no g_idx.
    /// </summary>
    public bool ActOrder { get; init; }

    /// <summary>
    /// With <see cref="ActOrder"/>: form each block from the next block_size columns in processing order, with
    /// parameters from their error-updated values (GPTQ's act-order without static groups), and record every
    /// input's group as MatMulNBits' g_idx. Usually more accurate than static groups; ONNX Runtime's CPU kernel
    /// then dequantizes B before its float GEMM instead of running its packed 4-bit kernel (see docs).
    /// </summary>
    public bool GroupIndex { get; init; }
}
