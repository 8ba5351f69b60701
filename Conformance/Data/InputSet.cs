using System.Text.RegularExpressions;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>One set of input values for one run, by input name (null: an empty optional).</summary>
public sealed class InputSample : Dictionary<string, RuntimeValue?>
{
    public InputSample()
        : base(StringComparer.Ordinal)
    {
    }
}

/// <summary>
/// Input data loaded from files: a .npz archive, a single .npy/.pb, or a directory of them. A directory whose
/// subdirectories hold data (test_data_set_0, test_data_set_1, ...) gives one sample per subdirectory.
/// File stem = input name (characters illegal in file names may be '_'); input_K.pb / input_K.npy = K-th input.
/// </summary>
public static partial class InputSet
{
    /// <summary>Loads the samples at <paramref name="dirOrFile"/> for a model with <paramref name="inputs"/>.</summary>
    public static IReadOnlyList<InputSample> Load(string dirOrFile, IReadOnlyList<ModelPort> inputs,
        Func<string, IrType?, RuntimeValue?>? readPb = null)
    {
        readPb ??= ProtobufValueFiles.Read;
        if (File.Exists(dirOrFile)) return new[] { LoadFile(dirOrFile, inputs, readPb) };
        if (!Directory.Exists(dirOrFile)) throw new OnnxcException(DiagnosticIds.FileNotFound, $"inputs '{dirOrFile}' do not exist");
        var sampleDirs = Directory.GetDirectories(dirOrFile).Where(d => DataFiles(d).Any()).Order(StringComparer.Ordinal).ToArray();
        if (DataFiles(dirOrFile).Any() || sampleDirs.Length == 0) return new[] { LoadDirectory(dirOrFile, inputs, readPb) };
        return sampleDirs.Select(d => LoadDirectory(d, inputs, readPb)).ToArray();
    }

    private static IEnumerable<string> DataFiles(string dir) =>
        Directory.EnumerateFiles(dir).Where(f => Path.GetExtension(f) is ".npy" or ".pb" or ".npz");

    private static InputSample LoadFile(string path, IReadOnlyList<ModelPort> inputs, Func<string, IrType?, RuntimeValue?> readPb)
    {
        var sample = new InputSample();
        if (Path.GetExtension(path) == ".npz")
        {
            var arrays = NpzFormat.Read(path);
            foreach (var (name, tensor) in arrays) sample[Require(name, inputs, path, "arr_").Name] = tensor;
        }
        else
        {
            if (inputs.Count(p => !p.IsOptional) > 1 && Find(Path.GetFileNameWithoutExtension(path), inputs, null) is null)
            {
                throw new OnnxcException(DiagnosticIds.InputData, $"'{path}' is a single file but the model has {inputs.Count} inputs",
                    hint: "pass a directory with one file per input, or a .npz archive");
            }
            var port = Find(Path.GetFileNameWithoutExtension(path), inputs, null) ?? inputs[0];
            sample[port.Name] = ReadOne(path, port, readPb);
        }
        return Complete(sample, inputs, path);
    }

    private static InputSample LoadDirectory(string dir, IReadOnlyList<ModelPort> inputs, Func<string, IrType?, RuntimeValue?> readPb)
    {
        var sample = new InputSample();
        foreach (var file in DataFiles(dir).Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileNameWithoutExtension(file);
            if (OutputFile().IsMatch(stem)) continue;
            if (Path.GetExtension(file) == ".npz")
            {
                foreach (var (name, tensor) in NpzFormat.Read(file)) Assign(sample, Require(name, inputs, file, "arr_").Name, tensor, file);
                continue;
            }
            var port = Require(stem, inputs, file, "input_");
            Assign(sample, port.Name, ReadOne(file, port, readPb), file);
        }
        return Complete(sample, inputs, dir);
    }

    private static void Assign(InputSample sample, string name, RuntimeValue? value, string file)
    {
        if (!sample.TryAdd(name, value)) throw new OnnxcException(DiagnosticIds.InputData, $"input '{name}' is given twice (again by '{file}')");
    }

    private static RuntimeValue? ReadOne(string path, ModelPort port, Func<string, IrType?, RuntimeValue?> readPb) =>
        Path.GetExtension(path) == ".npy" ? NpyFormat.Read(path) : readPb(path, port.Type);

    /// <summary>Finds the input a file stem names: exact name, sanitized name, or position (input_K, arr_K).</summary>
    private static ModelPort? Find(string stem, IReadOnlyList<ModelPort> inputs, string? positional)
    {
        var port = inputs.FirstOrDefault(p => p.Name == stem) ?? inputs.FirstOrDefault(p => Sanitize(p.Name) == stem);
        if (port is null && positional is not null && stem.StartsWith(positional, StringComparison.Ordinal)
            && int.TryParse(stem.AsSpan(positional.Length), out var k) && k >= 0 && k < inputs.Count)
        {
            port = inputs[k];
        }
        return port;
    }

    private static ModelPort Require(string stem, IReadOnlyList<ModelPort> inputs, string origin, string positional) =>
        Find(stem, inputs, positional) ?? throw new OnnxcException(DiagnosticIds.InputData, $"'{origin}' names no input of the model ('{stem}')",
            hint: "inputs are " + string.Join(", ", inputs.Select(p => p.Name)));

    private static InputSample Complete(InputSample sample, IReadOnlyList<ModelPort> inputs, string origin)
    {
        foreach (var port in inputs)
        {
            if (sample.ContainsKey(port.Name)) continue;
            if (!port.IsOptional) throw new OnnxcException(DiagnosticIds.InputData, $"'{origin}' has no data for input '{port.Name}'");
            sample[port.Name] = null;
        }
        return sample;
    }

    /// <summary>The file stem for an input name: characters that cannot appear in file names become '_'.</summary>
    public static string Sanitize(string name) => IllegalInFileName().Replace(name, "_");

    [GeneratedRegex(@"^output_\d+$")]
    private static partial Regex OutputFile();

    [GeneratedRegex(@"[/\\:*?""<>|]")]
    private static partial Regex IllegalInFileName();
}
