using System.Diagnostics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using IommuFd.Interop;

namespace IommuFd.Benchmarks.Interop;

/// <summary>
/// The seam's kernel path against C <c>ioctl()</c> on the same cheap request: an unknown request on /dev/null,
/// which the kernel rejects with ENOTTY after the full syscall entry and fd lookup. The C anchor loops inside C
/// (one P/Invoke per batch), so the ratio shows what the seam adds per call: the P/Invoke transition, the target
/// branch and the errno read. Goal: ≤ 1.10× and 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public unsafe class SeamBenchmarks
{
    private const int Batch = 1000;
    private const nuint UnknownRequest = 0x3B7F;
    private FileStream? _devNull;
    private IoctlFd _fd;
    private int _rawFd;
    private ulong _arg;
    private delegate* unmanaged<int, nuint, void*, int, int> _anchor;

    /// <summary>Opens /dev/null and builds and loads the C anchor.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _devNull = File.Open("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        _rawFd = (int)_devNull.SafeFileHandle.DangerousGetHandle();
        _fd = IoctlFd.Kernel(_rawFd);
        string library = NativeAnchors.Build("libioctl_anchor.so");
        _anchor = (delegate* unmanaged<int, nuint, void*, int, int>)NativeLibrary.GetExport(NativeLibrary.Load(library), "ioctl_anchor_loop");
    }

    /// <summary>Closes /dev/null.</summary>
    [GlobalCleanup]
    public void Cleanup() => _devNull?.Dispose();

    /// <summary>C: <c>ioctl(fd, 0x3B7F, &amp;arg)</c> in a loop inside C.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int CIoctl()
    {
        fixed (ulong* arg = &_arg)
        {
            return _anchor(_rawFd, UnknownRequest, arg, Batch);
        }
    }

    /// <summary>The seam: <see cref="IoctlFd.Ioctl(nuint, void*)"/> per call, errno read on failure.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int SeamKernelPath()
    {
        int failures = 0;
        IoctlFd fd = _fd;
        fixed (ulong* arg = &_arg)
        {
            for (int i = 0; i < Batch; i++)
            {
                failures += fd.Ioctl(UnknownRequest, arg) != Errno.OK ? 1 : 0;
            }
        }

        return failures;
    }
}

/// <summary>Builds the C anchors in bench/native at benchmark time (never shipped prebuilt).</summary>
internal static class NativeAnchors
{
    /// <summary>Runs bench/native/build.sh once and returns the path of <paramref name="library"/>.</summary>
    public static string Build(string library)
    {
        string root = FindRepoRoot();
        string outDir = Path.Combine(Path.GetTempPath(), "iommufd-bench-native");
        string path = Path.Combine(outDir, library);
        if (!File.Exists(path))
        {
            var psi = new ProcessStartInfo("bash", [Path.Combine(root, "bench", "native", "build.sh"), outDir]) { RedirectStandardError = true };
            using Process p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"bench/native/build.sh failed: {err}");
            }
        }

        return path;
    }

    private static string FindRepoRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "IommuFdSdk.sln")))
            {
                return dir;
            }
        }

        // BenchmarkDotNet runs a generated copy of the project under bin/; the working directory is then the repo's.
        return Directory.GetCurrentDirectory();
    }
}
