using Onnxc.Ir;

namespace Onnxc.Passes.Calibration;

/// <summary>
/// A statistic of one activation accumulated sample by sample, so memory is bounded by the statistic, never by
/// samples × activations. <see cref="ActivationCapture"/> feeds it each sample's tensor once.
/// </summary>
public interface IActivationStatistic
{
    /// <summary>Adds one sample's value of the activation.</summary>
    void Accumulate(Tensor activation);

    /// <summary>How many samples were accumulated.</summary>
    int Samples { get; }
}
