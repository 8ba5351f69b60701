using Onnxc.Ir;
using Onnxc.Passes.Rewriting;

namespace Onnxc.Passes.Sparsity;

/// <summary>
/// A MatMul or Gemm whose weight is a constant float/float16 matrix, seen as rows [N, K] along the reduction axis
/// (the orientation 2:4 sparsity is defined in), whatever the weight's stored orientation.
/// </summary>
internal sealed record LinearLayer(Node Node, Value Activation, Value Weight, Tensor Tensor, bool StoredAsRows, int N, int K)
{
    public const int WeightInput = 1;

    /// <summary>2:4 prunes f32 and f16 weights of MatMul and Gemm; whatever their bias, the pruned weight stays valid.</summary>
    private static readonly LinearLayerRequirements Requirements = new() { AllowFloat16 = true };

    /// <summary>The layer at <paramref name="node"/>, or null with the reason it is not one this pass can prune.</summary>
    public static LinearLayer? Find(Node node, out string reason)
    {
        var found = LinearLayerMatcher.Find(node, Requirements);
        reason = found.Reason ?? "";
        if (found.Value is not { } m) return null;
        if (m.K % 4 != 0)
        {
            reason = $"K = {m.K} is not a multiple of 4 (left dense)";
            return null;
        }
        // MatMul and Gemm(transB=0) store W as [K, N]; Gemm(transB=1) stores the rows [N, K] directly.
        return new LinearLayer(node, m.Activation, m.Weight, m.WeightTensor, m.Transposed, m.N, m.K);
    }

    /// <summary>The weight as float rows [N, K].</summary>
    public float[] ReadRows()
    {
        var source = Tensor.ElementType == DataType.Float ? Tensor.ToArray<float>() : Tensor.AsSpan<Half>().ToArray().Select(h => (float)h).ToArray();
        if (StoredAsRows) return source;
        var rows = new float[N * K];
        for (int k = 0; k < K; k++)
        {
            for (int n = 0; n < N; n++) rows[n * K + k] = source[k * N + n];
        }
        return rows;
    }

    /// <summary>Rows [N, K] back in the weight's stored orientation and element type.</summary>
    public Tensor ToStoredTensor(float[] rows)
    {
        var stored = rows;
        if (!StoredAsRows)
        {
            stored = new float[N * K];
            for (int k = 0; k < K; k++)
            {
                for (int n = 0; n < N; n++) stored[k * N + n] = rows[n * K + k];
            }
        }
        return ToElementType(stored, Tensor.Dims.ToArray());
    }

    /// <summary>A tensor of the weight's element type holding <paramref name="values"/>.</summary>
    public Tensor ToElementType(float[] values, params long[] dims) =>
        Tensor.ElementType == DataType.Float ? Ir.Tensor.FromArray(values, dims) : Ir.Tensor.FromArray(values.Select(v => (Half)v).ToArray(), dims);

    /// <summary>Node name and weight name, what layer selection patterns are matched against.</summary>
    public IEnumerable<string> Names => new[] { Node.Name ?? "", Weight.Name };
}
