using System.Runtime.InteropServices;

namespace IommuFd.Interop;

/// <summary>The raw libc entry points the seam needs.</summary>
/// <remarks>
/// <para>
/// <c>ioctl</c> is variadic in C (<c>int ioctl(int, unsigned long, ...)</c>). On x86-64 and arm64 Linux a variadic
/// call with one pointer-sized integer argument passes it exactly like a fixed third parameter, so binding it as
/// <c>(int, nuint, void*)</c> is ABI-correct there (the same choice Tmds.LibC makes). The request is
/// <c>unsigned long</c>, hence <see cref="nuint"/>.
/// </para>
/// <para>
/// All parameters are blittable and <c>DisableRuntimeMarshalling</c> is on, so the P/Invoke has no marshalling stub and
/// allocates nothing. <c>SuppressGCTransition</c> is deliberately not used: iommufd ioctls can block (pinning,
/// DESTROY waiting for users) and must let the GC run.
/// </para>
/// <para>
/// errno: the P/Invoke is declared without <c>SetLastError</c>, and the seam reads <see cref="Marshal.GetLastSystemError"/>
/// immediately after a call that returned -1, only then. This is what LibraryImport's own <c>SetLastError</c> expansion
/// does (read errno straight after the native call returns), minus the clear-before-call that a -1 return makes
/// unnecessary, so the success path pays nothing for errno.
/// </para>
/// </remarks>
internal static unsafe partial class Libc
{
    private const string LibraryName = "libc";

    [LibraryImport(LibraryName, EntryPoint = "ioctl")]
    internal static partial int ioctl(int fd, nuint request, void* arg);

    [LibraryImport(LibraryName, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags, int mode);

    [LibraryImport(LibraryName, EntryPoint = "close")]
    internal static partial int close(int fd);

    /// <summary>O_RDWR.</summary>
    internal const int O_RDWR = 2;

    /// <summary>O_CLOEXEC (x86-64/arm64 value).</summary>
    internal const int O_CLOEXEC = 0x80000;
}
