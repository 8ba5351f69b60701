namespace Onnxc.Backends.Onnx;

/// <summary>Options for <see cref="OnnxImporter"/>.</summary>
public sealed record ImportOptions
{
    /// <summary>Folder that external data locations are relative to; defaults to the model file's folder.</summary>
    public string? ExternalDataDirectory { get; init; }

    /// <summary>Whether to reject nodes whose operator domain the model does not import (ONNXC0105/0106).</summary>
    public bool CheckOpsetImports { get; init; } = true;
}
