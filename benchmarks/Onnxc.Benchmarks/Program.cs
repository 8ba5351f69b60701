namespace Onnxc.Benchmarks; static class Program { static int Main() => 0; }
