using System.Globalization;

namespace Onnxc.Ir.Text;

/// <summary>
/// Recursive-descent parser of the text form. Values may be used before their definition (the text of a graph
/// that is not in topological order still parses): a use creates a placeholder that the definition later becomes.
/// </summary>
internal sealed partial class TextParser
{
    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _pos;
    private Scope? _scope;

    public TextParser(string text)
    {
        _text = text;
        _tokens = TextLexer.Tokenize(text);
    }

    public Model ParseModelDocument()
    {
        ExpectWord("model");
        Expect("{");
        var model = new Model(new Graph());
        while (!Accept("}"))
        {
            var key = Peek();
            if (key.Kind != TokenKind.Ident) throw Expected("a model field or '}'");
            Next();
            switch (key.Text)
            {
                case "ir_version": model.IrVersion = ExpectInt("the IR version"); break;
                case "opset_import": ParseOpsets(model.OpsetImports); break;
                case "producer_name": model.ProducerName = ExpectString("the producer name"); break;
                case "producer_version": model.ProducerVersion = ExpectString("the producer version"); break;
                case "domain": model.Domain = ExpectString("the model domain"); break;
                case "model_version": model.ModelVersion = ExpectInt("the model version"); break;
                case "doc": model.DocString = ExpectString("a doc string"); break;
                case "metadata": ParseMetadata(model.MetadataProps); break;
                case "opaque": model.OpaqueFields.Add(ExpectHex()); break;
                default:
                    throw Error(key, $"unknown model field '{key.Text}' (expected ir_version, opset_import, producer_name, producer_version, domain, model_version, doc, metadata or opaque)");
            }
        }
        model.Graph = ParseGraph();
        while (Peek().IsIdent("function")) model.Functions.Add(ParseFunction());
        ExpectEnd();
        return model;
    }

    public Graph ParseGraphDocument()
    {
        var graph = ParseGraph();
        ExpectEnd();
        return graph;
    }

    private Graph ParseGraph()
    {
        ExpectWord("graph");
        string name = Peek().Kind is TokenKind.Ident or TokenKind.String ? ExpectName("the graph name") : "";
        var graph = new Graph(name);
        _scope = new Scope(_scope);
        var signature = ParseSignature();
        ParseBody(graph, signature, function: null);
        CloseScope(graph, signature);
        return graph;
    }

    private Function ParseFunction()
    {
        ExpectWord("function");
        string domain = "", name = ExpectName("the function name");
        if (Accept("::"))
        {
            domain = name;
            name = ExpectName("the function name");
        }
        var function = new Function(domain, name, new Graph(name));
        _scope = new Scope(_scope);
        var signature = ParseSignature();
        ParseBody(function.Body, signature, function);
        CloseScope(function.Body, signature);
        return function;
    }

    private List<ValueDef> ParseSignature()
    {
        Expect("(");
        var entries = new List<ValueDef>();
        while (!Accept(")"))
        {
            entries.Add(ParseValueDef());
            if (!Accept(","))
            {
                Expect(")");
                break;
            }
        }
        return entries;
    }

    /// <summary>Parses "{ directives, initializers, nodes, return }" of a graph or function body.</summary>
    private void ParseBody(Graph graph, List<ValueDef> signature, Function? function)
    {
        Expect("{");
        while (true)
        {
            var t = Peek();
            if (t.IsPunct("}")) break;
            if (t.IsIdent("return"))
            {
                Next();
                if (Peek().Kind == TokenKind.Value)
                {
                    do graph.AddOutput(Resolve(ExpectValueToken()));
                    while (Accept(","));
                }
                if (!Peek().IsPunct("}")) throw Expected("'}' after the return statement");
                break;
            }
            if (t.Kind == TokenKind.Ident && IsDirective(t.Text, function is not null) && !Peek(1).IsPunct("(") && !Peek(1).IsPunct("::"))
            {
                ParseDirective(graph, function);
            }
            else if (t.Kind == TokenKind.Value) ParseDefinitionLine(graph);
            else if (t.Kind is TokenKind.Ident or TokenKind.String) ParseNode(graph, new List<ValueDef>());
            else throw Expected("a node, an initializer or 'return'");
        }
        Expect("}");
    }

    private static bool IsDirective(string word, bool inFunction) => word is "doc" or "metadata"
        || (inFunction ? word is "overload" or "graph_name" or "attributes" or "attribute_defaults" or "opset_import" : word is "opaque");

    private void ParseDirective(Graph graph, Function? function)
    {
        var key = Next();
        switch (key.Text)
        {
            case "doc" when function is not null: function.DocString = ExpectString("a doc string"); break;
            case "doc": graph.DocString = ExpectString("a doc string"); break;
            case "metadata": ParseMetadata(function?.MetadataProps ?? graph.MetadataProps); break;
            case "opaque": graph.OpaqueFields.Add(ExpectHex()); break;
            case "overload": function!.Overload = ExpectString("the overload name"); break;
            case "graph_name": graph.Name = ExpectString("the body graph name"); break;
            case "opset_import": ParseOpsets(function!.OpsetImports); break;
            case "attribute_defaults": function!.AttributeDefaults.AddRange(ParseAttributeDict()); break;
            case "attributes":
                Expect("[");
                while (!Accept("]"))
                {
                    function!.AttributeNames.Add(ExpectName("an attribute name"));
                    if (!Accept(","))
                    {
                        Expect("]");
                        break;
                    }
                }
                break;
        }
    }

    /// <summary>A line starting with %: an initializer ("%w: f32[2] = [1, 2]") or a node with outputs.</summary>
    private void ParseDefinitionLine(Graph graph)
    {
        var defs = new List<ValueDef>();
        do defs.Add(ParseValueDef());
        while (Accept(","));
        Expect("=");
        if (defs.Count == 1 && LooksLikeConstant()) ParseInitializer(graph, defs[0]);
        else ParseNode(graph, defs);
    }

    private bool LooksLikeConstant()
    {
        var t = Peek();
        if (t.IsPunct("[") || t.IsPunct("<")) return true;
        if (t.Kind != TokenKind.Ident) return false;
        if (t.Text == "sparse") return Peek(1).IsPunct("<");
        return DataTypes.TryParseShortName(t.Text, out _) && Peek(1).IsPunct("[");
    }

    private void ParseInitializer(Graph graph, ValueDef def)
    {
        Value value;
        if (Peek().IsIdent("sparse"))
        {
            value = graph.AddSparseInitializer(def.Token.Text, ParseSparse());
        }
        else
        {
            Tensor tensor;
            if (Peek().IsPunct("[") || Peek().IsPunct("<"))
            {
                if (def.Type is not TensorType { Shape: { IsStatic: true } shape } tensorType)
                {
                    throw Error(Peek(), $"the values of {def.Token.Describe()} need a static tensor type before '=' or an explicit one such as f32[2] [1, 2]");
                }
                tensor = ParseTensorRest(tensorType.ElementType, shape.StaticDims!);
            }
            else tensor = ParseTensorLiteral();
            value = graph.AddInitializer(def.Token.Text, tensor);
        }
        if (def.Type is not null && !Equals(def.Type, value.Type)) value.Type = def.Type;
        ApplyExtras(value, def);
        Define(def.Token, value, replacesPlaceholder: true);
    }

    private void ParseNode(Graph graph, List<ValueDef> outputs)
    {
        string domain = "", op = ExpectName("an operator");
        if (Accept("::"))
        {
            domain = op;
            op = ExpectName("an operator after '::'");
        }
        Expect("(");
        var inputs = new List<Value?>();
        while (!Accept(")"))
        {
            if (Peek().IsIdent("_"))
            {
                Next();
                inputs.Add(null);
            }
            else if (Peek().Kind == TokenKind.Value) inputs.Add(Resolve(Next()));
            else throw Expected("a value (%name) or '_' for an omitted input");
            if (!Accept(","))
            {
                Expect(")");
                break;
            }
        }
        var attributes = Peek().IsPunct("{") ? ParseAttributeDict() : new List<Attribute>();
        var node = new Node(op, inputs, Array.Empty<string>(), domain, attributes);
        while (true)
        {
            if (AcceptWord("name")) node.Name = ExpectString("the node name");
            else if (AcceptWord("overload")) node.Overload = ExpectString("the overload name");
            else if (AcceptWord("doc")) node.DocString = ExpectString("a doc string");
            else if (AcceptWord("metadata")) ParseMetadata(node.MetadataProps);
            else break;
        }
        foreach (var def in outputs)
        {
            var value = TakePlaceholder(def.Token) ?? new Value(def.Token.Text);
            value.Type = def.Type;
            ApplyExtras(value, def);
            node.AppendOutput(value);
            Define(def.Token, value, replacesPlaceholder: false);
        }
        graph.Append(node);
    }

    /// <summary>"%name[: type] [doc "..."] [metadata {...}]".</summary>
    private ValueDef ParseValueDef()
    {
        var token = ExpectValueToken();
        IrType? type = Accept(":") ? ParseType() : null;
        string? doc = null;
        List<KeyValuePair<string, string>>? metadata = null;
        while (true)
        {
            if (AcceptWord("doc")) doc = ExpectString("a doc string");
            else if (AcceptWord("metadata")) ParseMetadata(metadata ??= new());
            else break;
        }
        return new ValueDef(token, type, doc, metadata);
    }

    private static void ApplyExtras(Value value, ValueDef def)
    {
        if (def.Doc is not null) value.DocString = def.Doc;
        if (def.Metadata is not null) value.MetadataProps.AddRange(def.Metadata);
    }

    private void ParseOpsets(List<OpsetImport> into)
    {
        Expect("{");
        while (!Accept("}"))
        {
            var domain = ExpectName("an opset domain");
            Expect(":");
            into.Add(new OpsetImport(domain, ExpectInt("an opset version")));
            if (!Accept(","))
            {
                Expect("}");
                break;
            }
        }
    }

    private void ParseMetadata(List<KeyValuePair<string, string>> into)
    {
        Expect("{");
        while (!Accept("}"))
        {
            var key = ExpectString("a metadata key");
            Expect(":");
            into.Add(new KeyValuePair<string, string>(key, ExpectString("a metadata value")));
            if (!Accept(","))
            {
                Expect("}");
                break;
            }
        }
    }

    private ReadOnlyMemory<byte> ExpectHex()
    {
        var t = Peek();
        var text = ExpectString("hex bytes in a string");
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            throw Error(t, "expected an even number of hex digits");
        }
    }

    // ---- scopes: values by printed name ("x" or "x#1"), placeholders for uses before definitions ----

    private sealed class Scope(Scope? parent)
    {
        public Scope? Parent { get; } = parent;

        public Dictionary<(string, int), Value> Defined { get; } = new();

        public Dictionary<(string, int), (Value Placeholder, Token FirstUse)> Pending { get; } = new();
    }

    private sealed record ValueDef(Token Token, IrType? Type, string? Doc, List<KeyValuePair<string, string>>? Metadata);

    private static (string, int) Key(Token t) => (t.Text, t.Suffix);

    private Value Resolve(Token t)
    {
        var key = Key(t);
        for (var s = _scope; s is not null; s = s.Parent)
        {
            if (s.Defined.TryGetValue(key, out var value)) return value;
        }
        if (_scope!.Pending.TryGetValue(key, out var pending)) return pending.Placeholder;
        var placeholder = new Value(t.Text);
        _scope.Pending[key] = (placeholder, t);
        return placeholder;
    }

    private Value? TakePlaceholder(Token t) => _scope!.Pending.Remove(Key(t), out var pending) ? pending.Placeholder : null;

    private void Define(Token t, Value value, bool replacesPlaceholder)
    {
        var key = Key(t);
        if (_scope!.Defined.ContainsKey(key)) throw Error(t, $"{t.Describe()} is already defined in this graph");
        if (replacesPlaceholder && TakePlaceholder(t) is { } placeholder) placeholder.ReplaceAllUsesWith(value);
        _scope.Defined[key] = value;
    }

    /// <summary>Binds the signature (inputs may be initializers defined in the body) and hands unresolved uses outward.</summary>
    private void CloseScope(Graph graph, List<ValueDef> signature)
    {
        var scope = _scope!;
        foreach (var entry in signature)
        {
            var key = Key(entry.Token);
            if (scope.Defined.TryGetValue(key, out var defined))
            {
                if (!defined.IsInitializer || defined.OwningGraph != graph) throw Error(entry.Token, $"input {entry.Token.Describe()} is also defined in the graph body");
                graph.MarkInitializerAsInput(defined);
                ApplyExtras(defined, entry);
                continue;
            }
            var value = TakePlaceholder(entry.Token) ?? new Value(entry.Token.Text);
            value.Type = entry.Type;
            ApplyExtras(value, entry);
            graph.AddInput(value);
            scope.Defined[key] = value;
        }
        _scope = scope.Parent;
        foreach (var (key, pending) in scope.Pending)
        {
            if (_scope is null) throw Error(pending.FirstUse, $"{pending.FirstUse.Describe()} is used but never defined");
            if (_scope.Pending.TryGetValue(key, out var outer)) pending.Placeholder.ReplaceAllUsesWith(outer.Placeholder);
            else _scope.Pending[key] = pending;
        }
    }

    // ---- token helpers ----

    private Token Peek(int ahead = 0) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];

    private Token Next()
    {
        var t = Peek();
        if (_pos < _tokens.Count - 1) _pos++;
        return t;
    }

    private bool Accept(string punct)
    {
        if (!Peek().IsPunct(punct)) return false;
        _pos++;
        return true;
    }

    private bool AcceptWord(string word)
    {
        if (!Peek().IsIdent(word)) return false;
        _pos++;
        return true;
    }

    private Token Expect(string punct) => Peek().IsPunct(punct) ? Next() : throw Expected($"'{punct}'");

    private void ExpectWord(string word)
    {
        if (!AcceptWord(word)) throw Expected($"'{word}'");
    }

    private void ExpectEnd()
    {
        if (Peek().Kind != TokenKind.End) throw Expected("end of input");
    }

    private Token ExpectValueToken() => Peek().Kind == TokenKind.Value ? Next() : throw Expected("a value (%name)");

    /// <summary>An identifier or a quoted string, as used for names of ops, domains, graphs and attributes.</summary>
    private string ExpectName(string what)
    {
        var t = Peek();
        if (t.Kind == TokenKind.Ident) return Next().Text;
        if (t.Kind == TokenKind.String) return TextSyntax.UnescapeText(Next().Text);
        throw Expected(what);
    }

    private string ExpectString(string what) =>
        Peek().Kind == TokenKind.String ? TextSyntax.UnescapeText(Next().Text) : throw Expected(what + " (a quoted string)");

    private long ExpectInt(string what)
    {
        var t = Peek();
        if (t.Kind == TokenKind.Number && long.TryParse(t.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Next();
            return value;
        }
        throw Expected(what + " (an integer)");
    }

    private OnnxcException Expected(string what) => Error(Peek(), $"expected {what}, found {Peek().Describe()}");

    private static OnnxcException Error(Token at, string message) => TextLexer.Error(at.Line, at.Column, message);
}
