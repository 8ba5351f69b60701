using Onnxc.Ir;

namespace Onnxc.Passes.Quantization.WeightOnly;

/// <summary>Builds com.microsoft.MatMulNBits nodes from quantized weights and swaps them in for MatMul/Gemm.</summary>
public static class MatMulNBitsEmitter
{
    /// <summary>
    /// Inserts MatMulNBits(A, B, scales[, zero_points][, g_idx][, bias]) before the layer's node, redirects its
    /// readers, removes it and any initializer left unused. Returns the bytes of the new initializers.
    /// </summary>
    public static long Replace(Model model, WeightLayer layer, QuantizedWeight quantized, int accuracyLevel)
    {
        var graph = model.Graph;
        var config = quantized.Config;
        int blocks = quantized.BlocksPerRow;
        var baseName = layer.WeightName;
        var packed = new DenseTensor(DataType.UInt8, new long[] { quantized.N, blocks, MatMulNBitsLayout.BlobSize(config) },
            MatMulNBitsLayout.PackCodes(quantized.Codes, quantized.N, quantized.K, config));
        var inputs = new List<Value?>
        {
            layer.Input,
            graph.AddInitializer($"{baseName}_Q{config.Bits}", packed),
            graph.AddInitializer($"{baseName}_scales", Tensor.FromArray(quantized.Scales, (long)quantized.N * blocks)),
        };
        long bytes = packed.ByteLength + quantized.Scales.Length * 4L;
        if (quantized.ZeroPoints is { } zps && quantized.GroupIndex is not null)
        {
            // ONNX Runtime 1.31's CPU kernel pre-packs uint8 zero points into its 4-bit format and then dequantizes a
            // g_idx weight as if there were none (zero point 2^(bits-1)); float zero points (same type as the scales)
            // are read per group. Measured by GptqGroupIndexTests.
            var zp = zps.Select(z => (float)z).ToArray();
            inputs.Add(graph.AddInitializer($"{baseName}_zero_points", Tensor.FromArray(zp, zp.Length)));
            bytes += zp.Length * 4L;
        }
        else if (quantized.ZeroPoints is { } packedZps)
        {
            var zp = MatMulNBitsLayout.PackZeroPoints(packedZps, quantized.N, blocks, config);
            inputs.Add(graph.AddInitializer($"{baseName}_zero_points", Tensor.FromArray(zp, zp.Length)));
            bytes += zp.Length;
        }
        if (quantized.GroupIndex is { } groups)
        {
            while (inputs.Count < 4) inputs.Add(null);
            inputs.Add(graph.AddInitializer($"{baseName}_g_idx", Tensor.FromArray(groups, groups.Length)));
            bytes += groups.Length * 4L;
        }
        if (layer.BiasValues() is { } bias)
        {
            while (inputs.Count < 5) inputs.Add(null);
            inputs.Add(graph.AddInitializer($"{baseName}_bias", Tensor.FromArray(bias, bias.Length)));
            bytes += bias.Length * 4L;
        }
        var attributes = new[]
        {
            Attribute.Int("K", quantized.K),
            Attribute.Int("N", quantized.N),
            Attribute.Int("bits", config.Bits),
            Attribute.Int("block_size", config.BlockSize),
            Attribute.Int("accuracy_level", accuracyLevel),
        };
        var old = layer.Node;
        var node = new Node("MatMulNBits", inputs, new[] { old.Output().Name + "_nbits" }, QuantizeWeights.ContribDomain, attributes,
            old.Name is { Length: > 0 } name ? name + "_MatMulNBits" : null);
        graph.InsertBefore(old, node);
        node.Output().Type = old.Output().Type;
        old.Output().ReplaceAllUsesWith(node.Output());
        graph.Remove(old);
        foreach (var constant in new[] { layer.Weight, layer.Bias })
        {
            if (constant is { Uses.Count: 0, IsGraphOutput: false, IsGraphInput: false } && constant.IsInitializer) graph.RemoveInitializer(constant);
        }
        model.EnsureOpset(QuantizeWeights.ContribDomain, 1);
        return bytes;
    }
}
