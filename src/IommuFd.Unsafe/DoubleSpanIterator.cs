// Design: the kernel's interval_tree_double_span_iter (double_span.h + pages.c): one IntervalSpanIterator per tree over
// the same [FirstIndex, LastIndex], reporting spans of the union with priority to tree 0.
//
// State: IsUsed is 0 for a hole in both trees, 1 for a span covered by tree 0, 2 for a span covered by tree 1 but not
// tree 0, -1 when done. Start/Last alias the kernel's start_hole/start_used and last_hole/last_used (inclusive).
// Rules: a used-2 span is clipped where tree 0's current hole ends (where tree 0 starts again); the iterator is greedy,
// so the same IsUsed never repeats twice in a row, though 1 and 2 can be adjacent. Spans tile the range exactly.
// Users: the IOVA allocator (tree 0 = reserved, tree 1 = areas, looking for holes) and the pfn reader (tree 0 =
// accesses, tree 1 = domains).
namespace IommuFd.Unsafe;

/// <summary>
/// Walks a range over two interval trees at once (the kernel's interval_tree_double_span_iter), reporting holes of the
/// union and used spans attributed to tree 0 first, then tree 1. Allocation-free.
/// </summary>
public ref struct DoubleSpanIterator
{
    private IntervalSpanIterator _span0;
    private IntervalSpanIterator _span1;
    private ulong _start;
    private ulong _last;
    private int _isUsed;
    private bool _started;

    /// <summary>Positions a new iterator on the first span (interval_tree_double_span_iter_first).</summary>
    /// <param name="tree0">The priority tree; neither tree may change while the iterator is in use.</param>
    /// <param name="tree1">The second tree.</param>
    /// <param name="firstIndex">First index of the range (inclusive).</param>
    /// <param name="lastIndex">Last index of the range (inclusive).</param>
    public DoubleSpanIterator(IntervalTree tree0, IntervalTree tree1, ulong firstIndex, ulong lastIndex)
    {
        _span0 = new IntervalSpanIterator(tree0, firstIndex, lastIndex);
        _span1 = new IntervalSpanIterator(tree1, firstIndex, lastIndex);
        Update();
    }

    /// <summary>First index of the current span.</summary>
    public readonly ulong Start => _start;

    /// <summary>Last index (inclusive) of the current span.</summary>
    public readonly ulong Last => _last;

    /// <summary>0 hole in both trees, 1 used by tree 0, 2 used by tree 1 only, -1 done (the kernel's is_used).</summary>
    public readonly int IsUsed => _isUsed;

    /// <summary>True if the current span is a hole in both trees.</summary>
    public readonly bool IsHole => _isUsed == 0;

    /// <summary>True when iteration has finished.</summary>
    public readonly bool Done => _isUsed == -1;

    /// <summary>The current span as (start, last, kind).</summary>
    public readonly DoubleSpan Current => new(_start, _last, _isUsed);

    /// <summary>Returns this iterator (foreach support); enumeration starts at the current span.</summary>
    /// <returns>This iterator.</returns>
    public readonly DoubleSpanIterator GetEnumerator() => this;

    /// <summary>foreach step: the first call keeps the current span, later calls step with <see cref="Next"/>.</summary>
    /// <returns>False when done.</returns>
    public bool MoveNext()
    {
        if (_started)
            Next();
        else
            _started = true;
        return _isUsed != -1;
    }

    // interval_tree_double_span_iter_update
    private void Update()
    {
        ulong lastHole = ulong.MaxValue;

        if (_span0.Done)
        {
            _isUsed = -1;
            return;
        }
        if (!_span0.IsHole)
        {
            _isUsed = 1;
            _start = _span0.Start;
            _last = _span0.Last; // min(last_used, ULONG_MAX)
            return;
        }
        lastHole = _span0.Last;

        if (_span1.Done)
        {
            _isUsed = -1;
            return;
        }
        if (!_span1.IsHole)
        {
            _isUsed = 2;
            _start = _span1.Start;
            _last = Math.Min(_span1.Last, lastHole); // clipped where tree 0 starts again
            return;
        }

        _isUsed = 0;
        _start = _span0.Start;
        _last = Math.Min(_span0.Last, _span1.Last);
    }

    /// <summary>Steps to the next span (interval_tree_double_span_iter_next).</summary>
    /// <exception cref="InvalidOperationException">Either tree changed since the iterator was positioned.</exception>
    public void Next()
    {
        if (_isUsed == -1 || _last == _span0.LastIndex)
        {
            _isUsed = -1;
            return;
        }
        _span0.Advance(_last + 1);
        _span1.Advance(_last + 1);
        Update();
    }
}

/// <summary>One span of a <see cref="DoubleSpanIterator"/>: [Start, Last] (inclusive) and its kind.</summary>
/// <param name="Start">First index (inclusive).</param>
/// <param name="Last">Last index (inclusive).</param>
/// <param name="IsUsed">0 hole, 1 used by tree 0, 2 used by tree 1 only.</param>
public readonly record struct DoubleSpan(ulong Start, ulong Last, int IsUsed);
