using System.Globalization;
using Onnxc.Conformance;

namespace Onnxc.Benchmarks;

/// <summary>
/// <c>latency MODEL [MODEL...] [--dim name=value]... [--upper input=N]... [--threads N] [--repeat N]</c>: median ORT CPU latency
/// (ORT_ENABLE_ALL) of each model on the same generated inputs (seed 0), for models evaluate cannot feed (several inputs).
/// </summary>
public static class LatencyMode
{
    public static void Run(string[] args)
    {
        var models = new List<string>();
        var dims = new Dictionary<string, long>();
        var upper = new Dictionary<string, long>();
        int threads = 1, repeat = 20;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dim":
                    var parts = args[++i].Split('=');
                    dims[parts[0]] = long.Parse(parts[1], CultureInfo.InvariantCulture);
                    break;
                case "--upper":
                    var bound = args[++i].Split('=');
                    upper[bound[0]] = long.Parse(bound[1], CultureInfo.InvariantCulture);
                    break;
                case "--threads":
                    threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--repeat":
                    repeat = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    models.Add(args[i]);
                    break;
            }
        }
        var options = new OrtRunnerOptions { OptimizationLevel = OrtOptimizationLevel.All, IntraOpThreads = threads };
        foreach (var model in models)
        {
            IReadOnlyList<ModelPort> ports;
            using (var probe = new OrtRunner(model, options)) ports = probe.Inputs;
            var sample = InputGenerator.Generate(ports, 1, seed: 0, dims, new GeneratorOptions { IntegerUpperBounds = upper })[0];
            Console.WriteLine($"{model}: {LatencyProbe.Measure(model, sample, repeat, options)}");
        }
    }
}
