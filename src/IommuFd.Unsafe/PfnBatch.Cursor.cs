// Design: PfnBatch.Cursor is the per-PFN fast path of PfnBatch (batch_add_pfn called once per page, as pinning does).
// PfnBatch.TryAdd(ulong) works on the batch's fields; gcc, after inlining the static batch_add_pfn into its caller,
// keeps end, total_pfns and the array pointers in registers. The cursor gives the JIT the same chance whatever the
// caller does with its batch: a ref struct whose fields (end, the tail run's length and the PFN that would continue it,
// a PFN count) are promoted to registers once its methods are inlined into the caller's loop.
//
// What is stale while a cursor is open: only the batch's scalar fields (_end, _totalPfns, _kind), written back on
// Flush/Dispose. The run arrays in the buffer are always current (every add stores the run length it changes). So the
// batch is used only through the cursor until Flush; after Flush it is exactly what the same TryAdd(ulong) calls would
// have made.
//
// Cost model, measured with perf on the 2-core EPYC box: this loop is bound by the four integer ALUs (compares,
// branches, increments and moves of immediates all take a slot; stores and loads do not), so the paths are trimmed in
// ALU operations, and the run-length test works on a register chain rather than on values derived from the PFN loads:
//  * extend the tail run (pfn == _next): _tail + 1 with one test for its wrap (which catches both MAX_NPFNS and "no tail
//    run"), one store of the new length, next + 1 and one increment of the count of extending PFNs;
//  * start a run: the full check, two stores (first PFN, length 1), end + 1, tail = 1, next = pfn + 1, and no total to
//    update: the total is end + the number of PFNs that extended a run.
// Why the length is stored on every extension rather than when the run ends: the new-run path then needs no store of
// the finished run's length, hence no special case for the first run, and the buffer never goes stale.
// (Measured alternatives, same loop, same run: deriving the length as next - first, which saves tail = 1 on new runs,
// was 15-40 % slower on huge-page streams; the earlier design that kept the length only in a register, stored it when
// the run ended and kept the total as base + tail was about 20 % slower on fragmented streams.)
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IommuFd.Unsafe;

public partial struct PfnBatch
{
    /// <summary>
    /// A per-PFN adder over a batch (batch_add_pfn, one PFN at a time) that keeps the batch's run count and total in its
    /// own fields and writes them back on <see cref="Flush"/> / <see cref="Dispose"/>. Keep it in a local (<c>var c = new
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

        // The tail run's length. uint.MaxValue also stands for "no tail run": both mean "the next PFN cannot extend",
        // and both are caught by the same test, the wrap of _tail + 1 to 0.
        private uint _tail;
        private ulong _next;            // the PFN that continues the tail run (modulo 2^64, as in the kernel)

        // total_pfns - end, modulo 2^64: how many PFNs extended a run rather than starting one. Why not the total itself:
        // every PFN adds one to either end or this, so starting a run (every PFN, for fragmented memory) needs no
        // update of it at all.
        private ulong _extended;

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
            _extended = batch._totalPfns - (ulong)end;
        }

        /// <summary>Number of runs so far (the kernel's end).</summary>
        public readonly int Count => (int)_end;

        /// <summary>Total PFNs so far (the kernel's total_pfns).</summary>
        public readonly ulong TotalPfns => (ulong)_end + _extended;

        /// <summary>Adds one CPU-memory PFN (batch_add_pfn): extends the tail run or starts a new one.</summary>
        /// <param name="pfn">The page frame number.</param>
        /// <returns>False when the batch is full (or holds MMIO).</returns>
        // Why AggressiveOptimization on an always-inlined method: it keeps the method out of tiered PGO, so the inlined
        // copy carries no profile of its own and its block layout is the same whatever stream shape ran first. With a
        // profile from contiguous input the JIT moves the new-run path out of line (three taken branches per fragmented
        // PFN, ~0.7 ns instead of ~0.5 ns, depending on tiering timing); without one both paths cost two taken branches.
        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public bool TryAdd(ulong pfn)
        {
            if (pfn == _next)
            {
                uint tail = _tail + 1;
                if (tail != 0)
                {
                    RtUnsafe.Add(ref _counts, _end - 1) = tail;
                    _tail = tail;
                    _next++;
                    _extended++;
                    return true;
                }
            }
            nint end = _end;
            if (end >= _capacity)
                return false;
            RtUnsafe.Add(ref _firsts, end) = pfn;
            RtUnsafe.Add(ref _counts, end) = 1;
            _end = end + 1;
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
            _extended = 0;
            _capacity = _batch._arraySize; // Clear resets the kind to CPU memory
        }

        /// <summary>Writes the cursor's run count and total back to the batch; the cursor stays usable.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Flush()
        {
            if (_capacity == 0)
                return; // an MMIO batch: nothing was added
            ref PfnBatch b = ref _batch;
            if (_end != 0)
                b._kind = PfnBatchKind.CpuMemory; // an empty batch takes the kind of its first add
            b._end = _end;
            b._totalPfns = (ulong)_end + _extended;
            b.CheckLocal();
        }

        /// <summary>Flushes (see <see cref="Flush"/>); the batch itself stays alive. Never throws.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Dispose() => Flush();
    }
}
