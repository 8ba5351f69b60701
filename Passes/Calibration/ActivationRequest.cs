using Onnxc.Ir;

namespace Onnxc.Passes.Calibration;

/// <summary>A statistic a pass wants of one activation of the main graph (a node output or a graph input).</summary>
public sealed record ActivationRequest(Value Value, IActivationStatistic Statistic);
