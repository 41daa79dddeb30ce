// Design: cold throw paths live here so the hot methods that call them stay small enough to inline (the JIT does not
// inline methods containing `throw`, and the throw sequence itself bloats the caller's code).
using System.Diagnostics.CodeAnalysis;

namespace IommuFd.Unsafe;

internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgumentException_StartAfterLast() =>
        throw new ArgumentException("An interval needs start <= last (last is inclusive).");

    [DoesNotReturn]
    public static void ThrowArgumentException_InvalidNode(int node) =>
        throw new ArgumentException($"Node handle {node} does not name a live node of this tree.", nameof(node));

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRangeException(string paramName) =>
        throw new ArgumentOutOfRangeException(paramName);

    [DoesNotReturn]
    public static void ThrowObjectDisposedException(object instance) =>
        throw new ObjectDisposedException(instance.GetType().FullName);

    [DoesNotReturn]
    public static void ThrowInvalidOperationException_TooManyNodes() =>
        throw new InvalidOperationException("The interval tree cannot hold more nodes.");

    [DoesNotReturn]
    public static void ThrowInvalidOperationException_TreeChanged() =>
        throw new InvalidOperationException("The interval tree changed during iteration; start a new iteration.");

    [DoesNotReturn]
    public static void ThrowInvalidOperationException_Invariant(string message) =>
        throw new InvalidOperationException("Invariant violated: " + message);

    [DoesNotReturn]
    public static void ThrowInvalidOperationException_NotInitialized() =>
        throw new InvalidOperationException("The PFN batch has no storage (default value or disposed).");
}
