// Design: PfnBatch.Cursor is the per-PFN fast path of PfnBatch (batch_add_pfn called once per page, as pinning does).
// PfnBatch.TryAdd(ulong) works on the batch in memory; gcc, after inlining the static batch_add_pfn into its caller,
// keeps end, total_pfns and the array pointers in registers. The cursor gives the JIT the same chance: a ref struct
// whose fields (end, the tail run's length, the PFN that would continue it, the total) are promoted to registers once
// its methods are inlined into the caller's loop, and written back to the batch on Flush/Dispose.
//
// What is stale while a cursor is open: the tail run's length in the buffer (it lives in _tail and reaches memory when
// the next run starts or on Flush) and the batch's _end/_totalPfns/_kind. So the batch is used only through the cursor
// until Flush; after Flush it is exactly what the same TryAdd(ulong) calls would have made.
//
// The two paths, and what each costs once inlined:
//  * extend the tail run (pfn == _next): _tail + 1, a test for the uint wrap (MAX_NPFNS reached), two register
//    increments. The total is not touched: we keep _base = total - tail, so extending changes only _tail.
//  * start a run: the full check, two stores (the finished run's length, the new first PFN), end + 1, and three register
//    updates; no other branch (see TryAdd for how the "is there a finished run" test is avoided).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

public partial struct PfnBatch
{
    /// <summary>
    /// A per-PFN adder over a batch (batch_add_pfn, one PFN at a time) that keeps the batch state in its own fields
    /// and writes it back on <see cref="Flush"/> / <see cref="Dispose"/>. Keep it in a local (<c>var c = new
    /// PfnBatch.Cursor(ref batch); … c.Flush();</c>): its methods inline, so the JIT holds those fields in registers
    /// (a <c>using</c> works too, but its try/finally makes the JIT store every field update to the stack). While a cursor
    /// is open, touch the batch only through it; after <see cref="Flush"/> the batch is exactly what the same
    /// <see cref="TryAdd(ulong)"/> calls would have made.
    /// </summary>
    public ref struct Cursor
    {
        private readonly ref PfnBatch _batch;
        private readonly ref ulong _firsts;
        private readonly ref uint _counts;

        // Why nint for the run count and capacity: the stores index the arrays with them, and a native-width index
        // folds into the address (counts[end - 1] is one mov with a -4 displacement) with no sign extension per PFN.
        private nint _end;
        private nint _capacity;         // 0 when the batch holds MMIO: every add fails, as batch_add_pfn's would

        // The tail run's length (stale in memory), at most uint.MaxValue. uint.MaxValue also stands for "no tail run":
        // both mean "the next PFN cannot extend", and both are caught by the same test, the wrap of the low 32 bits of
        // _tail + 1 to 0. Why a ulong holding a uint: adding it to _base then needs no zero extension per new run.
        private ulong _tail;
        private ulong _next;            // the PFN that continues the tail run (modulo 2^64, as in the kernel)

        // total_pfns - _tail, modulo 2^64. Why not the total itself: extending the tail run (the common case for
        // contiguous and huge-page memory) then updates one register instead of two. With no tail run _tail is
        // uint.MaxValue, so _base is 0 - uint.MaxValue and the sum is still the right total, 0.
        private ulong _base;

        /// <summary>Opens a cursor on an initialised batch.</summary>
        /// <param name="batch">The batch; it must outlive the cursor and not be used directly while the cursor is open.</param>
        /// <exception cref="InvalidOperationException">The batch is default or disposed.</exception>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Cursor(ref PfnBatch batch)
        {
            if (batch._storage is null)
                ThrowHelper.ThrowInvalidOperationException_NotInitialized();
            _batch = ref batch;
            ref byte b = ref MemoryMarshal.GetArrayDataReference(batch._storage!);
            _firsts = ref RtUnsafe.As<byte, ulong>(ref b);
            _counts = ref RtUnsafe.As<byte, uint>(ref RtUnsafe.Add(ref b, batch._arraySize * sizeof(ulong)));
            nint end = batch._end;
            _end = end;
            bool inert = end != 0 && batch._kind != PfnBatchKind.CpuMemory;
            _capacity = inert ? 0 : batch._arraySize;
            if (end != 0 && !inert)
            {
                _tail = RtUnsafe.Add(ref _counts, end - 1);
                _next = RtUnsafe.Add(ref _firsts, end - 1) + _tail;
            }
            else
            {
                _tail = uint.MaxValue; // nothing to extend
                _next = 0;
            }
            _base = batch._totalPfns - _tail;
        }

        /// <summary>Number of runs so far (the kernel's end).</summary>
        public readonly int Count => (int)_end;

        /// <summary>Total PFNs so far (the kernel's total_pfns).</summary>
        public readonly ulong TotalPfns => _base + _tail;

        /// <summary>Adds one CPU-memory PFN (batch_add_pfn): extends the tail run or starts a new one.</summary>
        /// <param name="pfn">The page frame number.</param>
        /// <returns>False when the batch is full (or holds MMIO).</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryAdd(ulong pfn)
        {
            if (pfn == _next)
            {
                // Why one test covers both refusals: a run at uint.MaxValue (MAX_NPFNS) and "no tail run" both have
                // _tail == uint.MaxValue, and only then does _tail + 1 wrap to 0.
                ulong tail = _tail + 1;
                if ((uint)tail != 0)
                {
                    _tail = tail;
                    _next++;
                    return true;
                }
            }
            nint end = _end;
            if (end >= _capacity)
                return false;
            // The finished run's length reaches memory now. Why no "end != 0" test: with end == 0, counts[-1] is the
            // high half of firsts[ArraySize - 1], inside the buffer and dead while the batch is empty (a live run
            // there needs end == ArraySize); with ArraySize == 1 it is firsts[0], which the next store overwrites.
            // So the dummy write is harmless and the new-run path has no branch besides the full check.
            RtUnsafe.Add(ref _counts, end - 1) = (uint)_tail;
            RtUnsafe.Add(ref _firsts, end) = pfn;
            _end = end + 1;
            _base += _tail; // total + 1 - 1: the new tail run has length 1 (and + uint.MaxValue with no tail run makes 0)
            _tail = 1;
            _next = pfn + 1;
            return true;
        }

        /// <summary>Empties the batch (batch_clear) and keeps the cursor open on it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Clear()
        {
            _batch.Clear();
            _end = 0;
            _tail = uint.MaxValue;
            _next = 0;
            _base = unchecked(0UL - uint.MaxValue);
            _capacity = _batch._arraySize; // Clear resets the kind to CPU memory
        }

        /// <summary>Writes the cursor's state back to the batch; the cursor stays usable.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Flush()
        {
            if (_capacity == 0)
                return; // an MMIO batch: nothing was added
            ref PfnBatch b = ref _batch;
            if (_end != 0)
            {
                RtUnsafe.Add(ref _counts, _end - 1) = (uint)_tail;
                b._kind = PfnBatchKind.CpuMemory; // an empty batch takes the kind of its first add
            }
            b._end = _end;
            b._totalPfns = _base + _tail;
            b.CheckLocal();
        }

        /// <summary>Flushes (see <see cref="Flush"/>); the batch itself stays alive. Never throws.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Dispose() => Flush();
    }
}
