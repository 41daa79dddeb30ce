// Design: IntervalTree plus one caller payload per interval, stored in a pooled T[] parallel to the handle table (slot
// h of _values belongs to handle h).
//
// Why parallel and not inside the tree's leaves: queries and span walks never touch payloads, so keeping them out of
// the 256-byte nodes keeps twelve entries per leaf regardless of T, leaves payloads in place when a split moves
// entries, and lets T be a reference type (the simulator's area objects) without making the node slab GC-scanned.
//
// Invariant: _values.Length >= the handle table's length; slots of freed handles hold default(T) when T contains
// references (so a removed payload is not kept alive).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

/// <summary>An <see cref="IntervalTree"/> carrying a caller payload of type <typeparamref name="T"/> per node.</summary>
/// <typeparam name="T">The payload type.</typeparam>
public sealed class IntervalTree<T> : IntervalTree
{
    private T[] _values;

    /// <summary>Creates an empty tree.</summary>
    /// <param name="initialCapacity">Nodes to reserve up front.</param>
    /// <param name="pool">The pool for node and payload storage; <see cref="UnsafeMemoryPool.Shared"/> when null.</param>
    public IntervalTree(int initialCapacity = 16, UnsafeMemoryPool? pool = null)
        : base(initialCapacity, pool)
    {
        _notifyFree = RuntimeHelpers.IsReferenceOrContainsReferences<T>();
        try
        {
            _values = Pool.Rent<T>(initialCapacity + 1);
        }
        catch
        {
            Dispose(); // exception safety: return the node slab the base constructor rented
            throw;
        }
    }

    /// <summary>Inserts [start, last] with a payload; see <see cref="IntervalTree.Insert(ulong, ulong)"/>.</summary>
    /// <param name="start">First index (inclusive).</param>
    /// <param name="last">Last index (inclusive).</param>
    /// <param name="value">The payload.</param>
    /// <returns>The new node's handle.</returns>
    public int Insert(ulong start, ulong last, T value)
    {
        int node = Insert(start, last);
        _values[SlotOf(node)] = value;
        return node;
    }

    /// <summary>A reference to the payload of a live node.</summary>
    /// <param name="node">A live node handle.</param>
    /// <returns>The payload slot.</returns>
    public ref T this[int node]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (!IsLive(node))
                ThrowHelper.ThrowArgumentException_InvalidNode(node);
            return ref RtUnsafe.Add(ref MemoryMarshal.GetArrayDataReference(_values), (nint)(uint)SlotOf(node));
        }
    }

    private protected override void OnGrow(int newCapacity)
    {
        T[] grown = Pool.Rent<T>(newCapacity); // if this throws the base returns its new slab: nothing changes
        Array.Copy(_values, grown, Math.Min(_values.Length, newCapacity));
        T[] old = _values;
        _values = grown;
        Pool.Return(old);
    }

    private protected override void OnFree(int node)
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
            _values[SlotOf(node)] = default!;
    }

    private protected override void OnClear(int highWater)
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
            Array.Clear(_values, 0, Math.Min(highWater, _values.Length));
    }

    private protected override void OnDispose()
    {
        T[]? values = _values;
        if (values is null)
            return; // constructor failed before the payload array was rented
        _values = [];
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
            Array.Clear(values);
        Pool.Return(values);
    }
}
