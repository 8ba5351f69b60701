using Onnxc.Passes.Cleanup.Folding;
using System.Runtime.CompilerServices;
using Onnxc.Ir;
using Onnxc.Passes.Quantization.Int8;
using Onnxc.Passes.Quantization.WeightOnly;

namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>
/// int4 for mixed precision through the weight-only machinery: round-to-nearest block quantization along K
/// (<see cref="BlockQuantizer"/>), emitted as com.microsoft.MatMulNBits (<see cref="MatMulNBitsEmitter"/>). The layer's
/// bias Add stays after it. Each weight is quantized once; simulation and emission share that result, so the
/// search measures exactly the codes that are emitted.
/// </summary>
public sealed class BlockWeightQuantizer : IWeightQuantizer
{
    private readonly BlockQuantConfig _config;
    private readonly int _accuracyLevel;
    // Keyed by the original weight tensor (the layer's, captured before any simulation replaced the initializer).
    private readonly ConditionalWeakTable<Tensor, QuantizedWeight> _quantized = new();

    public BlockWeightQuantizer(BlockQuantConfig config, int accuracyLevel = 0)
    {
        config.Validate();
        if (config.Bits != 4) throw new ArgumentException($"mixed precision's weight-only rung is int4, not {config.Bits}-bit blocks");
        _config = config;
        _accuracyLevel = accuracyLevel;
    }

    public Precision Precision => Precision.Int4;

    public BlockQuantConfig Config => _config;

    public override string ToString() =>
        $"int4 = RTN blocks of {_config.BlockSize} along K, {(_config.Symmetric ? "symmetric" : "with zero points")}, as MatMulNBits (accuracy_level {_accuracyLevel})";

    public string? Unsupported(LinearLayer layer)
    {
        if (!layer.MatMul.Is("MatMul")) return $"{layer.MatMul.OpType}'s packed projection has no MatMulNBits form";
        WeightLayer.Match(layer.MatMul, out var reason);
        return reason;
    }

    public float[] Simulate(LinearLayer layer) => Transpose(Quantized(layer).Dequantize(), layer.Columns, layer.Rows);

    /// <summary>Packed codes, a float scale per block and, when asymmetric, packed zero points: what the emitter writes.</summary>
    public long Bytes(LinearLayer layer)
    {
        long n = layer.Columns, blocks = _config.BlocksPerRow(layer.Rows);
        long bytes = n * blocks * (MatMulNBitsLayout.BlobSize(_config) + sizeof(float));
        return _config.Symmetric ? bytes : bytes + n * ((blocks * _config.Bits + 7) / 8);
    }

    public void Emit(Model model, LinearLayer layer)
    {
        var weightLayer = WeightLayer.Match(layer.MatMul, out var reason)
            ?? throw new InvalidOperationException($"layer '{layer.Id}' cannot become MatMulNBits: {reason}");
        MatMulNBitsEmitter.Replace(model, weightLayer, Quantized(layer), _accuracyLevel);
    }

    // The block quantizer works on Wt [N, K] (blocks run along K); the layer's weight is [K, N].
    private QuantizedWeight Quantized(LinearLayer layer) => _quantized.GetValue(layer.WeightTensor, tensor =>
        BlockQuantizer.Quantize(Transpose(tensor.AsSpan<float>(), layer.Rows, layer.Columns), layer.Columns, layer.Rows, _config));

    /// <summary>The [columns, rows] transpose of a row-major [rows, columns] matrix.</summary>
    private static float[] Transpose(ReadOnlySpan<float> matrix, int rows, int columns)
    {
        var result = new float[(long)rows * columns];
        MatrixTranspose.Transpose(matrix, result, rows, columns);
        return result;
    }
}
