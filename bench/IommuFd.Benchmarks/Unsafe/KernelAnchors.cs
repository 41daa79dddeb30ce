// Loads the kernel-C anchors (bench/kernel-anchors/build.sh, built at bench time from linux-source-7.2) and exposes
// their entry points as unmanaged function pointers; NativeArray<T> holds the operation sequences both sides read.
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace IommuFd.Benchmarks.Unsafe;

/// <summary>
/// The kernel's own interval tree / span iterator / pfn_batch / iopt_alloc_iova C code, built at bench time by
/// bench/kernel-anchors/build.sh from Debian's linux-source-7.2 (cached, never in the repository) and called in-process.
/// Every entry point loops inside C over a prepared operation sequence, so one P/Invoke covers a whole batch.
/// </summary>
internal static unsafe class KernelAnchors
{
    private static readonly Lazy<nint> s_library = new(Load);

    public static nint Library => s_library.Value;

    public static delegate* unmanaged<nuint, void*> TreeCreate => (delegate* unmanaged<nuint, void*>)Export("anchor_tree_create");
    public static delegate* unmanaged<nuint, nuint, void*> TreeCreateLayout => (delegate* unmanaged<nuint, nuint, void*>)Export("anchor_tree_create_layout");
    public static delegate* unmanaged<void*, void> TreeDestroy => (delegate* unmanaged<void*, void>)Export("anchor_tree_destroy");
    public static delegate* unmanaged<void*, void> TreeClear => (delegate* unmanaged<void*, void>)Export("anchor_tree_clear");
    public static delegate* unmanaged<void*, ulong*, ulong*, uint*, nuint, void> TreeInsert => (delegate* unmanaged<void*, ulong*, ulong*, uint*, nuint, void>)Export("anchor_tree_insert");
    public static delegate* unmanaged<void*, uint*, nuint, void> TreeRemoveInsert => (delegate* unmanaged<void*, uint*, nuint, void>)Export("anchor_tree_remove_insert");
    public static delegate* unmanaged<void*, ulong*, ulong*, nuint, ulong> TreeQuery => (delegate* unmanaged<void*, ulong*, ulong*, nuint, ulong>)Export("anchor_tree_query");
    public static delegate* unmanaged<void*, ulong*, ulong*, nuint, ulong> TreeSpans => (delegate* unmanaged<void*, ulong*, ulong*, nuint, ulong>)Export("anchor_tree_spans");
    public static delegate* unmanaged<void*, void*, void*, ulong*, ulong*, nuint, ulong> AllocIova => (delegate* unmanaged<void*, void*, void*, ulong*, ulong*, nuint, ulong>)Export("anchor_alloc_iova");
    public static delegate* unmanaged<ulong*, nuint, nuint, ulong> BatchFill => (delegate* unmanaged<ulong*, nuint, nuint, ulong>)Export("anchor_batch_fill");

    private static nint Export(string name) => NativeLibrary.GetExport(Library, name);

    private static nint Load()
    {
        string script = Path.Combine(FindRepoRoot(), "bench", "kernel-anchors", "build.sh");
        var psi = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"bench/kernel-anchors/build.sh failed ({p.ExitCode}): {stderr}");
        string path = stdout.Trim().Split('\n')[^1];
        return NativeLibrary.Load(path);
    }

    private static string FindRepoRoot()
    {
        // BenchmarkDotNet runs a generated copy of the project under bin/, so walk up from both the binary and the cwd.
        foreach (string? start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (string? dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "bench", "kernel-anchors", "build.sh")))
                    return dir;
            }
        }
        throw new InvalidOperationException("cannot find bench/kernel-anchors/build.sh above " + AppContext.BaseDirectory);
    }
}

/// <summary>A native array shared by the C anchor and the C# code, so both read the very same bytes.</summary>
internal sealed unsafe class NativeArray<T> : IDisposable where T : unmanaged
{
    public NativeArray(int length)
    {
        Length = length;
        Pointer = (T*)NativeMemory.AllocZeroed((nuint)length, (nuint)sizeof(T));
    }

    public T* Pointer { get; private set; }

    public int Length { get; }

    public Span<T> Span => new(Pointer, Length);

    public void Dispose()
    {
        NativeMemory.Free(Pointer);
        Pointer = null;
    }
}
