// Design: every buffer the unsafe core keeps (interval-tree node slabs, payload arrays, PFN batch storage) is rented
// through one injectable UnsafeMemoryPool, never allocated with `new` on a hot path. Managed buffers are arrays
// (Rent/Return); the interval tree's node slab and handle table are native, cache-line-aligned memory
// (AllocateAligned/FreeAligned), because a 384-byte node only owns its six cache lines if the slab itself is 64-byte
// aligned, which the GC heap does not promise (and may move).
//
// Why an abstraction and not ArrayPool<T> directly:
//  * tests replace it with a tracking pool that proves every rented buffer comes back (including when an operation
//    throws midway) and that can fail the Nth rent, the counterpart of the kernel's fail_nth;
//  * the simulator can give each context its own pool, or back it with native slabs later, without touching callers.
//
// Invariants: a buffer returned by Rent<T> is at least the requested length and is returned exactly once with
// Return<T>; its contents are unspecified on Rent (callers initialise what they use). Return never throws. The same
// holds for AllocateAligned/FreeAligned.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

/// <summary>The source of every pooled buffer used by the unsafe core; injectable so tests can track and fail rents.</summary>
public abstract class UnsafeMemoryPool
{
    /// <summary>The process-wide pool backed by <see cref="ArrayPool{T}.Shared"/>.</summary>
    public static UnsafeMemoryPool Shared { get; } = new SharedArrayMemoryPool();

    /// <summary>Rents an array of at least <paramref name="minimumLength"/> elements; its contents are unspecified.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="minimumLength">The minimum number of elements; must not be negative.</param>
    /// <returns>An array whose length is at least <paramref name="minimumLength"/>.</returns>
    /// <exception cref="OutOfMemoryException">The pool could not provide the memory.</exception>
    public abstract T[] Rent<T>(int minimumLength);

    /// <summary>Returns an array obtained from <see cref="Rent{T}(int)"/> on this pool. Never throws.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="array">The array to return; it must not be used afterwards.</param>
    public abstract void Return<T>(T[] array);

    /// <summary>
    /// Allocates <paramref name="byteCount"/> bytes of native memory aligned to <paramref name="alignment"/> bytes;
    /// its contents are unspecified. The default uses <see cref="NativeMemory.AlignedAlloc"/>.
    /// </summary>
    /// <param name="byteCount">The number of bytes; at least 1.</param>
    /// <param name="alignment">The alignment in bytes; a power of two.</param>
    /// <returns>The memory, to be released with <see cref="FreeAligned"/> on this pool.</returns>
    /// <exception cref="OutOfMemoryException">The pool could not provide the memory.</exception>
    public virtual unsafe void* AllocateAligned(nuint byteCount, nuint alignment) => NativeMemory.AlignedAlloc(byteCount, alignment);

    /// <summary>Frees memory obtained from <see cref="AllocateAligned"/> on this pool. Never throws.</summary>
    /// <param name="memory">The memory to free; it must not be used afterwards.</param>
    public virtual unsafe void FreeAligned(void* memory) => NativeMemory.AlignedFree(memory);

    private sealed class SharedArrayMemoryPool : UnsafeMemoryPool
    {
        public override T[] Rent<T>(int minimumLength) => ArrayPool<T>.Shared.Rent(minimumLength);

        // Why clear only reference-carrying arrays: clearing a 48 MB node slab on every return would cost more than
        // the work it pooled; unmanaged contents are re-initialised by the next renter anyway, while stale object
        // references would keep payloads alive.
        public override void Return<T>(T[] array) =>
            ArrayPool<T>.Shared.Return(array, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>());
    }
}
