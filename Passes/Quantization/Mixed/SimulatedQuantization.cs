using Onnxc.Ir;
using Onnxc.Passes.Quantization.Int8;

namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>
/// Makes one linear layer compute as if quantized, in float, and undoes it on Dispose: its weight is replaced by
/// the dequantized weight and, for int8, its activation goes through DynamicQuantizeLinear → DequantizeLinear
/// (exactly the uint8 rounding DynamicQuantizeMatMul applies). The model is the caller's; it comes back unchanged.
/// </summary>
public sealed class SimulatedQuantization : IDisposable
{
    private readonly LinearLayer _layer;
    private readonly List<Node> _added = new();
    private readonly Tensor _originalWeight;
    private bool _disposed;

    private SimulatedQuantization(LinearLayer layer, Tensor originalWeight)
    {
        _layer = layer;
        _originalWeight = originalWeight;
    }

    /// <summary>Simulates <paramref name="precision"/> on <paramref name="layer"/> (fp32 is a no-op).</summary>
    public static SimulatedQuantization Apply(Model model, LinearLayer layer, Precision precision, Int8Options int8, IWeightQuantizer? int4)
    {
        var simulation = new SimulatedQuantization(layer, layer.WeightTensor);
        if (precision == Precision.Fp32) return simulation;
        if (!layer.Weight.IsInitializer) throw new NotSupportedException($"layer '{layer.Id}': only initializer weights can be simulated");
        float[] dequantized = precision switch
        {
            Precision.Int8 => Int8Weight.Quantize(layer.WeightTensor.AsSpan<float>(), layer.Rows, layer.Columns, int8.Granularity, int8.ReduceRange).Dequantize(),
            Precision.Int4 => (int4 ?? throw new NotSupportedException("int4 needs a weight quantizer")).Simulate(layer),
            _ => throw new ArgumentOutOfRangeException(nameof(precision)),
        };
        var graph = layer.Weight.OwningGraph!;
        graph.SetInitializer(layer.Weight, Tensor.FromArray(dequantized, layer.Rows, layer.Columns));
        // Below opset 11 there is no DynamicQuantizeLinear; raising the model's opset would change other ops, so such
        // models are simulated weight-only (activation rounding is the smaller part of int8's error).
        if (precision == Precision.Int8 && model.OpsetVersion("") >= 11)
        {
            var quantize = new Node("DynamicQuantizeLinear", new[] { layer.Activation }, new[] { layer.Id + "_sim_q", layer.Id + "_sim_scale", layer.Id + "_sim_zp" });
            graph.InsertBefore(layer.MatMul, quantize);
            var dequantize = new Node("DequantizeLinear", new[] { quantize.Output(0), quantize.Output(1), quantize.Output(2) }, new[] { layer.Id + "_sim_dq" });
            graph.InsertBefore(layer.MatMul, dequantize);
            simulation._added.Add(dequantize);
            simulation._added.Add(quantize);
            layer.MatMul.ReplaceInput(0, dequantize.Output());
        }
        return simulation;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_added.Count > 0)
        {
            _layer.MatMul.ReplaceInput(0, _layer.Activation);
            foreach (var node in _added) node.Graph!.Remove(node);
        }
        if (!ReferenceEquals(_layer.Weight.Initializer, _originalWeight)) _layer.Weight.OwningGraph!.SetInitializer(_layer.Weight, _originalWeight);
    }
}

/// <summary>A weight-only quantizer (int4 block-wise) the mixed-precision search can simulate, emit and size.</summary>
public interface IWeightQuantizer
{
    Precision Precision { get; }

    /// <summary>Why the layer cannot take this precision (it then keeps the others), or null.</summary>
    string? Unsupported(LinearLayer layer);

    /// <summary>The dequantized weight [K, N] row-major, as the emitted operator would compute with it.</summary>
    float[] Simulate(LinearLayer layer);

    /// <summary>Bytes the quantized weight and its scales/zero points take.</summary>
    long Bytes(LinearLayer layer);

    /// <summary>Replaces the layer in the model with the quantized operator.</summary>
    void Emit(Model model, LinearLayer layer);
}
