namespace Onnxc.Backends.Onnx;

/// <summary>Options for <see cref="OnnxImporter"/>.</summary>
public sealed record ImportOptions
{
    /// <summary>Folder that external data locations are relative to; defaults to the model file's folder.</summary>
    public string? ExternalDataDirectory { get; init; }

    /// <summary>Whether to reject nodes whose operator domain the model does not import (ONNXC0105/0106).</summary>
    public bool CheckOpsetImports { get; init; } = true;

    /// <summary>
    /// Inline initializers (main graph, raw_data) of at least this many bytes are read through a memory mapping of the
    /// model file instead of being copied; <see cref="int.MaxValue"/> copies everything. The model owns the mapping.
    /// </summary>
    public int MapInlineTensorsOfAtLeast { get; init; } = 64 * 1024;
}
