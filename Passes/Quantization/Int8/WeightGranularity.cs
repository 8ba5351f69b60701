namespace Onnxc.Passes.Quantization.Int8;

/// <summary>How many scales a quantized weight carries.</summary>
public enum WeightGranularity
{
    /// <summary>One scale for the whole matrix.</summary>
    PerTensor,

    /// <summary>One scale per output column of a MatMul weight [K, N] (axis 1): outliers in one column do not coarsen the others.</summary>
    PerChannel,
}
