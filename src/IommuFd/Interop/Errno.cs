namespace IommuFd.Interop;

/// <summary>
/// Linux errno values (asm-generic numbering, shared by x86-64, arm64 and riscv64). Generated stubs return one of
/// these: <see cref="OK"/> (0) on success, otherwise what the kernel (or the in-process target) reported.
/// </summary>
/// <remarks>
/// Only values iommufd, VFIO and the seam can report are named; any other value still round-trips as a number.
/// The meaning of each in the iommufd uAPI is the header's "General ioctl format" DOC section.
/// </remarks>
public enum Errno
{
    /// <summary>Success.</summary>
    OK = 0,

    /// <summary>Operation not permitted.</summary>
    EPERM = 1,

    /// <summary>No such object, IOVA or file.</summary>
    ENOENT = 2,

    /// <summary>Interrupted system call.</summary>
    EINTR = 4,

    /// <summary>I/O error.</summary>
    EIO = 5,

    /// <summary>No such device or address.</summary>
    ENXIO = 6,

    /// <summary>Nonzero bytes beyond the kernel's struct (iommufd), or argument list too long.</summary>
    E2BIG = 7,

    /// <summary>Bad file descriptor.</summary>
    EBADF = 9,

    /// <summary>Try again.</summary>
    EAGAIN = 11,

    /// <summary>Out of memory, or RLIMIT_MEMLOCK exceeded.</summary>
    ENOMEM = 12,

    /// <summary>Permission denied.</summary>
    EACCES = 13,

    /// <summary>Bad address (a user pointer could not be read or written).</summary>
    EFAULT = 14,

    /// <summary>Object busy (still referenced).</summary>
    EBUSY = 16,

    /// <summary>Object exists (overlapping fixed map, duplicate).</summary>
    EEXIST = 17,

    /// <summary>No such device (e.g. VFIO compat without a compat IOAS).</summary>
    ENODEV = 19,

    /// <summary>Invalid argument.</summary>
    EINVAL = 22,

    /// <summary>Inappropriate ioctl for device (unknown request or wrong encoding).</summary>
    ENOTTY = 25,

    /// <summary>No space left (automatic IOVA allocation found no room).</summary>
    ENOSPC = 28,

    /// <summary>Illegal seek (fault/vEVENTQ fd read at a nonzero position).</summary>
    ESPIPE = 29,

    /// <summary>Result out of range.</summary>
    ERANGE = 34,

    /// <summary>Resource deadlock would occur (an access did not release pages on unmap).</summary>
    EDEADLK = 35,

    /// <summary>Function not implemented.</summary>
    ENOSYS = 38,

    /// <summary>Value too large (arithmetic overflow in iova/length).</summary>
    EOVERFLOW = 75,

    /// <summary>File descriptor in bad state (not an iommufd).</summary>
    EBADFD = 77,

    /// <summary>Message too long (IOAS_IOVA_RANGES output array too small).</summary>
    EMSGSIZE = 90,

    /// <summary>Operation not supported (unknown flag, nonzero reserved field, unsupported type).</summary>
    EOPNOTSUPP = 95,

    /// <summary>Address already in use (reserved vs. allowed range conflict).</summary>
    EADDRINUSE = 98,
}
