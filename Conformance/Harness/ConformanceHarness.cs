using System.Diagnostics;
using System.Text.RegularExpressions;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>
/// Runs the ONNX backend test folders (model.onnx + test_data_set_0/input_K.pb, output_K.pb): checks that ORT
/// reproduces the reference outputs with the original model, then that it still does after the round trip.
/// </summary>
public static class ConformanceHarness
{
    /// <summary>Runs every test folder under <paramref name="rootDir"/> that the options select.</summary>
    public static ConformanceReport Run(string rootDir, ConformanceOptions? options = null)
    {
        options ??= new ConformanceOptions();
        var tests = Select(rootDir, options);
        var workDir = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "onnxc-conformance-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(workDir);
        var start = Stopwatch.GetTimestamp();
        var results = new ConformanceTestResult[tests.Count];
        try
        {
            Parallel.For(0, tests.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxParallelism) },
                i => results[i] = RunTest(tests[i], workDir, options));
        }
        finally
        {
            if (options.WorkDirectory is null && !options.KeepFailedModels) TryDelete(workDir);
        }
        return new ConformanceReport
        {
            Root = rootDir,
            OptimizationLevel = options.OptimizationLevel,
            Tests = results,
            WallMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds,
        };
    }

    /// <summary>A test folder to run: its id (path relative to the manifest, or to the root), location and manifest flags.</summary>
    public sealed record TestCase(string Id, string Directory, IReadOnlySet<string> Flags);

    /// <summary>The test folders under <paramref name="rootDir"/> that the filter and subset options keep, sorted by id.</summary>
    public static IReadOnlyList<TestCase> Select(string rootDir, ConformanceOptions options)
    {
        if (!Directory.Exists(rootDir)) throw new OnnxcException(DiagnosticIds.FileNotFound, $"conformance directory '{rootDir}' does not exist");
        var manifest = ConformanceManifest.Find(rootDir);
        var idRoot = manifest?.Directory ?? Path.GetFullPath(rootDir);
        var all = Directory.EnumerateFiles(rootDir, "model.onnx", SearchOption.AllDirectories)
            .Select(f => Path.GetDirectoryName(Path.GetFullPath(f))!)
            .Select(d => Path.GetRelativePath(idRoot, d).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .Select(id => new TestCase(id, Path.Combine(idRoot, id), manifest?.FlagsOf(id) ?? new HashSet<string>()))
            .ToList();
        var filter = options.Filter is { } f ? MakeFilter(f) : null;
        var selected = new List<TestCase>();
        for (int i = 0; i < all.Count; i++)
        {
            var test = all[i];
            if (filter is not null && !filter(test.Id)) continue;
            if (options.Subset && i % Math.Max(1, options.SubsetStride) != 0 && !test.Flags.Overlaps(options.SubsetFlags)) continue;
            selected.Add(test);
        }
        return selected;
    }

    private static Func<string, bool> MakeFilter(string filter)
    {
        if (filter.IndexOfAny(['*', '?']) < 0) return id => id.Contains(filter, StringComparison.OrdinalIgnoreCase);
        var regex = new Regex("^" + Regex.Escape(filter).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.IgnoreCase);
        return id => regex.IsMatch(id) || regex.IsMatch(id[(id.LastIndexOf('/') + 1)..]);
    }

    /// <summary>Runs one test folder.</summary>
    public static ConformanceTestResult RunTest(TestCase test, string workDir, ConformanceOptions options)
    {
        var start = Stopwatch.GetTimestamp();
        var (outcome, reason, exact) = Classify(test, workDir, options);
        return new ConformanceTestResult
        {
            Test = test.Id,
            Outcome = outcome,
            Reason = reason,
            Flags = test.Flags.Order(StringComparer.Ordinal).ToArray(),
            ExactMatchWithOriginal = exact,
            WallMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds,
        };
    }

    private static (ConformanceOutcome, string?, bool?) Classify(TestCase test, string workDir, ConformanceOptions options)
    {
        var runnerOptions = new OrtRunnerOptions { OptimizationLevel = options.OptimizationLevel, RunTimeout = options.TestTimeout };
        var modelPath = Path.Combine(test.Directory, "model.onnx");
        bool shapeOnly = test.Flags.Contains("random_output");

        // (a) The original model in ORT against the reference outputs.
        IReadOnlyList<NamedValue> original;
        InputSample inputs;
        IReadOnlyList<RuntimeValue?> expected;
        try
        {
            using var runner = new OrtRunner(modelPath, runnerOptions);
            (inputs, expected) = LoadReferenceData(test.Directory, runner);
            original = runner.Run(inputs);
        }
        catch (Exception e)
        {
            // Anything thrown here (ORT, data files, value conversion) means the reference check cannot be made.
            return (ConformanceOutcome.OrtCannotRun, Describe(e), null);
        }
        if (FirstMismatch(expected, original, shapeOnly) is { } disagreement)
        {
            return (ConformanceOutcome.OrtCannotRun, "ORT disagrees with the reference: " + disagreement, null);
        }

        // (b) The round-tripped model against the same reference.
        var testDir = Path.Combine(workDir, test.Id.Replace('/', '_'));
        Directory.CreateDirectory(testDir);
        var exportedPath = Path.Combine(testDir, "model.onnx");
        bool failed = true;
        try
        {
            var roundTrip = options.RoundTrip ?? IrRoundTrip.Run;
            var task = Task.Run(() => roundTrip(modelPath, exportedPath));
            try
            {
                if (!task.Wait(options.TestTimeout)) return Fail($"round trip exceeded {options.TestTimeout.TotalSeconds:0.#} s");
            }
            catch (AggregateException e)
            {
                return Fail("round trip failed: " + Describe(e.InnerException!));
            }
            IReadOnlyList<NamedValue> actual;
            try
            {
                using var runner = new OrtRunner(exportedPath, runnerOptions);
                actual = runner.Run(inputs.Where(p => runner.Inputs.Any(i => i.Name == p.Key)).ToDictionary(p => p.Key, p => p.Value));
            }
            catch (Exception e)
            {
                return Fail("round-tripped model: " + Describe(e));
            }
            if (actual.Count != expected.Count || !actual.Select(a => a.Name).SequenceEqual(original.Select(o => o.Name)))
            {
                return Fail($"round-tripped outputs [{string.Join(", ", actual.Select(a => a.Name))}] != [{string.Join(", ", original.Select(o => o.Name))}]");
            }
            if (FirstMismatch(expected, actual, shapeOnly) is { } mismatch) return Fail(mismatch);
            bool exact = original.Zip(actual).All(p => TensorComparer.Compare(p.First.Value, p.Second.Value, Tolerance.Exact).BitIdentical
                || (p.First.Value is null && p.Second.Value is null));
            failed = false;
            return (ConformanceOutcome.Pass, null, exact);
        }
        finally
        {
            if (!(failed && options.KeepFailedModels)) TryDelete(testDir);
        }
    }

    private static (ConformanceOutcome, string?, bool?) Fail(string reason) => (ConformanceOutcome.Fail, reason, null);

    /// <summary>
    /// Reads input_K.pb / output_K.pb by position. ORT lists only the inputs that need feeding (initializers
    /// excluded), which is exactly what the files hold; a missing file leaves an optional input empty.
    /// </summary>
    private static (InputSample Inputs, IReadOnlyList<RuntimeValue?> Outputs) LoadReferenceData(string testDir, OrtRunner runner)
    {
        var dataDir = Path.Combine(testDir, "test_data_set_0");
        var inputs = new InputSample();
        for (int k = 0; k < runner.Inputs.Count; k++)
        {
            var port = runner.Inputs[k];
            var file = Path.Combine(dataDir, $"input_{k}.pb");
            if (File.Exists(file)) inputs[port.Name] = ProtobufValueFiles.Read(file, port.Type);
            else if (port.IsOptional) inputs[port.Name] = null;
            else throw new OnnxcException(DiagnosticIds.InputData, $"'{dataDir}' has no input_{k}.pb for input '{port.Name}'");
        }
        var outputs = new List<RuntimeValue?>();
        for (int k = 0; k < runner.Outputs.Count; k++)
        {
            var file = Path.Combine(dataDir, $"output_{k}.pb");
            if (!File.Exists(file)) throw new OnnxcException(DiagnosticIds.InputData, $"'{dataDir}' has no output_{k}.pb for output '{runner.Outputs[k].Name}'");
            outputs.Add(ProtobufValueFiles.Read(file, runner.Outputs[k].Type));
        }
        return (inputs, outputs);
    }

    /// <summary>The first output that breaks the ONNX backend rule, described; null when all agree.</summary>
    private static string? FirstMismatch(IReadOnlyList<RuntimeValue?> expected, IReadOnlyList<NamedValue> actual, bool shapeOnly)
    {
        for (int k = 0; k < expected.Count; k++)
        {
            var comparison = TensorComparer.Compare(expected[k], actual[k].Value, Tolerance.OnnxBackend, actual[k].Name, shapeOnly);
            if (!comparison.Passed)
            {
                return $"output '{actual[k].Name}': {comparison.Reason} (max abs {comparison.MaxAbsError:G3}, max rel {comparison.MaxRelError:G3})";
            }
        }
        return null;
    }

    private static string Describe(Exception e) => e is OnnxcException ? e.Message : $"{e.GetType().Name}: {e.Message}";

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A stray file handle must not turn a finished run into an error; the OS cleans temp eventually.
        }
    }
}
