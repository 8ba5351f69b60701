using Onnxc.Ir;

namespace Onnxc.Passes;

/// <summary>A transformation of a model. Passes are plain: they edit the IR through its methods and say what changed.</summary>
public interface IPass
{
    /// <summary>The kebab-case name used on the command line (<c>--passes eliminate-dead-code</c>).</summary>
    string Name { get; }

    /// <summary>One line for <c>onnxc optimize --list-passes</c>.</summary>
    string Description { get; }

    PassResult Run(Model model, PassContext context);

    /// <summary>How far outputs may move after this pass; contract tests hold every pass to it.</summary>
    PassTolerance Tolerance => PassTolerance.Lossless;
}

/// <summary>
/// The output drift a pass declares (numpy.allclose style: |a-b| &lt;= atol + rtol·|b|). Lossless rewrites still
/// reorder float arithmetic, so they get fp32 rounding room, not zero.
/// </summary>
public sealed record PassTolerance(string Name, double Rtol, double Atol)
{
    public static readonly PassTolerance Lossless = new("lossless", 1e-4, 1e-5);
}

/// <summary>What a pass did: whether anything changed, and named counts for the report ("removed-nodes": 130).</summary>
public sealed record PassResult(bool Changed, IReadOnlyDictionary<string, int> Counts)
{
    public static readonly PassResult Unchanged = new(false, new Dictionary<string, int>());

    public static PassResult Of(params (string Name, int Count)[] counts)
    {
        var map = counts.Where(c => c.Count > 0).ToDictionary(c => c.Name, c => c.Count);
        return new PassResult(map.Count > 0, map);
    }

    public override string ToString() => Changed ? string.Join(", ", Counts.Select(c => $"{c.Key} {c.Value}")) : "no change";
}
