using Onnxc.Ir;

namespace Onnxc.Passes.Rewriting;

/// <summary>A rule the rewrite driver can try at a node whose op is <see cref="RootOp"/>.</summary>
public interface IRewriteRule
{
    /// <summary>Kebab-case name for reports ("layer-norm-from-reduce-mean").</summary>
    string Name { get; }

    /// <summary>The op type of the node the pattern is anchored at (the driver only offers those nodes).</summary>
    string RootOp { get; }

    string RootDomain { get; }

    /// <summary>Tries the rule at <paramref name="root"/>; rewrites through <paramref name="rewriter"/> when it applies.</summary>
    RuleOutcome TryApply(Node root, Rewriter rewriter);
}

/// <summary>What happened when a rule was tried: applied, silently not matching, or a near miss with its reason.</summary>
public readonly record struct RuleOutcome(bool Applied, string? NearMiss)
{
    public static readonly RuleOutcome NotMatched = new(false, null);

    public static readonly RuleOutcome Rewritten = new(true, null);

    public static RuleOutcome Missed(string reason) => new(false, reason);
}

/// <summary>
/// The result of matching a pattern: the matched pieces, nothing (the root does not start this pattern), or a
/// near miss whose reason <c>--explain</c> prints ("Pow exponent is 3, not 2").
/// </summary>
public readonly struct Match<T> where T : class
{
    private Match(T? value, string? reason)
    {
        Value = value;
        Reason = reason;
    }

    public T? Value { get; }

    public string? Reason { get; }

    public static Match<T> None => default;

    public static Match<T> Miss(string reason) => new(null, reason);

    public static implicit operator Match<T>(T value) => new(value, null);
}

/// <summary>
/// A pattern rewrite in three parts: <see cref="Find"/> (the structure, from the root), <see cref="Check"/> (the
/// conditions under which replacing is exact, with a reason when not), and <see cref="Rewrite"/> (the replacement,
/// made only through the <see cref="Rewriter"/>).
/// </summary>
public abstract class RewriteRule<T> : IRewriteRule where T : class
{
    public abstract string Name { get; }

    public abstract string RootOp { get; }

    public virtual string RootDomain => "";

    /// <summary>Matches the structure anchored at <paramref name="root"/>.</summary>
    protected abstract Match<T> Find(Node root);

    /// <summary>Returns why the matched structure may not be replaced, or null when it may.</summary>
    protected virtual string? Check(T match, Rewriter rewriter) => null;

    /// <summary>Builds the replacement and redirects the uses of the matched outputs to it.</summary>
    protected abstract void Rewrite(T match, Rewriter rewriter);

    public RuleOutcome TryApply(Node root, Rewriter rewriter)
    {
        var found = Find(root);
        if (found.Value is null) return found.Reason is null ? RuleOutcome.NotMatched : RuleOutcome.Missed(found.Reason);
        if (Check(found.Value, rewriter) is { } reason) return RuleOutcome.Missed(reason);
        Rewrite(found.Value, rewriter);
        return RuleOutcome.Rewritten;
    }
}
