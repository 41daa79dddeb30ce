using System.Runtime.InteropServices;
using IommuFd.Interop;

namespace IommuFd.KernelLane.Harness;

/// <summary>The libc calls the checks need besides ioctl (which goes through the seam, <see cref="IoctlFd"/>).</summary>
internal static unsafe partial class Native
{
    public const int O_RDWR = 2, O_CLOEXEC = 0x80000;
    public const int PROT_READ = 1, PROT_WRITE = 2;
    public const int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000;
    public const long PageSize = 4096;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open_(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    public static partial int munmap(void* addr, nuint length);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static partial nint pread(int fd, void* buf, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint pwrite(int fd, void* buf, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    /// <summary>open(2); returns the fd or the negated errno.</summary>
    public static int Open(string path)
    {
        int fd = open_(path, O_RDWR | O_CLOEXEC, 0);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Opens <paramref name="path"/> or throws: for set-up steps whose failure makes the rest meaningless.</summary>
    public static int OpenOrThrow(string path)
    {
        int fd = Open(path);
        return fd >= 0 ? fd : throw new InvalidOperationException($"open({path}) failed: {(Errno)(-fd)}");
    }

    /// <summary>Anonymous private memory, page aligned, populated (so it exists when a device pins it).</summary>
    public static NativeBuffer Anonymous(long length) => new(length);
}

/// <summary>An anonymous, page-aligned, populated mapping; the checks hand its address to the kernel as user_va.</summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private void* _p;

    public NativeBuffer(long length)
    {
        Length = length;
        _p = Native.mmap(null, (nuint)length, Native.PROT_READ | Native.PROT_WRITE,
            Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_POPULATE, -1, 0);
        if (_p == (void*)-1)
        {
            throw new InvalidOperationException($"mmap({length}) failed: {(Errno)Marshal.GetLastPInvokeError()}");
        }
    }

    public long Length { get; }

    public ulong Address => (ulong)_p;

    public Span<byte> Span => new(_p, checked((int)Length));

    public Span<byte> Slice(long offset, int length) => Span.Slice(checked((int)offset), length);

    public void Dispose()
    {
        if (_p != null)
        {
            _ = Native.munmap(_p, (nuint)Length);
            _p = null;
        }
    }
}
