namespace Onnxc.Passes.Calibration;

/// <summary>
/// Where a calibration pass over the data spent its time: exporting the capture model and opening the ORT session,
/// the ORT runs themselves, and accumulating the statistics (e.g. XᵀX). For profiling reports.
/// </summary>
public sealed record CaptureTimes(TimeSpan Setup, TimeSpan Inference, TimeSpan Statistics)
{
    public static CaptureTimes operator +(CaptureTimes a, CaptureTimes b) =>
        new(a.Setup + b.Setup, a.Inference + b.Inference, a.Statistics + b.Statistics);
}
