using System.Text.RegularExpressions;
using Onnxc.Ir;

namespace Onnxc.Passes.Sparsity;

/// <summary>How 2:4 masks are chosen.</summary>
public enum SparsityMethod
{
    /// <summary>Keep the two largest |w| of every group of 4.</summary>
    Magnitude,

    /// <summary>SparseGPT: OBS saliency and weight updates with the calibration Hessian of each layer's input.</summary>
    SparseGpt,
}

/// <summary>How the kept weights of a SparseMatMul24 are stored.</summary>
public enum SparseValues
{
    /// <summary>In the layer's own element type (float or float16).</summary>
    LayerType,

    /// <summary>Symmetric int8 with one scale per output column (sparse + quantized, the GPUSQ idea); needs the onnxc target.</summary>
    Int8,
}

/// <summary>Hessians of layer inputs (value, K) of a model; inputs no calibration sample reached may be missing.</summary>
public delegate IReadOnlyDictionary<Value, double[]> HessianSource(Model model, IReadOnlyList<(Value Input, int K)> inputs);

/// <summary>Settings of <see cref="Prune24Pass"/>: method, which layers, and when a layer is too sensitive to prune.</summary>
public sealed record Prune24Options
{
    public SparsityMethod Method { get; init; } = SparsityMethod.Magnitude;

    /// <summary>Only layers whose node or weight name matches (null: every MatMul/Gemm with a constant weight).</summary>
    public Regex? Include { get; init; }

    /// <summary>Layers whose node or weight name matches are left dense.</summary>
    public Regex? Exclude { get; init; }

    /// <summary>
    /// Sensitivity limit: a layer whose relative pruning error exceeds it stays dense. The error is
    /// sqrt(tr(ΔW·H·ΔWᵀ) / tr(W·H·Wᵀ)) (relative output error on the calibration data) when a Hessian is known,
    /// otherwise ‖ΔW‖/‖W‖. Null: no limit.
    /// </summary>
    public double? MaxRelativeError { get; init; }

    /// <summary>
    /// Calibration Hessians XᵀX [K, K] (row-major) of the given layer inputs, asked once per run for every selected
    /// layer (the calibration service runs the model once for all). Required by <see cref="SparsityMethod.SparseGpt"/>;
    /// also sharpens the sensitivity measure.
    /// </summary>
    public HessianSource? Hessians { get; init; }

    /// <summary>Element type of the kept weights when a layer becomes SparseMatMul24 (int8 needs <see cref="EmissionTarget.OrtWithOnnxcOps"/>).</summary>
    public SparseValues Values { get; init; } = SparseValues.LayerType;

    /// <summary>SparseGPT's dampening, a fraction of the mean Hessian diagonal.</summary>
    public double Dampening { get; init; } = SparseGptPruning.DefaultDampening;
}
