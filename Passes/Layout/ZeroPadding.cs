using Onnxc.Ir;

namespace Onnxc.Passes.Layout;

/// <summary>Widens a tensor along one axis with zeros (all-zero bytes are 0 in every float type and integer).</summary>
public static class ZeroPadding
{
    public static DenseTensor PadAxis(Tensor tensor, int axis, int count)
    {
        if (axis < 0 || axis >= tensor.Rank) throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} of a rank-{tensor.Rank} tensor");
        long outer = 1, inner = tensor.ElementType.ByteCount(1);
        for (int d = 0; d < axis; d++) outer *= tensor.Dims[d];
        for (int d = axis + 1; d < tensor.Rank; d++) inner *= tensor.Dims[d];
        long kept = tensor.Dims[axis] * inner, added = count * inner;
        var source = tensor.Bytes.Span;
        var target = new byte[outer * (kept + added)];
        for (long o = 0; o < outer; o++)
        {
            source.Slice(checked((int)(o * kept)), checked((int)kept)).CopyTo(target.AsSpan(checked((int)(o * (kept + added)))));
        }
        var dims = tensor.Dims.ToArray();
        dims[axis] += count;
        return new DenseTensor(tensor.ElementType, dims, target);
    }
}
