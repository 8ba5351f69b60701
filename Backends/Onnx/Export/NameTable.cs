using Onnxc.Ir;

namespace Onnxc.Backends.Onnx.Export;

/// <summary>
/// The names values get in the written file. Passes may leave duplicate names; this table keeps the first in
/// walk order and gives later ones a numbered suffix, deterministically. The exporter never edits Value.Name.
/// </summary>
internal sealed class NameTable
{
    private readonly Dictionary<Value, string> _names = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>Claims a name that must not change (main graph inputs and outputs); a clash between two values is an error.</summary>
    public void Reserve(Value value, string where)
    {
        if (_names.ContainsKey(value)) return;
        if (value.Name.Length == 0 || !_used.Add(value.Name))
        {
            throw new OnnxcException(DiagnosticIds.DuplicateOutputName,
                $"{where}: two different values are both named '{value.Name}' in the graph's interface",
                hint: "graph inputs and outputs keep their names on export, so they must be distinct and non-empty");
        }
        _names.Add(value, value.Name);
    }

    public string NameOf(Value value)
    {
        if (_names.TryGetValue(value, out var name)) return name;
        // An omitted optional output nobody reads stays unnamed, as ONNX writes it.
        if (value.Name.Length == 0 && value.Uses.Count == 0 && !value.IsGraphOutput) name = "";
        else name = Unique(value.Name.Length == 0 ? "_v" : value.Name);
        _names.Add(value, name);
        return name;
    }

    private string Unique(string wanted)
    {
        if (_used.Add(wanted)) return wanted;
        for (int k = 1; ; k++)
        {
            var candidate = $"{wanted}_{k}";
            if (_used.Add(candidate)) return candidate;
        }
    }
}
