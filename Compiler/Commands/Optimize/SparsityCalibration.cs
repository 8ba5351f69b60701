using Onnxc.Ir;
using Onnxc.Passes.Sparsity;

namespace Onnxc.Compiler.Commands.Optimize;

/// <summary>Layer Hessians for SparseGPT from the calibration service (Passes/Calibration).</summary>
internal static class SparsityCalibration
{
    public static HessianSource HessianSource(string calibrationPath, FileInfo model) =>
        (_, _) => throw new OnnxcException(DiagnosticIds.Usage, $"SparseGPT calibration from '{calibrationPath}' for '{model.Name}' needs the calibration service, which this build lacks");
}
