using Onnxc.Ir;
using Onnxc.Passes.Calibration;
using Onnxc.Passes.Sparsity;

namespace Onnxc.Compiler.Commands.Optimize;

/// <summary>Layer Hessians (mean XᵀX of each pruned layer's input) for SparseGPT, from the calibration service.</summary>
internal static class SparsityCalibration
{
    /// <summary>Calibration rows SparseGPT reads; Hessians converge long before, and each row costs a model run.</summary>
    private const int Samples = 128;

    public static HessianSource HessianSource(string calibrationPath, FileInfo model) => (graphModel, inputs) =>
    {
        var data = CalibrationData.Load(calibrationPath, CalibrationData.PortsOf(graphModel), Samples);
        if (data.Samples.Count == 0)
        {
            throw new OnnxcException(DiagnosticIds.InputData, $"no calibration samples in '{calibrationPath}' for '{model.Name}'", hint: "give .npy/.npz/.pb files named after the model inputs");
        }
        var hessians = new CalibrationService(data).CollectHessians(graphModel, inputs);
        return hessians.ToDictionary(p => p.Key, p => p.Value.Mean());
    };
}
