using System.Diagnostics;
using Onnxc.Ir;
using Onnxc.Passes;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Quantization.Int8;

namespace Onnxc.Compiler.Commands.Optimize;

/// <summary>
/// Static int8 as one pass for the CLI: calibrates activation ranges on the model as it is when the pass runs (after
/// the -O pipeline renamed and fused values), then rewrites with <see cref="QuantizeInt8Static"/>.
/// </summary>
internal sealed class CalibratedInt8Static(Func<Model, CalibrationService> calibration, CalibrationMethod method, Int8Options options) : IPass
{
    public string Name => "quantize-int8-static";

    public string Description => $"int8 QDQ with {method.ToString().ToLowerInvariant()} activation ranges calibrated when the pass runs";

    public PassTolerance Tolerance => new("int8", 0.1, 0.1);

    public CalibrationMethod Method => method;

    public Int8Options Options => options;

    /// <summary>The ranges of the last run, by activation name.</summary>
    public IReadOnlyDictionary<string, ActivationRange> Ranges { get; private set; } = new Dictionary<string, ActivationRange>();

    public CalibrationData? Calibration { get; private set; }

    public PassResult? Result { get; private set; }

    public TimeSpan Elapsed { get; private set; }

    public PassResult Run(Model model, PassContext context)
    {
        var clock = Stopwatch.StartNew();
        var service = calibration(model);
        Calibration = service.Data;
        Ranges = ActivationRanges.Collect(model, service, method, options: options);
        Result = new QuantizeInt8Static(Ranges, options).Run(model, context);
        Elapsed = clock.Elapsed;
        return Result;
    }
}
