// The hole finder against (a) a bitmap brute force in a small universe (AddressLast = 4095, PageSize 16), which
// restates the kernel's policy per address with no trees or iterators, and (b) a segment model over the full 64-bit
// space with layouts touching 0 and ulong.MaxValue; plus the named edge cases of reference §4.4.
using System.Numerics;
using IommuFd.Unsafe;

namespace IommuFd.Unsafe.Tests;

public class IovaAllocatorTests
{
    private static readonly IovaAllocatorOptions s_small = new() { PageSize = 16, MaxAlignment = 64, AddressLast = 4095 };

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    public void SmallUniverse_MatchesBitmapBruteForce(int seed) => Seeds.Run(seed, rng =>
    {
        const int universe = 4096;
        var allowedBits = new bool[universe];
        var blockedBits = new bool[universe];
        for (int round = 0; round < 1500; round++)
        {
            using var allowed = new IntervalTree();
            using var reserved = new IntervalTree();
            using var areas = new IntervalTree();
            Array.Clear(allowedBits);
            Array.Clear(blockedBits);
            int nAllowed = rng.Next(3) == 0 ? 0 : rng.Next(1, 6);
            for (int i = 0; i < nAllowed; i++)
                AddRandom(rng, allowed, allowedBits, universe, 1200);
            for (int i = rng.Next(6); i > 0; i--)
                AddRandom(rng, reserved, blockedBits, universe, 400);
            for (int i = rng.Next(30); i > 0; i--)
                AddRandom(rng, areas, blockedBits, universe, 200);
            if (nAllowed == 0)
                Array.Fill(allowedBits, true);

            for (int q = 0; q < 12; q++)
            {
                ulong length = rng.Next(4) == 0 ? (ulong)rng.Next(1, 1500) : (ulong)rng.Next(1, 100);
                ulong addr = rng.Next(3) switch { 0 => 0, 1 => (ulong)rng.Next(0, 1 << 16), _ => (ulong)rng.Next(1, 64) * 16 };
                ulong iovaAlignment = 1UL << rng.Next(0, 5);
                var status = IovaAllocator.TryAllocate(allowed, reserved, areas, addr, length, iovaAlignment, s_small, out ulong iova);
                var (expectedStatus, expectedIova) = BruteForce(allowedBits, blockedBits, addr, length, iovaAlignment, s_small);
                Assert.True(expectedStatus == status && (status != IovaAllocStatus.Success || expectedIova == iova),
                    $"round {round} q {q}: len {length} addr {addr:x} align {iovaAlignment}: expected {expectedStatus} {expectedIova:x}, got {status} {iova:x}");
                if (status == IovaAllocStatus.Success)
                {
                    // The result never touches a reserved range or an area, and stays in the window.
                    Assert.Equal(IntervalTree.None, reserved.IterFirst(iova, iova + length - 1));
                    Assert.Equal(IntervalTree.None, areas.IterFirst(iova, iova + length - 1));
                    Assert.True(iova >= s_small.PageSize && iova + length - 1 <= s_small.AddressLast - s_small.PageSize);
                }
            }
        }
    });

    private static void AddRandom(Random rng, IntervalTree tree, bool[] bits, int universe, int maxLen)
    {
        int s = rng.Next(universe);
        int l = Math.Min(universe - 1, s + rng.Next(maxLen));
        tree.Insert((ulong)s, (ulong)l);
        for (int x = s; x <= l; x++)
            bits[x] = true;
    }

    /// <summary>The kernel's policy restated per address: walk maximal allowed runs, then maximal free runs in each.</summary>
    private static (IovaAllocStatus, ulong) BruteForce(bool[] allowedBits, bool[] blockedBits, ulong addr, ulong length, ulong iovaAlignment, IovaAllocatorOptions o)
    {
        if (length == 0 || length >= ulong.MaxValue / 2)
            return (IovaAllocStatus.Overflow, 0);
        ulong align = BitOperations.RoundUpToPowerOf2(length);
        if (addr != 0)
        {
            ulong low = 1;
            while ((addr & low) == 0)
                low <<= 1;
            align = Math.Min(align, low);
        }
        align = Math.Min(align, o.MaxAlignment);
        if (align < iovaAlignment)
            return (IovaAllocStatus.Invalid, 0);
        ulong offset = addr % o.PageSize;
        int lo = (int)o.PageSize, hi = (int)(o.AddressLast - o.PageSize);
        int x = lo;
        while (x <= hi)
        {
            if (!allowedBits[x])
            {
                x++;
                continue;
            }
            int aStart = x;
            while (x + 1 <= hi && allowedBits[x + 1])
                x++;
            int aLast = x;
            x++;
            if (Candidate((ulong)aStart, (ulong)aLast, align, offset, length) is null)
                continue;
            int y = aStart;
            while (y <= aLast)
            {
                if (blockedBits[y])
                {
                    y++;
                    continue;
                }
                int hStart = y;
                while (y + 1 <= aLast && !blockedBits[y + 1])
                    y++;
                int hLast = y;
                y++;
                if (Candidate((ulong)hStart, (ulong)hLast, align, offset, length) is ulong c)
                    return (IovaAllocStatus.Success, c);
            }
        }
        return (IovaAllocStatus.NoSpace, 0);
    }

    private static ulong? Candidate(ulong start, ulong last, ulong align, ulong offset, ulong length)
    {
        // Written with division rather than masks, on purpose: an independent restatement of ALIGN_UP.
        System.Numerics.BigInteger up = ((new System.Numerics.BigInteger(start) + align - 1) / align) * align;
        if (up > ulong.MaxValue)
            return null;
        ulong c = (ulong)up | offset;
        if (c >= last || last - c < length - 1)
            return null; // includes the quirk: c == last is rejected even for length 1
        return c;
    }

    [Theory]
    [InlineData(41)]
    [InlineData(42)]
    public void FullSpace_MatchesSegmentModel(int seed) => Seeds.Run(seed, rng =>
    {
        var o = IovaAllocatorOptions.Default;
        var gen = new IntervalGen(rng, 1 << 24);
        for (int round = 0; round < 1500; round++)
        {
            using var allowed = new IntervalTree();
            using var reserved = new IntervalTree();
            using var areas = new IntervalTree();
            var la = new List<(ulong, ulong)>();
            var lb = new List<(ulong, ulong)>();
            for (int i = rng.Next(3) == 0 ? 0 : rng.Next(1, 5); i > 0; i--)
            {
                var iv = gen.Interval();
                allowed.Insert(iv.Start, iv.Last);
                la.Add(iv);
            }
            for (int i = rng.Next(5); i > 0; i--)
            {
                var iv = gen.Interval();
                reserved.Insert(iv.Start, iv.Last);
                lb.Add(iv);
            }
            for (int i = rng.Next(20); i > 0; i--)
            {
                var iv = gen.Interval();
                areas.Insert(iv.Start, iv.Last);
                lb.Add(iv);
            }
            for (int q = 0; q < 8; q++)
            {
                ulong length = rng.Next(3) switch { 0 => (ulong)rng.Next(1, 5000), 1 => (ulong)rng.Next(1, 1 << 24), _ => (ulong)rng.NextInt64() >> rng.Next(1, 60) };
                if (length == 0)
                    length = 1;
                ulong addr = rng.Next(2) == 0 ? 0 : (ulong)rng.NextInt64();
                var status = IovaAllocator.TryAllocate(allowed, reserved, areas, addr, length, 1, o, out ulong iova);
                var (es, ei) = SegmentModel(la, lb, addr, length, o);
                Assert.True(es == status && (status != IovaAllocStatus.Success || ei == iova),
                    $"round {round}: len {length:x} addr {addr:x}: expected {es} {ei:x}, got {status} {iova:x}");
            }
        }
    });

    private static (IovaAllocStatus, ulong) SegmentModel(List<(ulong, ulong)> allowedList, List<(ulong, ulong)> blockedList, ulong addr, ulong length, IovaAllocatorOptions o)
    {
        if (length == 0 || length >= ulong.MaxValue / 2)
            return (IovaAllocStatus.Overflow, 0);
        ulong align = Math.Min(BitOperations.RoundUpToPowerOf2(length), addr == 0 ? ulong.MaxValue : 1UL << BitOperations.TrailingZeroCount(addr));
        align = Math.Min(align, o.MaxAlignment);
        ulong offset = addr % o.PageSize;
        ulong lo = o.PageSize, hi = o.AddressLast - o.PageSize;
        var allowedSpans = allowedList.Count == 0
            ? [(lo, hi)]
            : IntervalModel.SpansOf(allowedList, lo, hi).Where(s => !s.IsHole).Select(s => (s.Start, s.Last)).ToList();
        foreach (var (aS, aL) in allowedSpans)
        {
            if (Candidate(aS, aL, align, offset, length) is null)
                continue;
            foreach (var h in IntervalModel.SpansOf(blockedList, aS, aL).Where(s => s.IsHole))
            {
                if (Candidate(h.Start, h.Last, align, offset, length) is ulong c)
                    return (IovaAllocStatus.Success, c);
            }
        }
        return (IovaAllocStatus.NoSpace, 0);
    }

    private static IovaAllocStatus Alloc(IntervalTree allowed, IntervalTree reserved, IntervalTree areas, ulong addr, ulong length, out ulong iova, ulong iovaAlignment = 1) =>
        IovaAllocator.TryAllocate(allowed, reserved, areas, addr, length, iovaAlignment, IovaAllocatorOptions.Default, out iova);

    [Fact]
    public void EdgeCases_KernelPolicy()
    {
        using var allowed = new IntervalTree();
        using var reserved = new IntervalTree();
        using var areas = new IntervalTree();

        // Never 0: the first page is skipped even in an empty space.
        Assert.Equal(IovaAllocStatus.Success, Alloc(allowed, reserved, areas, 0, 4096, out ulong iova));
        Assert.Equal(4096UL, iova);

        // EOVERFLOW for length 0 and length >= ULONG_MAX / 2.
        Assert.Equal(IovaAllocStatus.Overflow, Alloc(allowed, reserved, areas, 0, 0, out _));
        Assert.Equal(IovaAllocStatus.Overflow, Alloc(allowed, reserved, areas, 0, ulong.MaxValue / 2, out _));
        // Just below the limit still fits: alignment is capped at 2 MiB, so it lands on the first huge page.
        Assert.Equal(IovaAllocStatus.Success, Alloc(allowed, reserved, areas, 0, ulong.MaxValue / 2 - 1, out iova));
        Assert.Equal(2UL << 20, iova);

        // EINVAL when the computed alignment is below the IOAS's iova_alignment.
        Assert.Equal(IovaAllocStatus.Invalid, Alloc(allowed, reserved, areas, 0, 1, out _, iovaAlignment: 4096));

        // Alignment capped at 2 MiB with THP, PAGE_SIZE without.
        Assert.Equal(IovaAllocStatus.Success, Alloc(allowed, reserved, areas, 0, 64UL << 20, out iova));
        Assert.Equal(2UL << 20, iova);
        Assert.Equal(IovaAllocStatus.Success, IovaAllocator.TryAllocate(allowed, reserved, areas, 0, 64UL << 20, 1, IovaAllocatorOptions.WithoutTransparentHugePages, out iova));
        Assert.Equal(4096UL, iova);

        // Page offset OR-ed, not added (verified on 7.2.13): hole at 0x1126, VA page offset 1 -> 0x1127.
        areas.Insert(0x1000, 0x1125);
        Assert.Equal(IovaAllocStatus.Success, Alloc(allowed, reserved, areas, 0x7f00_0000_0001, 1, out iova));
        Assert.Equal(0x1127UL, iova);

        // Full space reserved: ENOSPC.
        int all = reserved.Insert(0, ulong.MaxValue);
        Assert.Equal(IovaAllocStatus.NoSpace, Alloc(allowed, reserved, areas, 0, 1, out _));
        reserved.Remove(all);

        // The window's top: the last page is never used.
        using var top = new IntervalTree();
        top.Insert(0, ulong.MaxValue - 3 * 4096);
        Assert.Equal(IovaAllocStatus.Success, Alloc(allowed, top, areas, 0, 4096, out iova));
        Assert.Equal(ulong.MaxValue - 3 * 4096 + 1, iova); // the hole is [2^64 - 3 pages, 2^64 - 1 page - 1]
        // 8 KiB aligns up to 2^64 - 2 pages, leaving only one page before the window's top: no space.
        Assert.Equal(IovaAllocStatus.NoSpace, Alloc(allowed, top, areas, 0, 8192, out _));
        // 12 KiB aligns to 16 KiB: ALIGN_UP overflows past 2^64 and the hole is rejected, not wrapped to 0.
        Assert.Equal(IovaAllocStatus.NoSpace, Alloc(allowed, top, areas, 0, 12288, out _));
    }

    [Fact]
    public void Quirk_CandidateEqualToHoleLastIsRejected()
    {
        using var allowed = new IntervalTree();
        using var reserved = new IntervalTree();
        using var areas = new IntervalTree();
        // A one-byte hole at 0x2000 (between two areas), length 1, addr 0 -> alignment 1: rejected by the quirk;
        // the next hole (0x2002...) is taken instead.
        areas.Insert(0x1000, 0x1fff);
        areas.Insert(0x2001, 0x2001);
        Assert.Equal(IovaAllocStatus.Success, Alloc(allowed, reserved, areas, 0, 1, out ulong iova));
        Assert.Equal(0x2002UL, iova);
    }

    [Fact]
    public void AllowedRanges_RestrictTheSearch_AndAdjacentAllowedRangesMerge()
    {
        using var allowed = new IntervalTree();
        using var reserved = new IntervalTree();
        using var areas = new IntervalTree();
        allowed.Insert(0x10000, 0x17fff);
        allowed.Insert(0x18000, 0x1ffff); // touching: one allowed span
        Assert.Equal(IovaAllocStatus.Success, Alloc(allowed, reserved, areas, 0, 0x10000, out ulong iova));
        Assert.Equal(0x10000UL, iova);
        areas.Insert(0x10000, 0x10fff);
        Assert.Equal(IovaAllocStatus.NoSpace, Alloc(allowed, reserved, areas, 0, 0x10000, out _));
        Assert.Equal(IovaAllocStatus.Success, Alloc(allowed, reserved, areas, 0, 0x1000, out iova));
        Assert.Equal(0x11000UL, iova);
    }
}
