// The naive reference model: a list of (start, last, id) kept sorted by start, ties in insertion order, which is the
// in-order sequence the kernel's tree produces (equal starts go right). Spans are computed by merging in one pass.
namespace IommuFd.Unsafe.Tests;

internal sealed class IntervalModel
{
    public readonly List<(ulong Start, ulong Last, int Id)> Items = [];

    public int Count => Items.Count;

    public void Insert(ulong start, ulong last, int id)
    {
        // Upper bound on start: after every equal start.
        int lo = 0, hi = Items.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Items[mid].Start <= start)
                lo = mid + 1;
            else
                hi = mid;
        }
        Items.Insert(lo, (start, last, id));
    }

    public void Remove(int id) => Items.RemoveAt(Items.FindIndex(x => x.Id == id));

    public IEnumerable<int> Overlapping(ulong start, ulong last)
    {
        foreach (var (s, l, id) in Items)
        {
            if (s > last)
                yield break;
            if (l >= start)
                yield return id;
        }
    }

    /// <summary>Maximal used spans (merged, touching nodes merge) clamped to [first, last], and the holes between.</summary>
    public List<(ulong Start, ulong Last, bool IsHole)> Spans(ulong first, ulong last) => SpansOf(Items.Select(x => (x.Start, x.Last)), first, last);

    public static List<(ulong Start, ulong Last, bool IsHole)> SpansOf(IEnumerable<(ulong Start, ulong Last)> intervals, ulong first, ulong last)
    {
        var used = Merge(intervals.Where(x => x.Start <= last && x.Last >= first)
            .Select(x => (Math.Max(x.Start, first), Math.Min(x.Last, last))));
        var result = new List<(ulong, ulong, bool)>();
        ulong pos = first;
        bool atEnd = false;
        foreach (var (s, l) in used)
        {
            if (s > pos)
                result.Add((pos, s - 1, true));
            result.Add((s, l, false));
            if (l == last)
            {
                atEnd = true;
                break;
            }
            pos = l + 1;
        }
        if (!atEnd)
            result.Add((pos, last, true));
        return result;
    }

    /// <summary>Union of intervals as sorted disjoint, non-touching segments.</summary>
    public static List<(ulong Start, ulong Last)> Merge(IEnumerable<(ulong Start, ulong Last)> intervals)
    {
        var sorted = intervals.OrderBy(x => x.Start).ToList();
        var merged = new List<(ulong Start, ulong Last)>();
        foreach (var (s, l) in sorted)
        {
            if (merged.Count > 0)
            {
                var (ms, ml) = merged[^1];
                if (s <= ml || (ml != ulong.MaxValue && s == ml + 1))
                {
                    merged[^1] = (ms, Math.Max(ml, l));
                    continue;
                }
            }
            merged.Add((s, l));
        }
        return merged;
    }

    public static bool Covers(List<(ulong Start, ulong Last)> merged, ulong x)
    {
        foreach (var (s, l) in merged)
        {
            if (s <= x && x <= l)
                return true;
        }
        return false;
    }
}

/// <summary>Random interval generator mixing dense small coordinates, the edges of the space and wide ranges.</summary>
internal sealed class IntervalGen(Random rng, int scale)
{
    public ulong Point()
    {
        return rng.Next(8) switch
        {
            0 => (ulong)rng.Next(scale) ,                                   // near 0
            1 => ulong.MaxValue - (ulong)rng.Next(scale),                   // near the top
            2 => (ulong)rng.NextInt64() * 2 + (ulong)rng.Next(2),           // anywhere
            _ => 1_000_000 + (ulong)rng.Next(scale),                        // dense middle: overlaps, adjacency
        };
    }

    public (ulong Start, ulong Last) Interval()
    {
        ulong start = Point();
        ulong len = rng.Next(10) switch
        {
            0 => 0,
            < 7 => (ulong)rng.Next(scale / 8 + 1),
            < 9 => (ulong)rng.Next(scale),
            _ => (ulong)rng.NextInt64(),
        };
        ulong last = ulong.MaxValue - start < len ? ulong.MaxValue : start + len;
        return (start, last);
    }

    public (ulong Start, ulong Last) Query()
    {
        var (s, l) = Interval();
        return rng.Next(20) == 0 ? (0, ulong.MaxValue) : (s, l);
    }
}
