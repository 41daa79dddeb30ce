// PfnBatch against a flat List<ulong> of PFNs (the batch must expand to exactly the PFNs added since the last clear,
// in order) over seeded random streams, 1,000,000 operations in the normal run; a run-merging model predicts when
// the batch is full; the per-PFN Cursor against TryAdd; plus the uint.MaxValue run cap, carry helpers, kinds and the memory budget.
using IommuFd.Unsafe;

namespace IommuFd.Unsafe.Tests;

public class PfnBatchTests
{
    [Theory]
    [InlineData(51, 12 * 8)]
    [InlineData(52, 12 * 64)]
    [InlineData(53, 65536)]
    [InlineData(54, 12 * 3)]
    public void RandomOperations_MatchFlatPfnList(int seed, int memoryLimit) => Seeds.Run(seed, rng =>
    {
        var pool = new TrackingMemoryPool();
        var batch = PfnBatch.Create(1UL << 30, pool, memoryLimit);
        Assert.Equal(memoryLimit / PfnBatch.RunSize, batch.ArraySize);
        var flat = new List<ulong>();
        var runs = new List<(ulong First, uint Count)>(); // the model's own merge, only to predict "full"
        var kind = PfnBatchKind.CpuMemory;
        ulong next = (ulong)rng.NextInt64();
        int mode = 0;
        for (int op = 0; op < 250_000; op++)
        {
            int r = rng.Next(100);
            if (r < 2)
                mode = rng.Next(3); // 0 contiguous, 1 fragmented, 2 huge-page-like
            if (r < 80)
            {
                ulong pfn;
                uint count;
                switch (mode)
                {
                    case 0: pfn = rng.Next(10) == 0 ? (ulong)rng.NextInt64() : next; count = (uint)rng.Next(1, 4); break;
                    case 1: pfn = rng.Next(3) == 0 ? next : (ulong)rng.NextInt64(); count = 1; break;
                    default: pfn = rng.Next(4) == 0 ? ((ulong)rng.NextInt64() & ~511UL) : next; count = rng.Next(2) == 0 ? 512u : 1u; break;
                }
                if (rng.Next(50) == 0)
                    pfn = ulong.MaxValue - (ulong)rng.Next(3); // wrap-around continuation is modulo 2^64, like the kernel
                var k = rng.Next(40) == 0 ? PfnBatchKind.Mmio : kind;
                bool expectKindOk = runs.Count == 0 || k == kind;
                bool extends = runs.Count > 0 && k == kind && pfn == runs[^1].First + runs[^1].Count && count <= uint.MaxValue - runs[^1].Count;
                bool expected = expectKindOk && (extends || runs.Count < batch.ArraySize);
                bool added = count == 1 && k == PfnBatchKind.CpuMemory && rng.Next(2) == 0 ? batch.TryAdd(pfn) : batch.TryAdd(pfn, count, k);
                Assert.Equal(expected, added);
                if (added)
                {
                    if (runs.Count == 0)
                        kind = k;
                    if (extends)
                        runs[^1] = (runs[^1].First, runs[^1].Count + count);
                    else
                        runs.Add((pfn, count));
                    for (uint i = 0; i < count; i++)
                        flat.Add(pfn + i);
                    next = pfn + count;
                }
                else if (rng.Next(2) == 0)
                {
                    batch.Clear();
                    flat.Clear();
                    runs.Clear();
                    kind = PfnBatchKind.CpuMemory;
                }
            }
            else if (r < 88 && runs.Count > 0)
            {
                // Carry part of the last run (part of a huge page) to the front.
                uint keep = (uint)rng.Next(0, (int)Math.Min(runs[^1].Count, 1000) + 1);
                batch.ClearCarry(keep);
                var last = runs[^1];
                flat.Clear();
                runs.Clear();
                if (keep == 0)
                    kind = PfnBatchKind.CpuMemory;
                else
                {
                    ulong first = last.First + (last.Count - keep);
                    runs.Add((first, keep));
                    for (uint i = 0; i < keep; i++)
                        flat.Add(first + i);
                    if (rng.Next(2) == 0)
                    {
                        uint skip = (uint)rng.Next(0, (int)keep + 3);
                        batch.SkipCarry(skip);
                        int drop = (int)Math.Min(skip, keep);
                        flat.RemoveRange(0, drop);
                        // As in the kernel, an emptied carried run stays as run 0 with length 0 (end stays 1), so
                        // the kind is kept and the next contiguous PFN extends it.
                        runs[0] = (first + (uint)drop, keep - (uint)drop);
                    }
                }
            }
            else if (r < 92 && runs.Count > 0 && runs[^1].Count > 0)
            {
                uint remove = (uint)rng.Next(1, (int)Math.Min(runs[^1].Count, 100) + 1);
                batch.RemoveLast(remove);
                flat.RemoveRange(flat.Count - (int)remove, (int)remove);
                runs[^1] = (runs[^1].First, runs[^1].Count - remove);
                if (runs[^1].Count == 0)
                    runs.RemoveAt(runs.Count - 1);
            }
            else
            {
                AssertSame(flat, ref batch);
            }
            batch.Validate();
        }
        AssertSame(flat, ref batch);
        batch.Dispose();
        batch.Dispose(); // destroy twice is harmless
        pool.AssertAllReturned();
    });

    private static void AssertSame(List<ulong> flat, ref PfnBatch batch)
    {
        Assert.Equal((ulong)flat.Count, batch.TotalPfns);
        int i = 0;
        ReadOnlySpan<ulong> firsts = batch.FirstPfns;
        ReadOnlySpan<uint> lengths = batch.RunLengths;
        for (int r = 0; r < firsts.Length; r++)
        {
            for (uint k = 0; k < lengths[r]; k++)
            {
                if (flat[i] != firsts[r] + k)
                    Assert.Fail($"pfn #{i}: expected {flat[i]:x}, batch has {firsts[r] + k:x}");
                i++;
            }
        }
        Assert.Equal(flat.Count, i);
    }

    [Theory]
    [InlineData(61, 12 * 5)]
    [InlineData(62, 65536)]
    [InlineData(63, 12 * 64)]
    public void AddPfns_EqualsOneTryAddPerPfn(int seed, int memoryLimit) => Seeds.Run(seed, rng =>
    {
        var pool = new TrackingMemoryPool();
        var bulk = PfnBatch.Create(1UL << 30, pool, memoryLimit);
        var single = PfnBatch.Create(1UL << 30, pool, memoryLimit);
        var chunk = new List<ulong>();
        ulong next = (ulong)rng.NextInt64();
        for (int round = 0; round < 4000; round++)
        {
            // Streams mixing long streaks (the streak vector path), breaks inside a vector, and wrap-around at 2^64;
            // every other round mostly fragmented (the new-run vector path), with continuations at every lane offset.
            chunk.Clear();
            bool fragmented = round % 2 == 1;
            for (int i = rng.Next(1, 200); i > 0; i--)
            {
                int r = rng.Next(20);
                if (fragmented)
                    next = r < 3 ? next : r == 3 ? ulong.MaxValue - (ulong)rng.Next(6) : (ulong)rng.NextInt64();
                else
                    next = r == 0 ? (ulong)rng.NextInt64() : r == 1 ? ulong.MaxValue - (ulong)rng.Next(6) : next;
                chunk.Add(next++);
            }
            int added = bulk.AddPfns(chunk.ToArray());
            int expected = 0;
            while (expected < chunk.Count && single.TryAdd(chunk[expected]))
                expected++;
            Assert.Equal(expected, added);
            Assert.Equal(single.TotalPfns, bulk.TotalPfns);
            Assert.Equal(single.FirstPfns.ToArray(), bulk.FirstPfns.ToArray());
            Assert.Equal(single.RunLengths.ToArray(), bulk.RunLengths.ToArray());
            bulk.Validate();
            if (added < chunk.Count || rng.Next(10) == 0)
            {
                bulk.Clear();
                single.Clear();
            }
        }
        // A run at the uint cap: the bulk path must start a new run exactly where TryAdd does.
        bulk.Clear();
        single.Clear();
        Assert.True(bulk.TryAdd(10, uint.MaxValue - 5, PfnBatchKind.CpuMemory));
        Assert.True(single.TryAdd(10, uint.MaxValue - 5, PfnBatchKind.CpuMemory));
        var tail = Enumerable.Range(0, 20).Select(i => 10UL + uint.MaxValue - 5 + (ulong)i).ToArray();
        Assert.Equal(20, bulk.AddPfns(tail));
        foreach (ulong pfn in tail)
            Assert.True(single.TryAdd(pfn));
        Assert.Equal(single.RunLengths.ToArray(), bulk.RunLengths.ToArray());
        Assert.Equal([uint.MaxValue, 15u], bulk.RunLengths.ToArray());
        bulk.Dispose();
        single.Dispose();
        pool.AssertAllReturned();
    });

    [Theory]
    [InlineData(71, 12 * 5)]
    [InlineData(72, 65536)]
    [InlineData(73, 12)] // ArraySize 1: full after one run
    public void Cursor_EqualsOneTryAddPerPfn(int seed, int memoryLimit) => Seeds.Run(seed, rng =>
    {
        var pool = new TrackingMemoryPool();
        var viaCursor = PfnBatch.Create(1UL << 30, pool, memoryLimit);
        var single = PfnBatch.Create(1UL << 30, pool, memoryLimit);
        ulong next = (ulong)rng.NextInt64();
        for (int round = 0; round < 4000; round++)
        {
            // Cursors opened on non-empty batches too (the tail run read back), closed after each chunk.
            using (var c = new PfnBatch.Cursor(ref viaCursor))
            {
                for (int i = rng.Next(1, 200); i > 0; i--)
                {
                    int r = rng.Next(20);
                    next = r == 0 ? (ulong)rng.NextInt64() : r == 1 ? ulong.MaxValue - (ulong)rng.Next(6) : next;
                    ulong pfn = next++;
                    bool a = c.TryAdd(pfn), b = single.TryAdd(pfn);
                    Assert.Equal(b, a);
                    Assert.Equal(single.TotalPfns, c.TotalPfns);
                    Assert.Equal(single.Count, c.Count);
                    if (!a)
                    {
                        c.Clear();
                        single.Clear();
                        Assert.True(c.TryAdd(pfn));
                        Assert.True(single.TryAdd(pfn));
                    }
                }
                if (rng.Next(3) == 0)
                {
                    c.Flush();
                    Assert.Equal(single.RunLengths.ToArray(), viaCursor.RunLengths.ToArray());
                }
            }
            Assert.Equal(single.TotalPfns, viaCursor.TotalPfns);
            Assert.Equal(single.Kind, viaCursor.Kind);
            Assert.Equal(single.FirstPfns.ToArray(), viaCursor.FirstPfns.ToArray());
            Assert.Equal(single.RunLengths.ToArray(), viaCursor.RunLengths.ToArray());
            viaCursor.Validate();
            if (rng.Next(10) == 0)
            {
                viaCursor.Clear();
                single.Clear();
            }
        }
        // The uint cap: a new run starts exactly where TryAdd starts one (and with one run of room, that is "full").
        viaCursor.Clear();
        Assert.True(viaCursor.TryAdd(10, uint.MaxValue - 5, PfnBatchKind.CpuMemory));
        using (var c = new PfnBatch.Cursor(ref viaCursor))
        {
            for (int i = 0; i < 20; i++)
                Assert.Equal(i < 5 || viaCursor.ArraySize > 1, c.TryAdd(10UL + uint.MaxValue - 5 + (ulong)i));
        }
        Assert.Equal(viaCursor.ArraySize > 1 ? [uint.MaxValue, 15u] : [uint.MaxValue], viaCursor.RunLengths.ToArray());
        // A run at the cap in a full batch: the continuing PFN is refused, and refused again (a refusal changes nothing).
        viaCursor.Clear();
        for (int i = 1; i < viaCursor.ArraySize; i++)
            Assert.True(viaCursor.TryAdd((ulong)i * 2, 1, PfnBatchKind.CpuMemory));
        Assert.True(viaCursor.TryAdd(1UL << 40, uint.MaxValue, PfnBatchKind.CpuMemory));
        using (var c = new PfnBatch.Cursor(ref viaCursor))
        {
            ulong cont = (1UL << 40) + uint.MaxValue;
            Assert.False(c.TryAdd(cont));
            Assert.False(c.TryAdd(cont));
            Assert.False(c.TryAdd(7));
            Assert.Equal(viaCursor.ArraySize, c.Count);
        }
        Assert.Equal(uint.MaxValue, viaCursor.RunLengths[^1]);
        // PFN 0 on an empty cursor starts a run (the cursor's "no tail run" state must not match it), and continuation
        // wraps modulo 2^64 as in the kernel.
        viaCursor.Clear();
        using (var c = new PfnBatch.Cursor(ref viaCursor))
        {
            Assert.True(c.TryAdd(0));
            Assert.True(c.TryAdd(1));
            Assert.Equal(viaCursor.ArraySize > 1, c.TryAdd(ulong.MaxValue));
            Assert.Equal(viaCursor.ArraySize > 1, c.TryAdd(0));
        }
        Assert.Equal(viaCursor.ArraySize > 1 ? [0UL, ulong.MaxValue] : [0UL], viaCursor.FirstPfns.ToArray());
        Assert.Equal(viaCursor.ArraySize > 1 ? [2u, 2u] : [2u], viaCursor.RunLengths.ToArray());
        Assert.Equal(viaCursor.ArraySize > 1 ? 4UL : 2UL, viaCursor.TotalPfns);
        // An MMIO batch: every add fails and nothing changes, as with TryAdd.
        viaCursor.Clear();
        Assert.True(viaCursor.TryAdd(5, 2, PfnBatchKind.Mmio));
        using (var c = new PfnBatch.Cursor(ref viaCursor))
        {
            Assert.False(c.TryAdd(7));
            Assert.False(c.TryAdd(100));
        }
        Assert.Equal(PfnBatchKind.Mmio, viaCursor.Kind);
        Assert.Equal([2u], viaCursor.RunLengths.ToArray());
        Assert.Throws<InvalidOperationException>(() => { var d = default(PfnBatch); _ = new PfnBatch.Cursor(ref d); });
        viaCursor.Dispose();
        single.Dispose();
        pool.AssertAllReturned();
    });

    [Fact]
    public void RunLength_IsCappedAtUIntMax_ThenANewRunStarts()
    {
        var batch = PfnBatch.Create(16);
        Assert.True(batch.TryAdd(100, uint.MaxValue - 1, PfnBatchKind.CpuMemory));
        Assert.True(batch.TryAdd(100UL + uint.MaxValue - 1, 1, PfnBatchKind.CpuMemory)); // reaches exactly uint.MaxValue
        Assert.Equal(1, batch.Count);
        Assert.True(batch.TryAdd(100UL + uint.MaxValue, 1, PfnBatchKind.CpuMemory)); // would exceed: new run
        Assert.Equal(2, batch.Count);
        Assert.Equal([uint.MaxValue, 1u], batch.RunLengths.ToArray());
        Assert.Equal((ulong)uint.MaxValue + 1, batch.TotalPfns);
        batch.Dispose();
    }

    [Fact]
    public void Capacity_ComesFromTheByteBudget()
    {
        var batch = PfnBatch.Create(1UL << 40);
        Assert.Equal(65536 / 12, batch.ArraySize); // 5461 runs, like the kernel's 64 KiB
        for (int i = 0; i < batch.ArraySize; i++)
            Assert.True(batch.TryAdd((ulong)i * 2));
        Assert.False(batch.TryAdd(1_000_001)); // full
        Assert.True(batch.TryAdd((ulong)(batch.ArraySize - 1) * 2 + 1)); // but the last run can still grow
        batch.Dispose();

        var small = PfnBatch.Create(10);
        Assert.Equal(10, small.ArraySize); // max_pages * 12 below the limit
        small.Dispose();
    }

    [Fact]
    public void OneKindPerBatch()
    {
        var batch = PfnBatch.Create(16);
        Assert.True(batch.TryAdd(5, 2, PfnBatchKind.Mmio));
        Assert.Equal(PfnBatchKind.Mmio, batch.Kind);
        Assert.False(batch.TryAdd(7)); // CPU memory into an MMIO batch
        Assert.True(batch.TryAdd(7, 1, PfnBatchKind.Mmio));
        Assert.Equal(1, batch.Count);
        batch.Clear();
        Assert.True(batch.TryAdd(7));
        Assert.Equal(PfnBatchKind.CpuMemory, batch.Kind);
        batch.Dispose();
    }
}
