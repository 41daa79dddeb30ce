using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DisableRuntimeMarshalling]

namespace IommuFd.Interop;

/// <summary>
/// The seam every generated ioctl stub goes through: "send request N with argument pointer P to file descriptor F".
/// By default (<see cref="Kernel"/>) that is a direct libc <c>ioctl</c>; an <see cref="IIoctlTarget"/> (the in-process
/// iommufd) plugs into the same seam with <see cref="InProcess"/>.
/// </summary>
/// <remarks>
/// This is a two-word struct, passed by value: no allocation, no handle table. The kernel path costs one
/// predictable branch (<c>_target is null</c>) over the raw P/Invoke. It does not own the descriptor; lifetime is the
/// safe layer's job (SafeHandle-based types in the <c>IommuFd</c> namespace).
/// </remarks>
public readonly unsafe struct IoctlFd : IEquatable<IoctlFd>
{
    private readonly IIoctlTarget? _target;

    private IoctlFd(int fd, IIoctlTarget? target)
    {
        Value = fd;
        _target = target;
    }

    /// <summary>The file descriptor number.</summary>
    public int Value { get; }

    /// <summary>The in-process target, or null when requests go to the kernel.</summary>
    public IIoctlTarget? Target => _target;

    /// <summary>A descriptor whose requests go to the kernel through libc <c>ioctl</c>.</summary>
    public static IoctlFd Kernel(int fd) => new(fd, null);

    /// <summary>A descriptor whose requests go to <paramref name="target"/> (the simulator, a recorder, a fault injector).</summary>
    public static IoctlFd InProcess(int fd, IIoctlTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new IoctlFd(fd, target);
    }

    /// <summary>Sends <paramref name="request"/> with argument pointer <paramref name="arg"/>.</summary>
    /// <returns><see cref="Errno.OK"/>, or the errno the kernel or target reported.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Errno Ioctl(nuint request, void* arg) => Ioctl(request, arg, out _);

    /// <summary>Sends <paramref name="request"/> with argument <paramref name="arg"/> and returns the ioctl's own result too.</summary>
    /// <param name="request">The full request number.</param>
    /// <param name="arg">Pointer to the argument, or an integer value cast to a pointer.</param>
    /// <param name="result">The non-negative return value on success (e.g. VFIO_CHECK_EXTENSION's answer, a new fd); -1 on failure.</param>
    /// <returns><see cref="Errno.OK"/>, or the errno.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Errno Ioctl(nuint request, void* arg, out int result)
    {
        IIoctlTarget? target = _target;
        if (target is null)
        {
            int r = Libc.ioctl(Value, request, arg);
            result = r;
            // Read errno only on failure, straight after the call (see Libc remarks).
            return r >= 0 ? Errno.OK : (Errno)Marshal.GetLastSystemError();
        }

        return InvokeTarget(target, request, arg, out result);
    }

    // Kept out of line so the kernel path above stays small enough to inline into every stub.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Errno InvokeTarget(IIoctlTarget target, nuint request, void* arg, out int result)
    {
        int r = target.Ioctl(Value, request, arg);
        if (r >= 0)
        {
            result = r;
            return Errno.OK;
        }

        result = -1;
        return (Errno)(-r);
    }

    /// <inheritdoc/>
    public bool Equals(IoctlFd other) => Value == other.Value && ReferenceEquals(_target, other._target);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IoctlFd other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Value, _target is null ? 0 : RuntimeHelpers.GetHashCode(_target));

    /// <inheritdoc/>
    public override string ToString() => _target is null ? $"fd {Value} (kernel)" : $"fd {Value} ({_target.GetType().Name})";

    /// <summary>Equality.</summary>
    public static bool operator ==(IoctlFd left, IoctlFd right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(IoctlFd left, IoctlFd right) => !left.Equals(right);
}
