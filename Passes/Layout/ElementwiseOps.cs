using Onnxc.Ir;

namespace Onnxc.Passes.Layout;

/// <summary>
/// The elementwise operators a padding region may run through, each with its scalar function: applied to the
/// constant a padded column holds, it tells the constant the next value's padded column holds.
/// </summary>
internal static class ElementwiseOps
{
    public static bool Widenable(Node node) => Function(node) is not null;

    /// <summary>A K-vector constant at input <paramref name="index"/> may be widened with zeros (not a divisor).</summary>
    public static bool ZeroPaddable(Node node, int index) => !(node.Is("Div") && index == 1);

    /// <summary>The operator as a function of its inputs' scalar values, or null for operators not handled.</summary>
    public static Func<double[], double>? Function(Node node)
    {
        int arity = node.Inputs.Count;
        if (node.Domain == "com.microsoft")
        {
            return node.OpType switch
            {
                "Gelu" when arity == 1 => x => Gelu(x[0]),
                "BiasGelu" when arity == 2 => x => Gelu(x[0] + x[1]),
                // FastGelu is Gelu's tanh approximation, bias optional.
                "FastGelu" when arity is 1 or 2 => x => Gelu(x[0] + (arity == 2 ? x[1] : 0)),
                "QuickGelu" when arity == 1 => QuickGelu(node.GetFloat("alpha", 1.702f)),
                _ => null,
            };
        }
        if (node.Domain.Length > 0) return null;
        return node.OpType switch
        {
            "Relu" when arity == 1 => x => Math.Max(0, x[0]),
            "LeakyRelu" when arity == 1 => LeakyRelu(node.GetFloat("alpha", 0.01f)),
            "Gelu" when arity == 1 => x => Gelu(x[0]),
            "Tanh" when arity == 1 => x => Math.Tanh(x[0]),
            "Sigmoid" when arity == 1 => x => 1 / (1 + Math.Exp(-x[0])),
            "Erf" when arity == 1 => x => Erf(x[0]),
            "Abs" when arity == 1 => x => Math.Abs(x[0]),
            "Neg" when arity == 1 => x => -x[0],
            "Add" when arity == 2 => x => x[0] + x[1],
            "Sub" when arity == 2 => x => x[0] - x[1],
            "Mul" when arity == 2 => x => x[0] * x[1],
            "Div" when arity == 2 => x => x[0] / x[1],
            _ => null,
        };
    }

    private static Func<double[], double> QuickGelu(double alpha) => x => x[0] / (1 + Math.Exp(-alpha * x[0]));

    private static Func<double[], double> LeakyRelu(double alpha) => x => x[0] >= 0 ? x[0] : alpha * x[0];

    private static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>erf to 1.5e-7 (Abramowitz and Stegun 7.1.26): the pad constants only need to be known finite.</summary>
    private static double Erf(double x)
    {
        double t = 1 / (1 + 0.3275911 * Math.Abs(x));
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        return Math.Sign(x) * (1 - poly * Math.Exp(-x * x));
    }
}
