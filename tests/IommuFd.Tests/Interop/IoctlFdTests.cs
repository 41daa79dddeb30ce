using System.Runtime.InteropServices;
using IommuFd.Interop;

namespace IommuFd.Tests.Interop;

/// <summary>The seam's contract: kernel path errno handling and in-process dispatch.</summary>
public sealed unsafe class IoctlFdTests
{
    // _IO(';', 0x7f): an iommufd-style request no device understands.
    private const nuint UnknownRequest = 0x3B7F;

    [Fact]
    public void KernelPath_UnknownRequestOnDevNull_ReturnsENOTTY()
    {
        using FileStream devNull = File.Open("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        IoctlFd fd = IoctlFd.Kernel((int)devNull.SafeFileHandle.DangerousGetHandle());
        ulong arg = 0;

        Errno errno = fd.Ioctl(UnknownRequest, &arg, out int result);

        Assert.Equal(Errno.ENOTTY, errno);
        Assert.Equal(-1, result);
    }

    [Fact]
    public void KernelPath_ClosedDescriptor_ReturnsEBADF()
    {
        IoctlFd fd = IoctlFd.Kernel(int.MaxValue);
        Assert.Equal(Errno.EBADF, fd.Ioctl(UnknownRequest, null));
    }

    [Fact]
    public void KernelPath_SuccessfulRequest_ReturnsOkAndResult()
    {
        // FIONREAD on a pipe with 3 bytes queued: a real request that succeeds and writes through the pointer.
        int* fds = stackalloc int[2];
        Assert.Equal(0, pipe(fds));
        try
        {
            byte* data = stackalloc byte[3];
            Assert.Equal(3, (int)write(fds[1], data, 3));
            int available = 0;
            Errno errno = IoctlFd.Kernel(fds[0]).Ioctl(FIONREAD, &available, out int result);
            Assert.Equal(Errno.OK, errno);
            Assert.Equal(0, result);
            Assert.Equal(3, available);
        }
        finally
        {
            close(fds[0]);
            close(fds[1]);
        }
    }

    [Fact]
    public void InProcess_PassesFdRequestAndPointer_AndMapsNegativeErrno()
    {
        var target = new RecordingTarget(-(int)Errno.EOPNOTSUPP);
        IoctlFd fd = IoctlFd.InProcess(42, target);
        ulong arg = 7;

        Errno errno = fd.Ioctl(0x3B85, &arg, out int result);

        Assert.Equal(Errno.EOPNOTSUPP, errno);
        Assert.Equal(-1, result);
        Assert.Equal(42, target.Fd);
        Assert.Equal((nuint)0x3B85, target.Request);
        Assert.Equal((nint)(&arg), target.Arg);
    }

    [Fact]
    public void InProcess_NonNegativeResult_IsOkWithValue()
    {
        IoctlFd fd = IoctlFd.InProcess(3, new RecordingTarget(5));
        Assert.Equal(Errno.OK, fd.Ioctl(1, null, out int result));
        Assert.Equal(5, result);
    }

    [Fact]
    public void KernelPath_AllocatesNothing()
    {
        using FileStream devNull = File.Open("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        IoctlFd fd = IoctlFd.Kernel((int)devNull.SafeFileHandle.DangerousGetHandle());
        ulong arg = 0;
        fd.Ioctl(UnknownRequest, &arg); // warm up: JIT and P/Invoke resolution allocate once

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            fd.Ioctl(UnknownRequest, &arg);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Equality_DependsOnFdAndTarget()
    {
        var target = new RecordingTarget(0);
        Assert.Equal(IoctlFd.Kernel(3), IoctlFd.Kernel(3));
        Assert.NotEqual(IoctlFd.Kernel(3), IoctlFd.Kernel(4));
        Assert.NotEqual(IoctlFd.Kernel(3), IoctlFd.InProcess(3, target));
        Assert.Equal(IoctlFd.InProcess(3, target), IoctlFd.InProcess(3, target));
        Assert.Throws<ArgumentNullException>(() => IoctlFd.InProcess(3, null!));
    }

    private const nuint FIONREAD = 0x541B;

    [DllImport("libc")]
    private static extern int pipe(int* fds);

    [DllImport("libc")]
    private static extern nint write(int fd, void* buf, nuint count);

    [DllImport("libc")]
    private static extern int close(int fd);

    private sealed class RecordingTarget(int result) : IIoctlTarget
    {
        public int Fd { get; private set; }

        public nuint Request { get; private set; }

        public nint Arg { get; private set; }

        public int Ioctl(int fd, nuint request, void* arg)
        {
            Fd = fd;
            Request = request;
            Arg = (nint)arg;
            return result;
        }
    }
}
