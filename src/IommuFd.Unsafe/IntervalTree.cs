// Design: an augmented B+tree of closed ranges [Start, Last] of ulong (Last inclusive, [x, x] is one index) with the
// contract of the kernel's lib/interval_tree.c (insert, remove by handle, lowest-start-first overlap queries), stored
// without a GC object per node.
//
// What is stored where:
//  * _nodes: one native slab of 384-byte node slots, 64-byte aligned, rented from the UnsafeMemoryPool: leaves of up
//    to 16 entries (Start, Last, handle; in start order, equal starts in insertion order) chained in order, and inner
//    nodes of up to 16 children with one separator key between neighbours and, per child, the greatest Last of its
//    subtree (the kernel's __subtree_last, kept one level up). See IntervalTreeNodes.cs. Free slots have Count -1
//    and form a list through IntervalLeaf.Next (_freeNode, -1 = none).
//  * _leafOf: the handle table, native ints. A handle is a stable small int (1-based; 0 is None); _leafOf[h] is the
//    leaf slot holding it (>= 0), or, for a free handle, -1 - (the next free handle) (< 0). Entries move between
//    leaves only on a split, which rewrites the moved handles' slots.
//
// Why a B+tree and not the kernel's red-black tree: every level of a descent is a dependent cache miss once the tree
// outgrows the caches. A red-black tree of 1M nodes is ~21 levels deep; this one is 5-6, each level one node whose
// lines the hardware fetches together. Measured against the kernel's own C at 1M intervals, the red-black tree with
// 64-byte nodes was at parity at equal density and behind the kernel's dense 48-byte array; see bench/README.md.
//
// Invariants (all checked by Validate; the O(1) ones after every operation in Debug builds):
//  1. every leaf is at depth Height; non-root inner nodes have 1..16 children, the root 2..16 (a 1-child root is
//     collapsed), leaves 1..16 entries (an empty leaf is unlinked at once; an empty tree has no root);
//  2. starts are sorted across the leaf chain; Keys[i] separates Children[i] and Children[i+1];
//  3. Max[i] is exactly the greatest Last in Children[i]'s subtree;
//  4. Parent links match; _firstLeaf is the leftmost leaf; _leafOf maps every live handle to the leaf holding it;
//  5. Start <= Last for every entry; Count live handles; free handles and free slots account for the rest.
//
// Why the update and query paths (helpers included) carry AggressiveOptimization: they are compiled once, fully
// optimised, instead of going through tier 0 and dynamic PGO. With tiering, the small helpers a split or a shift runs
// stayed in tier-0 code long enough to make a 1k-node build 1.8x slower (74 vs 37 ns per insert, same probe), and
// the red-black tree before measured its tiered code 10-14% slower and varying run to run.
//
// Exception safety: Insert reserves every slot and handle it may need before it changes anything, so a failed rent
// leaves the tree exactly as it was. Remove never allocates.
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace IommuFd.Unsafe;

/// <summary>
/// An augmented interval tree (a B+tree) of closed ranges [start, last] (last inclusive) with pooled node storage,
/// lowest-start-first overlap queries (<see cref="IterFirst"/>/<see cref="IterNext"/>) and span iteration.
/// </summary>
/// <remarks>Not thread-safe. Node handles are ints; 0 (<see cref="None"/>) means "no node".</remarks>
public unsafe partial class IntervalTree : IDisposable
{
    /// <summary>The handle value meaning "no node" (the kernel's NULL).</summary>
    public const int None = 0;

    /// <summary>Bytes per node slot (six cache lines).</summary>
    internal const int NodeBytes = 384;

    private const int LeafCapacity = IntervalLeaf.Capacity;
    private const int InnerCapacity = IntervalInner.Capacity;
    private const int DefaultCapacity = 16;
    private const int MaxHandles = int.MaxValue / 8;

    private readonly UnsafeMemoryPool _pool;
    private byte* _nodes;
    private int _nodeCapacity;
    private int _nodesUsed;        // slots [0, _nodesUsed) were handed out at least once
    private int _freeNode = -1;
    private int _freeNodeCount;
    private int* _leafOf;
    private int _handleCapacity;   // length of _leafOf, handle 0 included
    private int _handlesUsed = 1;  // handles [1, _handlesUsed) were handed out at least once
    private int _freeHandle;       // 0 = none
    private int _root = -1;
    private int _height;           // 0: the root is a leaf
    private int _firstLeaf = -1;
    private int _count;
    private int _version;          // bumped by every change; see Version
    private bool _disposed;

    // The last handle located (Locate, IterFirst, IterNext) and where it sits: an iter_next loop asks for the handle it
    // was just given (its start, its last, its successor), so one remembered position turns those table lookups and
    // leaf scans into a compare. Cleared by every change to the tree (entries move). Span walks need no handle at all:
    // they keep positions (IntervalTree.Query.cs).
    private int _cachedHandle;
    private IntervalLeaf* _cachedLeaf;
    private int _cachedSlot;
    private int _slowIndex;        // NextPositionSlow's second result (see NextPosition)

    /// <summary>Set by subclasses whose <see cref="OnFree"/> has work to do (payloads holding references).</summary>
    private protected bool _notifyFree;

    /// <summary>Creates an empty tree.</summary>
    /// <param name="initialCapacity">Intervals to reserve up front; growth doubles.</param>
    /// <param name="pool">The pool for node storage; <see cref="UnsafeMemoryPool.Shared"/> when null.</param>
    public IntervalTree(int initialCapacity = DefaultCapacity, UnsafeMemoryPool? pool = null)
    {
        if (initialCapacity < 1 || initialCapacity >= MaxHandles)
            ThrowHelper.ThrowArgumentOutOfRangeException(nameof(initialCapacity));
        Debug.Assert(sizeof(IntervalLeaf) == NodeBytes && sizeof(IntervalInner) == NodeBytes);
        _pool = pool ?? UnsafeMemoryPool.Shared;
        int handles = initialCapacity + 1;
        // Leaves are at least half full after a split, so n intervals need about n / 8 leaves and a few inner nodes.
        int nodes = initialCapacity / (LeafCapacity / 2) + 4;
        int* leafOf = (int*)_pool.AllocateAligned((nuint)handles * sizeof(int), 64);
        try
        {
            _nodes = (byte*)_pool.AllocateAligned((nuint)nodes * NodeBytes, 64);
        }
        catch
        {
            _pool.FreeAligned(leafOf); // exception safety: nothing leaks when the second rent fails
            throw;
        }
        _leafOf = leafOf;
        _handleCapacity = handles;
        _nodeCapacity = nodes;
    }

    /// <summary>Frees the native storage of a tree that was never disposed (payload arrays are managed and just collected).</summary>
    ~IntervalTree() => ReleaseNative();

    /// <summary>The pool this tree rents from.</summary>
    public UnsafeMemoryPool Pool => _pool;

    /// <summary>Number of intervals in the tree.</summary>
    public int Count => _count;

    /// <summary>True when the tree holds no interval (the kernel's RB_EMPTY_ROOT).</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>The interval with the lowest start (first in order), or <see cref="None"/>; O(1).</summary>
    public int Leftmost => _firstLeaf < 0 ? None : Leaf(_firstLeaf)->Handles[0];

    /// <summary>Number of handles available before the next growth of the handle table (0 once disposed).</summary>
    public int Capacity => Math.Max(_handleCapacity - 1, 0);

    /// <summary>Gets the start (inclusive) of a live interval.</summary>
    /// <param name="node">A live handle.</param>
    /// <returns>The first index covered.</returns>
    public ulong GetStart(int node) => StartOf(node);

    /// <summary>Gets the last index (inclusive) of a live interval.</summary>
    /// <param name="node">A live handle.</param>
    /// <returns>The last index covered.</returns>
    public ulong GetLast(int node) => LastOf(node);

    /// <summary>The in-order successor of a live interval (any overlap), or <see cref="None"/>.</summary>
    /// <param name="node">A live handle.</param>
    /// <returns>The next interval in start order.</returns>
    public int GetNext(int node)
    {
        // The in-order successor is the next overlap of the query that overlaps everything.
        IntervalLeaf* leaf = Locate(node, out int index);
        leaf = NextPosition(leaf, ref index, 0, ulong.MaxValue);
        return leaf == null ? None : Found(leaf, index);
    }

    /// <summary>The in-order predecessor of a live interval, or <see cref="None"/>.</summary>
    /// <param name="node">A live handle.</param>
    /// <returns>The previous interval in start order.</returns>
    public int GetPrevious(int node)
    {
        IntervalLeaf* leaf = Locate(node, out int slot);
        if (slot > 0)
            return leaf->Handles[slot - 1];
        if (leaf->Prev < 0)
            return None;
        IntervalLeaf* prev = Leaf(leaf->Prev);
        return prev->Handles[prev->Count - 1];
    }

    /// <summary>True if <paramref name="node"/> names a live interval of this tree.</summary>
    /// <param name="node">Any int.</param>
    /// <returns>Whether the handle is live.</returns>
    public bool IsLive(int node) => (uint)(node - 1) < (uint)(_handlesUsed - 1) && _leafOf[node] >= 0;

    /// <summary>The slot of a handle in parallel arrays (payloads): the handle itself.</summary>
    /// <param name="node">A handle.</param>
    /// <returns>The index into parallel arrays.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SlotOf(int node) => node;

    /// <summary>The start of a live handle (<see cref="GetStart"/> without the public contract).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong StartOf(int node)
    {
        IntervalLeaf* leaf = Locate(node, out int slot);
        return leaf->Starts[slot];
    }

    /// <summary>The last index of a live handle (<see cref="GetLast"/> without the public contract).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong LastOf(int node)
    {
        IntervalLeaf* leaf = Locate(node, out int slot);
        return leaf->Lasts[slot];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private IntervalLeaf* Leaf(int slot) => (IntervalLeaf*)(_nodes + (nint)slot * NodeBytes);

    /// <summary>The slot number of a leaf pointer (the inverse of <see cref="Leaf"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotOfLeaf(IntervalLeaf* leaf) => (int)(((byte*)leaf - _nodes) / NodeBytes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private IntervalInner* Inner(int slot) => (IntervalInner*)(_nodes + (nint)slot * NodeBytes);

    /// <summary>
    /// The leaf holding a live handle and the handle's index in it (one vector compare over its leaf's handles); throws
    /// <see cref="ArgumentException"/> for a handle that is not live.
    /// </summary>
    /// <remarks>
    /// Why the check lives here: every public path that takes a handle comes through, and the remembered handle is
    /// live by construction (any change forgets it), so only a table lookup pays for the check, with one compare on
    /// the value it loads anyway. A stale handle would otherwise send the scan through memory outside the slab.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private IntervalLeaf* Locate(int node, out int slot)
    {
        // None is also what a cleared memory holds: it must never take the remembered position.
        if (node == _cachedHandle && node != None)
        {
            slot = _cachedSlot;
            return _cachedLeaf;
        }
        if ((uint)(node - 1) >= (uint)(_handlesUsed - 1))
            ThrowHelper.ThrowArgumentException_InvalidNode(node);
        int leafSlot = _leafOf[node];
        if (leafSlot < 0)
            ThrowHelper.ThrowArgumentException_InvalidNode(node);
        IntervalLeaf* leaf = Leaf(leafSlot);
        int i = IndexOf(leaf->Handles, leaf->Count, node);
        slot = i;
        return Remember(node, leaf, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private IntervalLeaf* Remember(int node, IntervalLeaf* leaf, int slot)
    {
        _cachedHandle = node;
        _cachedLeaf = leaf;
        _cachedSlot = slot;
        return leaf;
    }

    /// <summary>
    /// The index of the first of <paramref name="count"/> (at most 16) values that is at least <paramref name="x"/>, or
    /// <paramref name="count"/> when none is; four vector compares, like <see cref="UpperBound"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstAtLeast(ulong* values, int count, ulong x)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<ulong> v = Vector256.Create(x);
            uint m = Vector256.GreaterThanOrEqual(Vector256.Load(values), v).ExtractMostSignificantBits()
                | (Vector256.GreaterThanOrEqual(Vector256.Load(values + 4), v).ExtractMostSignificantBits() << 4)
                | (Vector256.GreaterThanOrEqual(Vector256.Load(values + 8), v).ExtractMostSignificantBits() << 8)
                | (Vector256.GreaterThanOrEqual(Vector256.Load(values + 12), v).ExtractMostSignificantBits() << 12);
            m &= (1u << count) - 1;
            return m == 0 ? count : BitOperations.TrailingZeroCount(m);
        }
        int i = 0;
        while (i < count && values[i] < x)
            i++;
        return i;
    }

    /// <summary>
    /// How many of the first <paramref name="count"/> (at most 16) sorted keys are at most <paramref name="x"/>: the
    /// index of the child (or leaf position) an insert of start <paramref name="x"/> goes to, after equal keys.
    /// </summary>
    /// <remarks>
    /// Why four vector compares over all 16 slots and a mask: which way a descent goes is a coin toss a branchy search
    /// mispredicts; a compare of the whole node is a fixed sequence of a few instructions. The 16 slots always lie
    /// inside the node (an inner node's 15 keys are followed by its maxima), and slots past count are masked off.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int UpperBound(ulong* keys, int count, ulong x)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<ulong> v = Vector256.Create(x);
            uint m = Vector256.LessThanOrEqual(Vector256.Load(keys), v).ExtractMostSignificantBits()
                | (Vector256.LessThanOrEqual(Vector256.Load(keys + 4), v).ExtractMostSignificantBits() << 4)
                | (Vector256.LessThanOrEqual(Vector256.Load(keys + 8), v).ExtractMostSignificantBits() << 8)
                | (Vector256.LessThanOrEqual(Vector256.Load(keys + 12), v).ExtractMostSignificantBits() << 12);
            return BitOperations.PopCount(m & ((1u << count) - 1));
        }
        int n = 0;
        for (int j = 0; j < count; j++)
            n += keys[j] <= x ? 1 : 0;
        return n;
    }

    /// <summary>Inserts [start, last] (the kernel's interval_tree_insert); O(log n).</summary>
    /// <param name="start">First index (inclusive).</param>
    /// <param name="last">Last index (inclusive); must be at least <paramref name="start"/>.</param>
    /// <returns>The new interval's handle, stable until it is removed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Insert(ulong start, ulong last)
    {
        if (start > last)
            ThrowHelper.ThrowArgumentException_StartAfterLast();
        Reserve(); // may grow (and throw): nothing has changed yet
        Changing();
        int h = TakeHandle();
        if (_root < 0)
        {
            _root = TakeNode(); // an empty tree has height 0 already
            _firstLeaf = _root;
            IntervalLeaf* root = Leaf(_root);
            root->Count = 0;
            root->Parent = -1;
            root->Next = -1;
            root->Prev = -1;
        }

        // Descend, raising each chosen child's maximum (equal starts go right, after the existing ones).
        int node = _root;
        for (int level = 0; level < _height; level++)
        {
            IntervalInner* n = Inner(node);
            int i = UpperBound(n->Keys, n->Count - 1, start);
            if (n->Max[i] < last)
                n->Max[i] = last;
            node = n->Children[i];
        }
        IntervalLeaf* leaf = Leaf(node);
        int pos = UpperBound(leaf->Starts, leaf->Count, start);
        if (leaf->Count < LeafCapacity)
        {
            LeafInsertAt(leaf, pos, start, last, h);
            _leafOf[h] = node;
        }
        else
        {
            SplitLeafAndInsert(node, pos, start, last, h);
        }
        _count++;
        CheckLocal(_leafOf[h]);
        CheckInvariants();
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LeafInsertAt(IntervalLeaf* leaf, int pos, ulong start, ulong last, int h)
    {
        int count = leaf->Count;
        for (int j = count; j > pos; j--)
        {
            leaf->Starts[j] = leaf->Starts[j - 1];
            leaf->Lasts[j] = leaf->Lasts[j - 1];
            leaf->Handles[j] = leaf->Handles[j - 1];
        }
        leaf->Starts[pos] = start;
        leaf->Lasts[pos] = last;
        leaf->Handles[pos] = h;
        leaf->Count = count + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SplitLeafAndInsert(int left, int pos, ulong start, ulong last, int h)
    {
        const int Keep = LeafCapacity / 2;
        const int Moved = LeafCapacity - Keep;
        int right = TakeNode();
        IntervalLeaf* l = Leaf(left);
        IntervalLeaf* r = Leaf(right);
        for (int j = 0; j < Moved; j++)
        {
            r->Starts[j] = l->Starts[Keep + j];
            r->Lasts[j] = l->Lasts[Keep + j];
            int moved = l->Handles[Keep + j];
            r->Handles[j] = moved;
            _leafOf[moved] = right;
        }
        l->Count = Keep;
        r->Count = Moved;
        r->Parent = l->Parent;
        r->Next = l->Next;
        r->Prev = left;
        if (l->Next >= 0)
            Leaf(l->Next)->Prev = right;
        l->Next = right;
        if (pos <= Keep)
        {
            LeafInsertAt(l, pos, start, last, h);
            _leafOf[h] = left;
        }
        else
        {
            LeafInsertAt(r, pos - Keep, start, last, h);
            _leafOf[h] = right;
        }
        LinkSplit(left, r->Starts[0], right, LeafMax(l), LeafMax(r));
    }

    /// <summary>After <paramref name="left"/> split off <paramref name="right"/> (starting at <paramref name="separator"/>): links right into the parent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LinkSplit(int left, ulong separator, int right, ulong leftMax, ulong rightMax)
    {
        int p = Leaf(left)->Parent; // Parent sits at the same offset in both node kinds
        if (p < 0)
        {
            int root = TakeNode();
            IntervalInner* rn = Inner(root);
            rn->Count = 2;
            rn->Parent = -1;
            rn->Keys[0] = separator;
            rn->Max[0] = leftMax;
            rn->Max[1] = rightMax;
            rn->Children[0] = left;
            rn->Children[1] = right;
            Leaf(left)->Parent = root;
            Leaf(right)->Parent = root;
            _root = root;
            _height++;
            return;
        }
        IntervalInner* n = Inner(p);
        int count = n->Count;
        int i = IndexOfChild(n, left);
        if (count < InnerCapacity)
        {
            for (int j = count; j > i + 1; j--)
            {
                n->Children[j] = n->Children[j - 1];
                n->Max[j] = n->Max[j - 1];
            }
            for (int j = count - 1; j > i; j--)
                n->Keys[j] = n->Keys[j - 1];
            n->Children[i + 1] = right;
            n->Keys[i] = separator;
            n->Max[i] = leftMax;
            n->Max[i + 1] = rightMax;
            n->Count = count + 1;
            Leaf(right)->Parent = p;
            return;
        }

        // The parent is full: lay its 17 children out in order, keep 9, move 8 to a new inner node, pass key 8 up.
        const int Stay = 9;
        const int Go = InnerCapacity + 1 - Stay;
        int* children = stackalloc int[InnerCapacity + 1];
        ulong* keys = stackalloc ulong[InnerCapacity];
        ulong* maxima = stackalloc ulong[InnerCapacity + 1];
        for (int j = 0, o = 0; j < count; j++, o++)
        {
            children[o] = n->Children[j];
            maxima[o] = n->Max[j];
            if (j < count - 1)
                keys[o] = n->Keys[j];
            if (j == i)
            {
                maxima[o] = leftMax;
                keys[o] = separator;
                o++;
                children[o] = right;
                maxima[o] = rightMax;
                if (j < count - 1)
                    keys[o] = n->Keys[j];
            }
        }
        int q = TakeNode();
        IntervalInner* qn = Inner(q);
        for (int j = 0; j < Stay; j++)
        {
            n->Children[j] = children[j];
            n->Max[j] = maxima[j];
            Leaf(children[j])->Parent = p;
        }
        for (int j = 0; j < Stay - 1; j++)
            n->Keys[j] = keys[j];
        for (int j = 0; j < Go; j++)
        {
            qn->Children[j] = children[Stay + j];
            qn->Max[j] = maxima[Stay + j];
            Leaf(children[Stay + j])->Parent = q;
        }
        for (int j = 0; j < Go - 1; j++)
            qn->Keys[j] = keys[Stay + j];
        n->Count = Stay;
        qn->Count = Go;
        qn->Parent = n->Parent;
        LinkSplit(p, keys[Stay - 1], q, InnerMax(n), InnerMax(qn));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOfChild(IntervalInner* n, int child) => IndexOf(n->Children, n->Count, child);

    /// <summary>
    /// The index of <paramref name="value"/> among the first <paramref name="count"/> of 16 ints, known to hold it. Why
    /// two vector compares rather than a scan: where a handle or child sits is random, so a scan's exit mispredicts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOf(int* values, int count, int value)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<int> v = Vector256.Create(value);
            uint m = Vector256.Equals(Vector256.Load(values), v).ExtractMostSignificantBits()
                | (Vector256.Equals(Vector256.Load(values + 8), v).ExtractMostSignificantBits() << 8);
            return BitOperations.TrailingZeroCount(m & ((1u << count) - 1));
        }
        int i = 0;
        while (values[i] != value)
            i++;
        return i;
    }

    /// <summary>The greatest of the first <paramref name="count"/> values (0 for none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong MaxOf(ulong* values, int count)
    {
        ulong m = 0;
        for (int j = 0; j < count; j++)
            m = values[j] > m ? values[j] : m;
        return m;
    }

    /// <summary>The greatest Last in a leaf.</summary>
    private static ulong LeafMax(IntervalLeaf* leaf) => MaxOf(leaf->Lasts, leaf->Count);

    /// <summary>The greatest Last below an inner node (the greatest of its children's maxima).</summary>
    private static ulong InnerMax(IntervalInner* n) => MaxOf(n->Max, n->Count);

    /// <summary>Removes a live interval (the kernel's interval_tree_remove); O(log n). Never fails for a live handle.</summary>
    /// <param name="node">A handle returned by <see cref="Insert"/> and not yet removed.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Remove(int node)
    {
        IntervalLeaf* leaf = Locate(node, out int pos);
        int leafSlot = _leafOf[node];
        Changing();
        int count = leaf->Count;
        ulong removedLast = leaf->Lasts[pos];
        for (int j = pos; j < count - 1; j++)
        {
            leaf->Starts[j] = leaf->Starts[j + 1];
            leaf->Lasts[j] = leaf->Lasts[j + 1];
            leaf->Handles[j] = leaf->Handles[j + 1];
        }
        leaf->Count = count - 1;
        FreeHandle(node);
        _count--;
        if (_count == 0)
        {
            ResetEmpty();
        }
        else if (count == 1)
        {
            UnlinkLeaf(leafSlot);
        }
        else if (FirstAtLeast(leaf->Lasts, count - 1, removedLast) == count - 1)
        {
            // A removal can only lower maxima, and only when no entry left in the leaf reaches the removed Last (the
            // common case is cut short by that one vector test): refresh the slots above until one does not change.
            PropagateMax(leafSlot, LeafMax(leaf));
        }
        CheckLocal(None);
        CheckInvariants();
    }

    /// <summary>Sets the maximum slot naming <paramref name="child"/> to <paramref name="max"/> and refreshes the slots above until one is unchanged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PropagateMax(int child, ulong max)
    {
        int p = Leaf(child)->Parent;
        while (p >= 0)
        {
            IntervalInner* n = Inner(p);
            ulong* slot = n->Max + IndexOfChild(n, child);
            if (*slot == max)
                return;
            *slot = max;
            max = InnerMax(n);
            child = p;
            p = n->Parent;
        }
    }

    /// <summary>Unlinks an emptied (non-root) leaf from the chain and its parent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UnlinkLeaf(int slot)
    {
        IntervalLeaf* leaf = Leaf(slot);
        if (leaf->Prev >= 0)
            Leaf(leaf->Prev)->Next = leaf->Next;
        else
            _firstLeaf = leaf->Next;
        if (leaf->Next >= 0)
            Leaf(leaf->Next)->Prev = leaf->Prev;
        RemoveChild(leaf->Parent, slot);
        FreeNode(slot);
    }

    /// <summary>Removes the empty subtree <paramref name="child"/> from inner node <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RemoveChild(int p, int child)
    {
        IntervalInner* n = Inner(p);
        int count = n->Count;
        int i = IndexOfChild(n, child);
        for (int j = i; j < count - 1; j++)
        {
            n->Children[j] = n->Children[j + 1];
            n->Max[j] = n->Max[j + 1];
        }
        // Dropping child i drops the key before it (or, for the first child, the key after it).
        for (int j = i == 0 ? 0 : i - 1; j < count - 2; j++)
            n->Keys[j] = n->Keys[j + 1];
        n->Count = count - 1;
        if (count - 1 == 0)
        {
            // The tree is not empty (Remove resets an empty one), so p is not the root.
            RemoveChild(n->Parent, p);
            FreeNode(p);
            return;
        }
        if (p == _root && count - 1 == 1)
        {
            // A root with one child: that child becomes the root, and so does its only child while it has one (a
            // non-root inner node may be down to one child, since removal never merges).
            int root = n->Children[0];
            FreeNode(p);
            _height--;
            while (_height > 0 && Inner(root)->Count == 1)
            {
                int only = Inner(root)->Children[0];
                FreeNode(root);
                root = only;
                _height--;
            }
            _root = root;
            Leaf(root)->Parent = -1;
            return;
        }
        PropagateMax(p, InnerMax(n));
    }

    /// <summary>
    /// Called before every change: entries may move, so the remembered handle is forgotten and the version moves on
    /// (iterators holding positions refuse to step after it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Changing()
    {
        _cachedHandle = None;
        _version++;
    }

    private void ResetEmpty()
    {
        Changing();
        // The last interval went: free every node at once (the slab is kept).
        _nodesUsed = 0;
        _freeNode = -1;
        _freeNodeCount = 0;
        _root = -1;
        _height = 0;
        _firstLeaf = -1;
    }

    /// <summary>Removes every interval, keeping the storage.</summary>
    public void Clear()
    {
        if (_count != 0)
            OnClear(_handlesUsed);
        ForgetAll();
    }

    /// <summary>Forgets every node and handle (Clear, Dispose); unlike ResetEmpty, handles start again at 1.</summary>
    private void ForgetAll()
    {
        ResetEmpty();
        _handlesUsed = 1;
        _freeHandle = 0;
        _count = 0;
    }

    /// <summary>Returns the storage to the pool; the tree must not be used afterwards. Never throws.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        ReleaseNative();
        ForgetAll();
        OnDispose();
        GC.SuppressFinalize(this);
    }

    private void ReleaseNative()
    {
        // After this, reads see an empty tree (no root, no live handle) and never touch the freed memory; Insert goes
        // to a growth path, which throws ObjectDisposedException.
        byte* nodes = _nodes;
        int* leafOf = _leafOf;
        _nodes = null;
        _leafOf = null;
        _nodeCapacity = 0;
        _handleCapacity = 0;
        if (nodes != null)
            _pool.FreeAligned(nodes);
        if (leafOf != null)
            _pool.FreeAligned(leafOf);
    }

    /// <summary>Called when the handle table grows; a payload-carrying subclass grows its parallel storage here.</summary>
    /// <param name="newCapacity">The new number of handle slots (including the unused 0).</param>
    /// <remarks>If this throws, the tree is unchanged.</remarks>
    private protected virtual void OnGrow(int newCapacity)
    {
    }

    /// <summary>Called before <see cref="Clear"/> forgets the handles [1, highWater).</summary>
    /// <param name="highWater">One past the highest handle ever used.</param>
    private protected virtual void OnClear(int highWater)
    {
    }

    /// <summary>Called when a handle is freed.</summary>
    /// <param name="node">The freed handle.</param>
    private protected virtual void OnFree(int node)
    {
    }

    /// <summary>Called once from <see cref="Dispose"/> after the native storage is returned.</summary>
    private protected virtual void OnDispose()
    {
    }

    /// <summary>Makes sure one more handle and a split at every level (plus a new root) need no allocation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Reserve()
    {
        if (_freeHandle == 0 && _handlesUsed == _handleCapacity)
            GrowHandles();
        if (_nodeCapacity - _nodesUsed + _freeNodeCount < _height + 2)
            GrowNodes(_height + 2);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowHandles()
    {
        if (_disposed)
            ThrowHelper.ThrowObjectDisposedException(this);
        if (_handleCapacity >= MaxHandles)
            ThrowHelper.ThrowInvalidOperationException_TooManyNodes();
        int newCapacity = _handleCapacity * 2;
        int* grown = (int*)_pool.AllocateAligned((nuint)newCapacity * sizeof(int), 64);
        try
        {
            OnGrow(newCapacity);
        }
        catch
        {
            _pool.FreeAligned(grown); // exception safety: the tree keeps its old storage, nothing leaks
            throw;
        }
        Buffer.MemoryCopy(_leafOf, grown, (long)newCapacity * sizeof(int), (long)_handlesUsed * sizeof(int));
        int* old = _leafOf;
        _leafOf = grown;
        _handleCapacity = newCapacity;
        _pool.FreeAligned(old);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowNodes(int needed)
    {
        if (_disposed)
            ThrowHelper.ThrowObjectDisposedException(this);
        int newCapacity = Math.Max(_nodeCapacity * 2, _nodesUsed + needed);
        byte* grown = (byte*)_pool.AllocateAligned((nuint)newCapacity * NodeBytes, 64);
        Buffer.MemoryCopy(_nodes, grown, (long)newCapacity * NodeBytes, (long)_nodesUsed * NodeBytes);
        byte* old = _nodes;
        _nodes = grown;
        _nodeCapacity = newCapacity;
        _pool.FreeAligned(old);
    }

    private int TakeHandle()
    {
        int h = _freeHandle;
        if (h != None)
        {
            _freeHandle = -1 - _leafOf[h];
            return h;
        }
        return _handlesUsed++;
    }

    private void FreeHandle(int h)
    {
        _leafOf[h] = -1 - _freeHandle;
        _freeHandle = h;
        if (_notifyFree)
            OnFree(h); // why the flag: skip a virtual call per remove unless a payload must be released
    }

    private int TakeNode()
    {
        int slot = _freeNode;
        if (slot >= 0)
        {
            _freeNode = Leaf(slot)->Next;
            _freeNodeCount--;
            return slot;
        }
        Debug.Assert(_nodesUsed < _nodeCapacity, "Reserve guarantees room");
        return _nodesUsed++;
    }

    private void FreeNode(int slot)
    {
        IntervalLeaf* leaf = Leaf(slot);
        leaf->Count = -1; // marks the slot free for Validate
        leaf->Next = _freeNode;
        _freeNode = slot;
        _freeNodeCount++;
    }

    /// <summary>Runs <see cref="Validate"/> in builds that define IOMMUFD_CHECKED (Debug builds of this project).</summary>
    [Conditional("IOMMUFD_CHECKED")]
    public void CheckInvariants() => Validate();
}
