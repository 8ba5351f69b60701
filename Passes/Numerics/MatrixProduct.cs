using System.Numerics;
using System.Runtime.CompilerServices;

namespace Onnxc.Passes.Numerics;

/// <summary>
/// C += α·A·B for dense float/double matrices: the one product kernel behind XᵀX accumulation, the blocked Cholesky,
/// the triangular inverse and GPTQ's lazy-batch update. Register tiles of 6 rows × 2 SIMD vectors keep twelve
/// accumulators live across the depth loop (enough to cover FMA latency), so each loaded B vector is used six times and C is touched once per
/// depth block; depth and column blocking keep the B panel in L2. Sequential: callers parallelize over row blocks.
/// </summary>
public static class MatrixProduct
{
    /// <summary>Depth (shared index) per pass over C: 256 rows of a 128-wide B panel stay in L2.</summary>
    private const int DepthBlock = 256;

    private const int ColumnPanel = 128;

    /// <summary>Rows of a register tile. Callers split work into row blocks that are multiples of it: left-over rows take a slower path.</summary>
    public const int TileRows = 6;

    /// <summary>
    /// C[i, j] += α·Σ_r A[i, r]·B[r, j] for i &lt; <paramref name="m"/>, j &lt; <paramref name="n"/>, r &lt; <paramref name="depth"/>.
    /// A may have any strides (pass <see cref="MatrixView{T}.Transposed"/> for AᵀB); B and C must have unit column stride.
    /// With <paramref name="upperTriangle"/> tiles lying wholly below the diagonal (j &lt; i) are skipped: for symmetric
    /// results (XᵀX) whose lower triangle the caller ignores; tiles crossing the diagonal are computed in full.
    /// </summary>
    public static void MultiplyAdd<T>(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int m, int n, int depth, T alpha, bool upperTriangle = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m <= 0 || n <= 0 || depth <= 0) return;
        if (b.ColumnStride != 1 || c.ColumnStride != 1) throw new ArgumentException("B and C must be stored with unit column stride");
        CheckBounds(a, m, depth, nameof(a));
        CheckBounds(b, depth, n, nameof(b));
        CheckBounds(c, m, n, nameof(c));
        int width = 2 * Vector<T>.Count;
        for (int r0 = 0; r0 < depth; r0 += DepthBlock)
        {
            int r1 = Math.Min(r0 + DepthBlock, depth);
            for (int j0 = 0; j0 < n; j0 += ColumnPanel)
            {
                int j1 = Math.Min(j0 + ColumnPanel, n);
                for (int i = 0; i < m; i += TileRows)
                {
                    int rows = Math.Min(TileRows, m - i);
                    int j = j0;
                    for (; j + width <= j1; j += width)
                    {
                        if (upperTriangle && j + width <= i) continue;
                        if (rows == TileRows) Tile6(a, b, c, i, j, r0, r1, alpha);
                        else for (int row = i; row < i + rows; row++) Tile1(a, b, c, row, j, r0, r1, alpha);
                    }
                    if (j < j1 && !(upperTriangle && j1 <= i)) Scalar(a, b, c, i, i + rows, j, j1, r0, r1, alpha);
                }
            }
        }
    }

    // Hot loops: compiled fully optimized at once, since a single long call would otherwise run in tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6<T>(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int i, int j, int r0, int r1, T alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = Vector<T>.Count;
        ref T aRef = ref a.Data[0];
        ref T bRef = ref b.Data[0];
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nuint aRow = (nuint)a.RowStride, aColumn = (nuint)a.ColumnStride, bRow = (nuint)b.RowStride;
        nuint aAt = (nuint)a.Index(i, r0), bAt = (nuint)b.Index(r0, j);
        for (int r = r0; r < r1; r++)
        {
            var b0 = Vector.LoadUnsafe(ref bRef, bAt);
            var b1 = Vector.LoadUnsafe(ref bRef, bAt + (nuint)v);
            ref T column = ref Unsafe.Add(ref aRef, aAt);
            var a0 = new Vector<T>(column);
            c00 = Fma(a0, b0, c00);
            c01 = Fma(a0, b1, c01);
            a0 = new Vector<T>(Unsafe.Add(ref column, aRow));
            c10 = Fma(a0, b0, c10);
            c11 = Fma(a0, b1, c11);
            a0 = new Vector<T>(Unsafe.Add(ref column, 2 * aRow));
            c20 = Fma(a0, b0, c20);
            c21 = Fma(a0, b1, c21);
            a0 = new Vector<T>(Unsafe.Add(ref column, 3 * aRow));
            c30 = Fma(a0, b0, c30);
            c31 = Fma(a0, b1, c31);
            a0 = new Vector<T>(Unsafe.Add(ref column, 4 * aRow));
            c40 = Fma(a0, b0, c40);
            c41 = Fma(a0, b1, c41);
            a0 = new Vector<T>(Unsafe.Add(ref column, 5 * aRow));
            c50 = Fma(a0, b0, c50);
            c51 = Fma(a0, b1, c51);
            aAt += aColumn;
            bAt += bRow;
        }
        Store(c, i, j, c00, c01, alpha);
        Store(c, i + 1, j, c10, c11, alpha);
        Store(c, i + 2, j, c20, c21, alpha);
        Store(c, i + 3, j, c30, c31, alpha);
        Store(c, i + 4, j, c40, c41, alpha);
        Store(c, i + 5, j, c50, c51, alpha);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1<T>(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int i, int j, int r0, int r1, T alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = Vector<T>.Count;
        ref T aRef = ref a.Data[0];
        ref T bRef = ref b.Data[0];
        Vector<T> c0 = default, c1 = default;
        nuint aAt = (nuint)a.Index(i, r0), bAt = (nuint)b.Index(r0, j);
        for (int r = r0; r < r1; r++)
        {
            var a0 = new Vector<T>(Unsafe.Add(ref aRef, aAt));
            c0 = Fma(a0, Vector.LoadUnsafe(ref bRef, bAt), c0);
            c1 = Fma(a0, Vector.LoadUnsafe(ref bRef, bAt + (nuint)v), c1);
            aAt += (nuint)a.ColumnStride;
            bAt += (nuint)b.RowStride;
        }
        Store(c, i, j, c0, c1, alpha);
    }

    private static void Store<T>(MatrixView<T> c, int i, int j, Vector<T> low, Vector<T> high, T alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T cRef = ref c.Data[0];
        nuint at = (nuint)c.Index(i, j), next = at + (nuint)Vector<T>.Count;
        Fma(low, new Vector<T>(alpha), Vector.LoadUnsafe(ref cRef, at)).StoreUnsafe(ref cRef, at);
        Fma(high, new Vector<T>(alpha), Vector.LoadUnsafe(ref cRef, next)).StoreUnsafe(ref cRef, next);
    }

    /// <summary>Columns left over after the SIMD tiles (fewer than two vectors).</summary>
    private static void Scalar<T>(MatrixView<T> a, MatrixView<T> b, MatrixView<T> c, int i0, int i1, int j0, int j1, int r0, int r1, T alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = i0; i < i1; i++)
        {
            for (int j = j0; j < j1; j++)
            {
                T sum = T.Zero;
                for (int r = r0; r < r1; r++) sum += a.Data[a.Index(i, r)] * b.Data[b.Index(r, j)];
                c.Data[c.Index(i, j)] += alpha * sum;
            }
        }
    }

    /// <summary>a·b + c, always fused (the JIT folds the type tests away).</summary>
    /// <remarks>
    /// Not MultiplyAddEstimate: that fuses or not depending on the JIT tier, so the same product could round
    /// differently before and after tier-up and GPTQ's codes changed from run to run.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> a, Vector<T> b, Vector<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        return a * b + c;
    }

    /// <summary>The kernels read through unchecked references, so every view's extreme elements are checked once here.</summary>
    private static void CheckBounds<T>(MatrixView<T> view, int rows, int columns, string name)
    {
        if (view.Offset < 0 || view.RowStride < 0 || view.ColumnStride < 0 || view.Index(rows - 1, columns - 1) >= view.Data.Length)
        {
            throw new ArgumentException($"{rows}x{columns} window at offset {view.Offset} (strides {view.RowStride}, {view.ColumnStride}) exceeds {view.Data.Length} elements", name);
        }
    }
}
