namespace Onnxc.Ir;

/// <summary>ONNX SparseTensorProto: non-zero values, their indices (COO, [NNZ] linear or [NNZ, rank]) and the dense shape.</summary>
public sealed record SparseTensor(Tensor Values, Tensor Indices, IReadOnlyList<long> Dims)
{
    public string? Name => Values.Name;
}
