// Design: the invariant checkers (the counterpart of the kernel's CONFIG_IOMMUFD_TEST WARN_ONs). CheckLocal is cheap
// and runs after every Insert/Remove in Debug builds. Validate is exhaustive, O(n): tests call it after every operation
// in the checked run, and Insert/Remove call it themselves when the library is built with IOMMUFD_CHECKED
// (`-p:IommuFdChecked=true`); it is not on by default in Debug so that Debug consumers with large trees stay usable. It
// throws InvalidOperationException naming the first violated invariant; see IntervalTree.cs for the list.
using System.Diagnostics;

namespace IommuFd.Unsafe;

public unsafe partial class IntervalTree
{
    /// <summary>
    /// Cheap checks after an insert or remove, compiled into Debug builds only (the full O(n) <see cref="Validate"/> is
    /// opt-in, see the file comment): root and count agree, and the touched leaf is in bounds and sorted.
    /// </summary>
    /// <param name="leafSlot">The leaf to check, or <see cref="None"/> to check only the global state.</param>
    [Conditional("DEBUG")]
    private void CheckLocal(int leafSlot)
    {
        if ((_root < 0) != (_count == 0) || (_firstLeaf < 0) != (_count == 0))
            ThrowHelper.ThrowInvalidOperationException_Invariant("root/first leaf disagree with Count");
        if (_root >= 0 && Leaf(_root)->Parent != -1)
            ThrowHelper.ThrowInvalidOperationException_Invariant("root has a parent");
        if (leafSlot == None || _root < 0)
            return;
        IntervalLeaf* leaf = Leaf(leafSlot);
        if (leaf->Count < 1 || leaf->Count > LeafCapacity)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"leaf {leafSlot}: count {leaf->Count}");
        for (int j = 0; j < leaf->Count; j++)
        {
            if (leaf->Starts[j] > leaf->Lasts[j] || (j > 0 && leaf->Starts[j - 1] > leaf->Starts[j]))
                ThrowHelper.ThrowInvalidOperationException_Invariant($"leaf {leafSlot}: entry {j} out of order or start > last");
        }
    }

    /// <summary>Checks every structural invariant; throws <see cref="InvalidOperationException"/> on the first violation.</summary>
    internal void Validate()
    {
        if (_root < 0)
        {
            if (_count != 0 || _firstLeaf >= 0 || _height != 0)
                ThrowHelper.ThrowInvalidOperationException_Invariant("an empty tree has a count, a first leaf or a height");
        }
        else
        {
            if (Leaf(_root)->Parent != -1)
                ThrowHelper.ThrowInvalidOperationException_Invariant("root has a parent");
            if (_height > 0 && Inner(_root)->Count < 2)
                ThrowHelper.ThrowInvalidOperationException_Invariant("inner root with fewer than two children");
            int counted = 0, expectedLeaf = _firstLeaf, previousLeaf = -1;
            ulong previousStart = 0;
            ValidateSubtree(_root, 0, -1, ref counted, ref expectedLeaf, ref previousLeaf, ref previousStart, out _);
            if (counted != _count)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"tree holds {counted} intervals, Count is {_count}");
            if (expectedLeaf != -1)
                ThrowHelper.ThrowInvalidOperationException_Invariant("leaf chain runs past the last leaf");
        }

        // Handles: live ones were checked against their leaves above; free ones form a list and account for the rest.
        int free = 0;
        for (int h = _freeHandle; h != None; h = -1 - _leafOf[h])
        {
            if ((uint)(h - 1) >= (uint)(_handlesUsed - 1) || _leafOf[h] >= 0)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"free handle list holds bad handle {h}");
            if (++free > _handlesUsed)
                ThrowHelper.ThrowInvalidOperationException_Invariant("free handle list cycle");
        }
        if (free + _count != _handlesUsed - 1)
            ThrowHelper.ThrowInvalidOperationException_Invariant("handles leaked: free + live != used");

        int freeNodes = 0;
        for (int s = _freeNode; s >= 0; s = Leaf(s)->Next)
        {
            if (s >= _nodesUsed || Leaf(s)->Count != -1)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"free node list holds bad slot {s}");
            if (++freeNodes > _nodesUsed)
                ThrowHelper.ThrowInvalidOperationException_Invariant("free node list cycle");
        }
        if (freeNodes != _freeNodeCount)
            ThrowHelper.ThrowInvalidOperationException_Invariant("free node count is wrong");
    }

    private void ValidateSubtree(int node, int depth, int parent, ref int counted, ref int expectedLeaf,
        ref int previousLeaf, ref ulong previousStart, out ulong max)
    {
        // Recursion depth is the tree height (log base 8 or more of n).
        if (Leaf(node)->Parent != parent)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"node {node}: parent link broken");
        max = 0;
        if (depth == _height)
        {
            IntervalLeaf* leaf = Leaf(node);
            if (node != expectedLeaf || leaf->Prev != previousLeaf)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"leaf {node}: leaf chain out of order");
            if (leaf->Count < 1 || leaf->Count > LeafCapacity)
                ThrowHelper.ThrowInvalidOperationException_Invariant($"leaf {node}: count {leaf->Count}");
            for (int j = 0; j < leaf->Count; j++)
            {
                ulong s = leaf->Starts[j], l = leaf->Lasts[j];
                int h = leaf->Handles[j];
                if (s > l)
                    ThrowHelper.ThrowInvalidOperationException_Invariant($"handle {h}: start > last");
                if (counted > 0 && s < previousStart)
                    ThrowHelper.ThrowInvalidOperationException_Invariant($"handle {h}: starts not sorted");
                if ((uint)(h - 1) >= (uint)(_handlesUsed - 1) || _leafOf[h] != node)
                    ThrowHelper.ThrowInvalidOperationException_Invariant($"handle {h}: handle table does not name leaf {node}");
                previousStart = s;
                max = Math.Max(max, l);
                counted++;
            }
            previousLeaf = node;
            expectedLeaf = leaf->Next;
            return;
        }

        IntervalInner* n = Inner(node);
        if (n->Count < 1 || n->Count > InnerCapacity)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"inner {node}: count {n->Count}");
        for (int i = 0; i < n->Count; i++)
        {
            int before = counted;
            ValidateSubtree(n->Children[i], depth + 1, node, ref counted, ref expectedLeaf, ref previousLeaf,
                ref previousStart, out ulong childMax);
            if (childMax != n->Max[i])
                ThrowHelper.ThrowInvalidOperationException_Invariant($"inner {node}: child {i} maximum {n->Max[i]}, expected {childMax}");
            // Separators: everything in child i is at most Keys[i], everything in child i + 1 at least Keys[i].
            if (i < n->Count - 1 && counted > before && previousStart > n->Keys[i])
                ThrowHelper.ThrowInvalidOperationException_Invariant($"inner {node}: child {i} holds a start above key {i}");
            if (i > 0 && counted > before && FirstStartOf(n->Children[i], depth + 1) < n->Keys[i - 1])
                ThrowHelper.ThrowInvalidOperationException_Invariant($"inner {node}: child {i} holds a start below key {i - 1}");
            max = Math.Max(max, childMax);
        }
    }

    private ulong FirstStartOf(int node, int depth)
    {
        for (; depth < _height; depth++)
            node = Inner(node)->Children[0];
        return Leaf(node)->Starts[0];
    }
}
