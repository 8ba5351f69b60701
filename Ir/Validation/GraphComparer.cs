using Onnxc.Ir.Text;

namespace Onnxc.Ir.Validation;

/// <summary>
/// Structural comparison of two graphs or models: same nodes in the same order, wired the same way, with equal
/// names, types, attributes (subgraphs recursively) and tensor contents. Returns the first difference, or null.
/// </summary>
public static class GraphComparer
{
    public static string? Compare(Graph a, Graph b) => new Comparison().Graphs(a, b, $"graph '{a.Name}'");

    public static string? Compare(Model a, Model b) => new Comparison().Models(a, b);

    private sealed class Comparison
    {
        // Values of the first graph matched to values of the second, so wiring (including outer-scope reads) is compared.
        private readonly Dictionary<Value, Value> _map = new(ReferenceEqualityComparer.Instance);

        public string? Models(Model a, Model b)
        {
            if (a.IrVersion != b.IrVersion) return $"ir_version {a.IrVersion} vs {b.IrVersion}";
            if (!a.OpsetImports.SequenceEqual(b.OpsetImports)) return $"opset imports {Opsets(a.OpsetImports)} vs {Opsets(b.OpsetImports)}";
            if (a.ProducerName != b.ProducerName || a.ProducerVersion != b.ProducerVersion) return $"producer '{a.ProducerName} {a.ProducerVersion}' vs '{b.ProducerName} {b.ProducerVersion}'";
            if (a.Domain != b.Domain) return $"model domain '{a.Domain}' vs '{b.Domain}'";
            if (a.ModelVersion != b.ModelVersion) return $"model_version {a.ModelVersion} vs {b.ModelVersion}";
            return Extras("model", a.DocString, b.DocString, a.MetadataProps, b.MetadataProps)
                ?? Opaque("model", a.OpaqueFields, b.OpaqueFields)
                ?? Graphs(a.Graph, b.Graph, $"graph '{a.Graph.Name}'")
                ?? Functions(a.Functions, b.Functions);
        }

        private string? Functions(List<Function> a, List<Function> b)
        {
            if (a.Count != b.Count) return $"{a.Count} functions vs {b.Count}";
            for (int i = 0; i < a.Count; i++)
            {
                var (fa, fb) = (a[i], b[i]);
                var where = $"function {fa.Domain}::{fa.Name}";
                if (fa.Domain != fb.Domain || fa.Name != fb.Name || fa.Overload != fb.Overload) return $"function {i}: {fa.Domain}::{fa.Name} '{fa.Overload}' vs {fb.Domain}::{fb.Name} '{fb.Overload}'";
                if (!fa.AttributeNames.SequenceEqual(fb.AttributeNames)) return $"{where}: attribute parameters [{string.Join(", ", fa.AttributeNames)}] vs [{string.Join(", ", fb.AttributeNames)}]";
                if (!fa.OpsetImports.SequenceEqual(fb.OpsetImports)) return $"{where}: opset imports {Opsets(fa.OpsetImports)} vs {Opsets(fb.OpsetImports)}";
                var diff = Attributes(fa.AttributeDefaults, fb.AttributeDefaults, where + " attribute defaults")
                    ?? Extras(where, fa.DocString, fb.DocString, fa.MetadataProps, fb.MetadataProps)
                    ?? Graphs(fa.Body, fb.Body, where + " body");
                if (diff is not null) return diff;
            }
            return null;
        }

        public string? Graphs(Graph a, Graph b, string where)
        {
            if (a.Name != b.Name) return $"{where}: name '{a.Name}' vs '{b.Name}'";
            var diff = Extras(where, a.DocString, b.DocString, a.MetadataProps, b.MetadataProps) ?? Opaque(where, a.OpaqueFields, b.OpaqueFields);
            if (diff is not null) return diff;
            if (a.Inputs.Count != b.Inputs.Count) return $"{where}: {a.Inputs.Count} inputs vs {b.Inputs.Count}";
            for (int i = 0; i < a.Inputs.Count; i++)
            {
                if (a.Inputs[i].IsInitializer != b.Inputs[i].IsInitializer) return $"{where}: input {i} {a.Inputs[i]} is an initializer in only one graph";
                diff = Define(a.Inputs[i], b.Inputs[i], $"{where}: input {i}");
                if (diff is not null) return diff;
            }
            if (a.Initializers.Count != b.Initializers.Count) return $"{where}: {a.Initializers.Count} initializers vs {b.Initializers.Count}";
            for (int i = 0; i < a.Initializers.Count; i++)
            {
                var (va, vb) = (a.Initializers[i], b.Initializers[i]);
                var at = $"{where}: initializer {va}";
                diff = (_map.ContainsKey(va) ? Wired(va, vb, at) : Define(va, vb, at))
                    ?? (va.Initializer is { } ta
                        ? vb.Initializer is { } tb ? Tensors(ta, tb, at, va.Name) : $"{at} is sparse in only one graph"
                        : vb.SparseInitializer is null ? $"{at} is sparse in only one graph" : Sparse(va.SparseInitializer!, vb.SparseInitializer, at));
                if (diff is not null) return diff;
            }
            if (a.NodeCount != b.NodeCount) return $"{where}: {a.NodeCount} nodes vs {b.NodeCount}";
            int index = 0;
            foreach (var (na, nb) in a.Nodes.Zip(b.Nodes))
            {
                diff = Nodes(na, nb, $"{where}: node {index++} ({na})");
                if (diff is not null) return diff;
            }
            if (a.Outputs.Count != b.Outputs.Count) return $"{where}: {a.Outputs.Count} outputs vs {b.Outputs.Count}";
            for (int i = 0; i < a.Outputs.Count; i++)
            {
                diff = Wired(a.Outputs[i], b.Outputs[i], $"{where}: output {i}");
                if (diff is not null) return diff;
            }
            return null;
        }

        private string? Nodes(Node a, Node b, string where)
        {
            if (a.OpType != b.OpType || a.Domain != b.Domain || a.Overload != b.Overload) return $"{where}: operator {b.Domain}::{b.OpType} in the second graph";
            if (a.Name != b.Name) return $"{where}: name '{a.Name}' vs '{b.Name}'";
            var diff = Extras(where, a.DocString, b.DocString, a.MetadataProps, b.MetadataProps);
            if (diff is not null) return diff;
            if (a.Inputs.Count != b.Inputs.Count) return $"{where}: {a.Inputs.Count} inputs vs {b.Inputs.Count}";
            for (int i = 0; i < a.Inputs.Count; i++)
            {
                var (ia, ib) = (a.Inputs[i], b.Inputs[i]);
                if (ia is null || ib is null)
                {
                    if (ia != ib) return $"{where}: input {i} is omitted in only one graph";
                    continue;
                }
                diff = Wired(ia, ib, $"{where}: input {i}");
                if (diff is not null) return diff;
            }
            diff = Attributes(a.Attributes, b.Attributes, where);
            if (diff is not null) return diff;
            if (a.Outputs.Count != b.Outputs.Count) return $"{where}: {a.Outputs.Count} outputs vs {b.Outputs.Count}";
            for (int i = 0; i < a.Outputs.Count; i++)
            {
                diff = _map.ContainsKey(a.Outputs[i]) ? Wired(a.Outputs[i], b.Outputs[i], $"{where}: output {i}") : Define(a.Outputs[i], b.Outputs[i], $"{where}: output {i}");
                if (diff is not null) return diff;
            }
            return null;
        }

        private string? Attributes(IReadOnlyList<Attribute> a, IReadOnlyList<Attribute> b, string where)
        {
            if (a.Count != b.Count) return $"{where}: {a.Count} attributes vs {b.Count}";
            for (int i = 0; i < a.Count; i++)
            {
                var (x, y) = (a[i], b[i]);
                var at = $"{where}: attribute '{x.Name}'";
                if (x.Name != y.Name) return $"{where}: attribute {i} is '{x.Name}' vs '{y.Name}'";
                if (x.Kind != y.Kind) return $"{at}: kind {x.Kind} vs {y.Kind}";
                if (x.RefAttributeName != y.RefAttributeName) return $"{at}: refers to '{x.RefAttributeName}' vs '{y.RefAttributeName}'";
                if (x.DocString != y.DocString) return $"{at}: doc string differs";
                var diff = AttributeValues(x.Value, y.Value, at);
                if (diff is not null) return diff;
            }
            return null;
        }

        private string? AttributeValues(object? a, object? b, string where)
        {
            switch (a, b)
            {
                case (null, null): return null;
                case (null, _) or (_, null): return $"{where}: value is missing in one graph";
                case (Graph ga, Graph gb): return Graphs(ga, gb, $"{where} (graph '{ga.Name}')");
                case (Tensor ta, Tensor tb): return Tensors(ta, tb, where, null);
                case (SparseTensor sa, SparseTensor sb): return Sparse(sa, sb, where);
                case (float fa, float fb): return BitConverter.SingleToInt32Bits(fa) == BitConverter.SingleToInt32Bits(fb) ? null : $"{where}: {fa} vs {fb}";
                case (float[] fa, float[] fb):
                    return fa.Length == fb.Length && fa.Zip(fb).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second))
                        ? null : $"{where}: [{string.Join(", ", fa)}] vs [{string.Join(", ", fb)}]";
                case (Array xa, Array xb):
                    if (xa.Length != xb.Length) return $"{where}: {xa.Length} items vs {xb.Length}";
                    for (int i = 0; i < xa.Length; i++)
                    {
                        var diff = AttributeValues(xa.GetValue(i), xb.GetValue(i), $"{where}[{i}]");
                        if (diff is not null) return diff;
                    }
                    return null;
                default: return Equals(a, b) ? null : $"{where}: {a} vs {b}";
            }
        }

        private static string? Tensors(Tensor a, Tensor b, string where, string? valueName)
        {
            if (a.ElementType != b.ElementType || !a.Dims.SequenceEqual(b.Dims)) return $"{where}: tensor {a.Type} vs {b.Type}";
            // An initializer's tensor name defaults to its value's name.
            if ((a.Name ?? valueName) != (b.Name ?? valueName)) return $"{where}: tensor name '{a.Name}' vs '{b.Name}'";
            if (a.DocString != b.DocString) return $"{where}: tensor doc string differs";
            if (a is ElidedTensor || b is ElidedTensor)
            {
                return a is ElidedTensor ea && b is ElidedTensor eb && ea.Description == eb.Description
                    ? null : $"{where}: tensor values elided in one graph (<{(a as ElidedTensor ?? (ElidedTensor)b).Description}>)";
            }
            return a.ContentEquals(b) ? null : $"{where}: tensor values differ";
        }

        private static string? Sparse(SparseTensor a, SparseTensor b, string where) =>
            !a.Dims.SequenceEqual(b.Dims) ? $"{where}: sparse shape [{string.Join(",", a.Dims)}] vs [{string.Join(",", b.Dims)}]"
            : Tensors(a.Values, b.Values, where + " values", null) ?? Tensors(a.Indices, b.Indices, where + " indices", null);

        /// <summary>Records that <paramref name="a"/> and <paramref name="b"/> are the same definition and compares their facts.</summary>
        private string? Define(Value a, Value b, string where)
        {
            if (_map.TryGetValue(a, out var mapped) && !ReferenceEquals(mapped, b)) return $"{where}: {a} is defined twice";
            _map[a] = b;
            if (a.Name != b.Name) return $"{where}: value name '{a.Name}' vs '{b.Name}'";
            if (!Equals(a.Type, b.Type)) return $"{where}: {a} has type {IrPrinter.Print(a.Type)} vs {IrPrinter.Print(b.Type)}";
            return Extras($"{where} {a}", a.DocString, b.DocString, a.MetadataProps, b.MetadataProps);
        }

        /// <summary>Checks that a read of <paramref name="a"/> corresponds to a read of <paramref name="b"/>.</summary>
        private string? Wired(Value a, Value b, string where)
        {
            if (_map.TryGetValue(a, out var mapped))
            {
                return ReferenceEquals(mapped, b) ? null : $"{where}: reads {a} (matching {mapped}) vs {b}";
            }
            // A value defined outside what is compared (outer scope of a subgraph compared alone): match by name.
            if (a.Name != b.Name) return $"{where}: reads {a} vs {b}";
            _map[a] = b;
            return null;
        }

        private static string? Extras(string where, string? docA, string? docB, List<KeyValuePair<string, string>> metaA, List<KeyValuePair<string, string>> metaB)
        {
            if (docA != docB) return $"{where}: doc string \"{docA}\" vs \"{docB}\"";
            return metaA.SequenceEqual(metaB) ? null : $"{where}: metadata differs";
        }

        private static string? Opaque(string where, List<ReadOnlyMemory<byte>> a, List<ReadOnlyMemory<byte>> b) =>
            a.Count == b.Count && a.Zip(b).All(p => p.First.Span.SequenceEqual(p.Second.Span)) ? null : $"{where}: opaque fields differ";

        private static string Opsets(List<OpsetImport> opsets) => "{" + string.Join(", ", opsets.Select(o => $"'{o.Domain}': {o.Version}")) + "}";
    }
}
