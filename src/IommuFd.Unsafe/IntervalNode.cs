// Design: one slot of an IntervalTree node slab: 64 bytes, one cache line, on a 64-byte-aligned native slab.
//
// The augmentation lives in the parent: LeftMax/RightMax are the greatest Last in the left/right child's subtree
// (the kernel keeps __subtree_last in the child instead). Why: every decision of the iter_first descent ("is there an
// overlap to the left?", "to the right?") then reads only the node's own line, so a descent costs one cache line per
// level instead of the node plus a child (~1.5 lines per level for the kernel's 48-byte nodes, which straddle lines
// when laid out in allocation order), and the choice of child is a compare and a conditional move, with no second
// dependent load. The node's own subtree maximum is max(Last, LeftMax, RightMax) (see IntervalTree.SubtreeMax).
//
// Links (Left, Right, Next, Prev, Parent) and handles are byte offsets into the slab (slot * 64), so following one is
// a single base + offset load, like the kernel's pointers. Left/Right and LeftMax/RightMax are adjacent so that "the
// child on side d" is an indexed access (d = 0 left, 1 right) instead of a branch.
//
// Slot 0 (offset 0) of every slab is the nil sentinel: Black, Start = Last = LeftMax = RightMax = 0, Left = Right = 0.
// Its Next/Prev are the head (leftmost) and tail (rightmost) of the in-order list, which is circular through it, so
// list updates need no "is there a neighbour?" branches. Its Parent is scratch space for the delete fix-up (CLRS
// style). A nil child's max is 0, the identity of max over ulong, so a query with start >= 1 never descends into nil.
// Start and Last are inclusive; [x, x] is one index.
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct IntervalNode
{
    /// <summary>First index covered (inclusive).</summary>
    public ulong Start;

    /// <summary>Last index covered (inclusive).</summary>
    public ulong Last;

    /// <summary>Greatest <see cref="Last"/> in the left child's subtree; 0 when there is no left child.</summary>
    public ulong LeftMax;

    /// <summary>Greatest <see cref="Last"/> in the right child's subtree; 0 when there is no right child.</summary>
    public ulong RightMax;

    public int Left;
    public int Right;

    /// <summary>In-order successor (0 = none / the sentinel). For a free slot: the next free slot.</summary>
    public int Next;

    /// <summary>In-order predecessor (0 = none / the sentinel).</summary>
    public int Prev;

    public int Parent;

    /// <summary><see cref="IntervalTree.Red"/>, <see cref="IntervalTree.Black"/> or <see cref="IntervalTree.Free"/>.</summary>
    public int Color;
}
