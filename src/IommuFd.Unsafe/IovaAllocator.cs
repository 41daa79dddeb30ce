// Design: the kernel's automatic IOVA policy (iopt_alloc_iova in io_pagetable.c, reference §4.4) over three interval
// trees of byte IOVAs: allowed (may be empty = everything allowed), reserved and areas. Stateless; allocation-free
// (the span iterators are ref structs on the stack).
//
// Policy, in the kernel's order:
//  * length == 0 or length >= ulong.MaxValue / 2 -> Overflow (EOVERFLOW; it protects roundup_pow_of_two);
//  * alignment = roundup_pow_of_two(length), or min(that, lowest set bit of addr) when addr != 0; capped at
//    MaxAlignment (HPAGE_SIZE 2 MiB with THP, PAGE_SIZE without); below the IOAS's iova_alignment -> Invalid (EINVAL);
//  * page_offset = addr % PageSize is OR-ed (not added) into the aligned candidate;
//  * search window [PageSize, AddressLast - PageSize]: never 0, never the top page; with an empty allowed tree the
//    window itself is the single allowed span, otherwise the allowed tree's used spans clipped to the window;
//  * first fit: for each allowed span (which must itself admit a candidate), each hole of reserved ∪ areas (a double
//    span iterator with reserved as tree 0) in ascending order; candidate = ALIGN_UP(hole start) | page_offset; it
//    fits when candidate < hole last (strictly: the kernel's quirk rejects a candidate equal to the hole's last byte
//    even for length 1) and hole last - candidate >= length - 1; ALIGN_UP overflow rejects the hole;
//  * nothing fits -> NoSpace (ENOSPC).
// All bounds are inclusive (Last); no End appears here.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace IommuFd.Unsafe;

/// <summary>Outcome of <see cref="IovaAllocator.TryAllocate"/>, with the errno the kernel returns for it.</summary>
public enum IovaAllocStatus
{
    /// <summary>An IOVA was found (0).</summary>
    Success = 0,

    /// <summary>No hole fits (ENOSPC).</summary>
    NoSpace,

    /// <summary>length is 0 or at least ulong.MaxValue / 2 (EOVERFLOW).</summary>
    Overflow,

    /// <summary>The computed alignment is below the IOAS's iova_alignment (EINVAL).</summary>
    Invalid,
}

/// <summary>Settings of the automatic IOVA policy that depend on the kernel configuration.</summary>
public readonly record struct IovaAllocatorOptions
{
    /// <summary>2 MiB: HPAGE_SIZE (PMD size) on x86-64.</summary>
    public const ulong HugePageSize = 2UL << 20;

    /// <summary>Options for a 4 KiB-page kernel with transparent huge pages (the distro default).</summary>
    public static IovaAllocatorOptions Default => new() { PageSize = 4096, MaxAlignment = HugePageSize, AddressLast = ulong.MaxValue };

    /// <summary>Options for a kernel built without CONFIG_TRANSPARENT_HUGEPAGE (alignment capped at PAGE_SIZE).</summary>
    public static IovaAllocatorOptions WithoutTransparentHugePages => Default with { MaxAlignment = 4096 };

    /// <summary>PAGE_SIZE; a power of two.</summary>
    public ulong PageSize { get; init; }

    /// <summary>Alignment cap: HPAGE_SIZE with THP, PAGE_SIZE without; a power of two.</summary>
    public ulong MaxAlignment { get; init; }

    /// <summary>The last byte of the IOVA space (ULONG_MAX); lowering it lets tests model a small universe.</summary>
    public ulong AddressLast { get; init; }
}

/// <summary>The kernel's automatic IOVA allocation policy (iopt_alloc_iova) over interval trees.</summary>
public static class IovaAllocator
{
    /// <summary>
    /// Finds the lowest IOVA for <paramref name="length"/> bytes following the kernel's policy (see the file comment).
    /// </summary>
    /// <param name="allowed">Allowed IOVA ranges; empty means the whole window is allowed.</param>
    /// <param name="reserved">Reserved ranges (never used).</param>
    /// <param name="areas">Existing areas (never overlapped).</param>
    /// <param name="addr">The hint address (user VA, file offset, or source pages address).</param>
    /// <param name="length">Length in bytes.</param>
    /// <param name="iovaAlignment">The IOAS's current iova_alignment (1 for a fresh IOAS); a power of two.</param>
    /// <param name="options">Page size, alignment cap and address-space top.</param>
    /// <param name="iova">The chosen IOVA on success.</param>
    /// <returns>The status; see <see cref="IovaAllocStatus"/>.</returns>
    public static IovaAllocStatus TryAllocate(
        IntervalTree allowed, IntervalTree reserved, IntervalTree areas,
        ulong addr, ulong length, ulong iovaAlignment, in IovaAllocatorOptions options, out ulong iova)
    {
        iova = 0;
        ulong pageSize = options.PageSize;
        ulong pageOffset = addr & (pageSize - 1);

        if (length == 0 || length >= ulong.MaxValue / 2)
            return IovaAllocStatus.Overflow;

        ulong alignment = BitOperations.RoundUpToPowerOf2(length);
        if (addr != 0)
            alignment = Math.Min(alignment, addr & (0 - addr)); // 1UL << __ffs64(addr): the lowest set bit
        if (alignment >= options.MaxAlignment)
            alignment = options.MaxAlignment;
        if (alignment < iovaAlignment)
            return IovaAllocStatus.Invalid;

        ulong windowFirst = pageSize;
        ulong windowLast = options.AddressLast - pageSize;
        if (windowFirst > windowLast)
            return IovaAllocStatus.NoSpace;

        if (allowed.IsEmpty)
            return SearchAllowedSpan(reserved, areas, windowFirst, windowLast, length, alignment, pageOffset, out iova);

        var allowedSpans = new IntervalSpanIterator(allowed, windowFirst, windowLast);
        for (; !allowedSpans.Done; allowedSpans.Next())
        {
            if (!allowedSpans.IsUsed)
                continue;
            IovaAllocStatus status = SearchAllowedSpan(
                reserved, areas, allowedSpans.Start, allowedSpans.Last, length, alignment, pageOffset, out iova);
            if (status == IovaAllocStatus.Success)
                return status;
        }
        return IovaAllocStatus.NoSpace;
    }

    private static IovaAllocStatus SearchAllowedSpan(
        IntervalTree reserved, IntervalTree areas, ulong spanStart, ulong spanLast,
        ulong length, ulong alignment, ulong pageOffset, out ulong iova)
    {
        // __alloc_iova_check_used: the allowed span itself must admit a candidate (the kernel checks this before
        // walking its holes; with a non-monotonic OR-ed offset it can reject a span a hole inside would accept).
        if (!CheckRange(spanStart, spanLast, length, alignment, pageOffset, out _))
        {
            iova = 0;
            return IovaAllocStatus.NoSpace;
        }

        var used = new DoubleSpanIterator(reserved, areas, spanStart, spanLast);
        for (; !used.Done; used.Next())
        {
            if (used.IsUsed != 0)
                continue;
            if (CheckRange(used.Start, used.Last, length, alignment, pageOffset, out iova))
                return IovaAllocStatus.Success;
        }
        iova = 0;
        return IovaAllocStatus.NoSpace;
    }

    // __alloc_iova_check_range, including its two quirks: ALIGN_UP overflow rejects, and a candidate equal to the
    // span's last byte is rejected even when length is 1.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool CheckRange(ulong start, ulong last, ulong length, ulong alignment, ulong pageOffset, out ulong candidate)
    {
        candidate = 0;
        ulong alignedStart = start + (alignment - 1);
        if (alignedStart < start)
            return false; // check_add_overflow
        alignedStart &= ~(alignment - 1);
        alignedStart |= pageOffset;
        if (alignedStart >= last || last - alignedStart < length - 1)
            return false;
        candidate = alignedStart;
        return true;
    }
}
