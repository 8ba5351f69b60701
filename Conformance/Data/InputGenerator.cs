using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>Distribution of generated floating-point inputs.</summary>
public enum FloatDistribution
{
    /// <summary>Uniform in [-1, 1).</summary>
    Uniform,
    /// <summary>Standard normal N(0, 1).</summary>
    Normal,
}

/// <summary>How <see cref="InputGenerator"/> fills inputs beyond their types.</summary>
public sealed record GeneratorOptions
{
    public FloatDistribution Distribution { get; init; } = FloatDistribution.Uniform;

    /// <summary>Exclusive upper bound of integer inputs by input name (token ids: the embedding table's rows).</summary>
    public IReadOnlyDictionary<string, long> IntegerUpperBounds { get; init; } = new Dictionary<string, long>();

    /// <summary>Exclusive upper bound of integer inputs without a hint; small so ids and indices stay valid.</summary>
    public long DefaultIntegerUpperBound { get; init; } = 10;

    /// <summary>Elements of a generated sequence input.</summary>
    public int SequenceLength { get; init; } = 2;
}

/// <summary>
/// Generates reproducible random inputs from the model's input types. Symbolic dims take their values from the
/// caller (--dim name=value); unnamed dims are addressed as "input:axis". Symbolic dims named like a batch
/// (batch, batch_size, N, bs) default to 1; any other unbound dim is an error (ONNXC0602) naming it.
/// Inputs whose name contains "mask" are all ones; integers are in [0, upper); bools are fair coin flips.
/// </summary>
public static class InputGenerator
{
    private static readonly HashSet<string> BatchLikeNames = new(StringComparer.OrdinalIgnoreCase) { "batch", "batch_size", "batchsize", "n", "bs" };

    /// <summary>Generates <paramref name="count"/> samples; the same seed gives the same values.</summary>
    public static IReadOnlyList<InputSample> Generate(IReadOnlyList<ModelPort> inputs, int count, int seed,
        IReadOnlyDictionary<string, long> dims, GeneratorOptions? options = null)
    {
        options ??= new GeneratorOptions();
        var random = new Random(seed);
        var samples = new List<InputSample>(count);
        for (int s = 0; s < count; s++)
        {
            var sample = new InputSample();
            foreach (var port in inputs) sample[port.Name] = GenerateValue(port.Name, port.Type, dims, options, random);
            samples.Add(sample);
        }
        return samples;
    }

    /// <summary>The concrete shape of an input, with symbolic dims bound; throws ONNXC0602 naming an unbound dim.</summary>
    public static long[] ResolveShape(string input, Shape? shape, IReadOnlyDictionary<string, long> dims)
    {
        if (shape is null)
        {
            throw new OnnxcException(DiagnosticIds.InputData, $"input '{input}' has unknown rank, so onnxc cannot generate it",
                hint: "give input data with --inputs");
        }
        var result = new long[shape.Rank];
        for (int axis = 0; axis < shape.Rank; axis++)
        {
            var dim = shape[axis];
            if (dim.Value is { } v) result[axis] = v;
            else if (dim.Symbol is { } symbol && dims.TryGetValue(symbol, out var bound)) result[axis] = bound;
            else if (dims.TryGetValue($"{input}:{axis}", out var byAxis)) result[axis] = byAxis;
            else if (dim.Symbol is { } batch && BatchLikeNames.Contains(batch)) result[axis] = 1;
            else
            {
                var name = dim.Symbol ?? $"{input}:{axis}";
                throw new OnnxcException(DiagnosticIds.InputData,
                    dim.Symbol is null ? $"axis {axis} of input '{input}' has no size" : $"symbolic dimension '{dim.Symbol}' of input '{input}' has no value",
                    hint: $"pass --dim {name}=VALUE");
            }
            if (result[axis] < 0) throw new OnnxcException(DiagnosticIds.InputData, $"dimension {dim} of input '{input}' is bound to {result[axis]}");
        }
        return result;
    }

    private static RuntimeValue? GenerateValue(string name, IrType type, IReadOnlyDictionary<string, long> dims, GeneratorOptions options, Random random) => type switch
    {
        TensorType tensor => GenerateTensor(name, tensor, dims, options, random),
        OptionalType { ElementType: { } inner } => GenerateValue(name, inner, dims, options, random),
        SequenceType { ElementType: { } inner } => new SequenceValue(Enumerable.Range(0, options.SequenceLength)
            .Select(_ => GenerateValue(name, inner, dims, options, random)!).ToArray()),
        _ => throw new OnnxcException(DiagnosticIds.InputData, $"onnxc cannot generate input '{name}' of type {type}", hint: "give input data with --inputs"),
    };

    private static Tensor GenerateTensor(string name, TensorType type, IReadOnlyDictionary<string, long> dims, GeneratorOptions options, Random random)
    {
        var shape = ResolveShape(name, type.Shape, dims);
        long count = shape.Aggregate(1L, (acc, d) => checked(acc * d));
        bool mask = name.Contains("mask", StringComparison.OrdinalIgnoreCase);
        var element = type.ElementType;
        if (element == DataType.String)
        {
            return new StringTensor(shape, Enumerable.Range(0, checked((int)count)).Select(_ => RandomWord(random)).ToArray());
        }
        if (element.IsFloatingPoint())
        {
            var values = new double[count];
            for (long i = 0; i < count; i++) values[i] = mask ? 1 : NextFloat(random, options.Distribution);
            return TensorEncoding.FromDoubles(element, shape, values);
        }
        if (element == DataType.Bool)
        {
            var bytes = new byte[count];
            for (long i = 0; i < count; i++) bytes[i] = mask ? (byte)1 : (byte)random.Next(2);
            return new DenseTensor(DataType.Bool, shape, bytes);
        }
        if (element.IsInteger())
        {
            long upper = options.IntegerUpperBounds.TryGetValue(name, out var hint) ? hint : options.DefaultIntegerUpperBound;
            upper = Math.Min(upper, TensorEncoding.MaxExclusive(element));
            var values = new double[count];
            for (long i = 0; i < count; i++) values[i] = mask ? 1 : random.NextInt64(Math.Max(1, upper));
            return TensorEncoding.FromDoubles(element, shape, values);
        }
        throw new OnnxcException(DiagnosticIds.InputData, $"onnxc cannot generate {element.ShortName()} input '{name}'", hint: "give input data with --inputs");
    }

    private static double NextFloat(Random random, FloatDistribution distribution)
    {
        if (distribution == FloatDistribution.Uniform) return random.NextDouble() * 2 - 1;
        // Box-Muller: two uniforms give one standard normal.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static byte[] RandomWord(Random random)
    {
        var letters = new byte[random.Next(1, 8)];
        for (int i = 0; i < letters.Length; i++) letters[i] = (byte)('a' + random.Next(26));
        return letters;
    }
}
