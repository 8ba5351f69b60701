namespace Onnxc.Ir.Inference;

/// <summary>ONNX Slice index arithmetic (negative indices, clamping, negative steps), shared by inference and evaluation.</summary>
public static class SliceMath
{
    /// <summary>The first index and element count that slicing a dim of <paramref name="length"/> selects.</summary>
    public static (long Start, long Count) Resolve(long length, long start, long end, long step)
    {
        if (step == 0) throw new ShapeInferenceException("Slice step is 0");
        if (start < 0) start += length;
        if (end < 0) end += length;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, length);
            end = Math.Clamp(end, 0, length);
            return (start, end <= start ? 0 : (end - start + step - 1) / step);
        }
        start = Math.Clamp(start, 0, length - 1);
        end = Math.Clamp(end, -1, length - 1);
        return (start, start <= end ? 0 : (start - end + (-step) - 1) / -step);
    }

    /// <summary>
    /// The sliced size of a dim that may be symbolic: exact when static; the dim itself for a full forward slice
    /// (start 0, end at or past int32 max, step 1), the usual "everything" idiom; otherwise unknown.
    /// </summary>
    public static Dim SlicedDim(Dim dim, long start, long end, long step)
    {
        if (dim.IsStatic) return Resolve(dim.Value!.Value, start, end, step).Count;
        if (start == 0 && step == 1 && end >= int.MaxValue) return dim;
        if (step == -1 && start == -1 && end <= -(long)int.MaxValue) return dim;
        return Dim.Unknown;
    }
}
