// Design: one slot of an IntervalTree node slab. 48 bytes, the size of the kernel's struct interval_tree_node
// (rb_node 24 + start/last/__subtree_last 24), but with 32-bit links instead of pointers, which frees room for an
// in-order doubly linked list (Next/Prev) on top of the red-black links.
//
// Links (Left, Right, Next, Prev, Parent) and handles are byte offsets into the slab (slot * 48), so following one
// is a single base + offset load. Field order is the access order of the hot loops: the query descent reads Start,
// Last, SubtreeLast, Left, Right; the span iterator and the iter_next fast path read Start, Last, Next. All of those
// sit in the first 40 bytes.
//
// Slot 0 (offset 0) of every slab is the nil sentinel: Black, SubtreeLast = 0 (the identity of max over ulong), so
// computing a node's subtree maximum needs no null checks, and a query descent with start >= 1 never enters nil
// (start <= nil.SubtreeLast fails), so it needs none either. Its Parent field is scratch space for the delete fix-up
// (CLRS style). Start and Last are inclusive; [x, x] is one index.
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

[StructLayout(LayoutKind.Sequential)]
internal struct IntervalNode
{
    /// <summary>First index covered (inclusive).</summary>
    public ulong Start;

    /// <summary>Last index covered (inclusive).</summary>
    public ulong Last;

    /// <summary>Maximum <see cref="Last"/> in this node's subtree (the kernel's __subtree_last).</summary>
    public ulong SubtreeLast;

    public int Left;
    public int Right;

    /// <summary>In-order successor (0 = none). For a free slot: the next free slot.</summary>
    public int Next;

    /// <summary>In-order predecessor (0 = none).</summary>
    public int Prev;

    public int Parent;

    /// <summary><see cref="IntervalTree.Red"/>, <see cref="IntervalTree.Black"/> or <see cref="IntervalTree.Free"/>.</summary>
    public int Color;
}
