namespace Onnxc.Tests.Quantization;

/// <summary>
/// Writes a task-metric line to the test output and, when ONNXC_METRICS_FILE is set, appends it to that file: the
/// test runner shows output of passing tests nowhere, and BENCHMARKS.md quotes these figures.
/// </summary>
internal static class MetricsLog
{
    public static void Write(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("ONNXC_METRICS_FILE") is { Length: > 0 } file)
        {
            lock (typeof(MetricsLog)) File.AppendAllText(file, line + Environment.NewLine);
        }
    }
}
