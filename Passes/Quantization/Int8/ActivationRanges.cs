using Onnxc.Ir;
using Onnxc.Passes.Calibration;

namespace Onnxc.Passes.Quantization.Int8;

/// <summary>Calibrated ranges for static int8: histograms from the calibration service, ranges by the chosen method.</summary>
public static class ActivationRanges
{
    /// <summary>One pass over the calibration data: a histogram per linear-layer input, then a range per histogram.</summary>
    public static IReadOnlyDictionary<string, ActivationRange> Collect(Model model, CalibrationService calibration, CalibrationMethod method,
        double percentile = 99.99, Int8Options? options = null)
    {
        var names = QuantizeInt8Static.ActivationsToCalibrate(model, options).ToHashSet();
        var values = model.Graph.Inputs.Concat(model.Graph.Nodes.SelectMany(n => n.Outputs)).Where(v => names.Contains(v.Name));
        var histograms = calibration.CollectHistograms(model, values);
        return histograms.ToDictionary(p => p.Key.Name, p => RangeSelection.Select(new CalibratedHistogram(p.Value), method, percentile));
    }
}
