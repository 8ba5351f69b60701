using Onnxc.Ir;

namespace Onnxc.Passes;

/// <summary>What a pass may read and report besides the model: the explain log and the emission target.</summary>
public sealed class PassContext
{
    /// <summary>Record near misses (a pattern that almost matched, with the reason) for <c>--explain</c>.</summary>
    public bool Explain { get; init; }

    /// <summary>Operator sets the output may use: standard + contrib only, or also onnxc's own operators.</summary>
    public EmissionTarget Target { get; init; } = EmissionTarget.Ort;

    /// <summary>What rules matched, rewrote or nearly matched, in order.</summary>
    public List<ExplainEntry> Log { get; } = new();

    /// <summary>The pass currently running (set by the pass manager so entries can name it).</summary>
    public string CurrentPass { get; set; } = "";

    public void Record(string rule, Node node, bool applied, string message)
    {
        if (applied || Explain) Log.Add(new ExplainEntry(CurrentPass, rule, node.ToString(), applied, message));
    }
}

/// <summary>One line of <c>--explain</c>: a rule applied at a node, or why it did not.</summary>
public sealed record ExplainEntry(string Pass, string Rule, string Node, bool Applied, string Message)
{
    public override string ToString() => $"{Pass}: {Rule} at {Node}: {(Applied ? "rewrote" : "not applied")}{(Message.Length > 0 ? " (" + Message + ")" : "")}";
}

/// <summary>Which operators an optimized model may contain.</summary>
public enum EmissionTarget
{
    /// <summary>Standard ONNX plus ONNX Runtime's com.microsoft contrib operators: runs in any ONNX Runtime.</summary>
    Ort,

    /// <summary>May also use onnxc's own operators, which need the onnxc custom-op library at run time.</summary>
    OrtWithOnnxcOps,
}
