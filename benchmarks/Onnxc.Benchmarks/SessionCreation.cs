using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Onnxc.Benchmarks;

/// <summary>
/// <c>session-creation MODEL [MODEL...]</c>: where ORT's session creation time goes. For each model, the median of
/// several InferenceSession constructions at ORT_ENABLE_ALL, with weight pre-packing on and off
/// (session.disable_prepacking), and at ORT_DISABLE_ALL (loading alone, no graph transformers), interleaved.
/// </summary>
public static class SessionCreation
{
    private const int Rounds = 5;

    public static int Run(string[] models)
    {
        Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {Load()}");
        Console.WriteLine("| model | ENABLE_ALL ms | ENABLE_ALL, no pre-packing ms | DISABLE_ALL ms | load avg |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var model in models)
        {
            var variants = new (string Name, Func<SessionOptions> Options)[]
            {
                ("all", () => Options(GraphOptimizationLevel.ORT_ENABLE_ALL, prepack: true)),
                ("no-prepack", () => Options(GraphOptimizationLevel.ORT_ENABLE_ALL, prepack: false)),
                ("disable-all", () => Options(GraphOptimizationLevel.ORT_DISABLE_ALL, prepack: true)),
            };
            var times = variants.ToDictionary(v => v.Name, _ => new List<double>());
            for (int round = 0; round < Rounds; round++)
            {
                foreach (var (name, options) in variants)
                {
                    using var settings = options();
                    var clock = Stopwatch.StartNew();
                    using (new InferenceSession(model, settings)) times[name].Add(clock.Elapsed.TotalMilliseconds);
                }
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Path.GetFileName(model)} | {Median(times["all"]):F0} | {Median(times["no-prepack"]):F0} | {Median(times["disable-all"]):F0} | {Load()} |"));
        }
        return 0;
    }

    private static SessionOptions Options(GraphOptimizationLevel level, bool prepack)
    {
        var options = new SessionOptions { GraphOptimizationLevel = level, IntraOpNumThreads = 1 };
        if (!prepack) options.AddSessionConfigEntry("session.disable_prepacking", "1");
        return options;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
