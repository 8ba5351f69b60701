using System.Security.Cryptography;
using System.Text;
using Onnxc.Ir;

namespace Onnxc.Tests.OnnxIo;

/// <summary>
/// A canonical text form of a model for comparing two imports: structure, types, attributes and tensor contents
/// (hashed). Internal values are numbered in walk order so deterministic renaming on export does not matter.
/// </summary>
internal static class IrDump
{
    public static string Of(Model model)
    {
        var text = new StringBuilder();
        text.AppendLine($"ir {model.IrVersion} producer {model.ProducerName} {model.ProducerVersion} domain {model.Domain} v{model.ModelVersion} doc {model.DocString}");
        foreach (var o in model.OpsetImports) text.AppendLine($"opset {o.Domain}:{o.Version}");
        foreach (var (k, v) in model.MetadataProps) text.AppendLine($"meta {k}={v}");
        foreach (var opaque in model.OpaqueFields) text.AppendLine($"opaque {Hash(opaque.Span)}");
        var ids = new Dictionary<Value, string>(ReferenceEqualityComparer.Instance);
        Graph(model.Graph, text, ids, "", true);
        foreach (var f in model.Functions)
        {
            text.AppendLine($"function {f.Domain}::{f.Name} ({f.Overload}) attrs [{string.Join(",", f.AttributeNames)}] defaults [{string.Join(",", f.AttributeDefaults.Select(Attr))}]");
            Graph(f.Body, text, new Dictionary<Value, string>(ReferenceEqualityComparer.Instance), "  ", false);
        }
        return text.ToString();
    }

    private static void Graph(Graph graph, StringBuilder text, Dictionary<Value, string> ids, string indent, bool keepInterfaceNames)
    {
        text.AppendLine($"{indent}graph {graph.Name} doc {graph.DocString} meta [{Meta(graph.MetadataProps)}] opaque {graph.OpaqueFields.Count}");
        foreach (var v in graph.Initializers)
        {
            Id(v, ids, keepInterfaceNames);
            var data = v.Initializer is { } t ? Tensor(t) : $"sparse {Tensor(v.SparseInitializer!.Values)} {Tensor(v.SparseInitializer.Indices)}";
            text.AppendLine($"{indent}  init {ids[v]} {data} input={v.IsGraphInput}");
        }
        foreach (var v in graph.Inputs) text.AppendLine($"{indent}  input {Id(v, ids, keepInterfaceNames)} : {v.Type} {v.DocString} [{Meta(v.MetadataProps)}]");
        foreach (var node in graph.Nodes)
        {
            var outputs = string.Join(",", node.Outputs.Select(o => $"{Id(o, ids, false)}:{o.Type}"));
            var inputs = string.Join(",", node.Inputs.Select(i => i is null ? "_" : ids.GetValueOrDefault(i, "?outer:" + i.Name)));
            text.AppendLine($"{indent}  {outputs} = {node.Domain}::{node.OpType}({inputs}) name={node.Name} doc={node.DocString} [{Meta(node.MetadataProps)}]");
            foreach (var a in node.Attributes)
            {
                text.AppendLine($"{indent}    @{Attr(a)}");
                foreach (var sub in a.Subgraphs) Graph(sub, text, ids, indent + "      ", false);
            }
        }
        foreach (var v in graph.Outputs) text.AppendLine($"{indent}  output {(keepInterfaceNames ? v.Name : ids.GetValueOrDefault(v, "?"))} : {v.Type}");
    }

    private static string Id(Value v, Dictionary<Value, string> ids, bool keepName)
    {
        if (!ids.TryGetValue(v, out var id))
        {
            id = keepName ? v.Name : v.Name.Length == 0 ? "" : $"%{ids.Count}";
            ids[v] = id;
        }
        return id;
    }

    private static string Attr(Attribute a) => $"{a.Name}:{a.Kind} ref={a.RefAttributeName} = " + a.Value switch
    {
        Tensor t => Tensor(t),
        Tensor[] ts => string.Join(";", ts.Select(Tensor)),
        float[] fs => string.Join(",", fs),
        long[] ls => string.Join(",", ls),
        string[] ss => string.Join(",", ss),
        IrType[] ts => string.Join(",", ts.Select(t => t.ToString())),
        Onnxc.Ir.Graph or Onnxc.Ir.Graph[] => "graphs",
        var v => v?.ToString() ?? "null",
    };

    private static string Tensor(Tensor t) =>
        $"{t.Type} {(t is StringTensor s ? string.Join("|", s.Strings.Select(Convert.ToHexString)) : Hash(t.Bytes.Span))}";

    private static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes))[..16];

    private static string Meta(IEnumerable<KeyValuePair<string, string>> meta) => string.Join(",", meta.Select(p => $"{p.Key}={p.Value}"));
}
