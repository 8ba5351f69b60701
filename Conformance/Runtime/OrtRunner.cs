using Microsoft.ML.OnnxRuntime;
using Onnxc.Backends.CustomOps;
using Onnxc.Ir;

namespace Onnxc.Conformance;

/// <summary>
/// Runs one ONNX model file in ONNX Runtime on CPU with IR values in and out. Load and run failures become
/// <see cref="OnnxcException"/> (ONNXC0701) naming the model and carrying ORT's message.
/// </summary>
public sealed class OrtRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtRunnerOptions _options;

    public OrtRunner(string modelPath, OrtRunnerOptions? options = null)
    {
        ModelPath = modelPath;
        _options = options ?? OrtRunnerOptions.Default;
        if (!File.Exists(modelPath)) throw new OnnxcException(DiagnosticIds.FileNotFound, $"model file '{modelPath}' does not exist");
        using var sessionOptions = CreateSessionOptions(_options);
        try
        {
            _session = CreateSession(modelPath, sessionOptions);
            Inputs = _session.InputNames.Select(n => new ModelPort(n, OrtValueConverter.ToIrType(_session.InputMetadata[n]))).ToArray();
            Outputs = _session.OutputNames.Select(n => new ModelPort(n, OrtValueConverter.ToIrType(_session.OutputMetadata[n]))).ToArray();
        }
        catch (OnnxRuntimeException e)
        {
            _session?.Dispose();
            // A model with onnxc's own operators fails to load without the library: say how to get it.
            if (CustomOpLibrary.Path is null && e.Message.Contains(CustomOpLibrary.Domain, StringComparison.Ordinal)) CustomOpLibrary.Require();
            throw Failure("cannot load", e);
        }
    }

    public string ModelPath { get; }

    /// <summary>Inputs the session needs, in graph order (initializers that are also inputs excluded, as ORT reports them).</summary>
    public IReadOnlyList<ModelPort> Inputs { get; }

    /// <summary>Outputs in graph order.</summary>
    public IReadOnlyList<ModelPort> Outputs { get; }

    /// <summary>
    /// Runs the model once. Inputs are matched by name; a null value (empty optional) is left out of the feed.
    /// Returns every output in graph order; an optional output holding nothing has a null value.
    /// </summary>
    public IReadOnlyList<NamedValue> Run(IReadOnlyDictionary<string, RuntimeValue?> inputs)
    {
        foreach (var name in inputs.Keys)
        {
            if (Inputs.All(p => p.Name != name))
            {
                throw new OnnxcException(DiagnosticIds.InputData, $"'{Path.GetFileName(ModelPath)}' has no input named '{name}'",
                    hint: "inputs are " + string.Join(", ", Inputs.Select(p => p.Name)));
            }
        }
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var port in Inputs)
            {
                if (!inputs.TryGetValue(port.Name, out var value))
                {
                    if (port.IsOptional) continue;
                    throw new OnnxcException(DiagnosticIds.InputData, $"no value given for input '{port.Name}' of '{Path.GetFileName(ModelPath)}'");
                }
                if (value is null) continue;
                names.Add(port.Name);
                values.Add(ToOrtValue(port, value));
            }
            return RunSession(names, values);
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    private OrtValue ToOrtValue(ModelPort port, RuntimeValue value)
    {
        try
        {
            return OrtValueConverter.ToOrtValue(value);
        }
        catch (NotSupportedException e)
        {
            throw new OnnxcException(DiagnosticIds.RuntimeFailed, $"cannot feed input '{port.Name}' to '{ModelPath}': {e.Message}", inner: e);
        }
    }

    private IReadOnlyList<NamedValue> RunSession(List<string> names, List<OrtValue> values)
    {
        using var runOptions = new RunOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        using var timer = _options.RunTimeout is { } limit
            ? new Timer(_ => runOptions.Terminate = true, null, limit, Timeout.InfiniteTimeSpan)
            : null;
        var outputNames = Outputs.Select(p => p.Name).ToArray();
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            results = _session.Run(runOptions, names, values, outputNames);
        }
        catch (OnnxRuntimeException e)
        {
            var reason = runOptions.Terminate ? $"run exceeded {_options.RunTimeout!.Value.TotalSeconds:0.#} s" : "run failed";
            throw Failure(reason, e);
        }
        using (results)
        {
            var outputs = new List<NamedValue>(outputNames.Length);
            int i = 0;
            foreach (var result in results)
            {
                try
                {
                    outputs.Add(new NamedValue(outputNames[i], OrtValueConverter.FromOrtValue(result)));
                }
                catch (NotSupportedException e)
                {
                    throw new OnnxcException(DiagnosticIds.RuntimeFailed, $"cannot read output '{outputNames[i]}' of '{ModelPath}': {e.Message}", inner: e);
                }
                i++;
            }
            return outputs;
        }
    }

    private OnnxcException Failure(string what, OnnxRuntimeException e) =>
        new(DiagnosticIds.RuntimeFailed, $"ONNX Runtime {what} '{ModelPath}': {OneLine(e.Message)}", inner: e);

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private static readonly object FirstCustomOpSession = new();
    private static volatile bool _customOpSchemasRegistered;

    /// <summary>
    /// The first session that loads custom operators with shape inference adds their domain to ONNX's process-wide
    /// schema registry, and two sessions doing it at once make the second fail ("the domain is already exist"), so
    /// sessions wait for one another until one has succeeded; afterwards they are created in parallel as before.
    /// </summary>
    private static InferenceSession CreateSession(string modelPath, SessionOptions options)
    {
        if (_customOpSchemasRegistered) return new InferenceSession(modelPath, options);
        lock (FirstCustomOpSession)
        {
            var session = new InferenceSession(modelPath, options);
            _customOpSchemasRegistered = true;
            return session;
        }
    }

    private static SessionOptions CreateSessionOptions(OrtRunnerOptions options)
    {
        var session = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
            GraphOptimizationLevel = options.OptimizationLevel switch
            {
                OrtOptimizationLevel.DisableAll => GraphOptimizationLevel.ORT_DISABLE_ALL,
                OrtOptimizationLevel.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                OrtOptimizationLevel.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
        };
        try
        {
            // Without this, a single intra-op thread still lets ORT spin up a pool thread per session.
            session.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            if (options.OptimizedModelPath is { } optimized) session.OptimizedModelFilePath = optimized;
            if (options.ProfilePrefix is { } prefix)
            {
                session.EnableProfiling = true;
                session.ProfileOutputPathPrefix = prefix;
            }
            // The onnxc library is registered whenever it was built: telling whether a model needs it would mean parsing
            // the model, while registering costs one dlopen and leaves models without com.onnxc nodes unaffected.
            var libraries = options.CustomOpLibraries.ToList();
            if (CustomOpLibrary.Path is { } onnxcOps && !libraries.Contains(onnxcOps)) libraries.Add(onnxcOps);
            foreach (var library in libraries)
            {
                if (!File.Exists(library)) throw new OnnxcException(DiagnosticIds.FileNotFound, $"custom-op library '{library}' does not exist");
                session.RegisterCustomOpLibrary(library);
            }
            return session;
        }
        catch (OnnxRuntimeException e)
        {
            session.Dispose();
            throw new OnnxcException(DiagnosticIds.RuntimeFailed, $"ONNX Runtime cannot configure the session: {OneLine(e.Message)}", inner: e);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Stops ORT's profiler (see <see cref="OrtRunnerOptions.ProfilePrefix"/>) and returns the trace's path.</summary>
    public string EndProfiling() => _options.ProfilePrefix is null
        ? throw new InvalidOperationException("the session was not created with a ProfilePrefix")
        : _session.EndProfiling();

    public void Dispose() => _session.Dispose();
}
