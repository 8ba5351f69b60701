using Onnxc.Ir;
using Onnxc.Ir.Inference;

namespace Onnxc.Passes.Sparsity;

/// <summary>
/// A MatMul or Gemm whose weight is a constant float/float16 matrix, seen as rows [N, K] along the reduction axis
/// (the orientation 2:4 sparsity is defined in), whatever the weight's stored orientation.
/// </summary>
internal sealed record LinearLayer(Node Node, Value Activation, Value Weight, Tensor Tensor, bool StoredAsRows, int N, int K)
{
    public const int WeightInput = 1;

    /// <summary>The layer at <paramref name="node"/>, or null with the reason it is not one this pass can prune.</summary>
    public static LinearLayer? Find(Node node, out string reason)
    {
        reason = "";
        bool gemm = node.Is("Gemm");
        if (!gemm && !node.Is("MatMul")) return null;
        if (node.Input(0) is not { } activation || node.Input(WeightInput) is not { } weight) return null;
        if (ConstantValues.ConstantTensor(weight) is not { } tensor)
        {
            reason = "weight is not a constant";
            return null;
        }
        if (tensor.ElementType is not (DataType.Float or DataType.Float16))
        {
            reason = $"weight is {tensor.ElementType.ShortName()}, not f32/f16";
            return null;
        }
        if (tensor.Rank != 2)
        {
            reason = $"weight has rank {tensor.Rank}, not 2";
            return null;
        }
        if (gemm && node.GetInt("transA", 0) != 0)
        {
            reason = "Gemm with transA";
            return null;
        }
        // MatMul and Gemm(transB=0) store W as [K, N]; Gemm(transB=1) stores the rows [N, K] directly.
        bool rows = gemm && node.GetInt("transB", 0) != 0;
        int k = (int)(rows ? tensor.Dims[1] : tensor.Dims[0]), n = (int)(rows ? tensor.Dims[0] : tensor.Dims[1]);
        if (k % 4 != 0)
        {
            reason = $"K = {k} is not a multiple of 4 (left dense)";
            return null;
        }
        return new LinearLayer(node, activation, weight, tensor, rows, n, k);
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
