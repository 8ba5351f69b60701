using System.Globalization;
using Onnxc.Conformance;

namespace Onnxc.Benchmarks;

/// <summary>
/// The arguments the per-model console modes share: <c>MODEL [MODEL...] [--dim name=value]... [--upper input=N]...
/// [--threads N] [--repeat N]</c>, and the generated feed (seed 0) they describe.
/// </summary>
public sealed record ModelRunArguments(IReadOnlyList<string> Models, IReadOnlyDictionary<string, long> Dims,
    IReadOnlyDictionary<string, long> UpperBounds, int Threads, int Repeat)
{
    public static ModelRunArguments Parse(string[] args)
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
                    var (dim, size) = Pair(args[++i]);
                    dims[dim] = size;
                    break;
                case "--upper":
                    var (input, bound) = Pair(args[++i]);
                    upper[input] = bound;
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
        return new ModelRunArguments(models, dims, upper, threads, repeat);
    }

    /// <summary>One generated input set for the model, the same for every model with the same inputs.</summary>
    public IReadOnlyDictionary<string, RuntimeValue?> Feed(string model, OrtRunnerOptions options)
    {
        IReadOnlyList<ModelPort> ports;
        using (var probe = new OrtRunner(model, options)) ports = probe.Inputs;
        return InputGenerator.Generate(ports, 1, seed: 0, Dims, new GeneratorOptions { IntegerUpperBounds = UpperBounds })[0];
    }

    private static (string Name, long Value) Pair(string text)
    {
        var parts = text.Split('=');
        return (parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
