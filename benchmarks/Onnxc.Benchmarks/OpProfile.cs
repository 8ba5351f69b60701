using System.Globalization;
using System.Text.Json;
using Onnxc.Conformance;

namespace Onnxc.Benchmarks;

/// <summary>
/// <c>op-profile MODEL [MODEL...] [--nodes] [--dim name=value]... [--upper input=N]... [--threads N] [--repeat N]</c>: where each
/// model's run time goes under ORT_ENABLE_ALL, from ORT's own profiler — kernel time per operator type (summed over
/// that type's nodes, per run), the node count, and the share of the whole run. Profiling costs time itself, so the
/// figures are for comparing graphs with each other, not latencies to quote; <c>fusion-latency</c> times those.
/// <c>--nodes</c> adds every node's own time, slowest first.
/// </summary>
public static class OpProfile
{
    private const int WarmUp = 3;

    public static int Run(string[] args)
    {
        bool nodes = args.Contains("--nodes");
        var arguments = ModelRunArguments.Parse(args.Where(a => a != "--nodes").ToArray());
        var folder = Directory.CreateTempSubdirectory("onnxc-op-profile-").FullName;
        try
        {
            foreach (var model in arguments.Models) Profile(model, arguments, nodes, folder);
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Profile(string model, ModelRunArguments arguments, bool perNode, string folder)
    {
        var plain = new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All, IntraOpThreads = arguments.Threads };
        var feed = arguments.Feed(model, plain);
        string trace;
        using (var runner = new OrtRunner(model, plain with { ProfilePrefix = Path.Combine(folder, "trace") }))
        {
            for (int i = 0; i < WarmUp + arguments.Repeat; i++) runner.Run(feed);
            trace = runner.EndProfiling();
        }
        var (runs, kernels) = Read(trace);
        double runTotal = runs.Skip(WarmUp).Sum(r => r.Duration) / arguments.Repeat;
        double start = runs[WarmUp].Start;
        var byOp = kernels.Where(k => k.Start >= start)
            .GroupBy(k => k.OpType)
            .Select(g => (Op: g.Key, PerRun: g.Sum(k => k.Duration) / arguments.Repeat, Nodes: g.Select(k => k.Node).Distinct().Count()))
            .OrderByDescending(x => x.PerRun)
            .ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"## {Path.GetFileName(model)}: {runTotal / 1000:F2} ms per run ({arguments.Repeat} runs, {arguments.Threads} thread(s)), kernels {byOp.Sum(x => x.PerRun) / 1000:F2} ms"));
        Console.WriteLine("| op | nodes | ms per run | share |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var (op, perRun, nodes) in byOp)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {op} | {nodes} | {perRun / 1000:F3} | {100 * perRun / runTotal:F1} % |"));
        }
        Console.WriteLine();
        if (perNode)
        {
            Console.WriteLine("| node | op | ms per run |");
            Console.WriteLine("| --- | --- | --- |");
            foreach (var g in kernels.Where(k => k.Start >= start).GroupBy(k => (k.Node, k.OpType)).OrderByDescending(g => g.Sum(k => k.Duration)))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {g.Key.Node} | {g.Key.OpType} | {g.Sum(k => k.Duration) / arguments.Repeat / 1000:F3} |"));
            }
            Console.WriteLine();
        }
        File.Delete(trace);
    }

    internal readonly record struct Event(string Node, string OpType, double Start, double Duration);

    /// <summary>The trace's whole-run events (in time order) and its per-node kernel events.</summary>
    internal static (List<Event> Runs, List<Event> Kernels) Read(string trace)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(trace));
        var runs = new List<Event>();
        var kernels = new List<Event>();
        foreach (var e in document.RootElement.EnumerateArray())
        {
            string name = e.GetProperty("name").GetString() ?? "";
            string category = e.GetProperty("cat").GetString() ?? "";
            double ts = e.GetProperty("ts").GetDouble(), dur = e.GetProperty("dur").GetDouble();
            if (category == "Session" && name == "model_run") runs.Add(new Event(name, "", ts, dur));
            else if (category == "Node" && name.EndsWith("_kernel_time", StringComparison.Ordinal)
                     && e.TryGetProperty("args", out var a) && a.TryGetProperty("op_name", out var op))
            {
                kernels.Add(new Event(name[..^"_kernel_time".Length], op.GetString() ?? "?", ts, dur));
            }
        }
        runs.Sort((x, y) => x.Start.CompareTo(y.Start));
        return (runs, kernels);
    }
}
