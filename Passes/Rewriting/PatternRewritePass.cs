using Onnxc.Ir;

namespace Onnxc.Passes.Rewriting;

/// <summary>
/// A pass made of rewrite rules: visits every node of every graph in order and applies the first rule that matches,
/// repeating until no rule applies. Counts rewrites per rule and reports near misses to the explain log.
/// </summary>
public class PatternRewritePass(string name, string description, params IRewriteRule[] rules) : IPass
{
    private const int MaxSweeps = 8;

    public string Name => name;

    public string Description => description;

    public IReadOnlyList<IRewriteRule> Rules => rules;

    public PassResult Run(Model model, PassContext context)
    {
        var counts = new Dictionary<string, int>();
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            bool changed = false;
            foreach (var graph in GraphWalk.Rewritable(model).ToList()) changed |= Sweep(model, graph, context, counts, sweep == 0);
            if (!changed) break;
        }
        return new PassResult(counts.Count > 0, counts);
    }

    private bool Sweep(Model model, Graph graph, PassContext context, Dictionary<string, int> counts, bool reportMisses)
    {
        bool changed = false;
        foreach (var node in graph.Nodes.ToList())
        {
            foreach (var rule in rules)
            {
                if (node.Graph != graph || node.OpType != rule.RootOp || node.Domain != rule.RootDomain) continue;
                var rewriter = new Rewriter(model, graph, node);
                var outcome = rule.TryApply(node, rewriter);
                if (outcome.Applied)
                {
                    counts[rule.Name] = counts.GetValueOrDefault(rule.Name) + 1;
                    context.Record(rule.Name, node, true, $"+{rewriter.NodesAdded} -{rewriter.NodesRemoved} nodes");
                    changed = true;
                    break;
                }
                if (outcome.NearMiss is { } reason && reportMisses) context.Record(rule.Name, node, false, reason);
            }
        }
        return changed;
    }
}
