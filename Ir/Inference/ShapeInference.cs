namespace Onnxc.Ir.Inference;

/// <summary>
/// Type and shape inference on the IR: walks every graph in order (subgraphs included) and sets
/// <see cref="Value.Type"/> on node outputs from per-op rules, never dropping what the model already declared.
/// </summary>
public static class ShapeInference
{
    /// <summary>Infers types for every node output in <paramref name="model"/>; conflicts come back as diagnostics.</summary>
    public static ShapeInferenceResult Run(Model model, ShapeInferenceOptions? options = null)
    {
        var run = new InferenceRun(model, options ?? new ShapeInferenceOptions(), OpRules.Default);
        run.InferGraph(model.Graph);
        return run.Result();
    }
}

/// <summary>The state of one inference run: constants cache, counters and diagnostics.</summary>
internal sealed class InferenceRun
{
    private readonly Model _model;
    private readonly ShapeInferenceOptions _options;
    private readonly OpRules _rules;
    private readonly List<Diagnostic> _diagnostics = new();
    private readonly SortedSet<string> _opsWithoutRule = new(StringComparer.Ordinal);
    private readonly HashSet<Graph> _visited = new();
    private int _typed;
    private int _refined;

    public InferenceRun(Model model, ShapeInferenceOptions options, OpRules rules)
    {
        _model = model;
        _options = options;
        _rules = rules;
        Constants = new ConstantValues(options.MaxConstantElements);
    }

    public ConstantValues Constants { get; }

    public ShapeInferenceResult Result() => new(_typed, _refined, _diagnostics, _opsWithoutRule);

    public void InferGraph(Graph graph)
    {
        if (!_visited.Add(graph)) return;
        IEnumerable<Node> order;
        try
        {
            order = graph.TopologicalOrder();
        }
        catch (GraphCycleException e)
        {
            _diagnostics.Add(new Diagnostic(DiagnosticIds.GraphCycle, Severity.Error, e.Message, $"graph '{graph.Name}'"));
            order = graph.Nodes.ToList();
        }
        foreach (var node in order) InferNode(node);
    }

    private void InferNode(Node node)
    {
        var rule = _rules.Find(node.Domain, node.OpType);
        if (rule is null)
        {
            _opsWithoutRule.Add(node.Domain.Length == 0 ? node.OpType : node.Domain + "::" + node.OpType);
        }
        else
        {
            var context = new InferenceContext(this, node, OpsetOf(node.Domain));
            try
            {
                rule(context);
                for (int i = 0; i < node.Outputs.Count; i++) Assign(node.Outputs[i], context.Outputs[i], node);
            }
            catch (Exception e) when (e is ShapeInferenceException or InvalidOperationException)
            {
                // InvalidOperationException: an attribute of the wrong kind, which the importer lets through.
                _diagnostics.Add(new Diagnostic(DiagnosticIds.ShapeMismatch, Severity.Warning, e.Message, Location(node)));
            }
        }
        // Bodies of ops without a rule (or whose rule stopped early) still get their own nodes typed.
        foreach (var sub in node.Subgraphs) InferGraph(sub);
    }

    /// <summary>Merges an inferred type into a value, counting what changed and reporting conflicts.</summary>
    public void Assign(Value value, IrType? inferred, Node node)
    {
        var before = value.Type;
        var merged = TypeMerge.Merge(before, inferred, out var conflict);
        if (conflict is not null)
        {
            var id = conflict.Contains("element type", StringComparison.Ordinal) ? DiagnosticIds.TypeMismatch : DiagnosticIds.ShapeMismatch;
            _diagnostics.Add(new Diagnostic(id, Severity.Warning, $"value '{value.Name}': {conflict}", Location(node),
                "the declared type was kept; check the model's value_info"));
        }
        if (merged == before) return;
        value.Type = merged;
        if (before is null) _typed++;
        else if (TypeMerge.IsMoreSpecific(before, merged)) _refined++;
        Constants.Forget(value);
    }

    private long OpsetOf(string domain)
    {
        var version = _model.OpsetVersion(domain);
        if (version is { } v) return v;
        return domain.Length == 0 || domain == "ai.onnx" ? _options.DefaultOpset : 1;
    }

    private static string Location(Node node)
    {
        var graph = node.Graph is { } g && g.Name.Length > 0 ? $"graph '{g.Name}', " : "";
        return graph + "node " + node;
    }
}
