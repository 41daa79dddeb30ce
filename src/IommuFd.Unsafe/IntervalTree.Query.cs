// Design: overlap queries with the kernel's contract (interval_tree_generic.h): IterFirst returns the lowest-start
// node overlapping [start, last], IterNext continues in start order, both O(log n + k). [a0, a1] and [b0, b1] overlap
// iff a0 <= b1 && b0 <= a1 (all bounds inclusive).
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

public unsafe partial class IntervalTree
{
    /// <summary>
    /// The lowest-start node overlapping [<paramref name="start"/>, <paramref name="last"/>], or <see cref="None"/>
    /// (the kernel's interval_tree_iter_first); O(log n).
    /// </summary>
    /// <param name="start">First index of the query (inclusive).</param>
    /// <param name="last">Last index of the query (inclusive).</param>
    /// <returns>A node handle or <see cref="None"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see IntervalTree.cs
    public int IterFirst(ulong start, ulong last)
    {
        int root = _root;
        if (root == None)
            return None;
        byte* b = _base;
        int leftmost = ((IntervalNode*)b)->Next;
        // The kernel's O(1) rejections: nothing ends at or after start, or nothing starts at or before last.
        if (SubtreeMax(At(b, root)) < start || At(b, leftmost)->Start > last)
            return None;
        // Every node ends at or after 0, so for start == 0 the answer is the leftmost node (its start <= last was just
        // checked). Why bother: with start >= 1 a nil child (max 0) fails every "start <= max" test by itself, so the
        // descent needs no "child != nil" checks.
        if (start == 0)
            return leftmost;
        return SubtreeSearch(b, root, start, last);
    }

    /// <summary>
    /// The next node after <paramref name="node"/> in start order that overlaps [<paramref name="start"/>,
    /// <paramref name="last"/>], or <see cref="None"/> (the kernel's interval_tree_iter_next).
    /// </summary>
    /// <param name="node">A node returned by <see cref="IterFirst"/> or <see cref="IterNext"/> for the same query.</param>
    /// <param name="start">First index of the query (inclusive).</param>
    /// <param name="last">Last index of the query (inclusive).</param>
    /// <returns>A node handle or <see cref="None"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IterNext(int node, ulong start, ulong last)
    {
        byte* b = _base;
        int s = At(b, node)->Next;
        if (s == None)
            return None;
        IntervalNode* sn = At(b, s);
        // Why this fast path is exact: the in-order successor is the first candidate the kernel's walk would test;
        // if it starts past `last` nothing later can match (starts are sorted), and if it overlaps it is the answer.
        if (sn->Start > last)
            return None;
        if (sn->Last >= start)
            return s;
        return IterNextSlow(b, node, start, last);
    }

    // The kernel's pruned walk, used only when the in-order successor does not overlap (nested or overlapping
    // intervals): it skips whole subtrees whose maximum is below start, which keeps the O(log n + k) bound.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int IterNextSlow(byte* b, int node, ulong start, ulong last)
    {
        // start >= 1 here: with start == 0 every successor overlaps or starts past last, so the fast path answered.
        Debug.Assert(start != 0);
        while (true)
        {
            // Loop invariant: node's right subtree is not explored yet. Its maximum sits in node (0 for nil).
            IntervalNode* n = At(b, node);
            if (start <= n->RightMax)
                return SubtreeSearch(b, n->Right, start, last);
            // Move up until we come from a node's left child.
            int prev;
            do
            {
                int parent = At(b, node)->Parent;
                if (parent == None)
                    return None;
                prev = node;
                node = parent;
            }
            while (prev == At(b, node)->Right);
            n = At(b, node);
            if (last < n->Start)
                return None;
            if (start <= n->Last)
                return node;
        }
    }

    // interval_tree_subtree_search. Loop invariant: start <= SubtreeMax(node). Requires start >= 1, so a nil child
    // (max 0) is never descended into and needs no test of its own.
    //
    // Why it is written this way: the kernel's loop takes a data-dependent branch per level ("does the left subtree
    // reach start?"), which mispredicts about half the time. Here the step is a branch-free select of Left or Right
    // and the only branch per level is "stop here", false on every level but the last: leaving
    // the left spine at a node that overlaps (the answer), starts past last (no answer), or has nothing to the right.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SubtreeSearch(byte* b, int node, ulong start, ulong last)
    {
        Debug.Assert(start != 0);
        while (true)
        {
            IntervalNode* n = At(b, node);
            bool goLeft = start <= n->LeftMax;
            bool startsAfter = n->Start > last;
            bool overlaps = start <= n->Last;
            bool rightEmpty = start > n->RightMax;
            // Non-short-circuit & and |: all four are plain compares on the one cache line, combined without branches.
            if (!goLeft & (startsAfter | overlaps | rightEmpty))
                return !startsAfter & overlaps ? node : None;
            node = BranchFree.Select(goLeft, n->Left, n->Right);
        }
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

    /// <summary>Enumerates the nodes overlapping [<paramref name="start"/>, <paramref name="last"/>] in start order.</summary>
    /// <param name="start">First index (inclusive).</param>
    /// <param name="last">Last index (inclusive).</param>
    /// <returns>An allocation-free enumerator of node handles.</returns>
    public OverlapEnumerator Overlapping(ulong start, ulong last) => new(this, start, last);

    /// <summary>An allocation-free enumerator of the nodes overlapping a query, in start order.</summary>
    public ref struct OverlapEnumerator
    {
        private readonly IntervalTree _tree;
        private readonly ulong _start;
        private readonly ulong _last;
        private int _current;
        private bool _started;

        internal OverlapEnumerator(IntervalTree tree, ulong start, ulong last)
        {
            _tree = tree;
            _start = start;
            _last = last;
            _current = None;
            _started = false;
        }

        /// <summary>The current node handle.</summary>
        public readonly int Current => _current;

        /// <summary>Returns this enumerator (foreach support).</summary>
        /// <returns>This enumerator.</returns>
        public readonly OverlapEnumerator GetEnumerator() => this;

        /// <summary>Moves to the next overlapping node.</summary>
        /// <returns>False when there is none.</returns>
        public bool MoveNext()
        {
            if (!_started)
            {
                _started = true;
                _current = _tree.IterFirst(_start, _last);
            }
            else if (_current != None)
            {
                _current = _tree.IterNext(_current, _start, _last);
            }
            return _current != None;
        }
    }
}
