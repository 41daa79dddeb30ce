// Every rented buffer comes back: normal use, Dispose, and failure of the Nth rent at every N of a scenario (the
// kernel's fail_nth sweep). After an injected failure the structure is still valid and usable.
using System.Runtime.CompilerServices;
using IommuFd.Unsafe;

namespace IommuFd.Unsafe.Tests;

public class PoolTests
{
    private static int TreeScenario(TrackingMemoryPool pool, List<int> log)
    {
        using var tree = new IntervalTree<string>(1, pool);
        var handles = new List<int>();
        for (int i = 0; i < 200; i++)
        {
            try
            {
                handles.Add(tree.Insert((ulong)i * 10, (ulong)i * 10 + 15, "v" + i));
            }
            catch (OutOfMemoryException)
            {
                // The failed insert left the tree exactly as it was; it stays valid and usable.
                tree.Validate();
                Assert.Equal(handles.Count, tree.Count);
                log.Add(i);
                throw;
            }
            if (i % 3 == 0)
            {
                tree.Remove(handles[i / 2]);
                handles[i / 2] = handles[^1];
                handles.RemoveAt(handles.Count - 1);
                handles.Add(tree.Insert(7, 7, "x"));
            }
        }
        tree.Validate();
        return tree.Count;
    }

    [Fact]
    public void IntervalTree_FailNthRent_NeverLeaks()
    {
        var probe = new TrackingMemoryPool();
        TreeScenario(probe, []);
        probe.AssertAllReturned();
        int rents = probe.RentCalls;
        Assert.True(rents >= 10, "the scenario must grow the slab several times");
        for (int n = 1; n <= rents; n++)
        {
            var pool = new TrackingMemoryPool { FailOnRent = n };
            var log = new List<int>();
            Assert.Throws<OutOfMemoryException>(() => TreeScenario(pool, log));
            pool.AssertAllReturned();
        }
    }

    [Fact]
    public void IntervalTree_GenericConstructorFailure_ReturnsTheNodeSlab()
    {
        var pool = new TrackingMemoryPool { FailOnRent = 2 }; // node slab succeeds, payload array fails
        Assert.Throws<OutOfMemoryException>(() => new IntervalTree<object>(8, pool));
        pool.AssertAllReturned();
    }

    [Fact]
    public void IntervalTree_DisposeTwice_AndInsertAfterDispose()
    {
        var pool = new TrackingMemoryPool();
        var tree = new IntervalTree<int>(4, pool);
        for (int i = 0; i < 100; i++)
            tree.Insert((ulong)i, (ulong)i, i);
        tree.Dispose();
        tree.Dispose();
        pool.AssertAllReturned();
        // A disposed tree reads as empty and never touches the returned memory.
        Assert.Equal(0, tree.Count);
        Assert.Equal(0, tree.Capacity);
        Assert.Equal(IntervalTree.None, tree.IterFirst(0, ulong.MaxValue));
        Assert.Equal(IntervalTree.None, tree.Leftmost);
        Assert.False(tree.IsLive(1));
        Assert.Throws<ObjectDisposedException>(() => tree.Insert(1, 2, 3));
        pool.AssertAllReturned();
    }

    [Fact]
    public void IntervalTree_SteadyState_AllocatesNothing()
    {
        using var tree = new IntervalTree(1024);
        var handles = new int[512];
        for (int i = 0; i < handles.Length; i++)
            handles[i] = tree.Insert((ulong)i * 100, (ulong)i * 100 + 50);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ulong sum = 0;
        for (int round = 0; round < 200; round++)
        {
            for (int i = 0; i < handles.Length; i += 2)
            {
                tree.Remove(handles[i]);
                handles[i] = tree.Insert((ulong)i * 100 + (ulong)(round % 50), (ulong)i * 100 + 60);
            }
            for (int n = tree.IterFirst(1000, 30_000); n != IntervalTree.None; n = tree.IterNext(n, 1000, 30_000))
                sum += tree.GetStart(n);
            foreach (var span in tree.Spans(0, 60_000))
                sum += span.Last;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.NotEqual(0UL, sum);
    }

    [Fact]
    public void IntervalTree_NeverDisposed_FinalizerFreesTheNativeStorage()
    {
        var pool = new TrackingMemoryPool();
        CreateAndAbandon(pool);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        pool.AssertAllReturned();
    }

    // Out of line so that no local keeps the tree reachable when the caller collects.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CreateAndAbandon(TrackingMemoryPool pool)
    {
        var tree = new IntervalTree(4, pool);
        for (int i = 0; i < 100; i++)
            tree.Insert((ulong)i * 10, (ulong)i * 10 + 5); // grows several times: every outgrown block is freed at once
        Assert.Equal(2, pool.Outstanding); // the node slab and the handle table
        Assert.True(pool.RentCalls > 3);
    }

    [Fact]
    public void PfnBatch_FirstRentFails_FallsBackToOnePage()
    {
        var pool = new TrackingMemoryPool { FailOnRent = 1 };
        var batch = PfnBatch.Create(1UL << 20, pool);
        Assert.Equal(PfnBatch.FallbackSize / PfnBatch.RunSize, batch.ArraySize);
        Assert.True(batch.TryAdd(1));
        batch.Dispose();
        pool.AssertAllReturned();
    }

    [Fact]
    public void PfnBatch_AllRentsFail_ThrowsWithoutBackup_AndUsesBackupOnDestroyPaths()
    {
        var pool = new TrackingMemoryPool { FailOnRent = 1, FailAllAfter = true };
        Assert.Throws<OutOfMemoryException>(() => PfnBatch.Create(1UL << 20, pool));
        pool.AssertAllReturned();

        byte[] backup = new byte[PfnBatch.BackupSize];
        var batch = PfnBatch.CreateWithBackup(1UL << 20, backup, pool);
        Assert.True(batch.UsesBackup);
        Assert.Equal(PfnBatch.BackupSize / PfnBatch.RunSize, batch.ArraySize);
        for (int i = 0; i < batch.ArraySize; i++)
            Assert.True(batch.TryAdd((ulong)i * 3));
        Assert.False(batch.TryAdd(1));
        batch.Dispose(); // must not hand the caller's backup to the pool
        pool.AssertAllReturned();
    }

    [Fact]
    public void PfnBatch_SmallRequest_UsesBackupDirectly_AndPooledOtherwise()
    {
        var pool = new TrackingMemoryPool();
        byte[] backup = new byte[PfnBatch.BackupSize];
        var small = PfnBatch.CreateWithBackup(4, backup, pool);
        Assert.True(small.UsesBackup);
        Assert.Equal(0, pool.RentCalls);
        small.Dispose();
        var large = PfnBatch.CreateWithBackup(1000, backup, pool);
        Assert.False(large.UsesBackup);
        Assert.Equal(1, pool.Outstanding);
        large.Dispose();
        pool.AssertAllReturned();
    }

    [Fact]
    public void PfnBatch_FillAndClear_AllocatesNothing()
    {
        var batch = PfnBatch.Create(1UL << 20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 100; round++)
        {
            for (ulong pfn = 0; pfn < 20_000; pfn += (pfn % 7 == 0) ? 2UL : 1UL)
            {
                if (!batch.TryAdd(pfn))
                {
                    batch.Clear();
                    batch.TryAdd(pfn);
                }
            }
            batch.ClearCarry(1);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        batch.Dispose();
    }
}
