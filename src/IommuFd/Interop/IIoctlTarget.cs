namespace IommuFd.Interop;

/// <summary>
/// An in-process ioctl target (the simulator, a fault injector, a recorder) that takes requests exactly as the
/// kernel does: file descriptor, full request number, pointer to the argument bytes.
/// </summary>
/// <remarks>
/// Implementations must parse the argument as raw memory the way the kernel does (read <c>size</c> first, enforce
/// minimum size, zero tail, flags and reserved fields), because fuzzers drive the same entry point with arbitrary
/// bytes. They must not throw for any input: every failure is an errno.
/// </remarks>
public unsafe interface IIoctlTarget
{
    /// <summary>Handles one ioctl.</summary>
    /// <param name="fd">The file descriptor the request was sent to (target-defined numbering).</param>
    /// <param name="request">The full request number (direction, size, type and nr bits).</param>
    /// <param name="arg">The third ioctl argument: a pointer to the argument struct, or an integer value cast to a pointer.</param>
    /// <returns>The non-negative result on success, or a negative errno (kernel convention).</returns>
    int Ioctl(int fd, nuint request, void* arg);
}
