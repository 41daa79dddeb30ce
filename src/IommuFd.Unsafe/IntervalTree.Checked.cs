// Design: the invariant checkers (the counterpart of the kernel's CONFIG_IOMMUFD_TEST WARN_ONs). CheckLocal is O(1)
// and runs after every Insert/Remove in Debug builds. Validate is exhaustive, O(n): tests call it after every
// operation in the checked run, and Insert/Remove call it themselves when the library is built with IOMMUFD_CHECKED
// (`-p:IommuFdChecked=true`); it is not on by default in Debug so that Debug consumers with large trees stay usable. It throws InvalidOperationException naming the first
// violated invariant; see IntervalTree.cs for the list.
using System.Diagnostics;

namespace IommuFd.Unsafe;

public unsafe partial class IntervalTree
{
    /// <summary>
    /// O(1) checks around one node after an insert or remove, compiled into Debug builds only (the full O(n)
    /// <see cref="Validate"/> is opt-in, see the file comment): sentinel untouched, root black and parentless, the
    /// node's in-order neighbours ordered and linked back, its children pointing back to it, its slot in its parent
    /// at least its own subtree maximum.
    /// </summary>
    /// <param name="node">A live node to check around, or <see cref="None"/> to check only the global state.</param>
    [Conditional("DEBUG")]
    private void CheckLocal(int node)
    {
        CheckSentinel();
        if (_root != None && (NodeRef(_root).Parent != None || NodeRef(_root).Color != Black))
            ThrowHelper.ThrowInvalidOperationException_Invariant("root must be black with no parent");
        if ((_root == None) != (_count == 0) || (Leftmost == None) != (_count == 0))
            ThrowHelper.ThrowInvalidOperationException_Invariant("root/leftmost disagree with Count");
        if (node == None)
            return;
        ref IntervalNode n = ref NodeRef(node);
        if (n.Start > n.Last)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: start > last");
        if (NodeRef(n.Prev).Next != node || (n.Prev != None && NodeRef(n.Prev).Start > n.Start))
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: predecessor link or order broken");
        if (NodeRef(n.Next).Prev != node || (n.Next != None && NodeRef(n.Next).Start < n.Start))
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: successor link or order broken");
        if ((n.Left != None && NodeRef(n.Left).Parent != node) || (n.Right != None && NodeRef(n.Right).Parent != node))
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: child parent link broken");
        if ((n.Left == None && n.LeftMax != 0) || (n.Right == None && n.RightMax != 0))
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: nil child with a nonzero max");
        if (n.Parent != None)
        {
            ref IntervalNode p = ref NodeRef(n.Parent);
            ulong slot = p.Left == node ? p.LeftMax : p.Right == node ? p.RightMax : 0;
            if ((p.Left != node && p.Right != node) || slot < SubtreeMax((IntervalNode*)RtUnsafe.AsPointer(ref n)))
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: parent slot missing or below the node's maximum");
        }
    }

    private void CheckSentinel()
    {
        // The sentinel's Next/Prev are the list's head and tail and its Parent is scratch; everything else stays 0/Black.
        ref IntervalNode nil = ref NodeRef(None);
        if (nil.Color != Black || nil.Start != 0 || nil.Last != 0 || nil.LeftMax != 0 || nil.RightMax != 0 ||
            nil.Left != None || nil.Right != None)
            ThrowHelper.ThrowInvalidOperationException_Invariant("sentinel modified");
    }

    /// <summary>Checks every structural invariant; throws <see cref="InvalidOperationException"/> on the first violation.</summary>
    internal void Validate()
    {
        if (sizeof(IntervalNode) != NodeSize)
            ThrowHelper.ThrowInvalidOperationException_Invariant("IntervalNode size changed");
        if (_capacity > 1 && ((nuint)_base & (NodeSize - 1)) != 0)
            ThrowHelper.ThrowInvalidOperationException_Invariant("node slab is not cache-line aligned");
        CheckSentinel();
        if (_root != None && (NodeRef(_root).Parent != None || NodeRef(_root).Color != Black))
            ThrowHelper.ThrowInvalidOperationException_Invariant("root must be black with no parent");

        int counted = 0;
        if (_root != None)
            ValidateSubtree(_root, ref counted, out _);
        if (counted != _count)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"tree holds {counted} nodes, Count is {_count}");

        // The circular in-order list must be exactly the in-order walk, headed and tailed by the sentinel.
        int expected = _root == None ? None : MinNode(_root);
        if (Leftmost != expected)
            ThrowHelper.ThrowInvalidOperationException_Invariant("leftmost is not the minimum");
        int listed = 0, prev = None;
        for (int n = Leftmost; n != None; n = NodeRef(n).Next)
        {
            if (NodeRef(n).Prev != prev)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n}: Prev link broken");
            if (prev != None && NodeRef(prev).Start > NodeRef(n).Start)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n}: starts not sorted in order");
            if (n != expected)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n}: list order differs from tree order");
            expected = Successor(n);
            prev = n;
            if (++listed > _count)
                ThrowHelper.ThrowInvalidOperationException_Invariant("list longer than Count (cycle?)");
        }
        if (listed != _count)
            ThrowHelper.ThrowInvalidOperationException_Invariant("list shorter than Count");
        if (NodeRef(None).Prev != prev)
            ThrowHelper.ThrowInvalidOperationException_Invariant("the sentinel's Prev is not the rightmost node");

        // Free list: only free slots below the high-water mark; together with live nodes they account for every slot.
        int free = 0;
        for (int f = _freeList; f != None; f = NodeRef(f).Next)
        {
            if ((uint)f >= (uint)(_highWater * NodeSize) || (f & (NodeSize - 1)) != 0 || NodeRef(f).Color != Free)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"free list holds bad slot {f}");
            if (++free > _highWater)
                ThrowHelper.ThrowInvalidOperationException_Invariant("free list cycle");
        }
        if (free + _count != _highWater - 1)
            ThrowHelper.ThrowInvalidOperationException_Invariant("slots leaked: free + live != used");
    }

    private int ValidateSubtree(int node, ref int counted, out ulong max)
    {
        // Returns the black height and the subtree's greatest Last; recursion depth is bounded by 2 log2(n).
        ref IntervalNode n = ref NodeRef(node);
        counted++;
        if (n.Color is not (Red or Black))
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: bad color {n.Color}");
        if (n.Start > n.Last)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: start > last");
        max = n.Last;
        int leftHeight = 0, rightHeight = 0;
        ulong leftMax = 0, rightMax = 0;
        if (n.Left != None)
        {
            ref IntervalNode l = ref NodeRef(n.Left);
            if (l.Parent != node)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n.Left}: parent link broken");
            // Equal starts go right on insert, but rotations may move an equal start to the left: only order matters.
            if (l.Start > n.Start)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n.Left}: left child start > parent start");
            if (n.Color == Red && l.Color == Red)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: red node with red child");
            leftHeight = ValidateSubtree(n.Left, ref counted, out leftMax);
        }
        if (n.Right != None)
        {
            ref IntervalNode r = ref NodeRef(n.Right);
            if (r.Parent != node)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n.Right}: parent link broken");
            if (r.Start < n.Start)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {n.Right}: right child start < parent start");
            if (n.Color == Red && r.Color == Red)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: red node with red child");
            rightHeight = ValidateSubtree(n.Right, ref counted, out rightMax);
        }
        if (n.LeftMax != leftMax || n.RightMax != rightMax)
            ThrowHelper.ThrowInvalidOperationException_Invariant(
                $"node {node}: child maxima {n.LeftMax}/{n.RightMax}, expected {leftMax}/{rightMax}");
        max = Math.Max(max, Math.Max(leftMax, rightMax));
        if (leftHeight != rightHeight)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: black heights differ");
        return leftHeight + (n.Color == Black ? 1 : 0);
    }

    private int MinNode(int node)
    {
        while (NodeRef(node).Left != None)
            node = NodeRef(node).Left;
        return node;
    }

    private int Successor(int node)
    {
        if (NodeRef(node).Right != None)
            return MinNode(NodeRef(node).Right);
        int p = NodeRef(node).Parent;
        while (p != None && NodeRef(p).Right == node)
        {
            node = p;
            p = NodeRef(p).Parent;
        }
        return p;
    }
}
