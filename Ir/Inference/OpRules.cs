using Onnxc.Ir.Inference.Rules;

namespace Onnxc.Ir.Inference;

/// <summary>One op's inference: reads the context's inputs and sets its outputs.</summary>
public delegate void OpRule(InferenceContext context);

/// <summary>The table of op rules by (domain, op type), filled by each family's Register method.</summary>
public sealed class OpRules
{
    private readonly Dictionary<(string Domain, string Op), OpRule> _rules = new();

    /// <summary>All rules onnxc knows: ai.onnx families and ONNX Runtime's com.microsoft contrib ops.</summary>
    public static OpRules Default { get; } = CreateDefault();

    public void Add(string op, OpRule rule, string domain = "") => _rules[(domain, op)] = rule;

    public void Add(IEnumerable<string> ops, OpRule rule, string domain = "")
    {
        foreach (var op in ops) Add(op, rule, domain);
    }

    public OpRule? Find(string domain, string op) => _rules.GetValueOrDefault((domain == "ai.onnx" ? "" : domain, op));

    private static OpRules CreateDefault()
    {
        var rules = new OpRules();
        ElementwiseRules.Register(rules);
        UnaryRules.Register(rules);
        MatMulRules.Register(rules);
        ShapeRules.Register(rules);
        IndexingRules.Register(rules);
        GeneratorRules.Register(rules);
        ReductionRules.Register(rules);
        ConvPoolRules.Register(rules);
        NormalizationRules.Register(rules);
        ControlFlowRules.Register(rules);
        QuantizationRules.Register(rules);
        EinsumResizeRules.Register(rules);
        ContribRules.Register(rules);
        return rules;
    }
}
