namespace Onnxc.Backends.Onnx;

/// <summary>Options for <see cref="OnnxExporter.Save"/>.</summary>
public sealed record ExportOptions
{
    /// <summary>
    /// Initializers of at least this many bytes go to "&lt;model file name&gt;.data" beside the model; null keeps
    /// everything inline unless the model would pass protobuf's 2 GB limit, in which case initializers of 1 KiB or
    /// more are moved out automatically. Offsets of tensors of 4 KiB or more are 4 KiB aligned (so runtimes can
    /// map them), smaller ones 64-byte aligned; the gaps are zero bytes.
    /// </summary>
    public long? ExternalDataThreshold { get; init; }
}
