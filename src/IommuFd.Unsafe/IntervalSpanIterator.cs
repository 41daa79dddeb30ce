// Design: the kernel's interval_tree_span_iter (lib/interval_tree.c) as an allocation-free ref struct. It walks
// [FirstIndex, LastIndex] of one IntervalTree and yields alternating maximal *used* spans (covered by the union of the
// nodes) and *holes* (covered by none). It reports spans, never nodes.
//
// State: the kernel's nodes[0] (the node with the greatest Last of the current used run) is kept as _hasNode0 and its
// Last, _node0Last; nodes[1] (the first node after the run's gap, or none) as a tree position (_node1, its leaf, null
// for none, and _node1Index) and its Start, _node1Start. Positions, not handles: a step reads the next entry straight
// from the leaf instead of looking a handle up. Positions are only valid while the tree is unchanged, so the iterator
// records the tree's version and a step after a change throws (the kernel leaves that case undefined). Start/Last
// alias start_hole/start_used and last_hole/last_used, as the kernel's unions do; _isHole is 1 (hole), 0 (used) or
// -1 (done).
//
// Invariants (tests check them on random trees): 1. spans exactly tile [FirstIndex, LastIndex], no gap, no overlap;
// 2. holes and used spans alternate (greedy: never two of a kind in a row); 3. a used span is fully covered by nodes,
// a hole intersects none; 4. spans are clamped to the range. All bounds inclusive.
//
// Overflow: "adjacent" is Last + 1 == Start; when Last is ulong.MaxValue the +1 wraps to 0, which equals no Start
// after it, exactly as in the kernel. Trailing hole starts at node0.Last + 1 only when node0.Last < LastIndex.
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

/// <summary>One span reported by a span iterator: [Start, Last] (inclusive) and whether it is a hole.</summary>
/// <param name="Start">First index (inclusive).</param>
/// <param name="Last">Last index (inclusive).</param>
/// <param name="IsHole">True for a hole, false for a used span.</param>
public readonly record struct IntervalSpan(ulong Start, ulong Last, bool IsHole);

/// <summary>
/// Walks a range of an <see cref="IntervalTree"/> as alternating maximal used spans and holes that exactly tile it
/// (the kernel's interval_tree_span_iter). Allocation-free.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public unsafe ref struct IntervalSpanIterator
{
    private readonly IntervalTree _tree;
    private IntervalLeaf* _node1;
    private int _node1Index;
    private ulong _node1Start;
    private ulong _node0Last;
    private bool _hasNode0;
    private int _version;
    private ulong _firstIndex;
    private ulong _lastIndex;
    private ulong _start;
    private ulong _last;
    private int _isHole;
    private bool _started;

    /// <summary>Positions a new iterator on the first span (interval_tree_span_iter_first).</summary>
    /// <param name="tree">The tree to walk; it must not change while the iterator is in use.</param>
    /// <param name="firstIndex">First index of the range (inclusive).</param>
    /// <param name="lastIndex">Last index of the range (inclusive); must be at least <paramref name="firstIndex"/>.</param>
    public IntervalSpanIterator(IntervalTree tree, ulong firstIndex, ulong lastIndex)
    {
        if (firstIndex > lastIndex)
            ThrowHelper.ThrowArgumentException_StartAfterLast();
        _tree = tree;
        First(firstIndex, lastIndex);
    }

    /// <summary>First index of the current span (start_hole / start_used).</summary>
    public readonly ulong Start => _start;

    /// <summary>Last index (inclusive) of the current span (last_hole / last_used).</summary>
    public readonly ulong Last => _last;

    /// <summary>True if the current span is a hole.</summary>
    public readonly bool IsHole => _isHole == 1;

    /// <summary>True if the current span is used (covered by nodes).</summary>
    public readonly bool IsUsed => _isHole == 0;

    /// <summary>True when iteration has finished (interval_tree_span_iter_done).</summary>
    public readonly bool Done => _isHole == -1;

    /// <summary>The kernel's is_hole: 1 hole, 0 used, -1 done.</summary>
    public readonly int State => _isHole;

    /// <summary>The last index (inclusive) of the walked range.</summary>
    public readonly ulong LastIndex => _lastIndex;

    /// <summary>The current span.</summary>
    public readonly IntervalSpan Current => new(_start, _last, _isHole == 1);

    /// <summary>Returns this iterator (foreach support); enumeration starts at the current span.</summary>
    /// <returns>This iterator.</returns>
    public readonly IntervalSpanIterator GetEnumerator() => this;

    /// <summary>foreach step: the first call keeps the current span, later calls step with <see cref="Next"/>.</summary>
    /// <returns>False when done.</returns>
    public bool MoveNext()
    {
        if (_started)
            Next();
        else
            _started = true;
        return _isHole != -1;
    }

    internal void First(ulong firstIndex, ulong lastIndex)
    {
        _firstIndex = firstIndex;
        _lastIndex = lastIndex;
        _version = _tree.Version;
        _hasNode0 = false;
        _node1 = _tree.FirstPosition(firstIndex, lastIndex, out _node1Index);
        if (_node1 == null)
        {
            // No node intersects: the whole range is one hole.
            _start = firstIndex;
            _last = lastIndex;
            _isHole = 1;
            return;
        }
        ulong node1Start = _node1->Starts[_node1Index];
        if (node1Start > firstIndex)
        {
            // Leading hole on the first iteration.
            _start = firstIndex;
            _last = node1Start - 1;
            _isHole = 1;
            NextGap();
            return;
        }

        // Starting inside a used span.
        _start = firstIndex;
        _isHole = 0;
        NextGap();
        _last = _node0Last;
        if (_last >= lastIndex)
        {
            _last = lastIndex;
            _hasNode0 = false;
            _node1 = null;
        }
    }

    // interval_tree_span_iter_next_gap: roll node1 forward over every node that overlaps or touches the run, leaving
    // node0 = the node with the greatest Last of the run and node1 = the first node after a gap (or none).
    private void NextGap()
    {
        IntervalTree tree = _tree;
        IntervalLeaf* leaf = _node1;
        int index = _node1Index;
        ulong bestLast = leaf->Lasts[index];
        ulong first = _firstIndex, lastIndex = _lastIndex;
        while (true)
        {
            leaf = tree.NextPosition(leaf, ref index, first, lastIndex);
            if (leaf == null)
                break;
            ulong nextStart = leaf->Starts[index];
            // The kernel's (last >= start || last + 1 == start); the second term wraps harmlessly at ulong.MaxValue.
            if (!(bestLast >= nextStart || bestLast + 1 == nextStart))
            {
                _node1Start = nextStart;
                break;
            }
            ulong nextLast = leaf->Lasts[index];
            if (nextLast > bestLast)
                bestLast = nextLast;
        }
        _hasNode0 = true;
        _node0Last = bestLast;
        _node1 = leaf;
        _node1Index = index;
    }

    /// <summary>Steps to the next span (interval_tree_span_iter_next).</summary>
    /// <exception cref="InvalidOperationException">The tree changed since the iterator was positioned.</exception>
    public void Next()
    {
        if (_version != _tree.Version)
            ThrowHelper.ThrowInvalidOperationException_TreeChanged();
        if (!_hasNode0 && _node1 == null)
        {
            _isHole = -1;
            return;
        }

        if (_isHole == 1)
        {
            // After a hole comes the used run node0 ends.
            _start = _last + 1;
            _last = _node0Last;
            if (_last >= _lastIndex)
            {
                _last = _lastIndex;
                _hasNode0 = false;
                _node1 = null;
            }
            _isHole = 0;
            return;
        }

        if (_node1 == null)
        {
            // Trailing hole.
            _start = _node0Last + 1;
            _last = _lastIndex;
            _hasNode0 = false;
            _isHole = 1;
            return;
        }

        // Both nodes: interior hole, then merge the next run.
        _start = _node0Last + 1;
        _last = _node1Start - 1;
        _isHole = 1;
        NextGap();
    }

    /// <summary>
    /// Moves the iterator's start to <paramref name="newIndex"/> (interval_tree_span_iter_advance): cheap when the
    /// index is inside the current span or right after it, otherwise a fresh search.
    /// </summary>
    /// <param name="newIndex">The new first index; past <see cref="LastIndex"/> ends the iteration.</param>
    /// <exception cref="InvalidOperationException">The tree changed since the iterator was positioned and the new index needs it.</exception>
    public void Advance(ulong newIndex)
    {
        if (_isHole == -1)
            return;
        _firstIndex = newIndex;
        if (newIndex > _lastIndex)
        {
            _isHole = -1;
            return;
        }
        if (_start <= newIndex && newIndex <= _last)
        {
            _start = newIndex;
            return;
        }
        if (newIndex == _last + 1)
            Next();
        else
            First(newIndex, _lastIndex);
    }
}
