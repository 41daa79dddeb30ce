// Design: the two node kinds of IntervalTree's B+tree, 384 bytes each (six cache lines), in one native slab of
// 64-byte-aligned 384-byte slots (slot i at slab + i * 384). A slot is a leaf or an inner node depending on its depth:
// leaves are exactly the slots at depth Height. Why 16 entries and not 12 (256-byte nodes): at 1k intervals the
// 12-way tree needed a fourth level (two root children over ~14 inner nodes), and a query pays one dependent load and
// one whole-node compare per level; 16-way trees are three levels deep up to ~1.4k-2k intervals and about one level
// shallower at 1M.
//
// Leaf: up to 16 entries in start order, as three parallel arrays (Starts, Lasts, Handles) so that a search compares
// one dense array of starts; Next/Prev chain the leaves in order (-1 at the ends). Equal starts keep insertion order.
// Inner: Count children (2..16; the root may have fewer only transiently), Keys[i] separates Children[i] and
// Children[i+1] (every start in Children[i] <= Keys[i] <= every start in Children[i+1]), Max[i] is the greatest Last
// in Children[i]'s subtree: the augmentation of the kernel's __subtree_last, one per child.
// Parent is the parent slot (-1 for the root). All bounds are inclusive: an entry covers [Start, Last].
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

[StructLayout(LayoutKind.Sequential, Size = IntervalTree.NodeBytes)]
internal unsafe struct IntervalLeaf
{
    public const int Capacity = 16;

    public int Count;
    public int Parent;
    public int Next;
    public int Prev;
    public fixed ulong Starts[Capacity];
    public fixed ulong Lasts[Capacity];
    public fixed int Handles[Capacity];
}

[StructLayout(LayoutKind.Sequential, Size = IntervalTree.NodeBytes)]
internal unsafe struct IntervalInner
{
    public const int Capacity = 16;

    public int Count;
    public int Parent;
    private long _pad;
    public fixed ulong Keys[Capacity - 1];
    public fixed ulong Max[Capacity];
    public fixed int Children[Capacity];
}
