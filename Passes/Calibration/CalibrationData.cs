using Onnxc.Conformance;
using Onnxc.Ir;

namespace Onnxc.Passes.Calibration;

/// <summary>
/// The input samples calibration runs on: loaded from files (.npy/.npz/.pb, see <see cref="InputSet"/>) or
/// generated. A loaded tensor whose first axis is a batch the model leaves symbolic is split into one-row samples,
/// so <c>x_test.npy [2000, ...]</c> gives 2000 samples and <see cref="Take"/>/<see cref="Skip"/> hold some back.
/// </summary>
public sealed class CalibrationData
{
    private CalibrationData(IReadOnlyList<InputSample> samples, bool isGenerated, string source)
    {
        Samples = samples;
        IsGenerated = isGenerated;
        Source = source;
    }

    public IReadOnlyList<InputSample> Samples { get; }

    /// <summary>True when no data was given and inputs were made up: statistics then describe noise, not real use.</summary>
    public bool IsGenerated { get; }

    /// <summary>Where the samples came from, for reports ("x_test.npy rows 0..127", "generated (seed 0)").</summary>
    public string Source { get; }

    public int Count => Samples.Count;

    /// <summary>Loads samples from a file or folder for a model with <paramref name="inputs"/>, splitting batches into rows.</summary>
    public static CalibrationData Load(string path, IReadOnlyList<ModelPort> inputs, int? maxSamples = null)
    {
        var loaded = InputSet.Load(path, inputs);
        var rows = loaded.SelectMany(s => SplitRows(s, inputs)).ToList();
        if (rows.Count == 0) throw new OnnxcException(DiagnosticIds.InputData, $"calibration data '{path}' holds no samples");
        var data = new CalibrationData(rows, false, Path.GetFileName(Path.TrimEndingDirectorySeparator(path)));
        return maxSamples is { } n ? data.Take(n) : data;
    }

    /// <summary>
    /// Made-up samples (seeded) for when the user gave no data; reports must say so. Pass the model so token-id
    /// inputs stay inside the embedding tables they index (otherwise ORT rejects out-of-range Gather indices).
    /// </summary>
    public static CalibrationData Generate(IReadOnlyList<ModelPort> inputs, int count, int seed = 0, IReadOnlyDictionary<string, long>? dims = null, Model? model = null)
    {
        var options = new GeneratorOptions { IntegerUpperBounds = model is null ? new Dictionary<string, long>() : GenerationHints.EmbeddingUpperBounds(model) };
        var samples = InputGenerator.Generate(inputs, count, seed, dims ?? new Dictionary<string, long>(), options);
        return new CalibrationData(samples, true, $"generated ({count} samples, seed {seed})");
    }

    /// <summary>The inputs a caller feeds: graph inputs that are not initializers (overridable defaults).</summary>
    public static IReadOnlyList<ModelPort> PortsOf(Model model) =>
        model.Graph.Inputs.Where(v => !v.IsInitializer).Select(v => new ModelPort(v.Name, v.Type!)).ToArray();

    /// <summary>
    /// Generated samples for a model with symbolic dims bound to small sizes (batch-like dims 1, others 16) and
    /// token ids inside their embedding tables.
    /// </summary>
    public static CalibrationData GenerateFor(Model model, int count, int seed = 0, IReadOnlyDictionary<string, long>? dims = null)
    {
        var ports = PortsOf(model);
        var bound = ports.SelectMany(p => p.Type is TensorType { Shape: { } s } ? s.Where(d => d.Symbol is not null).Select(d => d.Symbol!) : [])
            .Distinct().ToDictionary(s => s, s => s.Contains("batch", StringComparison.OrdinalIgnoreCase) ? 1L : 16L);
        // The caller's bindings (names, or "input:axis" for unnamed dims) win over the defaults.
        foreach (var (name, value) in dims ?? new Dictionary<string, long>()) bound[name] = value;
        return Generate(ports, count, seed, bound, model);
    }

    /// <summary>Samples built in code (tests, other passes).</summary>
    public static CalibrationData FromSamples(IReadOnlyList<InputSample> samples, string source, bool isGenerated = false) =>
        new(samples, isGenerated, source);

    /// <summary>The first <paramref name="count"/> samples (calibration set).</summary>
    public CalibrationData Take(int count) =>
        new(Samples.Take(count).ToArray(), IsGenerated, $"{Source} samples 0..{Math.Min(count, Count) - 1}");

    /// <summary>The samples after the first <paramref name="count"/> (held back for evaluation).</summary>
    public CalibrationData Skip(int count) =>
        new(Samples.Skip(count).ToArray(), IsGenerated, $"{Source} samples {count}..{Count - 1}");

    private static IEnumerable<InputSample> SplitRows(InputSample sample, IReadOnlyList<ModelPort> inputs)
    {
        long rows = BatchRows(sample, inputs);
        if (rows <= 1)
        {
            yield return sample;
            yield break;
        }
        for (long r = 0; r < rows; r++)
        {
            var row = new InputSample();
            foreach (var (name, value) in sample) row[name] = value is TensorValue t ? SliceRow(t.Tensor, r) : value;
            yield return row;
        }
    }

    /// <summary>The shared first-axis length when every input is a dense tensor whose batch axis the model leaves open; else 1.</summary>
    private static long BatchRows(InputSample sample, IReadOnlyList<ModelPort> inputs)
    {
        long rows = -1;
        foreach (var port in inputs)
        {
            if (!sample.TryGetValue(port.Name, out var value) || value is not TensorValue { Tensor: var tensor } || tensor is StringTensor) return 1;
            if (port.Type is not TensorType { Shape: { Rank: > 0 } shape } || shape[0].IsStatic || tensor.Rank != shape.Rank) return 1;
            if (rows >= 0 && tensor.Dims[0] != rows) return 1;
            rows = tensor.Dims[0];
        }
        return Math.Max(rows, 1);
    }

    private static DenseTensor SliceRow(Tensor tensor, long row)
    {
        var dims = tensor.Dims.ToArray();
        long rowBytes = tensor.ByteLength / dims[0];
        dims[0] = 1;
        return new DenseTensor(tensor.ElementType, dims, tensor.Bytes.Slice(checked((int)(row * rowBytes)), checked((int)rowBytes)));
    }
}
