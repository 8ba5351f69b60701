namespace Onnxc.Ir;

/// <summary>Row-major (C order) layout arithmetic shared by the constant evaluators.</summary>
public static class RowMajor
{
    /// <summary>Elements skipped per step along each axis.</summary>
    public static long[] Strides(IReadOnlyList<long> dims)
    {
        var strides = new long[dims.Count];
        long stride = 1;
        for (int a = dims.Count - 1; a >= 0; a--)
        {
            strides[a] = stride;
            stride *= dims[a];
        }
        return strides;
    }

    /// <summary>Number of elements of a shape (1 for a scalar).</summary>
    public static long Product(IEnumerable<long> dims) => dims.Aggregate(1L, (acc, d) => checked(acc * d));
}
