// Design: overlap queries with the kernel's contract (interval_tree_generic.h): IterFirst returns the lowest-start
// node overlapping [start, last], IterNext continues in start order, both O(log n + k). [a0, a1] and [b0, b1] overlap
// iff a0 <= b1 && b0 <= a1 (all bounds inclusive). Both are written over positions (a leaf and an index in it):
// the handle API locates a handle's position and names the position it finds; the span iterator keeps positions
// and never touches a handle. A position is only valid while the tree is unchanged (Version counts changes).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

public unsafe partial class IntervalTree
{
    /// <summary>
    /// The lowest-start interval overlapping [<paramref name="start"/>, <paramref name="last"/>], or <see cref="None"/>
    /// (the kernel's interval_tree_iter_first); O(log n).
    /// </summary>
    /// <param name="start">First index of the query (inclusive).</param>
    /// <param name="last">Last index of the query (inclusive).</param>
    /// <returns>A handle or <see cref="None"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int IterFirst(ulong start, ulong last)
    {
        IntervalLeaf* leaf = FirstPosition(start, last, out int index);
        return leaf == null ? None : Found(leaf, index);
    }

    /// <summary>
    /// The next interval after <paramref name="node"/> in start order that overlaps [<paramref name="start"/>,
    /// <paramref name="last"/>], or <see cref="None"/> (the kernel's interval_tree_iter_next).
    /// </summary>
    /// <param name="node">A handle returned by <see cref="IterFirst"/> or <see cref="IterNext"/> for the same query.</param>
    /// <param name="start">First index of the query (inclusive).</param>
    /// <param name="last">Last index of the query (inclusive).</param>
    /// <returns>A handle or <see cref="None"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IterNext(int node, ulong start, ulong last)
    {
        IntervalLeaf* leaf = Locate(node, out int index);
        leaf = NextPosition(leaf, ref index, start, last);
        return leaf == null ? None : Found(leaf, index);
    }

    // Positions (see the design note): entries move between leaves on a split or a shift and the slab moves when it
    // grows, so a kept position is checked against Version before use.

    /// <summary>Counts changes to the tree, so that iterators holding positions can refuse to go on after one.</summary>
    internal int Version => _version;

    /// <summary>iter_first as a position: the leaf of the lowest-start overlap and its index there, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal IntervalLeaf* FirstPosition(ulong start, ulong last, out int index)
    {
        if (_root < 0)
        {
            index = 0;
            return null;
        }
        return FirstFrom(_root, 0, start, last, out index);
    }

    /// <summary>iter_next as a position: from the entry at (<paramref name="leaf"/>, <paramref name="index"/>) to the next overlap, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal IntervalLeaf* NextPosition(IntervalLeaf* leaf, ref int index, ulong start, ulong last)
    {
        // Fast path, inlined into query and span loops: the in-order successor (next in the leaf, or first of the next
        // leaf) is the first candidate the full walk would test. If it starts past `last` nothing later can match
        // (starts are sorted); if it overlaps it is the answer. In a run of disjoint intervals, which is what
        // iommufd's trees hold, one of the two is always true.
        IntervalLeaf* next = leaf;
        int j = index + 1;
        if (j == next->Count)
        {
            if (next->Next < 0)
                return null;
            next = Leaf(next->Next);
            j = 0;
        }
        if (next->Starts[j] > last)
            return null;
        if (next->Lasts[j] >= start)
        {
            index = j;
            return next;
        }
        // The slow path hands its index back through a field: passing `index` by reference to a call that is not
        // inlined would pin it (and the caller's loop variable) to the stack on the fast path too.
        IntervalLeaf* found = NextPositionSlow(leaf, index, start, last);
        index = _slowIndex;
        return found;
    }

    // The pruned walk, used only when the in-order successor does not overlap (nested or overlapping intervals).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private IntervalLeaf* NextPositionSlow(IntervalLeaf* leaf, int index, ulong start, ulong last)
    {
        _slowIndex = 0;
        // The rest of this leaf: starts are sorted, so the first one past `last` ends the query.
        for (int j = index + 1; j < leaf->Count; j++)
        {
            if (leaf->Starts[j] > last)
                return null;
            if (leaf->Lasts[j] >= start)
            {
                _slowIndex = j;
                return leaf;
            }
        }
        // Climb until a later sibling subtree reaches `start`, then take its first overlap: subtrees whose maximum is
        // below start are skipped whole, which keeps the O(log n + k) bound.
        int child = SlotOfLeaf(leaf);
        int depth = _height;
        int p = leaf->Parent;
        while (p >= 0)
        {
            depth--;
            IntervalInner* n = Inner(p);
            for (int i = IndexOfChild(n, child) + 1; i < n->Count; i++)
            {
                if (n->Keys[i - 1] > last)
                    return null; // every start from child i on is at least this key
                if (n->Max[i] >= start)
                    return FirstFrom(n->Children[i], depth + 1, start, last, out _slowIndex);
            }
            child = p;
            p = n->Parent;
        }
        return null;
    }

    /// <summary>
    /// The lowest-start overlap inside the subtree at <paramref name="node"/> (at <paramref name="depth"/>), whose
    /// maximum is known to reach <paramref name="start"/>: follow the first child that reaches start down to a leaf;
    /// the first entry there ending at or after start is the lowest-start one that does anywhere in the subtree, and it
    /// overlaps unless it starts past <paramref name="last"/> (then nothing later does either).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private IntervalLeaf* FirstFrom(int node, int depth, ulong start, ulong last, out int index)
    {
        index = 0;
        for (; depth < _height; depth++)
        {
            IntervalInner* n = Inner(node);
            int count = n->Count;
            int i = FirstAtLeast(n->Max, count, start);
            if (i == count || (i > 0 && n->Keys[i - 1] > last))
                return null;
            node = n->Children[i];
        }
        IntervalLeaf* leaf = Leaf(node);
        int j = FirstAtLeast(leaf->Lasts, leaf->Count, start);
        if (j == leaf->Count)
            return null; // only for the root leaf of a tree whose maximum is below start
        index = j;
        return leaf->Starts[j] <= last ? leaf : null;
    }

    /// <summary>Returns the handle at <paramref name="slot"/> of <paramref name="leaf"/>, remembering where it is for the caller's next question.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Found(IntervalLeaf* leaf, int slot)
    {
        int h = leaf->Handles[slot];
        Remember(h, leaf, slot);
        return h;
    }

    /// <summary>True if any node overlaps [<paramref name="start"/>, <paramref name="last"/>].</summary>
    /// <param name="start">First index (inclusive).</param>
    /// <param name="last">Last index (inclusive).</param>
    /// <returns>Whether an overlap exists.</returns>
    public bool Intersects(ulong start, ulong last) => IterFirst(start, last) != None;

    /// <summary>
    /// A span iterator over [<paramref name="firstIndex"/>, <paramref name="lastIndex"/>] (the kernel's
    /// interval_tree_span_iter_first); see <see cref="IntervalSpanIterator"/>.
    /// </summary>
    /// <param name="firstIndex">First index of the walked range (inclusive).</param>
    /// <param name="lastIndex">Last index of the walked range (inclusive).</param>
    /// <returns>The iterator, positioned on the first span.</returns>
    public IntervalSpanIterator Spans(ulong firstIndex, ulong lastIndex) => new(this, firstIndex, lastIndex);

    /// <summary>
    /// Enumerates the intervals overlapping [<paramref name="start"/>, <paramref name="last"/>] in start order (the
    /// iter_first / iter_next walk), each with its bounds, without a handle lookup per step.
    /// </summary>
    /// <param name="start">First index (inclusive).</param>
    /// <param name="last">Last index (inclusive).</param>
    /// <returns>An allocation-free enumerator; the tree must not change while it is in use.</returns>
    public OverlapEnumerator Overlapping(ulong start, ulong last) => new(this, start, last);

    /// <summary>
    /// An allocation-free enumerator of the intervals overlapping a query, in start order. It keeps a tree position, so
    /// stepping after the tree changed throws instead of reading moved entries.
    /// </summary>
    public unsafe ref struct OverlapEnumerator
    {
        private readonly IntervalTree _tree;
        private readonly ulong _start;
        private readonly ulong _last;
        private readonly int _version;
        private IntervalLeaf* _leaf;   // the current entry's leaf; null before the first step and after the last
        private int _index;
        private bool _started;

        internal OverlapEnumerator(IntervalTree tree, ulong start, ulong last)
        {
            _tree = tree;
            _start = start;
            _last = last;
            _version = tree._version;
            _leaf = null;
            _index = 0;
            _started = false;
        }

        /// <summary>
        /// The current interval: its handle and bounds, after <see cref="MoveNext"/> returned true; before the first step
        /// or after the last, an entry whose handle is <see cref="None"/>.
        /// </summary>
        public readonly IntervalEntry Current =>
            _leaf == null ? default : new(_leaf->Handles[_index], _leaf->Starts[_index], _leaf->Lasts[_index]);

        /// <summary>Returns this enumerator (foreach support).</summary>
        /// <returns>This enumerator.</returns>
        public readonly OverlapEnumerator GetEnumerator() => this;

        /// <summary>Moves to the next overlapping interval.</summary>
        /// <returns>False when there is none.</returns>
        /// <exception cref="InvalidOperationException">The tree changed since the enumeration began.</exception>
        public bool MoveNext()
        {
            if (_version != _tree._version)
                ThrowHelper.ThrowInvalidOperationException_TreeChanged();
            if (!_started)
            {
                _started = true;
                _leaf = _tree.FirstPosition(_start, _last, out _index);
            }
            else if (_leaf != null)
            {
                _leaf = _tree.NextPosition(_leaf, ref _index, _start, _last);
            }
            return _leaf != null;
        }
    }
}

/// <summary>One interval reported by <see cref="IntervalTree.Overlapping"/>: its handle and its bounds (inclusive).</summary>
/// <param name="Node">The interval's handle.</param>
/// <param name="Start">First index (inclusive).</param>
/// <param name="Last">Last index (inclusive).</param>
public readonly record struct IntervalEntry(int Node, ulong Start, ulong Last);
