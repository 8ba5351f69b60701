namespace Onnxc.Passes.Quantization.Int8;

/// <summary>Which operators the dynamic int8 rewrite emits.</summary>
public enum DynamicInt8Form
{
    /// <summary>com.microsoft DynamicQuantizeMatMul: one node, bias folded in, prepacked weights (ONNX Runtime only).</summary>
    Contrib,

    /// <summary>DynamicQuantizeLinear + MatMulInteger + Cast + Mul: standard ONNX (opset 11+); ORT fuses it back.</summary>
    Standard,
}

/// <summary>Settings shared by the int8 rewrites.</summary>
public sealed record Int8Options
{
    public DynamicInt8Form Form { get; init; } = DynamicInt8Form.Contrib;

    public WeightGranularity Granularity { get; init; } = WeightGranularity.PerChannel;

    /// <summary>
    /// 7-bit weights. On x86 without VNNI (AVX2, as on this project's machines) ORT's u8×s8 kernel adds pairs of
    /// products in 16 bits, which 8-bit weights can saturate; 7 bits cannot. Costs one bit of weight precision.
    /// </summary>
    public bool ReduceRange { get; init; } = true;

    /// <summary>Which layers to quantize (by <see cref="LinearLayer.Id"/>); null means every linear layer.</summary>
    public Func<string, bool>? IncludeLayer { get; init; }

    /// <summary>Layers with fewer weights than this stay float: quantizing A costs more than the tiny GEMM saves.</summary>
    public long MinimumParameters { get; init; } = 0;
}
