using Onnxc.Ir;

namespace Onnxc.Passes.Cleanup;

/// <summary>
/// Replaces each call of a model-local function by a copy of its body, so the clean-up and the fusions see the ops
/// inside. Exporters hide a model's layers behind such calls: torch.onnx.export with
/// <c>export_modules_as_functions</c>, torch's dynamo exporter without its inlining step, and onnxscript models.
/// Attribute references in the body take the call's attribute, or the function's default, or are left out (ONNX's
/// rule). Calls nested in a body are expanded in later rounds; functions no graph calls any more are dropped.
/// A call stays, with the reason under --explain, when its body holds a subgraph (If/Loop/Scan bodies are not
/// copied) or imports a domain at another version than the model does (the copied nodes would change meaning).
/// </summary>
public sealed class InlineFunctions : IPass
{
    /// <summary>Rounds of nested expansion; ONNX forbids recursive functions, so a valid model needs far fewer.</summary>
    private const int MaxNesting = 64;

    public string Name => "inline-functions";

    public string Description => "expand calls of model-local functions (torch module functions, dynamo exports) into their bodies";

    public PassResult Run(Model model, PassContext context)
    {
        if (model.Functions.Count == 0) return PassResult.Unchanged;
        var names = new ValueNames(model);
        int inlined = 0;
        var refused = new HashSet<Node>();
        for (int round = 0; round < MaxNesting; round++)
        {
            int before = inlined;
            foreach (var graph in GraphWalk.WithSubgraphs(model.Graph).ToList())
            {
                foreach (var call in graph.Nodes.ToList())
                {
                    if (refused.Contains(call) || model.FindFunction(call.Domain, call.OpType, call.Overload) is not { } function) continue;
                    if (Refusal(model, call, function) is { } reason)
                    {
                        context.Record(Name, call, applied: false, reason);
                        refused.Add(call);
                        continue;
                    }
                    FunctionBodyCopy.Inline(model, graph, call, function, names);
                    context.Record(Name, call, applied: true, $"function {function.Domain}::{function.Name}");
                    inlined++;
                }
            }
            if (inlined == before) break;
        }
        int removed = RemoveUncalled(model);
        return PassResult.Of(("inlined-calls", inlined), ("removed-functions", removed));
    }

    /// <summary>Why <paramref name="call"/> cannot be expanded, or null when it can.</summary>
    private static string? Refusal(Model model, Node call, Function function)
    {
        var body = function.Body;
        if (call.Inputs.Count > body.Inputs.Count) return $"the call passes {call.Inputs.Count} inputs, the function declares {body.Inputs.Count}";
        if (call.Outputs.Count > body.Outputs.Count) return $"the call takes {call.Outputs.Count} outputs, the function declares {body.Outputs.Count}";
        if (body.Nodes.FirstOrDefault(n => n.Subgraphs.Any()) is { } nested) return $"its body holds a subgraph ({nested.OpType}), which inlining does not copy";
        foreach (var import in function.OpsetImports)
        {
            if (model.OpsetVersion(import.Domain) is { } version && version != import.Version)
            {
                var domain = import.Domain.Length == 0 ? "ai.onnx" : import.Domain;
                return $"the function imports {domain} {import.Version}, the model {version}: its ops would change meaning";
            }
        }
        var defined = new HashSet<Value>(body.Inputs, ReferenceEqualityComparer.Instance);
        foreach (var node in body.TopologicalOrder())
        {
            if (node.Inputs.FirstOrDefault(v => v is not null && !defined.Contains(v)) is { } unknown) return $"its body reads '{unknown.Name}', which it does not define";
            defined.UnionWith(node.Outputs);
        }
        var formals = body.Inputs.ToList();
        for (int i = 0; i < call.Outputs.Count; i++)
        {
            int formal = formals.IndexOf(body.Outputs[i]);
            if (formal >= call.Inputs.Count || (formal >= 0 && call.Inputs[formal] is null)) return $"its output {i} is an input the call leaves out";
        }
        return null;
    }

    /// <summary>Drops functions that neither the graphs nor a function they call (transitively) call.</summary>
    private static int RemoveUncalled(Model model)
    {
        var called = new HashSet<Function>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<Graph>(GraphWalk.WithSubgraphs(model.Graph));
        while (pending.Count > 0)
        {
            foreach (var node in pending.Pop().Nodes)
            {
                if (model.FindFunction(node.Domain, node.OpType, node.Overload) is not { } function || !called.Add(function)) continue;
                foreach (var graph in GraphWalk.WithSubgraphs(function.Body)) pending.Push(graph);
            }
        }
        return model.Functions.RemoveAll(f => !called.Contains(f));
    }
}
