using Onnxc.Ir;

namespace Onnxc.Passes.Cleanup.Folding;

/// <summary>Row-major index arithmetic for folding: broadcasting, transposition and per-axis selection as flat source indices.</summary>
internal static class IndexMath
{
    public static long Product(IEnumerable<long> dims) => RowMajor.Product(dims);

    public static long[] Strides(long[] dims) => RowMajor.Strides(dims);

    /// <summary>numpy broadcast of several shapes, or null when they are incompatible.</summary>
    public static long[]? Broadcast(IReadOnlyList<long[]> shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long d = 1;
            foreach (var s in shapes)
            {
                int at = i - (rank - s.Length);
                if (at < 0 || s[at] == 1) continue;
                if (d != 1 && d != s[at]) return null;
                d = s[at];
            }
            // A zero-sized dim broadcasts against 1 only; the loop above keeps the 0.
            result[i] = shapes.Any(s => i - (rank - s.Length) >= 0 && s[i - (rank - s.Length)] == 0) ? 0 : d;
        }
        return result;
    }

    /// <summary>For each element of <paramref name="outDims"/>, the flat index of the element of a tensor of <paramref name="srcDims"/> broadcast to it.</summary>
    public static long[] BroadcastSources(long[] srcDims, long[] outDims)
    {
        long count = Product(outDims);
        var result = new long[count];
        var srcStrides = Strides(srcDims);
        int offset = outDims.Length - srcDims.Length;
        var index = new long[outDims.Length];
        for (long flat = 0; flat < count; flat++)
        {
            long source = 0;
            for (int a = 0; a < srcDims.Length; a++)
            {
                if (srcDims[a] != 1) source += index[a + offset] * srcStrides[a];
            }
            result[flat] = source;
            Increment(index, outDims);
        }
        return result;
    }

    /// <summary>Flat source indices of the cartesian product of per-axis index lists (Slice, Gather along one axis).</summary>
    public static long[] Select(long[] srcDims, IReadOnlyList<long[]> perAxis)
    {
        var outDims = perAxis.Select(l => (long)l.Length).ToArray();
        long count = Product(outDims);
        var strides = Strides(srcDims);
        var result = new long[count];
        var index = new long[outDims.Length];
        for (long flat = 0; flat < count; flat++)
        {
            long source = 0;
            for (int a = 0; a < outDims.Length; a++) source += perAxis[a][index[a]] * strides[a];
            result[flat] = source;
            Increment(index, outDims);
        }
        return result;
    }

    /// <summary>Flat source indices of Transpose with <paramref name="perm"/> (output axis a reads input axis perm[a]).</summary>
    public static long[] Transpose(long[] srcDims, int[] perm, out long[] outDims)
    {
        var dims = perm.Select(p => srcDims[p]).ToArray();
        outDims = dims;
        var strides = Strides(srcDims);
        long count = Product(dims);
        var result = new long[count];
        var index = new long[dims.Length];
        for (long flat = 0; flat < count; flat++)
        {
            long source = 0;
            for (int a = 0; a < dims.Length; a++) source += index[a] * strides[perm[a]];
            result[flat] = source;
            Increment(index, dims);
        }
        return result;
    }

    /// <summary>0..n-1 as a list (an untouched axis in <see cref="Select"/>).</summary>
    public static long[] All(long n)
    {
        var list = new long[n];
        for (long i = 0; i < n; i++) list[i] = i;
        return list;
    }

    /// <summary>Normalizes a possibly negative axis, or null when it is out of range.</summary>
    public static int? Axis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? (int)a : null;
    }

    private static void Increment(long[] index, long[] dims)
    {
        for (int a = dims.Length - 1; a >= 0; a--)
        {
            if (++index[a] < dims[a]) return;
            index[a] = 0;
        }
    }
}
