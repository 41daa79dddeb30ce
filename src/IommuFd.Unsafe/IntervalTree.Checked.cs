// Design: the invariant checkers (the counterpart of the kernel's CONFIG_IOMMUFD_TEST WARN_ONs). CheckLocal is O(1)
// and runs after every Insert/Remove in Debug builds. Validate is exhaustive, O(n): tests call it after every
// operation in the checked run, and Insert/Remove call it themselves when the library is built with IOMMUFD_CHECKED
// (`-p:IommuFdChecked=true`); it is not on by default in Debug so that Debug consumers with large trees stay usable. It throws InvalidOperationException naming the first
// violated invariant; see IntervalTree.cs for the list.
using System.Diagnostics;

namespace IommuFd.Unsafe;

public partial class IntervalTree
{
    /// <summary>
    /// O(1) checks around one node after an insert or remove, compiled into Debug builds only (the full O(n)
    /// <see cref="Validate"/> is opt-in, see the file comment): sentinel untouched, root black and parentless, the
    /// node's in-order neighbours ordered and linked back, its children pointing back to it.
    /// </summary>
    /// <param name="node">A live node to check around, or <see cref="None"/> to check only the global state.</param>
    [Conditional("DEBUG")]
    private void CheckLocal(int node)
    {
        ref IntervalNode nil = ref NodeRef(None);
        if (nil.Color != Black || nil.SubtreeLast != 0 || nil.Left != None || nil.Right != None)
            ThrowHelper.ThrowInvalidOperationException_Invariant("sentinel modified");
        if (_root != None && (NodeRef(_root).Parent != None || NodeRef(_root).Color != Black))
            ThrowHelper.ThrowInvalidOperationException_Invariant("root must be black with no parent");
        if ((_root == None) != (_count == 0) || (_leftmost == None) != (_count == 0))
            ThrowHelper.ThrowInvalidOperationException_Invariant("root/leftmost disagree with Count");
        if (node == None)
            return;
        ref IntervalNode n = ref NodeRef(node);
        if (n.Start > n.Last || n.SubtreeLast < n.Last)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: bad bounds or SubtreeLast");
        if (n.Prev != None && (NodeRef(n.Prev).Next != node || NodeRef(n.Prev).Start > n.Start))
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: predecessor link or order broken");
        if (n.Next != None && (NodeRef(n.Next).Prev != node || NodeRef(n.Next).Start < n.Start))
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: successor link or order broken");
        if ((n.Left != None && NodeRef(n.Left).Parent != node) || (n.Right != None && NodeRef(n.Right).Parent != node))
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: child parent link broken");
        if (n.Parent != None && NodeRef(n.Parent).SubtreeLast < n.SubtreeLast)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: parent SubtreeLast below child's");
    }

    /// <summary>Checks every structural invariant; throws <see cref="InvalidOperationException"/> on the first violation.</summary>
    internal void Validate()
    {
        IntervalNode[] nodes = _nodes;
        ref readonly IntervalNode nil = ref nodes[0];
        if (RtUnsafe.SizeOf<IntervalNode>() != NodeSize)
            ThrowHelper.ThrowInvalidOperationException_Invariant("IntervalNode size changed");
        if (nil.Color != Black || nil.SubtreeLast != 0 || nil.Left != None || nil.Right != None)
            ThrowHelper.ThrowInvalidOperationException_Invariant("sentinel modified");
        if (_root != None && (At(nodes, _root).Parent != None || At(nodes, _root).Color != Black))
            ThrowHelper.ThrowInvalidOperationException_Invariant("root must be black with no parent");

        int counted = 0;
        if (_root != None)
            ValidateSubtree(nodes, _root, ref counted);
        if (counted != _count)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"tree holds {counted} nodes, Count is {_count}");

        // The in-order list must be exactly the in-order walk.
        int expected = _root == None ? None : MinNode(nodes, _root);
        if (_leftmost != expected)
            ThrowHelper.ThrowInvalidOperationException_Invariant("leftmost is not the minimum");
        int listed = 0, prev = None;
        for (int n = _leftmost; n != None; n = At(nodes, n).Next)
        {
            if (At(nodes, n).Prev != prev)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n}: Prev link broken");
            if (prev != None && At(nodes, prev).Start > At(nodes, n).Start)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n}: starts not sorted in order");
            if (n != expected)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n}: list order differs from tree order");
            expected = Successor(nodes, n);
            prev = n;
            if (++listed > _count)
                ThrowHelper.ThrowInvalidOperationException_Invariant("list longer than Count (cycle?)");
        }
        if (listed != _count)
            ThrowHelper.ThrowInvalidOperationException_Invariant("list shorter than Count");

        // Free list: only free slots below the high-water mark; together with live nodes they account for every slot.
        int free = 0;
        for (int f = _freeList; f != None; f = At(nodes, f).Next)
        {
            if ((uint)f >= (uint)(_highWater * NodeSize) || f % NodeSize != 0 || At(nodes, f).Color != Free)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"free list holds bad slot {f}");
            if (++free > _highWater)
                ThrowHelper.ThrowInvalidOperationException_Invariant("free list cycle");
        }
        if (free + _count != _highWater - 1)
            ThrowHelper.ThrowInvalidOperationException_Invariant("slots leaked: free + live != used");
    }

    private static int ValidateSubtree(IntervalNode[] nodes, int node, ref int counted)
    {
        // Returns the black height; recursion depth is bounded by 2 log2(n).
        ref readonly IntervalNode n = ref At(nodes, node);
        counted++;
        if (n.Color is not (Red or Black))
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: bad color {n.Color}");
        if (n.Start > n.Last)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: start > last");
        ulong max = n.Last;
        int leftHeight = 0, rightHeight = 0;
        if (n.Left != None)
        {
            ref readonly IntervalNode l = ref At(nodes, n.Left);
            if (l.Parent != node)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n.Left}: parent link broken");
            // Equal starts go right on insert, but rotations may move an equal start to the left: only order matters.
            if (l.Start > n.Start)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n.Left}: left child start > parent start");
            if (n.Color == Red && l.Color == Red)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: red node with red child");
            leftHeight = ValidateSubtree(nodes, n.Left, ref counted);
            max = Math.Max(max, l.SubtreeLast);
        }
        if (n.Right != None)
        {
            ref readonly IntervalNode r = ref At(nodes, n.Right);
            if (r.Parent != node)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n.Right}: parent link broken");
            if (r.Start < n.Start)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n.Right}: right child start < parent start");
            if (n.Color == Red && r.Color == Red)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: red node with red child");
            rightHeight = ValidateSubtree(nodes, n.Right, ref counted);
            max = Math.Max(max, r.SubtreeLast);
        }
        if (max != n.SubtreeLast)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: SubtreeLast {n.SubtreeLast} != {max}");
        if (leftHeight != rightHeight)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: black heights differ");
        return leftHeight + (n.Color == Black ? 1 : 0);
    }

    private static ref IntervalNode At(IntervalNode[] nodes, int node) => ref nodes[SlotOf(node)];

    private static int MinNode(IntervalNode[] nodes, int node)
    {
        while (At(nodes, node).Left != None)
            node = At(nodes, node).Left;
        return node;
    }

    private static int Successor(IntervalNode[] nodes, int node)
    {
        if (At(nodes, node).Right != None)
            return MinNode(nodes, At(nodes, node).Right);
        int p = At(nodes, node).Parent;
        while (p != None && At(nodes, p).Right == node)
        {
            node = p;
            p = At(nodes, p).Parent;
        }
        return p;
    }
}
