using IommuFd.Interop;

namespace IommuFd.KernelLane.Harness;

/// <summary>Small helpers around the generated stubs (every request, IOMMU_TEST_CMD included, is generated).</summary>
internal static unsafe class Sys
{
    /// <summary>Sizes an extensible struct: sets its leading <c>size</c>/<c>argsz</c> field.</summary>
    public static T Sized<T>()
        where T : unmanaged
    {
        T v = default;
        *(uint*)&v = (uint)sizeof(T);
        return v;
    }
}

/// <summary>An open file descriptor (closed on dispose) with its seam view.</summary>
internal sealed class Fd : IDisposable
{
    private Fd(int value) => Value = value;

    public int Value { get; private set; }

    public IoctlFd Io => IoctlFd.Kernel(Value);

    public static Fd Open(string path) => new(Native.OpenOrThrow(path));

    public static Fd Adopt(int fd) => new(fd);

    public void Dispose()
    {
        if (Value >= 0)
        {
            _ = Native.close(Value);
            Value = -1;
        }
    }
}
