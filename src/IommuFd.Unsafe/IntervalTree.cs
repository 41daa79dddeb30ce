// Design: an augmented red-black interval tree over closed ranges [Start, Last] of ulong (Last inclusive, [x, x] is
// one index), the contract of the kernel's lib/interval_tree.c + interval_tree_generic.h, stored without a GC object
// per node.
//
// What is stored where:
//  * _nodes: one pooled IntervalNode[] slab. Slot 0 is the nil sentinel (Black, SubtreeLast 0); live nodes and free
//    slots share the rest. A node handle is its byte offset in the slab (slot * 48; int, 0 = none), stable for the
//    node's lifetime.
//  * Free slots form a singly linked list through IntervalNode.Next (Color = Free); slots >= _highWater were never used.
//  * Each live node is in two structures at once: the red-black tree (Left/Right/Parent, ordered by Start, equal starts
//    go right as in the kernel) and an in-order doubly linked list (Prev/Next) whose head is the leftmost node.
//  * SubtreeLast caches max(Last) over the subtree (the kernel's __subtree_last), maintained on insert (while
//    descending), on erase (propagate with early stop, like rb_erase_augmented) and on rotate.
//
// Why the in-order list (the one deliberate departure from the kernel): it makes leftmost O(1), erase's successor O(1)
// and, above all, gives iter_next an O(1) fast path: when the in-order successor still overlaps the query (always
// true once inside a run of disjoint intervals, which is what iommufd's trees hold) we return it without walking up
// the tree. When it does not, we fall back to the kernel's pruned walk, so the O(log n + k) bound is unchanged.
//
// Invariants (O(1) local checks after every operation in Debug builds; all of them by Validate, run after every
// operation in IOMMUFD_CHECKED builds and by the tests' checked run):
//  1. red-black: root and nil are black, no red node has a red child, every root-to-nil path has the same black count;
//  2. BST on Start (left < node <= right); 3. SubtreeLast = max(Last, children's SubtreeLast);
//  4. Start <= Last; 5. the list is the in-order sequence and its length is Count; 6. parent links are consistent.
//
// Overflow: no arithmetic is done on Start/Last here; the +1 of "adjacent" lives in the span iterator, guarded there.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

/// <summary>
/// An augmented red-black interval tree of closed ranges [start, last] (last inclusive) with pooled node storage,
/// lowest-start-first overlap queries (<see cref="IterFirst"/>/<see cref="IterNext"/>) and span iteration.
/// </summary>
/// <remarks>Not thread-safe. Node handles are ints; 0 (<see cref="None"/>) means "no node".</remarks>
public partial class IntervalTree : IDisposable
{
    /// <summary>The handle value meaning "no node" (the kernel's NULL).</summary>
    public const int None = 0;

    internal const int Red = 0;
    internal const int Black = 1;
    internal const int Free = 2;

    private const int DefaultCapacity = 16;

    /// <summary>sizeof(IntervalNode). Handles and links are byte offsets into the slab, multiples of this.</summary>
    internal const int NodeSize = 48;

    // Why byte offsets and not slot indexes: every step of a descent is "load link, then load the node it names"; with
    // an index the address needs index * 48 (an lea + shl on the dependency chain) before the next load can issue,
    // with a byte offset it is a single base + offset addressing mode, like the kernel's pointers.

    internal IntervalNode[] _nodes;
    private readonly UnsafeMemoryPool _pool;
    private int _capacity;      // usable slots in _nodes (the rented array may be longer)
    private int _root;
    private int _leftmost;      // head of the in-order list
    private int _freeList;
    private int _highWater;     // first never-used slot
    private int _count;
    private bool _disposed;

    /// <summary>Set by subclasses whose <see cref="OnFree"/> has work to do (payloads holding references).</summary>
    private protected bool _notifyFree;

    /// <summary>Creates an empty tree.</summary>
    /// <param name="initialCapacity">Nodes to reserve up front; growth doubles.</param>
    /// <param name="pool">The pool for node storage; <see cref="UnsafeMemoryPool.Shared"/> when null.</param>
    public IntervalTree(int initialCapacity = DefaultCapacity, UnsafeMemoryPool? pool = null)
    {
        if (initialCapacity < 1 || initialCapacity >= int.MaxValue / NodeSize)
            ThrowHelper.ThrowArgumentOutOfRangeException(nameof(initialCapacity));
        Debug.Assert(RtUnsafe.SizeOf<IntervalNode>() == NodeSize);
        _pool = pool ?? UnsafeMemoryPool.Shared;
        _capacity = initialCapacity + 1; // + the sentinel
        _nodes = _pool.Rent<IntervalNode>(_capacity);
        _nodes[0] = new IntervalNode { Color = Black };
        _highWater = 1;
    }

    /// <summary>The pool this tree rents from.</summary>
    public UnsafeMemoryPool Pool => _pool;

    /// <summary>Number of nodes in the tree.</summary>
    public int Count => _count;

    /// <summary>True when the tree holds no node (the kernel's RB_EMPTY_ROOT).</summary>
    public bool IsEmpty => _root == None;

    /// <summary>The node with the lowest start (first in order), or <see cref="None"/>; O(1).</summary>
    public int Leftmost => _leftmost;

    /// <summary>The root node, or <see cref="None"/>.</summary>
    internal int Root => _root;

    /// <summary>Number of node slots available before the next growth.</summary>
    public int Capacity => _capacity - 1;

    /// <summary>Gets the start (inclusive) of a live node.</summary>
    /// <param name="node">A live node handle.</param>
    /// <returns>The first index covered by the node.</returns>
    public ulong GetStart(int node) => NodeRef(CheckLive(node)).Start;

    /// <summary>Gets the last index (inclusive) of a live node.</summary>
    /// <param name="node">A live node handle.</param>
    /// <returns>The last index covered by the node.</returns>
    public ulong GetLast(int node) => NodeRef(CheckLive(node)).Last;

    /// <summary>The in-order successor of a live node (any overlap), or <see cref="None"/>; O(1).</summary>
    /// <param name="node">A live node handle.</param>
    /// <returns>The next node in start order.</returns>
    public int GetNext(int node) => NodeRef(CheckLive(node)).Next;

    /// <summary>The in-order predecessor of a live node, or <see cref="None"/>; O(1).</summary>
    /// <param name="node">A live node handle.</param>
    /// <returns>The previous node in start order.</returns>
    public int GetPrevious(int node) => NodeRef(CheckLive(node)).Prev;

    /// <summary>True if <paramref name="node"/> names a live node of this tree.</summary>
    /// <param name="node">Any int.</param>
    /// <returns>Whether the handle is live.</returns>
    public bool IsLive(int node) =>
        node != None && (uint)node < (uint)(_highWater * NodeSize) && (uint)node % NodeSize == 0 && NodeRef(node).Color != Free;

    /// <summary>The slot index (0-based, sentinel included) of a node handle, for parallel arrays.</summary>
    /// <param name="node">A node handle.</param>
    /// <returns>The handle divided by the node size.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SlotOf(int node) => (int)((uint)node / NodeSize);

    // Why unchecked indexing: handles come from our own links, which Validate proves consistent; public entry points
    // check the handle once (CheckLive) and the loops then run without bounds checks.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref IntervalNode NodeRef(int node) =>
        ref RtUnsafe.AddByteOffset(ref MemoryMarshal.GetArrayDataReference(_nodes), (nint)(uint)node);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int CheckLive(int node)
    {
        if (!IsLive(node))
            ThrowHelper.ThrowArgumentException_InvalidNode(node);
        return node;
    }

    /// <summary>Inserts [start, last] (the kernel's interval_tree_insert); O(log n).</summary>
    /// <param name="start">First index (inclusive).</param>
    /// <param name="last">Last index (inclusive); must be at least <paramref name="start"/>.</param>
    /// <returns>The new node's handle, stable until it is removed.</returns>
    public int Insert(ulong start, ulong last)
    {
        if (start > last)
            ThrowHelper.ThrowArgumentException_StartAfterLast();

        int z = AllocateSlot(); // may grow, so take the base reference afterwards
        ref IntervalNode n0 = ref MemoryMarshal.GetArrayDataReference(_nodes);

        int parent = None;
        int cur = _root;
        bool goLeft = false;
        while (cur != None)
        {
            ref IntervalNode c = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)cur);
            // As the kernel does: raise the subtree maximum on the way down, so insertion needs no upward pass.
            if (c.SubtreeLast < last)
                c.SubtreeLast = last;
            parent = cur;
            goLeft = start < c.Start;
            cur = goLeft ? c.Left : c.Right;
        }

        ref IntervalNode zn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)z);
        zn.Start = start;
        zn.Last = last;
        zn.SubtreeLast = last;
        zn.Left = None;
        zn.Right = None;
        zn.Parent = parent;
        zn.Color = Red;

        if (parent == None)
        {
            _root = z;
            zn.Prev = None;
            zn.Next = None;
            _leftmost = z;
        }
        else
        {
            ref IntervalNode p = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)parent);
            // A new leaf's in-order neighbours are its parent and the parent's old neighbour on the same side, both
            // on the path we just walked (hot in cache), so list maintenance costs no extra miss.
            if (goLeft)
            {
                p.Left = z;
                zn.Next = parent;
                zn.Prev = p.Prev;
                if (p.Prev != None)
                    RtUnsafe.AddByteOffset(ref n0, (nint)(uint)p.Prev).Next = z;
                else
                    _leftmost = z;
                p.Prev = z;
            }
            else
            {
                p.Right = z;
                zn.Prev = parent;
                zn.Next = p.Next;
                if (p.Next != None)
                    RtUnsafe.AddByteOffset(ref n0, (nint)(uint)p.Next).Prev = z;
                p.Next = z;
            }
        }

        InsertFixup(ref n0, z);
        _count++;
        CheckLocal(z);
        CheckInvariants();
        return z;
    }

    /// <summary>Removes a live node (the kernel's interval_tree_remove); O(log n). Never fails for a live handle.</summary>
    /// <param name="node">A handle returned by <see cref="Insert"/> and not yet removed.</param>
    public void Remove(int node)
    {
        CheckLive(node);
        ref IntervalNode n0 = ref MemoryMarshal.GetArrayDataReference(_nodes);
        int z = node;
        ref IntervalNode zn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)z);

        // Unlink from the in-order list first; zn.Next is still the successor below.
        int prev = zn.Prev, next = zn.Next;
        if (prev != None)
            RtUnsafe.AddByteOffset(ref n0, (nint)(uint)prev).Next = next;
        else
            _leftmost = next;
        if (next != None)
            RtUnsafe.AddByteOffset(ref n0, (nint)(uint)next).Prev = prev;

        int x;
        int removedColor = zn.Color;
        if (zn.Left == None)
        {
            x = zn.Right;
            int zp = zn.Parent;
            Transplant(ref n0, z, x);
            Propagate(ref n0, zp, None);
        }
        else if (zn.Right == None)
        {
            x = zn.Left;
            int zp = zn.Parent;
            Transplant(ref n0, z, x);
            Propagate(ref n0, zp, None);
        }
        else
        {
            // Why the list: with two children the successor is the list's next node, found in O(1) instead of a
            // descent through the right subtree (a chain of cache misses on large trees).
            int y = next;
            ref IntervalNode yn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)y);
            removedColor = yn.Color;
            x = yn.Right;
            int fixFrom;
            if (yn.Parent == z)
            {
                RtUnsafe.AddByteOffset(ref n0, (nint)(uint)x).Parent = y; // x may be nil: the sentinel remembers its parent
                fixFrom = y;
            }
            else
            {
                fixFrom = yn.Parent;
                Transplant(ref n0, y, x);
                yn.Right = zn.Right;
                RtUnsafe.AddByteOffset(ref n0, (nint)(uint)yn.Right).Parent = y;
            }
            Transplant(ref n0, z, y);
            yn.Left = zn.Left;
            RtUnsafe.AddByteOffset(ref n0, (nint)(uint)yn.Left).Parent = y;
            yn.Color = zn.Color;
            // rb_erase_augmented's copy + two propagates: y inherits z's aggregate, the path below y is recomputed
            // up to y, then y and its ancestors are recomputed until a value stops changing.
            yn.SubtreeLast = zn.SubtreeLast;
            Propagate(ref n0, fixFrom, y);
            Propagate(ref n0, y, None);
        }

        if (removedColor == Black)
            DeleteFixup(ref n0, x);
        n0.Parent = None; // keep the sentinel clean for the checker
        FreeSlot(ref n0, z);
        _count--;
        CheckLocal(prev != None ? prev : next);
        CheckInvariants();
    }

    /// <summary>Removes every node, keeping the storage.</summary>
    public void Clear()
    {
        if (_count != 0)
            OnClear(_highWater);
        _root = None;
        _leftmost = None;
        _freeList = None;
        _highWater = 1;
        _count = 0;
    }

    /// <summary>Returns the storage to the pool; the tree must not be used afterwards. Never throws.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        IntervalNode[] nodes = _nodes;
        _nodes = s_disposedNodes;
        _root = None;
        _leftmost = None;
        _freeList = None;
        _highWater = 1;
        _capacity = 1; // any Insert now goes to Grow, which throws ObjectDisposedException
        _count = 0;
        _pool.Return(nodes);
        OnDispose();
        GC.SuppressFinalize(this);
    }

    private static readonly IntervalNode[] s_disposedNodes = [new IntervalNode { Color = Black }];

    /// <summary>Called when the slab grows; a payload-carrying subclass grows its parallel storage here.</summary>
    /// <param name="newCapacity">The new number of slots (including the sentinel).</param>
    /// <remarks>If this throws, the tree is unchanged.</remarks>
    private protected virtual void OnGrow(int newCapacity)
    {
    }

    /// <summary>Called before <see cref="Clear"/> forgets the nodes in slots [1, highWater).</summary>
    /// <param name="highWater">One past the highest slot ever used.</param>
    private protected virtual void OnClear(int highWater)
    {
    }

    /// <summary>Called when a slot is freed.</summary>
    /// <param name="node">The freed slot.</param>
    private protected virtual void OnFree(int node)
    {
    }

    /// <summary>Called once from <see cref="Dispose"/> after the node slab is returned.</summary>
    private protected virtual void OnDispose()
    {
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int AllocateSlot()
    {
        int z = _freeList;
        if (z != None)
        {
            _freeList = NodeRef(z).Next;
            return z;
        }
        if (_highWater < _capacity)
            return _highWater++ * NodeSize;
        return GrowAndAllocate();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int GrowAndAllocate()
    {
        if (_disposed)
            ThrowHelper.ThrowObjectDisposedException(this);
        if (_capacity >= int.MaxValue / NodeSize / 2)
            ThrowHelper.ThrowInvalidOperationException_TooManyNodes(); // byte-offset handles must stay positive ints
        int newCapacity = _capacity * 2;
        IntervalNode[] newNodes = _pool.Rent<IntervalNode>(newCapacity);
        try
        {
            OnGrow(newCapacity);
        }
        catch
        {
            _pool.Return(newNodes); // exception safety: the tree keeps its old storage, nothing leaks
            throw;
        }
        Array.Copy(_nodes, newNodes, _highWater);
        IntervalNode[] old = _nodes;
        _nodes = newNodes;
        _capacity = newCapacity;
        _pool.Return(old);
        return _highWater++ * NodeSize;
    }

    private void FreeSlot(ref IntervalNode n0, int z)
    {
        ref IntervalNode zn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)z);
        zn.Color = Free;
        zn.Next = _freeList;
        _freeList = z;
        if (_notifyFree)
            OnFree(z); // why the flag: skip a virtual call per remove unless a payload must be released
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Compute(ref IntervalNode n0, ref IntervalNode n)
    {
        // Branch-free: the sentinel's SubtreeLast is 0, the identity of max over ulong.
        ulong m = n.Last;
        ulong l = RtUnsafe.AddByteOffset(ref n0, (nint)(uint)n.Left).SubtreeLast;
        ulong r = RtUnsafe.AddByteOffset(ref n0, (nint)(uint)n.Right).SubtreeLast;
        m = l > m ? l : m;
        return r > m ? r : m;
    }

    private static void Propagate(ref IntervalNode n0, int node, int stop)
    {
        while (node != stop)
        {
            ref IntervalNode n = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)node);
            ulong v = Compute(ref n0, ref n);
            if (v == n.SubtreeLast)
                break; // unchanged here means unchanged above: the kernel's RBCOMPUTE(node, true) early exit
            n.SubtreeLast = v;
            node = n.Parent;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Transplant(ref IntervalNode n0, int u, int v)
    {
        int up = RtUnsafe.AddByteOffset(ref n0, (nint)(uint)u).Parent;
        if (up == None)
            _root = v;
        else
        {
            ref IntervalNode p = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)up);
            if (p.Left == u)
                p.Left = v;
            else
                p.Right = v;
        }
        RtUnsafe.AddByteOffset(ref n0, (nint)(uint)v).Parent = up;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // as the kernel's __rb_rotate_set_parents: no call per rotation
    private void RotateLeft(ref IntervalNode n0, int x)
    {
        ref IntervalNode xn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)x);
        int y = xn.Right;
        ref IntervalNode yn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)y);
        xn.Right = yn.Left;
        if (yn.Left != None)
            RtUnsafe.AddByteOffset(ref n0, (nint)(uint)yn.Left).Parent = x;
        int xp = xn.Parent;
        yn.Parent = xp;
        if (xp == None)
            _root = y;
        else
        {
            ref IntervalNode p = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)xp);
            if (p.Left == x)
                p.Left = y;
            else
                p.Right = y;
        }
        yn.Left = x;
        xn.Parent = y;
        // The augment rotate callback: the new top covers the same nodes as the old top did.
        yn.SubtreeLast = xn.SubtreeLast;
        xn.SubtreeLast = Compute(ref n0, ref xn);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // as the kernel's __rb_rotate_set_parents: no call per rotation
    private void RotateRight(ref IntervalNode n0, int x)
    {
        ref IntervalNode xn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)x);
        int y = xn.Left;
        ref IntervalNode yn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)y);
        xn.Left = yn.Right;
        if (yn.Right != None)
            RtUnsafe.AddByteOffset(ref n0, (nint)(uint)yn.Right).Parent = x;
        int xp = xn.Parent;
        yn.Parent = xp;
        if (xp == None)
            _root = y;
        else
        {
            ref IntervalNode p = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)xp);
            if (p.Right == x)
                p.Right = y;
            else
                p.Left = y;
        }
        yn.Right = x;
        xn.Parent = y;
        yn.SubtreeLast = xn.SubtreeLast;
        xn.SubtreeLast = Compute(ref n0, ref xn);
    }

    private void InsertFixup(ref IntervalNode n0, int z)
    {
        while (true)
        {
            ref IntervalNode zn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)z);
            int p = zn.Parent;
            ref IntervalNode pn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)p);
            if (pn.Color != Red)
                break; // also covers p == nil (black)
            int g = pn.Parent; // a red node is never the root, so g is real
            ref IntervalNode gn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)g);
            if (p == gn.Left)
            {
                int u = gn.Right;
                ref IntervalNode un = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)u);
                if (un.Color == Red)
                {
                    pn.Color = Black;
                    un.Color = Black;
                    gn.Color = Red;
                    z = g;
                    continue;
                }
                if (z == pn.Right)
                {
                    z = p;
                    RotateLeft(ref n0, z);
                    p = RtUnsafe.AddByteOffset(ref n0, (nint)(uint)z).Parent;
                }
                RtUnsafe.AddByteOffset(ref n0, (nint)(uint)p).Color = Black;
                gn.Color = Red;
                RotateRight(ref n0, g);
            }
            else
            {
                int u = gn.Left;
                ref IntervalNode un = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)u);
                if (un.Color == Red)
                {
                    pn.Color = Black;
                    un.Color = Black;
                    gn.Color = Red;
                    z = g;
                    continue;
                }
                if (z == pn.Left)
                {
                    z = p;
                    RotateRight(ref n0, z);
                    p = RtUnsafe.AddByteOffset(ref n0, (nint)(uint)z).Parent;
                }
                RtUnsafe.AddByteOffset(ref n0, (nint)(uint)p).Color = Black;
                gn.Color = Red;
                RotateLeft(ref n0, g);
            }
        }
        RtUnsafe.AddByteOffset(ref n0, (nint)(uint)_root).Color = Black;
    }

    private void DeleteFixup(ref IntervalNode n0, int x)
    {
        while (x != _root && RtUnsafe.AddByteOffset(ref n0, (nint)(uint)x).Color == Black)
        {
            int p = RtUnsafe.AddByteOffset(ref n0, (nint)(uint)x).Parent;
            ref IntervalNode pn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)p);
            if (x == pn.Left)
            {
                int w = pn.Right;
                ref IntervalNode wn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)w);
                if (wn.Color == Red)
                {
                    wn.Color = Black;
                    pn.Color = Red;
                    RotateLeft(ref n0, p);
                    w = pn.Right;
                    wn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)w);
                }
                if (RtUnsafe.AddByteOffset(ref n0, (nint)(uint)wn.Left).Color == Black &&
                    RtUnsafe.AddByteOffset(ref n0, (nint)(uint)wn.Right).Color == Black)
                {
                    wn.Color = Red;
                    x = p;
                    continue;
                }
                if (RtUnsafe.AddByteOffset(ref n0, (nint)(uint)wn.Right).Color == Black)
                {
                    RtUnsafe.AddByteOffset(ref n0, (nint)(uint)wn.Left).Color = Black;
                    wn.Color = Red;
                    RotateRight(ref n0, w);
                    w = pn.Right;
                    wn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)w);
                }
                wn.Color = pn.Color;
                pn.Color = Black;
                RtUnsafe.AddByteOffset(ref n0, (nint)(uint)wn.Right).Color = Black;
                RotateLeft(ref n0, p);
                x = _root;
            }
            else
            {
                int w = pn.Left;
                ref IntervalNode wn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)w);
                if (wn.Color == Red)
                {
                    wn.Color = Black;
                    pn.Color = Red;
                    RotateRight(ref n0, p);
                    w = pn.Left;
                    wn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)w);
                }
                if (RtUnsafe.AddByteOffset(ref n0, (nint)(uint)wn.Right).Color == Black &&
                    RtUnsafe.AddByteOffset(ref n0, (nint)(uint)wn.Left).Color == Black)
                {
                    wn.Color = Red;
                    x = p;
                    continue;
                }
                if (RtUnsafe.AddByteOffset(ref n0, (nint)(uint)wn.Left).Color == Black)
                {
                    RtUnsafe.AddByteOffset(ref n0, (nint)(uint)wn.Right).Color = Black;
                    wn.Color = Red;
                    RotateLeft(ref n0, w);
                    w = pn.Left;
                    wn = ref RtUnsafe.AddByteOffset(ref n0, (nint)(uint)w);
                }
                wn.Color = pn.Color;
                pn.Color = Black;
                RtUnsafe.AddByteOffset(ref n0, (nint)(uint)wn.Left).Color = Black;
                RotateRight(ref n0, p);
                x = _root;
            }
        }
        RtUnsafe.AddByteOffset(ref n0, (nint)(uint)x).Color = Black;
    }

    /// <summary>Runs <see cref="Validate"/> in builds that define IOMMUFD_CHECKED (Debug builds of this project).</summary>
    [Conditional("IOMMUFD_CHECKED")]
    public void CheckInvariants() => Validate();
}
