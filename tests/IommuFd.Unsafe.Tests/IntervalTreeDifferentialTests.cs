// Differential tests: the pooled interval tree and its span iterator against the sorted-list model over seeded random
// operation sequences (1,250,000 operations in the normal run), plus a smaller run that validates every structural
// invariant after every operation. Tree sizes range from a single leaf to four levels of the B+tree.
using IommuFd.Unsafe;

namespace IommuFd.Unsafe.Tests;

public class IntervalTreeDifferentialTests
{
    public const int OperationsPerSeed = 250_000;

    [Theory]
    [InlineData(1, 200, 2000)]
    [InlineData(2, 64, 200)]
    [InlineData(3, 400, 100_000)]
    [InlineData(4, 16, 50)]
    [InlineData(5, 2000, 1000)]
    public void RandomOperations_MatchSortedListModel(int seed, int maxNodes, int scale) =>
        Seeds.Run(seed, rng => RunDifferential(rng, maxNodes, scale, OperationsPerSeed, validateEveryOp: false));

    [Theory]
    [InlineData(101, 48, 300)]
    [InlineData(102, 300, 5000)]
    [InlineData(103, 1000, 500)]
    public void CheckedRun_InvariantsHoldAfterEveryOperation(int seed, int maxNodes, int scale) =>
        Seeds.Run(seed, rng => RunDifferential(rng, maxNodes, scale, 15_000, validateEveryOp: true));

    internal static void RunDifferential(Random rng, int maxNodes, int scale, int operations, bool validateEveryOp)
    {
        var pool = new TrackingMemoryPool();
        var gen = new IntervalGen(rng, scale);
        var model = new IntervalModel();
        var handles = new Dictionary<int, int>();
        var ids = new List<int>();
        int nextId = 1;
        var actual = new List<int>();
        var tree = new IntervalTree<int>(1, pool);
        for (int op = 0; op < operations; op++)
        {
            int r = rng.Next(100);
            try
            {
                if (model.Count == 0 || (r < 40 && model.Count < maxNodes))
                {
                    var (s, l) = gen.Interval();
                    int id = nextId++;
                    int h = tree.Insert(s, l, id);
                    Assert.True(h != IntervalTree.None);
                    model.Insert(s, l, id);
                    handles.Add(id, h);
                    ids.Add(id);
                }
                else if (r < 72)
                {
                    int k = rng.Next(ids.Count);
                    int id = ids[k];
                    ids[k] = ids[^1];
                    ids.RemoveAt(ids.Count - 1);
                    int h = handles[id];
                    handles.Remove(id);
                    Assert.Equal(id, tree[h]);
                    tree.Remove(h);
                    Assert.False(tree.IsLive(h));
                    model.Remove(id);
                }
                else if (r < 90)
                {
                    var (qs, ql) = gen.Query();
                    actual.Clear();
                    for (int n = tree.IterFirst(qs, ql); n != IntervalTree.None; n = tree.IterNext(n, qs, ql))
                        actual.Add(tree[n]);
                    var expected = model.Overlapping(qs, ql).ToList();
                    if (!expected.SequenceEqual(actual))
                        Assert.Fail($"query [{qs}, {ql}]: expected [{string.Join(",", expected)}] got [{string.Join(",", actual)}]");
                    // The position-based enumerator: the same intervals in the same order, with their own bounds.
                    int k = 0;
                    foreach (IntervalEntry entry in tree.Overlapping(qs, ql))
                    {
                        Assert.True(k < actual.Count && tree[entry.Node] == actual[k], $"query [{qs}, {ql}]: enumerator differs at {k}");
                        Assert.Equal((tree.GetStart(entry.Node), tree.GetLast(entry.Node)), (entry.Start, entry.Last));
                        k++;
                    }
                    Assert.Equal(actual.Count, k);
                }
                else if (r < 98)
                {
                    var (qs, ql) = gen.Query();
                    var expected = model.Spans(qs, ql);
                    int i = 0;
                    var it = tree.Spans(qs, ql);
                    // Exercise advance half of the time: after Advance(x) the rest must equal a fresh walk from x.
                    ulong advanceTo = 0;
                    bool advance = rng.Next(2) == 0 && expected.Count > 1;
                    int advanceAt = advance ? rng.Next(expected.Count) : -1;
                    for (; !it.Done; it.Next())
                    {
                        Assert.True(i < expected.Count, "more spans than the model");
                        Assert.Equal(expected[i], (it.Start, it.Last, it.IsHole));
                        i++;
                        if (i - 1 == advanceAt)
                        {
                            var cur = expected[i - 1];
                            ulong width = cur.Last - cur.Start;
                            advanceTo = rng.Next(3) switch
                            {
                                0 => cur.Start + (width == 0 ? 0 : (ulong)rng.NextInt64() % width),
                                1 => cur.Last == ql ? ql : cur.Last + 1,
                                _ => cur.Start + (ql - cur.Start) / 2,
                            };
                            it.Advance(advanceTo);
                            expected = model.Spans(advanceTo, ql);
                            i = 0;
                            if (it.Done)
                                break;
                            Assert.Equal(expected[i], (it.Start, it.Last, it.IsHole));
                            i++;
                        }
                    }
                    Assert.Equal(expected.Count, i);
                }
                else
                {
                    Assert.Equal(model.Count, tree.Count);
                    actual.Clear();
                    for (int n = tree.Leftmost; n != IntervalTree.None; n = tree.GetNext(n))
                        actual.Add(tree[n]);
                    Assert.Equal(model.Items.Select(x => x.Id), actual);
                    if (rng.Next(200) == 0)
                    {
                        tree.Clear();
                        model.Items.Clear();
                        handles.Clear();
                        ids.Clear();
                    }
                }
                if (validateEveryOp)
                    tree.Validate();
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException || !e.Message.StartsWith("op ", StringComparison.Ordinal))
            {
                throw new Xunit.Sdk.XunitException($"op {op} (r={r}, count={model.Count}): {e.Message}", e);
            }
        }
        tree.Validate();
        tree.Dispose();
        pool.AssertAllReturned();
    }

    [Fact]
    public void LargeTree_SplitsAndEmptiesAtEveryLevel_StaysValidAndAnswersLikeBruteForce() => Seeds.Run(7, rng =>
    {
        // The random runs above stay at a few thousand intervals (two or three levels); 40k intervals make inner nodes
        // split and empty at every level of a five-level tree. Validate at checkpoints; queries against brute force.
        var pool = new TrackingMemoryPool();
        var tree = new IntervalTree(1, pool);
        var items = new List<(ulong Start, ulong Last, int Handle)>();
        void Check()
        {
            tree.Validate();
            for (int q = 0; q < 50; q++)
            {
                ulong qs = (ulong)rng.NextInt64(1L << 40), ql = qs + (ulong)rng.NextInt64(1L << 30);
                var expected = items.Where(x => x.Start <= ql && qs <= x.Last).OrderBy(x => x.Start).Select(x => (x.Start, x.Last)).ToList();
                var actual = new List<(ulong, ulong)>();
                foreach (IntervalEntry e in tree.Overlapping(qs, ql))
                    actual.Add((e.Start, e.Last));
                Assert.Equal(expected.Select(x => x.Start), actual.Select(x => x.Item1)); // equal starts may come in any order
                Assert.Equal(expected.Count, actual.Count);
            }
        }
        for (int i = 0; i < 40_000; i++)
        {
            ulong s = (ulong)rng.NextInt64(1L << 40), l = s + (ulong)rng.NextInt64(1L << 28);
            items.Add((s, l, tree.Insert(s, l)));
            if (i % 4_000 == 3_999)
                Check();
        }
        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(items));
        while (items.Count > 0)
        {
            tree.Remove(items[^1].Handle);
            items.RemoveAt(items.Count - 1);
            if (items.Count % 4_000 == 0)
                Check();
        }
        Assert.True(tree.IsEmpty);
        tree.Dispose();
        pool.AssertAllReturned();
    });

    [Fact]
    public void ShrinkingToOneLeaf_CollapsesEveryOneChildLevelAboveIt()
    {
        // Found by the fuzzer: removal never merges, so a non-root inner node may keep one child; when the root then
        // collapses onto it, the new root must collapse again, down to the first node with two children or a leaf.
        // Here: empty the middle (the leftmost subtree keeps one leaf at every level), then the right end.
        var tree = new IntervalTree(1);
        var handles = new List<int>();
        for (ulong i = 0; i < 5_000; i++)
            handles.Add(tree.Insert(i * 10, i * 10 + 4));
        for (int i = handles.Count - 4; i >= 3; i--)
        {
            tree.Remove(handles[i]);
            handles.RemoveAt(i);
        }
        tree.Validate();
        for (int i = handles.Count - 1; i >= 3; i--)
        {
            tree.Remove(handles[i]);
            handles.RemoveAt(i);
            tree.Validate();
        }
        Assert.Equal(3, tree.Count);
        Assert.Equal(handles[0], tree.IterFirst(0, ulong.MaxValue));
        handles.Add(tree.Insert(100_000, 100_004)); // grows again from the collapsed root
        tree.Validate();
        tree.Dispose();
    }

    [Fact]
    public void HandleApi_StaleOrForeignHandles_ThrowInsteadOfReadingFreedSlots()
    {
        // Every public handle path (iter_next included, which skips the check on its hot path) must refuse a handle
        // that is not live: removed, never issued, None, negative, or from before a Clear or Dispose.
        var tree = new IntervalTree(4);
        var live = new List<int>();
        for (ulong i = 0; i < 40; i++)
            live.Add(tree.Insert(i * 10, i * 10 + 4));
        int removed = live[17];
        tree.Remove(removed);
        int first = tree.IterFirst(0, 1000);
        Assert.Equal(live[0], first);
        tree.Remove(tree.Insert(2000, 2001)); // every change forgets the remembered handle: None must not match that
        foreach (int bad in new[] { IntervalTree.None, removed, -3, 41, int.MaxValue })
        {
            Assert.Throws<ArgumentException>(() => tree.IterNext(bad, 0, 1000));
            Assert.Throws<ArgumentException>(() => tree.GetNext(bad));
            Assert.Throws<ArgumentException>(() => tree.GetPrevious(bad));
            Assert.Throws<ArgumentException>(() => tree.GetStart(bad));
            Assert.Throws<ArgumentException>(() => tree.GetLast(bad));
            Assert.Throws<ArgumentException>(() => tree.Remove(bad));
        }
        Assert.Equal(live[1], tree.IterNext(first, 0, 1000)); // the failures changed nothing
        Assert.Equal(39, tree.Count);
        tree.Validate();

        tree.Clear();
        Assert.Throws<ArgumentException>(() => tree.IterNext(first, 0, 1000));
        tree.Insert(5, 6);
        tree.Dispose();
        Assert.Throws<ArgumentException>(() => tree.IterNext(1, 0, 1000));
        Assert.Throws<ArgumentException>(() => tree.GetStart(1));
        Assert.Throws<ArgumentException>(() => tree.GetStart(IntervalTree.None));
    }
}
