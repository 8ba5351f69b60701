namespace Onnxc.Ir;

/// <summary>How bad a diagnostic is.</summary>
public enum Severity
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// A message about the user's input, as data: a stable id (ONNXC0123), what is wrong, where (file, node, value)
/// and what to do about it. Printed on one line by the CLI.
/// </summary>
public sealed record Diagnostic(string Id, Severity Severity, string Message, string? Location = null, string? Hint = null)
{
    public override string ToString()
    {
        var where = Location is null ? "" : Location + ": ";
        var hint = Hint is null ? "" : " (" + Hint + ")";
        return $"{where}{Severity.ToString().ToLowerInvariant()} {Id}: {Message}{hint}";
    }
}

/// <summary>
/// Bad input (malformed model, missing file, unsupported construct). The CLI maps it to exit code 2; anything
/// else escaping is an internal error (exit 3).
/// </summary>
public sealed class OnnxcException : Exception
{
    public OnnxcException(Diagnostic diagnostic, Exception? inner = null) : base(diagnostic.ToString(), inner) => Diagnostic = diagnostic;

    public OnnxcException(string id, string message, string? location = null, string? hint = null, Exception? inner = null)
        : this(new Diagnostic(id, Severity.Error, message, location, hint), inner)
    {
    }

    public Diagnostic Diagnostic { get; }
}

/// <summary>
/// The registry of diagnostic ids, so each id means one thing forever. Ranges: 01xx model file and protobuf,
/// 02xx graph structure, 03xx external data, 04xx types and shapes, 05xx text form, 06xx CLI usage and inputs,
/// 07xx verification and conformance, 08xx passes.
/// </summary>
public static class DiagnosticIds
{
    public const string FileNotFound = "ONNXC0101";
    public const string EmptyFile = "ONNXC0102";
    public const string MalformedProtobuf = "ONNXC0103";
    public const string UnsupportedIrVersion = "ONNXC0104";
    public const string MissingOpsetImport = "ONNXC0105";
    public const string UnknownDomain = "ONNXC0106";
    public const string ModelTooLarge = "ONNXC0107";
    public const string InvalidTensor = "ONNXC0108";
    public const string InvalidAttribute = "ONNXC0109";
    public const string OutputWriteFailed = "ONNXC0110";

    public const string GraphCycle = "ONNXC0201";
    public const string UndefinedValue = "ONNXC0202";
    public const string DuplicateValueName = "ONNXC0203";
    public const string DuplicateOutputName = "ONNXC0204";
    public const string InvalidGraph = "ONNXC0205";
    public const string NoGraph = "ONNXC0206";

    public const string ExternalDataMissing = "ONNXC0301";
    public const string ExternalDataEscapes = "ONNXC0302";
    public const string ExternalDataOutOfRange = "ONNXC0303";
    public const string ExternalDataInvalid = "ONNXC0304";

    public const string ShapeMismatch = "ONNXC0401";
    public const string TypeMismatch = "ONNXC0402";

    public const string TextSyntax = "ONNXC0501";

    public const string Usage = "ONNXC0601";
    public const string InputData = "ONNXC0602";

    public const string RuntimeFailed = "ONNXC0701";
    public const string OutputMismatch = "ONNXC0702";

    public const string UnknownPass = "ONNXC0801";
}
