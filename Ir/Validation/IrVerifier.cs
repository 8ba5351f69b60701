namespace Onnxc.Ir.Validation;

/// <summary>
/// Checks the IR's structural invariants in one linear walk: use lists match node inputs, every input is defined
/// before it is read (in this graph or an enclosing one), back-pointers are right, nothing appears twice.
/// The pass manager runs it after each pass in debug and test builds.
/// </summary>
public static class IrVerifier
{
    /// <summary>All problems in the main graph and the function bodies; warnings included.</summary>
    public static IReadOnlyList<Diagnostic> Verify(Model model)
    {
        var verifier = new Verifier();
        verifier.VerifyRoot(model.Graph, "graph");
        foreach (var function in model.Functions) verifier.VerifyRoot(function.Body, $"function {function.Domain}::{function.Name}");
        return verifier.Finish();
    }

    /// <summary>Problems in one graph and its subgraphs; values of enclosing graphs count as undefined.</summary>
    public static IReadOnlyList<Diagnostic> Verify(Graph graph)
    {
        var verifier = new Verifier();
        verifier.VerifyRoot(graph, "graph");
        return verifier.Finish();
    }

    /// <summary>Throws an <see cref="OnnxcException"/> carrying the first error when there is any (warnings pass).</summary>
    public static void VerifyOrThrow(Model model) => ThrowOnError(Verify(model));

    public static void VerifyOrThrow(Graph graph) => ThrowOnError(Verify(graph));

    private static void ThrowOnError(IReadOnlyList<Diagnostic> diagnostics)
    {
        var errors = diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        if (errors.Count == 0) return;
        var first = errors[0];
        var more = errors.Count > 1 ? $" (and {errors.Count - 1} more errors)" : "";
        throw new OnnxcException(first with { Message = first.Message + more });
    }

    private sealed class Scope(Graph graph, Scope? parent, string location)
    {
        public Graph Graph { get; } = graph;

        public Scope? Parent { get; } = parent;

        public string Location { get; } = location;

        public HashSet<Value> Defined { get; } = new(ReferenceEqualityComparer.Instance);

        public Dictionary<string, Value> Names { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Verifier
    {
        private readonly List<Diagnostic> _diagnostics = new();
        /// <summary>Nodes seen so far, with the location of the graph listing them (for messages).</summary>
        private readonly Dictionary<Node, string> _nodes = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<Graph> _graphs = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<Value, int> _readers = new(ReferenceEqualityComparer.Instance);
        private Scope? _scope;

        public void VerifyRoot(Graph graph, string location) => VerifyGraph(graph, null, $"{location} '{graph.Name}'");

        public IReadOnlyList<Diagnostic> Finish()
        {
            CheckUseLists();
            return _diagnostics;
        }

        private void VerifyGraph(Graph graph, Node? parentNode, string location)
        {
            if (!_graphs.Add(graph))
            {
                Error(DiagnosticIds.InvalidGraph, $"graph '{graph.Name}' appears twice (held by more than one attribute or model slot)", location);
                return;
            }
            if (!ReferenceEquals(graph.ParentNode, parentNode))
            {
                Error(DiagnosticIds.InvalidGraph, $"graph '{graph.Name}' has ParentNode {Describe(graph.ParentNode)} but is held by {Describe(parentNode)}", location);
            }
            _scope = new Scope(graph, _scope, location);
            foreach (var input in graph.Inputs)
            {
                if (input.OwningGraph != graph || input.Producer is not null)
                {
                    Error(DiagnosticIds.InvalidGraph, $"input {input} does not belong to this graph (owner {Describe(input.OwningGraph)}, producer {Describe(input.Producer)})", location);
                }
                Define(input, location);
            }
            var initializers = new HashSet<Value>(ReferenceEqualityComparer.Instance);
            foreach (var initializer in graph.Initializers)
            {
                if (!initializers.Add(initializer))
                {
                    Error(DiagnosticIds.InvalidGraph, $"initializer {initializer} is listed twice", location);
                    continue;
                }
                if (initializer.OwningGraph != graph || !initializer.IsInitializer || initializer.Producer is not null)
                {
                    Error(DiagnosticIds.InvalidGraph, $"initializer {initializer} has no data or does not belong to this graph", location);
                }
                // Initializers that are also inputs were defined with the inputs.
                if (!_scope.Defined.Contains(initializer)) Define(initializer, location);
            }
            foreach (var node in graph.Nodes) VerifyNode(node, graph, location);
            for (int i = 0; i < graph.Outputs.Count; i++)
            {
                var output = graph.Outputs[i];
                if (!IsVisible(output)) Undefined(output, $"graph output {i} {output}", location);
            }
            _scope = _scope.Parent;
        }

        private void VerifyNode(Node node, Graph graph, string graphLocation)
        {
            // Locations are built only for diagnostics: formatting one per node would dominate the walk.
            string Location() => $"{graphLocation}, node {node}";
            if (!_nodes.TryAdd(node, graphLocation))
            {
                Error(DiagnosticIds.InvalidGraph, $"node {node} appears twice (also in {_nodes[node]})", Location());
                return;
            }
            if (node.Graph != graph) Error(DiagnosticIds.InvalidGraph, $"node {node} has Graph {Describe(node.Graph)} but is listed in graph '{graph.Name}'", Location());
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (node.Inputs[i] is not { } input) continue;
                _readers[input] = _readers.GetValueOrDefault(input) + 1;
                if (!IsVisible(input)) Undefined(input, $"input {i} {input} of {node}", Location());
            }
            foreach (var attribute in node.Attributes)
            {
                foreach (var subgraph in attribute.Subgraphs) VerifyGraph(subgraph, node, $"{Location()}, attribute '{attribute.Name}' graph '{subgraph.Name}'");
            }
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                var output = node.Outputs[i];
                if (!ReferenceEquals(output.Producer, node) || output.OutputIndex != i || output.OwningGraph is not null)
                {
                    Error(DiagnosticIds.InvalidGraph, $"output {i} {output} of {node} has producer {Describe(output.Producer)} output {output.OutputIndex}", Location());
                }
                Define(output, graphLocation, node);
            }
        }

        private void Define(Value value, string location, Node? producer = null)
        {
            _readers.TryAdd(value, 0);
            for (var s = _scope; s is not null; s = s.Parent)
            {
                if (s.Defined.Contains(value))
                {
                    Error(DiagnosticIds.InvalidGraph, $"value {value} is defined twice", producer is null ? location : $"{location}, node {producer}");
                    return;
                }
            }
            _scope!.Defined.Add(value);
            if (value.Name.Length == 0) return;
            for (var s = _scope; s is not null; s = s.Parent)
            {
                if (s.Names.TryGetValue(value.Name, out var other) && !ReferenceEquals(other, value))
                {
                    _diagnostics.Add(new Diagnostic(DiagnosticIds.DuplicateValueName, Severity.Warning,
                        $"value name '{value.Name}' is used by two values in the same scope", producer is null ? location : $"{location}, node {producer}", "the exporter renames one of them"));
                    break;
                }
            }
            _scope.Names.TryAdd(value.Name, value);
        }

        private bool IsVisible(Value value)
        {
            for (var s = _scope; s is not null; s = s.Parent)
            {
                if (s.Defined.Contains(value)) return true;
            }
            return false;
        }

        private void Undefined(Value value, string what, string location)
        {
            _readers.TryAdd(value, 0);
            // A producer listed in this graph (or an enclosing one) means "defined later", not "not defined".
            var producerGraph = value.Producer?.Graph;
            if (producerGraph is not null && producerGraph == _scope!.Graph)
            {
                Error(DiagnosticIds.GraphCycle, $"{what} is read before its producer {value.Producer} runs: nodes are not in topological order (or form a cycle)", location);
                return;
            }
            for (var s = _scope!.Parent; s is not null && producerGraph is not null; s = s.Parent)
            {
                if (s.Graph == producerGraph)
                {
                    Error(DiagnosticIds.GraphCycle, $"{what} comes from enclosing {s.Location} but is produced after the node holding this subgraph", location);
                    return;
                }
            }
            Error(DiagnosticIds.UndefinedValue, $"{what} is not defined in this graph or an enclosing one (producer {Describe(value.Producer)}, owner {Describe(value.OwningGraph)})", location);
        }

        /// <summary>Each use must name a node input holding the value, and every such input must have exactly one use.</summary>
        private void CheckUseLists()
        {
            var seen = new HashSet<Use>();
            foreach (var (value, readers) in _readers)
            {
                int valid = 0;
                foreach (var use in value.Uses)
                {
                    if (!_nodes.ContainsKey(use.Node))
                    {
                        Error(DiagnosticIds.InvalidGraph, $"use list of {value} names {use.Node}, which is not in the verified graphs", null);
                    }
                    else if (use.InputIndex >= use.Node.Inputs.Count || !ReferenceEquals(use.Node.Inputs[use.InputIndex], value))
                    {
                        Error(DiagnosticIds.InvalidGraph, $"use list of {value} names input {use.InputIndex} of {use.Node}, which reads {Describe(use.InputIndex < use.Node.Inputs.Count ? use.Node.Inputs[use.InputIndex] : null)}", _nodes[use.Node]);
                    }
                    else if (!seen.Add(use))
                    {
                        Error(DiagnosticIds.InvalidGraph, $"use list of {value} holds input {use.InputIndex} of {use.Node} twice", _nodes[use.Node]);
                    }
                    else valid++;
                }
                if (valid != readers)
                {
                    Error(DiagnosticIds.InvalidGraph, $"{value} is read by {readers} node inputs but its use list records {valid} of them", null);
                }
            }
        }

        private void Error(string id, string message, string? location) => _diagnostics.Add(new Diagnostic(id, Severity.Error, message, location));

        private static string Describe(object? thing) => thing switch
        {
            null => "none",
            Graph g => $"graph '{g.Name}'",
            _ => thing.ToString() ?? "?",
        };
    }
}
