namespace Onnxc.Compiler; static class Program { static int Main() => 0; }
