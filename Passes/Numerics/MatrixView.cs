namespace Onnxc.Passes.Numerics;

/// <summary>
/// A strided window into a row-major array: element (i, j) is <c>Data[Offset + i·RowStride + j·ColumnStride]</c>.
/// A transposed operand is the same array with the strides swapped, so kernels need no transposed copies.
/// </summary>
public readonly record struct MatrixView<T>(T[] Data, long Offset, int RowStride, int ColumnStride = 1)
{
    /// <summary>Row-major matrix with <paramref name="columns"/> per row starting at (0, 0).</summary>
    public static MatrixView<T> RowMajor(T[] data, int columns) => new(data, 0, columns);

    public long Index(int row, int column) => Offset + (long)row * RowStride + (long)column * ColumnStride;

    /// <summary>The view whose (0, 0) is this view's (<paramref name="row"/>, <paramref name="column"/>).</summary>
    public MatrixView<T> At(int row, int column) => this with { Offset = Index(row, column) };

    /// <summary>The same elements read as the transpose.</summary>
    public MatrixView<T> Transposed() => this with { RowStride = ColumnStride, ColumnStride = RowStride };
}
