namespace Onnxc.Ir.Inference;

/// <summary>Layout operations on <see cref="KnownTensor"/>s: broadcasting maps, selection, concatenation.</summary>
internal static class KnownTensorOps
{
    /// <summary>Applies <paramref name="op"/> elementwise with numpy broadcasting.</summary>
    public static KnownTensor Map(DataType resultType, IReadOnlyList<KnownTensor> inputs, Func<Dim[], Dim> op)
    {
        int rank = inputs.Max(t => t.Rank);
        var dims = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long d = 1;
            foreach (var t in inputs)
            {
                int at = i - (rank - t.Rank);
                if (at < 0 || t.Dims[at] == 1) continue;
                if (d != 1 && d != t.Dims[at]) throw new ShapeInferenceException($"cannot broadcast constants {string.Join(", ", inputs)}");
                d = t.Dims[at];
            }
            dims[i] = d;
        }
        long count = dims.Aggregate(1L, (acc, d) => acc * d);
        var result = new Dim[count];
        var index = new long[rank];
        var args = new Dim[inputs.Count];
        for (long flat = 0; flat < count; flat++)
        {
            for (int k = 0; k < inputs.Count; k++) args[k] = inputs[k].Elements[SourceOffset(inputs[k], index, rank)];
            result[flat] = op(args);
            Increment(index, dims);
        }
        return new KnownTensor(resultType, dims, result);
    }

    /// <summary>The elements at the cartesian product of per-axis index lists.</summary>
    public static KnownTensor Select(KnownTensor t, IReadOnlyList<long>[] indices)
    {
        var dims = indices.Select(l => (long)l.Count).ToArray();
        long count = dims.Aggregate(1L, (acc, d) => acc * d);
        var strides = Strides(t.Dims);
        var result = new Dim[count];
        var index = new long[dims.Length];
        for (long flat = 0; flat < count; flat++)
        {
            long offset = 0;
            for (int a = 0; a < dims.Length; a++) offset += indices[a][(int)index[a]] * strides[a];
            result[flat] = t.Elements[offset];
            Increment(index, dims);
        }
        return new KnownTensor(t.ElementType, dims, result);
    }

    public static KnownTensor Concat(IReadOnlyList<KnownTensor> parts, int axis)
    {
        var first = parts[0];
        long outer = first.Dims.Take(axis).Aggregate(1L, (acc, d) => acc * d);
        var elements = new List<Dim>();
        for (long o = 0; o < outer; o++)
        {
            foreach (var part in parts)
            {
                long chunk = part.Dims.Skip(axis).Aggregate(1L, (acc, d) => acc * d);
                elements.AddRange(part.Elements.Skip((int)(o * chunk)).Take((int)chunk));
            }
        }
        var dims = first.Dims.ToArray();
        dims[axis] = parts.Sum(p => p.Dims[axis]);
        return new KnownTensor(first.ElementType, dims, elements.ToArray());
    }

    public static KnownTensor Reshape(KnownTensor t, long[] dims, DataType? elementType = null) => new(elementType ?? t.ElementType, dims, t.Elements);

    private static long SourceOffset(KnownTensor t, long[] index, int rank)
    {
        long offset = 0, stride = 1;
        for (int a = t.Rank - 1; a >= 0; a--)
        {
            long i = t.Dims[a] == 1 ? 0 : index[a + rank - t.Rank];
            offset += i * stride;
            stride *= t.Dims[a];
        }
        return offset;
    }

    private static long[] Strides(long[] dims) => RowMajor.Strides(dims);

    private static void Increment(long[] index, long[] dims)
    {
        for (int a = dims.Length - 1; a >= 0; a--)
        {
            if (++index[a] < dims[a]) return;
            index[a] = 0;
        }
    }
}
