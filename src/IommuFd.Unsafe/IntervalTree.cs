// Design: an augmented red-black interval tree over closed ranges [Start, Last] of ulong (Last inclusive, [x, x] is
// one index), the contract of the kernel's lib/interval_tree.c + interval_tree_generic.h, stored without a GC object
// per node.
//
// What is stored where:
//  * _base: one native slab of 64-byte IntervalNode slots, 64-byte aligned (one node = one cache line), rented from
//    the UnsafeMemoryPool. Slot 0 is the nil sentinel; live nodes and free slots share the rest. A node handle is its
//    byte offset in the slab (slot * 64; int, 0 = none), stable for the node's lifetime (growth copies the slab).
//  * Free slots form a singly linked list through IntervalNode.Next (Color = Free); slots >= _highWater were never used.
//  * Each live node is in two structures at once: the red-black tree (Left/Right/Parent, ordered by Start, equal starts
//    go right as in the kernel) and an in-order doubly linked list (Prev/Next), circular through the sentinel: the
//    sentinel's Next is the leftmost node, its Prev the rightmost.
//  * The augmentation (the kernel's __subtree_last) is kept one level up: each node holds its children's subtree
//    maxima (LeftMax/RightMax, see IntervalNode.cs). Maintained on insert (on the way down while the tree is small,
//    by a short walk up once it is large: see RaiseMaxima), on erase (propagate with early stop, like
//    rb_erase_augmented) and on rotate (two slot updates).
//
// Why the in-order list (the one departure from the kernel's object model): it makes leftmost O(1), erase's successor
// O(1) and, above all, gives iter_next an O(1) fast path: when the in-order successor still overlaps the query (always
// true once inside a run of disjoint intervals, which is what iommufd's trees hold) we return it without walking up
// the tree. When it does not, we fall back to the kernel's pruned walk, so the O(log n + k) bound is unchanged.
//
// Why the descents are branch-free: the left/right choice of an insert or query descent is a coin toss the branch
// predictor loses about half the time (~15 cycles each); here it is a 0/1 index into LeftMax/RightMax and a
// branch-free select of Left or Right (BranchFree.cs), and the only branch per level is the loop exit.
//
// Why the update and query entry points carry AggressiveOptimization: they are compiled once, fully optimised, instead
// of going through tier 0 and dynamic PGO. The tiered code of these loops of coin-toss branches was measured 10-14%
// slower (perf stat, user cycles per insert / remove + insert at 1k nodes: 231 vs 206, 322 vs 296) and varied from
// run to run with the profile it happened to collect. Methods inlined into callers (IterNext) keep the default.
//
// Invariants (O(1) local checks after every operation in Debug builds; all of them by Validate, run after every
// operation in IOMMUFD_CHECKED builds and by the tests' checked run):
//  1. red-black: root and nil are black, no red node has a red child, every root-to-nil path has the same black count;
//  2. BST on Start (left <= node <= right); 3. LeftMax/RightMax = the greatest Last of the child's subtree, 0 for nil;
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
public unsafe partial class IntervalTree : IDisposable
{
    /// <summary>The handle value meaning "no node" (the kernel's NULL).</summary>
    public const int None = 0;

    internal const int Red = 0;
    internal const int Black = 1;
    internal const int Free = 2;

    private const int DefaultCapacity = 16;

    /// <summary>sizeof(IntervalNode), one cache line. Handles and links are byte offsets into the slab, multiples of this.</summary>
    internal const int NodeSize = 64;

    private const int NodeShift = 6;

    /// <summary>Below this many nodes Insert raises the subtree maxima on the way down (see RaiseMaxima).</summary>
    internal const int DefaultRaiseOnDescentLimit = 16384;

    // Why byte offsets and not slot indexes: every step of a descent is "load link, then load the node it names"; with
    // an index the address needs a shift on the dependency chain before the next load can issue, with a byte offset it
    // is a single base + offset addressing mode, like the kernel's pointers.

    private byte* _base;
    private readonly UnsafeMemoryPool _pool;
    private int _capacity;      // slots in the slab, the sentinel included
    private int _root;
    private int _freeList;
    private int _highWater;     // first never-used slot
    private int _count;
    private bool _disposed;

    private int _raiseOnDescentLimit = DefaultRaiseOnDescentLimit;

    /// <summary>Set by subclasses whose <see cref="OnFree"/> has work to do (payloads holding references).</summary>
    private protected bool _notifyFree;

    /// <summary>Creates an empty tree.</summary>
    /// <param name="initialCapacity">Nodes to reserve up front; growth doubles.</param>
    /// <param name="pool">The pool for node storage; <see cref="UnsafeMemoryPool.Shared"/> when null.</param>
    public IntervalTree(int initialCapacity = DefaultCapacity, UnsafeMemoryPool? pool = null)
    {
        if (initialCapacity < 1 || initialCapacity >= int.MaxValue / NodeSize / 2)
            ThrowHelper.ThrowArgumentOutOfRangeException(nameof(initialCapacity));
        Debug.Assert(sizeof(IntervalNode) == NodeSize);
        _pool = pool ?? UnsafeMemoryPool.Shared;
        _base = s_disposedSlab; // until the rent succeeds: the finalizer then has nothing to free
        _capacity = 1;
        byte* slab = (byte*)_pool.AllocateAligned((nuint)(initialCapacity + 1) * NodeSize, NodeSize);
        *(IntervalNode*)slab = new IntervalNode { Color = Black };
        _base = slab;
        _capacity = initialCapacity + 1; // + the sentinel
        _highWater = 1;
    }

    /// <summary>Frees the node slab of a tree that was never disposed (payload arrays are managed and just collected).</summary>
    ~IntervalTree() => ReleaseSlab();

    /// <summary>The pool this tree rents from.</summary>
    public UnsafeMemoryPool Pool => _pool;

    /// <summary>Number of nodes in the tree.</summary>
    public int Count => _count;

    /// <summary>True when the tree holds no node (the kernel's RB_EMPTY_ROOT).</summary>
    public bool IsEmpty => _root == None;

    /// <summary>The node with the lowest start (first in order), or <see cref="None"/>; O(1).</summary>
    public int Leftmost => ((IntervalNode*)_base)->Next;

    /// <summary>The root node, or <see cref="None"/>.</summary>
    internal int Root => _root;

    /// <summary>The tree size below which Insert raises maxima on the way down; tests set it to cover both strategies.</summary>
    internal int RaiseOnDescentLimit
    {
        get => _raiseOnDescentLimit;
        set => _raiseOnDescentLimit = value;
    }

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
        node != None && (uint)node < (uint)(_highWater * NodeSize) && (node & (NodeSize - 1)) == 0 && NodeRef(node).Color != Free;

    /// <summary>The slot index (0-based, sentinel included) of a node handle, for parallel arrays.</summary>
    /// <param name="node">A node handle.</param>
    /// <returns>The handle divided by the node size.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SlotOf(int node) => (int)((uint)node >> NodeShift);

    // Why unchecked access: handles come from our own links, which Validate proves consistent; public entry points
    // check the handle once (CheckLive) and the loops then run without checks.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref IntervalNode NodeRef(int node) => ref *At(_base, node);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static IntervalNode* At(byte* b, int node) => (IntervalNode*)(b + (uint)node);

    /// <summary>The greatest Last in a node's subtree (the kernel's __subtree_last); 0 for the sentinel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SubtreeMax(IntervalNode* n)
    {
        // Branch-free max of three: the JIT turns these selects into conditional moves.
        ulong m = n->Last;
        ulong l = n->LeftMax;
        ulong r = n->RightMax;
        m = l > m ? l : m;
        return r > m ? r : m;
    }

    /// <summary>The side (0 left, 1 right) on which <paramref name="child"/> hangs below <paramref name="parent"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint SideOf(IntervalNode* parent, int child) => parent->Left == child ? 0u : 1u;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Insert(ulong start, ulong last)
    {
        if (start > last)
            ThrowHelper.ThrowArgumentException_StartAfterLast();

        int z = AllocateSlot(); // may grow, so read the base afterwards
        byte* b = _base;

        // Where the new maximum goes (see RaiseMaxima): on a small tree, raised on the way down with a branch-free
        // store per level, as the kernel raises it (but unconditionally); on a large one, by a short walk up after
        // the descent. The flag is constant for the whole descent, so its test is predicted.
        bool raiseOnDescent = _count < _raiseOnDescentLimit;
        int parent = None;
        int cur = _root;
        nuint side = 0;
        while (cur != None)
        {
            IntervalNode* c = At(b, cur);
            // Equal starts go right, as in the kernel. side is 0 (left) or 1 (right): an index, not a branch.
            bool goLeft = start < c->Start;
            side = goLeft ? 0u : 1u;
            int next = BranchFree.Select(goLeft, c->Left, c->Right);
            if (raiseOnDescent)
            {
                ulong* max = &c->LeftMax + side;
                *max = BranchFree.Max(*max, last);
            }
            parent = cur;
            cur = next;
        }

        IntervalNode* zn = At(b, z);
        zn->Start = start;
        zn->Last = last;
        zn->LeftMax = 0;
        zn->RightMax = 0;
        zn->Left = None;
        zn->Right = None;
        zn->Parent = parent;
        zn->Color = Red;

        // A new leaf's in-order neighbours are its parent and the parent's old neighbour on the same side, both on the
        // path just walked (hot in cache). With no parent (empty tree) both are the sentinel, which heads the circular
        // list, so the same four stores link the first node as well.
        // Next/Prev are adjacent, so (&x->Next)[d] is x's successor for d = 0 and predecessor for d = 1: the new node
        // sits between `parent` (on the side opposite to `side`) and `outer`, the parent's old neighbour on `side`.
        IntervalNode* p = At(b, parent);
        (&p->Left)[side] = z; // for parent == None this writes the sentinel's Left; undone below
        int outer = (&p->Next)[side ^ 1];
        (&zn->Next)[side] = parent;
        (&zn->Next)[side ^ 1] = outer;
        (&p->Next)[side ^ 1] = z;
        (&At(b, outer)->Next)[side] = z;
        if (parent == None)
        {
            ((IntervalNode*)b)->Left = None;
            ((IntervalNode*)b)->Right = None;
            _root = z;
            zn->Color = Black;
        }
        else
        {
            if (!raiseOnDescent)
                RaiseMaxima(b, parent, side, last);
            // Under a black parent a red leaf breaks nothing (the common case): skip the fix-up call altogether.
            if (p->Color == Red)
                InsertFixup(b, z);
        }
        _count++;
        CheckLocal(z);
        CheckInvariants();
        return z;
    }

    /// <summary>Removes a live node (the kernel's interval_tree_remove); O(log n). Never fails for a live handle.</summary>
    /// <param name="node">A handle returned by <see cref="Insert"/> and not yet removed.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Remove(int node)
    {
        CheckLive(node);
        byte* b = _base;
        int z = node;
        IntervalNode* zn = At(b, z);

        // Unlink from the circular in-order list first; zn->Next is still the successor below.
        int prev = zn->Prev, next = zn->Next;
        At(b, prev)->Next = next;
        At(b, next)->Prev = prev;

        int x;          // the node that moved into the removed black position (may be nil)
        int removedColor;
        int zp = zn->Parent;
        if (zn->Left == None || zn->Right == None)
        {
            // At most one child: it takes z's place. One of each pair is 0, so OR picks the other one.
            x = zn->Left | zn->Right;
            removedColor = zn->Color;
            if (ReplaceChild(b, zp, z, x, zn->LeftMax | zn->RightMax))
                Propagate(b, zp, None);
            At(b, x)->Parent = zp; // x may be nil: the sentinel remembers its parent for the fix-up
        }
        else
        {
            // Two children: the successor y (the list's next node, found in O(1) instead of a descent through the
            // right subtree) has no left child; it leaves its place to its right child x and takes z's place.
            int y = next;
            IntervalNode* yn = At(b, y);
            removedColor = yn->Color;
            x = yn->Right;
            if (yn->Parent == z)
            {
                At(b, x)->Parent = y; // y keeps its right subtree and RightMax
            }
            else
            {
                int yp = yn->Parent;
                At(b, x)->Parent = yp;
                int zr = zn->Right;
                // The maxima from y's old parent up to z's right child lost y: recompute them (early stop), then
                // y adopts z's right subtree with its fresh maximum. yp is real here, never the root slot.
                if (ReplaceChild(b, yp, y, x, yn->RightMax))
                    Propagate(b, yp, zr);
                yn->Right = zr;
                yn->RightMax = SubtreeMax(At(b, zr));
                At(b, zr)->Parent = y;
            }
            yn->Left = zn->Left;
            yn->LeftMax = zn->LeftMax;
            At(b, zn->Left)->Parent = y;
            yn->Color = zn->Color;
            yn->Parent = zp;
            if (ReplaceChild(b, zp, z, y, SubtreeMax(yn)))
                Propagate(b, zp, None);
        }

        if (removedColor == Black)
        {
            // As the kernel's __rb_erase_augmented does: a red node moving into the removed black position absorbs the
            // deficit by turning black (no fix-up call); only a black one (or nil) leaves a path short of a black.
            IntervalNode* xn = At(b, x);
            if (xn->Color == Red)
                xn->Color = Black;
            else
                DeleteFixup(b, x);
        }
        FreeSlot(b, z);
        _count--;
        CheckLocal(prev != None ? prev : next);
        CheckInvariants();
    }

    /// <summary>Removes every node, keeping the storage.</summary>
    public void Clear()
    {
        if (_count != 0)
            OnClear(_highWater);
        if (!_disposed) // the disposed trees' shared sentinel is never written
        {
            IntervalNode* nil = (IntervalNode*)_base;
            nil->Next = None;
            nil->Prev = None;
        }
        _root = None;
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
        ReleaseSlab();
        _root = None;
        _freeList = None;
        _highWater = 1;
        _capacity = 1; // any Insert now goes to Grow, which throws ObjectDisposedException
        _count = 0;
        OnDispose();
        GC.SuppressFinalize(this);
    }

    private void ReleaseSlab()
    {
        byte* slab = _base;
        _base = s_disposedSlab; // reads after Dispose see an empty tree, never freed memory
        if (slab != s_disposedSlab)
            _pool.FreeAligned(slab);
    }

    // An empty slab of one sentinel, shared by disposed (and not yet constructed) trees; never freed.
    private static readonly byte* s_disposedSlab = CreateDisposedSlab();

    private static byte* CreateDisposedSlab()
    {
        var slab = (IntervalNode*)NativeMemory.AlignedAlloc(NodeSize, NodeSize);
        *slab = new IntervalNode { Color = Black };
        return (byte*)slab;
    }

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
        byte* grown = (byte*)_pool.AllocateAligned((nuint)newCapacity * NodeSize, NodeSize);
        try
        {
            OnGrow(newCapacity);
        }
        catch
        {
            _pool.FreeAligned(grown); // exception safety: the tree keeps its old storage, nothing leaks
            throw;
        }
        Buffer.MemoryCopy(_base, grown, (long)newCapacity * NodeSize, (long)_highWater * NodeSize);
        byte* old = _base;
        _base = grown;
        _capacity = newCapacity;
        _pool.FreeAligned(old);
        return _highWater++ * NodeSize;
    }

    private void FreeSlot(byte* b, int z)
    {
        IntervalNode* zn = At(b, z);
        zn->Color = Free;
        zn->Next = _freeList;
        _freeList = z;
        if (_notifyFree)
            OnFree(z); // why the flag: skip a virtual call per remove unless a payload must be released
    }

    /// <summary>
    /// Points the link from <paramref name="parent"/> (or the root) that named <paramref name="old"/> at
    /// <paramref name="child"/>, a subtree holding a subset of old's whose maximum is <paramref name="childMax"/>.
    /// </summary>
    /// <returns>
    /// True when the parent's own subtree maximum dropped, so the slots above it need <see cref="Propagate"/>. Why
    /// decide here: the slot's old value is the maximum that left, and if it does not exceed what the parent still
    /// covers nothing above changes; that is known from the parent's line alone, without loading the grandparent's
    /// (the usual case: a removed interval is rarely the last-ending one of its parent's subtree).
    /// </returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReplaceChild(byte* b, int parent, int old, int child, ulong childMax)
    {
        if (parent == None)
        {
            _root = child;
            return false;
        }
        IntervalNode* p = At(b, parent);
        nuint side = SideOf(p, old);
        (&p->Left)[side] = child;
        ulong* slot = &p->LeftMax + side;
        ulong lostMax = *slot;
        *slot = childMax;
        return lostMax > SubtreeMax(p);
    }

    /// <summary>
    /// Records a new leaf ending at <paramref name="last"/> below <paramref name="parent"/> on <paramref name="side"/>:
    /// sets that slot and raises the ancestors' slots on the leaf's path until one already reaches
    /// <paramref name="last"/> (then every slot above does too). Used for large trees only.
    /// </summary>
    /// <remarks>
    /// Why two strategies (measured: insert-only and remove+insert churn, 1k / 100k / 1M nodes): raising on the way
    /// down with an unconditional branch-free store per level is the fastest while the tree is cache-resident (1k:
    /// ~25% faster than the walk up), but it dirties every line on the path, and once the slab outgrows the caches
    /// the write-backs make it ~1.5-2x slower than the walk up (1M). The kernel's conditional store is a branch per
    /// level that is a coin toss near the leaf. Walking up instead stops after about two levels for random inserts,
    /// touches only lines the descent just loaded, and keeps the descent read-only. The switch sits at 16k nodes
    /// (1 MiB of slab, within any L2), well before the write-backs start to matter.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RaiseMaxima(byte* b, int parent, nuint side, ulong last)
    {
        IntervalNode* p = At(b, parent);
        (&p->LeftMax)[side] = last; // the slot named nil (max 0) before
        int child = parent;
        int node = p->Parent;
        while (node != None)
        {
            IntervalNode* n = At(b, node);
            ulong* slot = &n->LeftMax + SideOf(n, child);
            if (*slot >= last)
                break;
            *slot = last;
            child = node;
            node = n->Parent;
        }
    }

    /// <summary>
    /// After <paramref name="node"/>'s subtree maximum may have changed, refreshes the slot naming it in its parent,
    /// and so on upwards until the node <paramref name="stop"/> or the root is reached. Stops early when a slot already
    /// holds the fresh value: unchanged here means unchanged above (the kernel's RBCOMPUTE(node, true) early exit).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Propagate(byte* b, int node, int stop)
    {
        while (node != stop)
        {
            IntervalNode* n = At(b, node);
            int parent = n->Parent;
            if (parent == None)
                return;
            ulong m = SubtreeMax(n);
            IntervalNode* p = At(b, parent);
            ulong* slot = &p->LeftMax + SideOf(p, node);
            if (*slot == m)
                return;
            *slot = m;
            node = parent;
        }
    }

    /// <summary>
    /// Rotates at <paramref name="x"/>: for <paramref name="side"/> 0 a left rotation (x's right child rises), for 1 a
    /// right rotation (x's left child rises); x goes down on <paramref name="side"/> of the risen node. One function for
    /// both mirrors: the sides are indexes into Left/Right and LeftMax/RightMax.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // as the kernel's __rb_rotate_set_parents: no call per rotation
    private void Rotate(byte* b, int x, nuint side)
    {
        nuint other = side ^ 1;
        IntervalNode* xn = At(b, x);
        int y = (&xn->Left)[other];
        IntervalNode* yn = At(b, y);
        int beta = (&yn->Left)[side];
        (&xn->Left)[other] = beta;
        (&xn->LeftMax)[other] = (&yn->LeftMax)[side];
        // Unconditional: for a nil beta this writes the sentinel's Parent, which no fix-up step reads after a rotation
        // (they re-read parents only of real nodes); the sentinel's Parent is scratch space throughout.
        At(b, beta)->Parent = x;
        int xp = xn->Parent;
        yn->Parent = xp;
        if (xp == None)
            _root = y;
        else
        {
            IntervalNode* p = At(b, xp);
            (&p->Left)[SideOf(p, x)] = y; // the subtree keeps its nodes: p's max slot is unchanged
        }
        (&yn->Left)[side] = x;
        xn->Parent = y;
        // The augment rotate callback: y's slot for x now covers x and x's two remaining subtrees.
        (&yn->LeftMax)[side] = SubtreeMax(xn);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InsertFixup(byte* b, int z)
    {
        while (true)
        {
            int p = At(b, z)->Parent;
            IntervalNode* pn = At(b, p);
            if (pn->Color != Red)
                break; // also covers p == nil (black)
            int g = pn->Parent; // a red node is never the root, so g is real
            IntervalNode* gn = At(b, g);
            nuint side = SideOf(gn, p); // p is g's child on this side
            nuint other = side ^ 1;
            IntervalNode* un = At(b, (&gn->Left)[other]);
            if (un->Color == Red)
            {
                pn->Color = Black;
                un->Color = Black;
                gn->Color = Red;
                z = g;
                continue;
            }
            if (z == (&pn->Left)[other])
            {
                // Inner grandchild: rotate it to the outside first.
                z = p;
                Rotate(b, z, side);
                p = At(b, z)->Parent;
            }
            At(b, p)->Color = Black;
            gn->Color = Red;
            Rotate(b, g, other);
        }
        At(b, _root)->Color = Black;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DeleteFixup(byte* b, int x)
    {
        while (x != _root && At(b, x)->Color == Black)
        {
            int p = At(b, x)->Parent;
            IntervalNode* pn = At(b, p);
            // x is nil only when its sibling is real (a black deficit needs a black node on the other side), so the
            // comparison identifies x's side even then.
            nuint side = SideOf(pn, x);
            nuint other = side ^ 1;
            int w = (&pn->Left)[other];
            IntervalNode* wn = At(b, w);
            if (wn->Color == Red)
            {
                wn->Color = Black;
                pn->Color = Red;
                Rotate(b, p, side);
                w = (&pn->Left)[other];
                wn = At(b, w);
            }
            if (At(b, (&wn->Left)[side])->Color == Black && At(b, (&wn->Left)[other])->Color == Black)
            {
                wn->Color = Red;
                x = p;
                continue;
            }
            if (At(b, (&wn->Left)[other])->Color == Black)
            {
                At(b, (&wn->Left)[side])->Color = Black;
                wn->Color = Red;
                Rotate(b, w, other);
                w = (&pn->Left)[other];
                wn = At(b, w);
            }
            wn->Color = pn->Color;
            pn->Color = Black;
            At(b, (&wn->Left)[other])->Color = Black;
            Rotate(b, p, side);
            x = _root;
        }
        At(b, x)->Color = Black;
    }

    /// <summary>Runs <see cref="Validate"/> in builds that define IOMMUFD_CHECKED (Debug builds of this project).</summary>
    [Conditional("IOMMUFD_CHECKED")]
    public void CheckInvariants() => Validate();
}
