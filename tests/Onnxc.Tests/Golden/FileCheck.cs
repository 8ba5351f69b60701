using System.Text;
using System.Text.RegularExpressions;

namespace Onnxc.Tests.Golden;

/// <summary>One CHECK directive of a golden file.</summary>
public sealed record CheckLine(string Kind, string Pattern, int LineNumber);

/// <summary>
/// A small FileCheck: CHECK finds the pattern on a later line, CHECK-NEXT on the very next line, CHECK-NOT must not
/// occur between the surrounding matches. Runs of whitespace match any whitespace; {{regex}} embeds a regex.
/// </summary>
public static class FileCheck
{
    /// <summary>Null when all checks hold, else a message naming the failing check and showing where matching stood.</summary>
    public static string? Run(IReadOnlyList<CheckLine> checks, string output)
    {
        var lines = output.ReplaceLineEndings("\n").Split('\n');
        int next = 0;          // first line the next CHECK may match
        int lastMatch = -1;    // line of the previous positive match
        var pendingNot = new List<CheckLine>();
        foreach (var check in checks)
        {
            if (check.Kind == "CHECK-NOT")
            {
                pendingNot.Add(check);
                continue;
            }
            int found = -1;
            var regex = ToRegex(check.Pattern);
            if (check.Kind == "CHECK-NEXT")
            {
                if (lastMatch < 0) return Fail(check, "CHECK-NEXT has no previous match to follow", lines, next);
                if (lastMatch + 1 < lines.Length && regex.IsMatch(lines[lastMatch + 1])) found = lastMatch + 1;
                else return Fail(check, $"the line after line {lastMatch + 1} does not match", lines, lastMatch + 1);
            }
            else
            {
                for (int i = next; i < lines.Length && found < 0; i++)
                {
                    if (regex.IsMatch(lines[i])) found = i;
                }
                if (found < 0) return Fail(check, "no match at or after this point", lines, next);
            }
            var notFailure = CheckNots(pendingNot, lines, next, found);
            if (notFailure is not null) return notFailure;
            pendingNot.Clear();
            lastMatch = found;
            next = found + 1;
        }
        return CheckNots(pendingNot, lines, next, lines.Length);
    }

    private static string? CheckNots(List<CheckLine> nots, string[] lines, int from, int to)
    {
        foreach (var not in nots)
        {
            var regex = ToRegex(not.Pattern);
            for (int i = from; i < to; i++)
            {
                if (regex.IsMatch(lines[i])) return Fail(not, $"forbidden pattern found on output line {i + 1}: {lines[i].Trim()}", lines, i);
            }
        }
        return null;
    }

    private static Regex ToRegex(string pattern)
    {
        var sb = new StringBuilder();
        int at = 0;
        while (at < pattern.Length)
        {
            int open = pattern.IndexOf("{{", at, StringComparison.Ordinal);
            int close = open < 0 ? -1 : pattern.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (open < 0 || close < 0)
            {
                sb.Append(Literal(pattern[at..]));
                break;
            }
            // "{{x{16}}}": the regex ends at the last brace of a run, so quantifiers may close it.
            while (close + 2 < pattern.Length && pattern[close + 2] == '}') close++;
            sb.Append(Literal(pattern[at..open])).Append('(').Append(pattern[(open + 2)..close]).Append(')');
            at = close + 2;
        }
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant);
    }

    private static string Literal(string text) => Regex.Replace(Regex.Escape(text), @"(\\\s|\s)+", @"\s+");

    private static string Fail(CheckLine check, string why, string[] lines, int near)
    {
        var sb = new StringBuilder();
        sb.Append($"line {check.LineNumber}: {check.Kind}: {check.Pattern}\n  {why}\n--- output (>> marks where matching stood) ---\n");
        for (int i = 0; i < lines.Length; i++) sb.Append(i == near ? ">> " : "   ").Append(lines[i]).Append('\n');
        return sb.ToString();
    }
}
