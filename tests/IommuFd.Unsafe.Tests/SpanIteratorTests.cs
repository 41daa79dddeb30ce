// Span tiling invariants (reference §5.2) and double-span priority rules, checked directly on random trees, plus a
// differential check of the double span iterator against a canonical model (classify each elementary segment as
// tree0 / tree1-only / hole, merge equal neighbours).
using IommuFd.Unsafe;

namespace IommuFd.Unsafe.Tests;

public class SpanIteratorTests
{
    [Theory]
    [InlineData(11, 60)]
    [InlineData(12, 2000)]
    [InlineData(13, 20)]
    public void SpanIterator_TilesRange_AlternatesAndClassifiesExactly(int seed, int scale) => Seeds.Run(seed, rng =>
    {
        var gen = new IntervalGen(rng, scale);
        for (int round = 0; round < 300; round++)
        {
            using var tree = new IntervalTree();
            var items = new List<(ulong, ulong)>();
            int n = rng.Next(40);
            for (int i = 0; i < n; i++)
            {
                var iv = gen.Interval();
                tree.Insert(iv.Start, iv.Last);
                items.Add(iv);
            }
            var merged = IntervalModel.Merge(items);
            for (int q = 0; q < 20; q++)
            {
                var (first, last) = gen.Query();
                ulong expectNext = first;
                int prevKind = -1;
                bool reachedEnd = false;
                foreach (IntervalSpan span in tree.Spans(first, last))
                {
                    Assert.False(reachedEnd, "span after the range end");
                    // 1 + 4: exact tiling, clamped to the range.
                    Assert.Equal(expectNext, span.Start);
                    Assert.True(span.Start <= span.Last && span.Last <= last);
                    // 2: alternation (greedy).
                    int kind = span.IsHole ? 1 : 0;
                    Assert.NotEqual(prevKind, kind);
                    prevKind = kind;
                    // 3: used spans are covered by one merged run; holes intersect no node.
                    if (span.IsHole)
                        Assert.Equal(IntervalTree.None, tree.IterFirst(span.Start, span.Last));
                    else
                        Assert.Contains(merged, m => m.Start <= span.Start && span.Last <= m.Last);
                    if (span.Last == last)
                        reachedEnd = true;
                    else
                        expectNext = span.Last + 1;
                }
                Assert.True(reachedEnd, "spans stop before the range end");
            }
        }
    });

    [Theory]
    [InlineData(21, 60)]
    [InlineData(22, 3000)]
    [InlineData(23, 15)]
    public void DoubleSpan_PriorityToFirstTree_MatchesModel(int seed, int scale) => Seeds.Run(seed, rng =>
    {
        var gen = new IntervalGen(rng, scale);
        for (int round = 0; round < 250; round++)
        {
            using var t0 = new IntervalTree();
            using var t1 = new IntervalTree();
            var i0 = new List<(ulong, ulong)>();
            var i1 = new List<(ulong, ulong)>();
            for (int i = rng.Next(25); i > 0; i--)
            {
                var iv = gen.Interval();
                t0.Insert(iv.Start, iv.Last);
                i0.Add(iv);
            }
            for (int i = rng.Next(25); i > 0; i--)
            {
                var iv = gen.Interval();
                t1.Insert(iv.Start, iv.Last);
                i1.Add(iv);
            }
            for (int q = 0; q < 15; q++)
            {
                var (first, last) = gen.Query();
                var expected = DoubleModel(i0, i1, first, last);
                var actual = new List<(ulong, ulong, int)>();
                foreach (DoubleSpan s in new DoubleSpanIterator(t0, t1, first, last))
                {
                    actual.Add((s.Start, s.Last, s.IsUsed));
                    Assert.True(actual.Count <= expected.Count + 1, "runaway iteration");
                }
                Assert.Equal(expected, actual);
                // Priority rules stated directly.
                for (int k = 0; k < actual.Count; k++)
                {
                    var (s, l, kind) = actual[k];
                    if (k > 0)
                        Assert.NotEqual(actual[k - 1].Item3, kind);
                    if (kind == 2 || kind == 0)
                        Assert.Equal(IntervalTree.None, t0.IterFirst(s, l)); // tree 0 wins wherever it is present
                    if (kind == 0)
                        Assert.Equal(IntervalTree.None, t1.IterFirst(s, l));
                }
            }
        }
    });

    internal static List<(ulong, ulong, int)> DoubleModel(List<(ulong, ulong)> i0, List<(ulong, ulong)> i1, ulong first, ulong last)
    {
        var s0 = IntervalModel.SpansOf(i0, first, last);
        var s1 = IntervalModel.SpansOf(i1, first, last);
        // Elementary segments: cut at every span boundary of either tree.
        var cuts = new SortedSet<ulong> { first };
        foreach (var s in s0.Concat(s1))
            cuts.Add(s.Start);
        var segs = new List<(ulong, ulong, int)>();
        var cutList = cuts.ToList();
        for (int k = 0; k < cutList.Count; k++)
        {
            ulong a = cutList[k];
            ulong b = k + 1 < cutList.Count ? cutList[k + 1] - 1 : last;
            bool used0 = s0.Any(x => !x.IsHole && x.Start <= a && a <= x.Last);
            bool used1 = s1.Any(x => !x.IsHole && x.Start <= a && a <= x.Last);
            int kind = used0 ? 1 : used1 ? 2 : 0;
            if (segs.Count > 0 && segs[^1].Item3 == kind)
                segs[^1] = (segs[^1].Item1, b, kind);
            else
                segs.Add((a, b, kind));
        }
        return segs;
    }

    [Fact]
    public void SpanIterator_EmptyTree_IsOneHole_AndFullSpace()
    {
        using var tree = new IntervalTree();
        var it = tree.Spans(0, ulong.MaxValue);
        Assert.True(it.IsHole);
        Assert.Equal((0UL, ulong.MaxValue), (it.Start, it.Last));
        it.Next();
        Assert.True(it.Done);

        tree.Insert(0, ulong.MaxValue);
        it = tree.Spans(0, ulong.MaxValue);
        Assert.True(it.IsUsed);
        Assert.Equal((0UL, ulong.MaxValue), (it.Start, it.Last));
        it.Next();
        Assert.True(it.Done);
    }

    [Fact]
    public void SpanIterator_AdjacentNodesMerge_TopOfSpaceDoesNotWrap()
    {
        using var tree = new IntervalTree();
        tree.Insert(10, 19);
        tree.Insert(20, 29);      // touches: one used run
        tree.Insert(ulong.MaxValue - 1, ulong.MaxValue);
        var spans = new List<IntervalSpan>();
        foreach (var s in tree.Spans(5, ulong.MaxValue))
            spans.Add(s);
        Assert.Equal(
        [
            new(5, 9, true), new(10, 29, false), new(30, ulong.MaxValue - 2, true), new(ulong.MaxValue - 1, ulong.MaxValue, false),
        ], spans);
    }

    [Fact]
    public void SpanIterator_TreeChangedMidWalk_NextThrows_FreshSearchRecovers()
    {
        // The iterator holds tree positions, which a change invalidates (entries move, the slab can move): stepping
        // after one must refuse, not read stale memory; an Advance that searches afresh is a new walk and is fine.
        using var tree = new IntervalTree(4);
        for (ulong i = 0; i < 64; i++)
            tree.Insert(i * 100, i * 100 + 49);
        var it = tree.Spans(0, 10_000);
        Assert.True(it.IsUsed);
        int h = tree.Insert(50, 99); // fills the first hole, splits leaves, grows the slab
        Assert.Contains("changed", NextError(it)?.Message);

        it.Advance(5_000); // not inside or right after the current span: a fresh search
        Assert.Equal((5_000UL, 5_049UL, false), (it.Start, it.Last, it.IsHole));
        it.Next();
        Assert.Equal((5_050UL, 5_099UL, true), (it.Start, it.Last, it.IsHole));

        Assert.Null(NextError(it));
        tree.Remove(h);
        Assert.NotNull(NextError(it));
        it = tree.Spans(0, 10_000);
        tree.Clear();
        Assert.NotNull(NextError(it));
    }

    [Fact]
    public void OverlapEnumerator_TreeChangedMidEnumeration_Throws()
    {
        using var tree = new IntervalTree();
        tree.Insert(0, 9);
        tree.Insert(5, 19);
        var seen = new List<int>();
        var e = tree.Overlapping(0, 100);
        Assert.Equal(IntervalTree.None, e.Current.Node); // before the first step
        Assert.True(e.MoveNext());
        seen.Add(e.Current.Node);
        tree.Insert(30, 39);
        bool threw = false;
        try
        {
            e.MoveNext();
        }
        catch (InvalidOperationException)
        {
            threw = true;
        }
        Assert.True(threw);
        foreach (IntervalEntry entry in tree.Overlapping(0, 100))
            seen.Add(entry.Node);
        Assert.Equal(4, seen.Count); // a fresh enumeration sees all three
    }

    // A ref struct cannot be captured by Assert.Throws' lambda: step a copy and report what it threw.
    private static InvalidOperationException? NextError(IntervalSpanIterator it)
    {
        try
        {
            it.Next();
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e;
        }
    }
}
