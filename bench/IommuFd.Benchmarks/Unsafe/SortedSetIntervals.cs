// The obvious managed alternative to the interval tree, only to size the gap (see bench/README.md).
namespace IommuFd.Benchmarks.Unsafe;

/// <summary>
/// The obvious managed alternative: a <see cref="SortedSet{T}"/> of (start, last, id) ordered by start. Overlap queries
/// use GetViewBetween from (start - longest interval) to last and filter, which is exact but un-augmented; spans merge
/// the view's intervals. Shown to size the gap, not as a contender.
/// </summary>
internal sealed class SortedSetIntervals
{
    private readonly SortedSet<(ulong Start, ulong Last, int Id)> _set = [];
    private ulong _maxLength;

    public void Clear()
    {
        _set.Clear();
        _maxLength = 0;
    }

    public void Insert(ulong start, ulong last, int id)
    {
        _set.Add((start, last, id));
        _maxLength = Math.Max(_maxLength, last - start);
    }

    public void Remove(ulong start, ulong last, int id) => _set.Remove((start, last, id));

    public ulong Query(ulong start, ulong last)
    {
        ulong from = start > _maxLength ? start - _maxLength : 0;
        ulong acc = 0;
        foreach (var (s, l, _) in _set.GetViewBetween((from, 0, int.MinValue), (last, ulong.MaxValue, int.MaxValue)))
        {
            if (l >= start)
                acc += s;
        }
        return acc;
    }

    public ulong Spans(ulong first, ulong last)
    {
        ulong acc = 0;
        ulong from = first > _maxLength ? first - _maxLength : 0;
        ulong pos = first;
        bool done = false;
        foreach (var (s, l, _) in _set.GetViewBetween((from, 0, int.MinValue), (last, ulong.MaxValue, int.MaxValue)))
        {
            if (l < pos)
                continue;
            if (s > pos)
                acc += s - 1 + 1; // hole [pos, s - 1]
            ulong usedLast = Math.Min(l, last);
            acc += usedLast; // used [max(s, pos), usedLast] (adjacent runs are not merged: close enough for sizing)
            if (usedLast == last)
            {
                done = true;
                break;
            }
            pos = usedLast + 1;
        }
        if (!done)
            acc += last + 1;
        return acc;
    }
}
