using Onnxc.Conformance;
using Onnxc.Ir;

namespace Onnxc.Passes.Calibration;

/// <summary>
/// The one place passes get data-dependent statistics from: calibration samples plus how to run them. Passes ask
/// for statistics of values (min/max, histograms, Hessians); the service runs the samples once per request batch.
/// </summary>
public sealed class CalibrationService
{
    public CalibrationService(CalibrationData data, OrtRunnerOptions? runnerOptions = null)
    {
        Data = data;
        RunnerOptions = runnerOptions ?? OrtRunnerOptions.Default;
    }

    public CalibrationData Data { get; }

    public OrtRunnerOptions RunnerOptions { get; }

    /// <summary>How many times samples were run through the model (each <see cref="Collect"/> is one pass over the data).</summary>
    public int Runs { get; private set; }

    /// <summary>Where the time of all <see cref="Collect"/> calls so far went (export and session, ORT runs, statistics).</summary>
    public CaptureTimes Times { get; private set; } = new(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>Accumulates every request's statistic over all samples in one pass over the data.</summary>
    public void Collect(Model model, IReadOnlyList<ActivationRequest> requests)
    {
        if (requests.Count == 0) return;
        Times += ActivationCapture.Run(model, Data, requests, RunnerOptions);
        Runs++;
    }

    /// <summary>XᵀX of each value over its last axis (the K of the MatMul reading it); values are deduplicated.</summary>
    public IReadOnlyDictionary<Value, HessianStatistic> CollectHessians(Model model, IEnumerable<(Value Input, int K)> inputs)
    {
        var stats = new Dictionary<Value, HessianStatistic>();
        foreach (var (input, k) in inputs) stats.TryAdd(input, new HessianStatistic(k));
        Collect(model, stats.Select(p => new ActivationRequest(p.Key, p.Value)).ToList());
        return stats;
    }

    /// <summary>Running min/max of each value.</summary>
    public IReadOnlyDictionary<Value, MinMaxStatistic> CollectMinMax(Model model, IEnumerable<Value> values)
    {
        var stats = values.Distinct().ToDictionary(v => v, _ => new MinMaxStatistic());
        Collect(model, stats.Select(p => new ActivationRequest(p.Key, p.Value)).ToList());
        return stats;
    }

    /// <summary>A histogram of each value (<paramref name="bins"/> bins over a growing range).</summary>
    public IReadOnlyDictionary<Value, HistogramStatistic> CollectHistograms(Model model, IEnumerable<Value> values, int bins = 2048)
    {
        var stats = values.Distinct().ToDictionary(v => v, _ => new HistogramStatistic(bins));
        Collect(model, stats.Select(p => new ActivationRequest(p.Key, p.Value)).ToList());
        return stats;
    }
}
