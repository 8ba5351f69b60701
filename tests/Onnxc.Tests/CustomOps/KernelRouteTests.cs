using System.Runtime.InteropServices;
using Onnxc.Backends.CustomOps;
using Onnxc.Tests.Support;

namespace Onnxc.Tests.CustomOps;

/// <summary>
/// Which SparseMatMul24 kernel runs: the GPU route (Backends/CustomOps/native/src/cuda_driver.h: libcuda opened at run
/// time, the CPU kernel as the fallback that says why once, ONNXC_CUDA=0/1 to force either) and, on the CPU, AVX2 or
/// the portable loop (ONNXC_CPU_KERNEL=portable). The variables are read by the native library, which does not see
/// .NET's Environment.SetEnvironmentVariable, so the cases run the CLI as a child process.
/// </summary>
public sealed class KernelRouteTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("onnxc-cuda-route-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>onnxc_cuda_status() of the built library: "GPU available: ..." or "GPU unavailable: reason".</summary>
    private static unsafe string Status()
    {
        Assert.SkipWhen(CustomOpLibrary.Path is null, "the custom-op library was not built ('make native')");
        var handle = NativeLibrary.Load(CustomOpLibrary.Path!);
        try
        {
            Assert.True(NativeLibrary.TryGetExport(handle, "onnxc_cuda_status", out var export));
            return Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)export)())!;
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    /// <summary>vit-tiny pruned 2:4 twice: the portable dense form and the SparseMatMul24 form (fp32).</summary>
    private (string Portable, string Sparse) Models()
    {
        var sample = Path.Combine(_dir.FullName, "vit.onnx");
        Assert.Equal(0, OnnxcProcess.Run("sample", "vit-tiny", "-o", sample).ExitCode);
        var portable = Path.Combine(_dir.FullName, "vit.2of4.onnx");
        var sparse = Path.Combine(_dir.FullName, "vit.2of4.sparse.onnx");
        Assert.Equal(0, OnnxcProcess.Run("optimize", sample, "-o", portable, "--sparsity", "2:4").ExitCode);
        Assert.Equal(0, OnnxcProcess.Run("optimize", sample, "-o", sparse, "--sparsity", "2:4", "--target", "ort+onnxc").ExitCode);
        return (portable, sparse);
    }

    private static OnnxcProcess.Result Verify(string portable, string sparse, string? cuda, string? libraryPath = null, string? cpuKernel = null)
    {
        var environment = new Dictionary<string, string?> { ["ONNXC_CUDA"] = cuda, ["ONNXC_CPU_KERNEL"] = cpuKernel };
        if (libraryPath is not null) environment["LD_LIBRARY_PATH"] = libraryPath;
        return OnnxcProcess.RunWith(environment, "verify", portable, sparse, "--dim", "batch=2");
    }

    /// <summary>artifacts/native/fake-cuda, where CMake puts the test double of libcuda.so.1, or null.</summary>
    private static string? FakeDriverFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var folder = Path.Combine(dir.FullName, "artifacts", "native", "fake-cuda");
            if (File.Exists(Path.Combine(folder, "libcuda.so.1"))) return folder;
        }
        return null;
    }

    [Fact]
    public void Status_says_whether_the_gpu_route_is_usable_and_why_not()
    {
        var status = Status();
        Assert.Matches(@"^GPU (available: .+|unavailable: .+)$", status);
        Console.WriteLine($"custom-op library: {status}");
    }

    [Fact]
    public void Without_a_gpu_the_cpu_kernel_runs_and_says_why_once()
    {
        var status = Status();
        Assert.SkipWhen(status.StartsWith("GPU available", StringComparison.Ordinal), $"a GPU is usable here ({status}), so there is no fallback to see");
        var (portable, sparse) = Models();

        var auto = Verify(portable, sparse, cuda: null);
        Assert.True(auto.ExitCode == 0, auto.Stdout + auto.Stderr);
        var said = auto.Stderr.Split('\n').Where(l => l.Contains("GPU unavailable: ", StringComparison.Ordinal)).ToList();
        Assert.Single(said);  // once per process, though the model holds several SparseMatMul24 nodes
        Assert.Contains(status["GPU unavailable: ".Length..], said[0]);
        Assert.Contains("using the CPU kernel", said[0]);

        var off = Verify(portable, sparse, cuda: "0");
        Assert.Equal(0, off.ExitCode);
        Assert.DoesNotContain("GPU unavailable", off.Stderr);

        var forced = Verify(portable, sparse, cuda: "1");
        Assert.NotEqual(0, forced.ExitCode);
        Assert.Contains("ONNXC_CUDA=1 but GPU unavailable: ", forced.Stdout + forced.Stderr);
    }

    [Fact]
    public void The_gpu_route_loads_the_ptx_and_launches_through_a_fake_driver()
    {
        Assert.SkipWhen(!OperatingSystem.IsLinux(), "the fake driver is a Linux shared library");
        var folder = FakeDriverFolder();
        Assert.SkipWhen(folder is null, "the fake libcuda.so.1 was not built ('make native')");
        Assert.SkipWhen(Status().Contains("built without clang++", StringComparison.Ordinal), "the library holds no CUDA kernel (built without clang++)");
        var (portable, sparse) = Models();

        // ONNXC_CUDA=1 fails unless the driver loads, the PTX module and its entry resolve and every launch succeeds;
        // verify then compares what the "GPU" computed with the dense pruned model.
        var forced = Verify(portable, sparse, cuda: "1", libraryPath: folder);
        Assert.True(forced.ExitCode == 0, forced.Stdout + forced.Stderr);
        Assert.Contains("fake-cuda: launch grid=", forced.Stderr);
        Assert.DoesNotContain("GPU unavailable", forced.Stderr);
    }

    [Fact]
    public void The_portable_cpu_kernel_matches_the_dense_pruned_model()
    {
        Assert.SkipWhen(CustomOpLibrary.Path is null, "the custom-op library was not built ('make native')");
        var (portable, sparse) = Models();
        var result = Verify(portable, sparse, cuda: "0", cpuKernel: "portable");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
    }

    [Fact]
    public void On_a_gpu_the_cuda_kernel_matches_the_dense_pruned_model()
    {
        var status = Status();
        Assert.SkipWhen(!status.StartsWith("GPU available", StringComparison.Ordinal), $"no GPU test here: {status}");
        var (portable, sparse) = Models();
        var forced = Verify(portable, sparse, cuda: "1");
        Assert.True(forced.ExitCode == 0, forced.Stdout + forced.Stderr);
    }
}
