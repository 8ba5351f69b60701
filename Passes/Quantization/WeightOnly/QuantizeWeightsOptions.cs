using Onnxc.Passes.Calibration;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>Rounding method for weight-only quantization.</summary>
public enum WeightQuantMethod
{
    /// <summary>Round to nearest, block by block; needs no data.</summary>
    Rtn,

    /// <summary>GPTQ with Hessians from calibration data (generated inputs when none are given).</summary>
    Gptq,
}

/// <summary>Settings of the <c>quantize-weights</c> pass.</summary>
public sealed record QuantizeWeightsOptions
{
    public int Bits { get; init; } = 4;

    public int BlockSize { get; init; } = 32;

    public bool Symmetric { get; init; } = true;

    public WeightQuantMethod Method { get; init; } = WeightQuantMethod.Rtn;

    public GptqOptions Gptq { get; init; } = new();

    /// <summary>Glob patterns (* and ?) on node or weight names of layers to keep in float (e.g. "lm_head*").</summary>
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();

    /// <summary>MatMulNBits accuracy_level: 0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 compute of A.</summary>
    public int AccuracyLevel { get; init; }

    /// <summary>Where GPTQ's Hessians come from; built from the model (generated inputs) when null.</summary>
    public Func<Onnxc.Ir.Model, CalibrationService>? Calibration { get; init; }

    /// <summary>Layers with fewer weights stay float (the packing overhead would outweigh the saving).</summary>
    public long MinimumWeights { get; init; } = 1;

    public BlockQuantConfig BlockConfig => new(Bits, BlockSize, Symmetric);

    /// <summary>Throws with a reason unless the settings describe something ONNX Runtime can run.</summary>
    public void Validate()
    {
        BlockConfig.Validate();
        if (Method == WeightQuantMethod.Gptq && Gptq.ActOrder && Gptq.GroupIndex && Bits != 4)
        {
            // ORT 1.31's CPU MatMulNBits: "Only 2b and 4b quantization is supported for unpacked compute", the path g_idx takes.
            throw new ArgumentException($"act-order with g_idx needs 4-bit weights: ONNX Runtime's CPU MatMulNBits runs g_idx only for 2 and 4 bits, not {Bits}; use --act-order static for int{Bits}");
        }
    }
}
