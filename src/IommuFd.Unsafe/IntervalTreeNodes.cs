// Design: the two node kinds of IntervalTree's B+tree, 256 bytes each (four cache lines), in one native slab of
// 64-byte-aligned 256-byte slots (slot i at slab + i * 256). A slot is a leaf or an inner node depending on its depth:
// leaves are exactly the slots at depth Height.
//
// Leaf: up to 12 entries in start order, as three parallel arrays (Starts, Lasts, Handles) so that a search compares
// one dense array of starts; Next/Prev chain the leaves in order (-1 at the ends). Equal starts keep insertion order.
// Inner: Count children (2..12; the root may have fewer only transiently), Keys[i] separates Children[i] and
// Children[i+1] (every start in Children[i] <= Keys[i] <= every start in Children[i+1]), Max[i] is the greatest Last
// in Children[i]'s subtree: the augmentation of the kernel's __subtree_last, one per child.
// Parent is the parent slot (-1 for the root). All bounds are inclusive: an entry covers [Start, Last].
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

[StructLayout(LayoutKind.Sequential, Size = IntervalTree.NodeBytes)]
internal unsafe struct IntervalLeaf
{
    public const int Capacity = 12;

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
    public const int Capacity = 12;

    public int Count;
    public int Parent;
    private long _pad;
    public fixed ulong Keys[Capacity - 1];
    public fixed ulong Max[Capacity];
    public fixed int Children[Capacity];
}
