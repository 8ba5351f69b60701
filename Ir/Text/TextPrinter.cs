using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Onnxc.Ir.Text;

/// <summary>Writes the text form. Value names are made unique per model (or function) with a "#n" suffix.</summary>
internal sealed class TextPrinter
{
    private readonly StringBuilder _out = new();
    private readonly PrintOptions _options;
    private readonly Dictionary<Value, string> _names = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _nameCounts = new(StringComparer.Ordinal);
    private int _indent;

    public TextPrinter(PrintOptions options) => _options = options;

    public override string ToString() => _out.ToString();

    public void WriteModel(Model model)
    {
        Line("model {");
        _indent++;
        Line("ir_version " + model.IrVersion.ToString(CultureInfo.InvariantCulture));
        Line("opset_import " + FormatOpsets(model.OpsetImports));
        if (model.ProducerName.Length > 0) Line("producer_name " + TextSyntax.QuoteText(model.ProducerName));
        if (model.ProducerVersion.Length > 0) Line("producer_version " + TextSyntax.QuoteText(model.ProducerVersion));
        if (model.Domain.Length > 0) Line("domain " + TextSyntax.QuoteText(model.Domain));
        if (model.ModelVersion != 0) Line("model_version " + model.ModelVersion.ToString(CultureInfo.InvariantCulture));
        WriteDocMetadataOpaque(model.DocString, model.MetadataProps, model.OpaqueFields);
        _indent--;
        Line("}");
        _out.Append('\n');
        WriteTopGraph(model.Graph);
        foreach (var function in model.Functions)
        {
            _out.Append('\n');
            WriteFunction(function);
        }
    }

    public void WriteTopGraph(Graph graph)
    {
        Indent();
        WriteGraph(graph);
        _out.Append('\n');
    }

    public void WriteFunction(Function function)
    {
        // Each function is its own naming scope, so its parameters keep their plain names.
        _names.Clear();
        _nameCounts.Clear();
        Indent();
        _out.Append("function ");
        if (function.Domain.Length > 0) _out.Append(TextSyntax.Identifier(function.Domain)).Append("::");
        _out.Append(TextSyntax.Identifier(function.Name)).Append(' ');
        WriteSignature(function.Body);
        _out.Append(" {\n");
        _indent++;
        if (function.Overload.Length > 0) Line("overload " + TextSyntax.QuoteText(function.Overload));
        if (function.Body.Name != function.Name) Line("graph_name " + TextSyntax.QuoteText(function.Body.Name));
        if (function.AttributeNames.Count > 0) Line("attributes [" + string.Join(", ", function.AttributeNames.Select(TextSyntax.Identifier)) + "]");
        if (function.AttributeDefaults.Count > 0)
        {
            Indent();
            _out.Append("attribute_defaults ");
            WriteAttributes(function.AttributeDefaults);
            _out.Append('\n');
        }
        if (function.OpsetImports.Count > 0) Line("opset_import " + FormatOpsets(function.OpsetImports));
        WriteDocMetadataOpaque(function.DocString, function.MetadataProps, Array.Empty<ReadOnlyMemory<byte>>());
        WriteBody(function.Body);
        _indent--;
        Line("}");
    }

    /// <summary>Writes "graph name (inputs) {", the body and "}" starting on the current line; the caller ends the line.</summary>
    private void WriteGraph(Graph graph)
    {
        _out.Append("graph ");
        if (graph.Name.Length > 0) _out.Append(TextSyntax.Identifier(graph.Name)).Append(' ');
        WriteSignature(graph);
        _out.Append(" {\n");
        _indent++;
        WriteDocMetadataOpaque(graph.DocString, graph.MetadataProps, graph.OpaqueFields);
        WriteBody(graph);
        _indent--;
        Indent();
        _out.Append('}');
    }

    private void WriteSignature(Graph graph)
    {
        _out.Append('(');
        for (int i = 0; i < graph.Inputs.Count; i++)
        {
            if (i > 0) _out.Append(", ");
            var input = graph.Inputs[i];
            // An initializer that is also an input gets its extras on its initializer line.
            WriteValueDefinition(input, withExtras: !input.IsInitializer);
        }
        _out.Append(')');
    }

    private void WriteBody(Graph graph)
    {
        foreach (var initializer in graph.Initializers) WriteInitializer(initializer);
        foreach (var node in graph.Nodes) WriteNodeLine(node);
        Line("return" + (graph.Outputs.Count == 0 ? "" : " " + string.Join(", ", graph.Outputs.Select(Ref))));
    }

    private void WriteInitializer(Value value)
    {
        Indent();
        WriteValueDefinition(value, withExtras: true);
        _out.Append(" = ");
        if (value.SparseInitializer is { } sparse) WriteSparse(sparse);
        else
        {
            var tensor = value.Initializer!;
            WriteTensor(tensor, withType: !Equals(value.Type, tensor.Type), valueName: value.Name);
        }
        _out.Append('\n');
    }

    public void WriteNodeLine(Node node)
    {
        Indent();
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (i > 0) _out.Append(", ");
            WriteValueDefinition(node.Outputs[i], withExtras: true);
        }
        if (node.Outputs.Count > 0) _out.Append(" = ");
        if (node.Domain.Length > 0) _out.Append(TextSyntax.Identifier(node.Domain)).Append("::");
        _out.Append(TextSyntax.Identifier(node.OpType)).Append('(');
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (i > 0) _out.Append(", ");
            _out.Append(node.Inputs[i] is { } input ? Ref(input) : "_");
        }
        _out.Append(')');
        if (node.Attributes.Count > 0)
        {
            _out.Append(' ');
            WriteAttributes(node.Attributes);
        }
        if (node.Name is { } name) _out.Append(" name ").Append(TextSyntax.QuoteText(name));
        if (node.Overload.Length > 0) _out.Append(" overload ").Append(TextSyntax.QuoteText(node.Overload));
        WriteExtras(node.DocString, node.MetadataProps);
        _out.Append('\n');
    }

    private void WriteAttributes(IReadOnlyList<Attribute> attributes)
    {
        bool multiline = attributes.Any(a => a.Subgraphs.Any());
        _out.Append('{');
        if (multiline) _out.Append('\n');
        _indent++;
        for (int i = 0; i < attributes.Count; i++)
        {
            if (multiline) Indent();
            WriteAttribute(attributes[i]);
            if (i + 1 < attributes.Count) _out.Append(multiline ? "," : ", ");
            if (multiline) _out.Append('\n');
        }
        _indent--;
        if (multiline) Indent();
        _out.Append('}');
    }

    private void WriteAttribute(Attribute attribute)
    {
        _out.Append(TextSyntax.Identifier(attribute.Name));
        bool annotate = attribute.RefAttributeName is not null || attribute.Value is null
            || attribute.Kind is AttributeKind.TypeProto or AttributeKind.TypeProtos or AttributeKind.Undefined
            || attribute.Value is Array { Length: 0 };
        if (annotate) _out.Append(": ").Append(AttributeKinds.Name(attribute.Kind));
        _out.Append(" = ");
        if (attribute.RefAttributeName is { } reference) _out.Append('@').Append(TextSyntax.Identifier(reference));
        else WriteAttributeValue(attribute.Value);
        if (attribute.DocString is { } doc) _out.Append(" doc ").Append(TextSyntax.QuoteText(doc));
    }

    private void WriteAttributeValue(object? value)
    {
        switch (value)
        {
            case null: _out.Append("none"); break;
            case float f: _out.Append(TextSyntax.FormatSingle(f)); break;
            case long l: _out.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case string s: _out.Append(TextSyntax.QuoteText(s)); break;
            case Tensor t: WriteTensor(t, withType: true, valueName: null); break;
            case Graph g: WriteGraph(g); break;
            case SparseTensor st: WriteSparse(st); break;
            case IrType type: _out.Append(FormatType(type)); break;
            case float[] fs: _out.Append('[').Append(string.Join(", ", fs.Select(TextSyntax.FormatSingle))).Append(']'); break;
            case long[] ls: _out.Append('[').Append(string.Join(", ", ls.Select(x => x.ToString(CultureInfo.InvariantCulture)))).Append(']'); break;
            case string[] ss: _out.Append('[').Append(string.Join(", ", ss.Select(TextSyntax.QuoteText))).Append(']'); break;
            case Graph[] gs:
                _out.Append("[\n");
                _indent++;
                for (int i = 0; i < gs.Length; i++)
                {
                    Indent();
                    WriteGraph(gs[i]);
                    _out.Append(i + 1 < gs.Length ? ",\n" : "\n");
                }
                _indent--;
                Indent();
                _out.Append(']');
                break;
            case Array items:
                _out.Append('[');
                for (int i = 0; i < items.Length; i++)
                {
                    if (i > 0) _out.Append(", ");
                    WriteAttributeValue(items.GetValue(i));
                }
                _out.Append(']');
                break;
            default: throw new InvalidOperationException($"attribute value of CLR type {value.GetType().Name} has no text form");
        }
    }

    /// <summary>"[1.5, -2]" when small enough, else a digest in angle brackets; with its type when not implied by context.</summary>
    private void WriteTensor(Tensor tensor, bool withType, string? valueName)
    {
        if (withType) _out.Append(tensor.ElementType.ShortName()).Append('[').Append(string.Join(",", tensor.Dims)).Append("] ");
        if (tensor is ElidedTensor elided) _out.Append('<').Append(elided.Description).Append('>');
        else if (tensor.ElementCount <= _options.InlineLimit) TensorElements.Append(_out, tensor);
        else _out.Append('<').Append(Digest(tensor)).Append('>');
        if (tensor.Name is { } name && name != valueName) _out.Append(" tensor_name ").Append(TextSyntax.QuoteText(name));
        if (tensor.DocString is { } doc) _out.Append(" tensor_doc ").Append(TextSyntax.QuoteText(doc));
    }

    private static string Digest(Tensor tensor) => tensor switch
    {
        ExternalTensor external => $"external {TextSyntax.QuoteText(Path.GetFileName(external.File.Path))} offset {external.Offset}",
        LazyTensor { IsMaterialized: false } => "lazy",
        StringTensor strings => $"elided {strings.ElementCount} strings",
        _ => $"elided {FormatSize(tensor.ByteLength)} sha256:{TextSyntax.Hex(SHA256.HashData(tensor.Bytes.Span).AsSpan(0, 8))}",
    };

    private static string FormatSize(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double size = bytes;
        int unit = 0;
        while (size >= 1024 && unit + 1 < units.Length)
        {
            size /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : size.ToString("0.##", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private void WriteSparse(SparseTensor sparse)
    {
        _out.Append("sparse<[").Append(string.Join(",", sparse.Dims)).Append("], ");
        WriteTensor(sparse.Values, withType: true, valueName: null);
        _out.Append(", ");
        WriteTensor(sparse.Indices, withType: true, valueName: null);
        _out.Append('>');
    }

    private void WriteValueDefinition(Value value, bool withExtras)
    {
        _out.Append(Ref(value));
        if (value.Type is not null) _out.Append(": ").Append(FormatType(value.Type));
        if (withExtras) WriteExtras(value.DocString, value.MetadataProps);
    }

    private void WriteExtras(string? doc, List<KeyValuePair<string, string>> metadata)
    {
        if (doc is not null) _out.Append(" doc ").Append(TextSyntax.QuoteText(doc));
        if (metadata.Count > 0) _out.Append(" metadata ").Append(FormatMetadata(metadata));
    }

    private void WriteDocMetadataOpaque(string? doc, List<KeyValuePair<string, string>> metadata, IEnumerable<ReadOnlyMemory<byte>> opaque)
    {
        if (doc is not null) Line("doc " + TextSyntax.QuoteText(doc));
        if (metadata.Count > 0) Line("metadata " + FormatMetadata(metadata));
        foreach (var field in opaque) Line("opaque " + TextSyntax.QuoteText(TextSyntax.Hex(field.Span)));
    }

    private static string FormatMetadata(List<KeyValuePair<string, string>> metadata) =>
        "{" + string.Join(", ", metadata.Select(p => TextSyntax.QuoteText(p.Key) + ": " + TextSyntax.QuoteText(p.Value))) + "}";

    private static string FormatOpsets(IEnumerable<OpsetImport> opsets) =>
        "{" + string.Join(", ", opsets.Select(o => TextSyntax.QuoteText(o.Domain) + ": " + o.Version.ToString(CultureInfo.InvariantCulture))) + "}";

    public static string FormatType(IrType? type)
    {
        if (type is null) return "?";
        var text = type switch
        {
            TensorType t => t.ElementType.ShortName() + FormatShape(t.Shape),
            SparseTensorType s => "sparse<" + s.ElementType.ShortName() + FormatShape(s.Shape) + ">",
            SequenceType s => "seq<" + FormatType(s.ElementType) + ">",
            MapType m => "map<" + m.KeyType.ShortName() + ", " + FormatType(m.ValueType) + ">",
            OptionalType o => "optional<" + FormatType(o.ElementType) + ">",
            OpaqueType o => "opaque<" + TextSyntax.QuoteText(o.Domain) + ", " + TextSyntax.QuoteText(o.Name) + ">",
            _ => throw new InvalidOperationException($"type {type.GetType().Name} has no text form"),
        };
        return type.Denotation is { } denotation ? text + " @" + TextSyntax.QuoteText(denotation) : text;
    }

    private static string FormatShape(Shape? shape) =>
        shape is null ? "" : "[" + string.Join(",", shape.Select(FormatDim)) + "]";

    private static string FormatDim(Dim dim) =>
        dim.Value is { } v ? v.ToString(CultureInfo.InvariantCulture) : dim.Symbol is { } s ? TextSyntax.Identifier(s) : "?";

    /// <summary>The printed name of a value, assigned on first sight (definition or use) and unique in this scope.</summary>
    private string Ref(Value value)
    {
        if (_names.TryGetValue(value, out var printed)) return printed;
        _nameCounts.TryGetValue(value.Name, out int seen);
        _nameCounts[value.Name] = seen + 1;
        printed = "%" + TextSyntax.ValueName(value.Name) + (seen == 0 ? "" : "#" + seen.ToString(CultureInfo.InvariantCulture));
        _names[value] = printed;
        return printed;
    }

    private void Indent() => _out.Append(' ', _indent * 2);

    private void Line(string text)
    {
        Indent();
        _out.Append(text).Append('\n');
    }
}
