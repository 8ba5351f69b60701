using Onnxc.Ir;

namespace Onnxc.Backends.Onnx.Import;

/// <summary>
/// Names visible in one graph during import. A subgraph's scope chains to its enclosing graphs' scopes: lookups
/// walk outward, and a name defined in the subgraph shadows the outer one.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, Value> _names = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public bool TryDefine(string name, Value value) => _names.TryAdd(name, value);

    public Value? Local(string name) => _names.GetValueOrDefault(name);

    public Value? Lookup(string name)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._names.TryGetValue(name, out var value)) return value;
        }
        return null;
    }
}
