using Onnxc.Ir;

namespace Onnxc.Backends.Onnx.Import;

/// <summary>Every operator domain a node uses must be imported (by the model, or by the function holding the node).</summary>
internal static class OpsetCheck
{
    public static void Run(Model model)
    {
        var localFunctionDomains = model.Functions.Select(f => f.Domain).ToHashSet(StringComparer.Ordinal);
        Check(model.Graph.AllNodes(), Imported(model.OpsetImports), localFunctionDomains, "the model");
        foreach (var function in model.Functions)
        {
            var imports = Imported(model.OpsetImports);
            imports.UnionWith(Imported(function.OpsetImports));
            Check(function.Body.AllNodes(), imports, localFunctionDomains, $"function '{function.Domain}::{function.Name}'");
        }
    }

    private static HashSet<string> Imported(IEnumerable<OpsetImport> imports) =>
        imports.Select(o => Normalize(o.Domain)).ToHashSet(StringComparer.Ordinal);

    private static void Check(IEnumerable<Node> nodes, HashSet<string> imported, HashSet<string> localFunctionDomains, string owner)
    {
        foreach (var node in nodes)
        {
            var domain = Normalize(node.Domain);
            if (imported.Contains(domain) || localFunctionDomains.Contains(node.Domain)) continue;
            if (domain.Length == 0)
            {
                throw new OnnxcException(DiagnosticIds.MissingOpsetImport,
                    $"{node} in graph '{node.Graph?.Name}' uses the default ONNX domain, but {owner} imports no opset for it",
                    hint: "add an opset_import entry for domain \"\" (ai.onnx) with the opset the model was built for");
            }
            throw new OnnxcException(DiagnosticIds.UnknownDomain,
                $"{node} in graph '{node.Graph?.Name}' uses domain '{node.Domain}', which {owner} does not import",
                hint: $"add an opset_import entry for '{node.Domain}' or correct the node's domain");
        }
    }

    private static string Normalize(string domain) => domain == "ai.onnx" ? "" : domain;
}
