namespace Onnxc.Ir.Text;

/// <summary>Names of attribute kinds in the text form ("ints", "type"), used where a value alone does not say its kind.</summary>
internal static class AttributeKinds
{
    private static readonly Dictionary<AttributeKind, string> Names = new()
    {
        [AttributeKind.Undefined] = "undefined", [AttributeKind.Float] = "float", [AttributeKind.Int] = "int",
        [AttributeKind.String] = "string", [AttributeKind.Tensor] = "tensor", [AttributeKind.Graph] = "graph",
        [AttributeKind.Floats] = "floats", [AttributeKind.Ints] = "ints", [AttributeKind.Strings] = "strings",
        [AttributeKind.Tensors] = "tensors", [AttributeKind.Graphs] = "graphs", [AttributeKind.SparseTensor] = "sparse_tensor",
        [AttributeKind.SparseTensors] = "sparse_tensors", [AttributeKind.TypeProto] = "type", [AttributeKind.TypeProtos] = "types",
    };

    private static readonly Dictionary<string, AttributeKind> ByName = Names.ToDictionary(p => p.Value, p => p.Key);

    public static string Name(AttributeKind kind) => Names.TryGetValue(kind, out var name) ? name : "undefined";

    public static bool TryParse(string name, out AttributeKind kind) => ByName.TryGetValue(name, out kind);
}
