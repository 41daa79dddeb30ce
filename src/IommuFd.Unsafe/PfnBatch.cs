// Design: the kernel's struct pfn_batch (drivers/iommu/iommufd/pages.c): a bounded vector of PFN runs used as
// temporary holding memory when shuttling PFNs between pinning, domains and accesses. Contiguous PFNs merge into one
// run, so work is done on the largest possible groups (fewer map calls, huge IOPTEs).
//
// What is stored where: one buffer of ArraySize * 12 bytes, exactly the kernel's single allocation: ulong first PFN
// of each run at [0, ArraySize * 8), then uint run length at [ArraySize * 8, ArraySize * 12). The buffer is rented
// from an UnsafeMemoryPool, capped at MemoryLimit bytes (TEMP_MEMORY_LIMIT, 64 KiB -> 5461 runs), or is a caller
// backup buffer on destroy paths (batch_init_backup), which is never returned to the pool (the batch's pool is then
// null).
//
// Invariants: 0 <= End <= ArraySize; every run in [0, End) has length >= 1 except transiently after SkipCarry empties
// a carried run (then TotalPfns is 0); TotalPfns = sum of run lengths; a run length never exceeds uint.MaxValue
// (MAX_NPFNS); one Kind per batch (CPU memory or MMIO), settable only while the batch is empty.
//
// Overflow: "continues the last run" is pfn == first + length computed modulo 2^64, as in the kernel.
// Checks: O(1) CheckLocal after mutations in Debug builds; the O(n) Validate in tests and IOMMUFD_CHECKED builds.
// This is a mutable struct, like the kernel's on-stack batch: pass it by ref, never copy a live batch (a copy would
// return the same buffer twice on Dispose).
// PfnBatch.Cursor (PfnBatch.Cursor.cs, a ref struct over a ref to the batch) is the per-PFN fast path: it holds end,
// the tail run's first PFN, the PFN that would continue it and the count of PFNs that extended a run in its own fields
// (registers, once inlined) and writes end, total and kind back on Flush/Dispose; the run arrays are always current,
// but between flushes the batch's own fields are stale, so the batch is used only through the cursor.
// Per-PFN costs: on the 2-core EPYC box these loops are bound by the four integer ALUs, so TryAdd, the cursor and
// AddPfns are shaped to spend as few compares, increments and address computations per PFN as possible (see each).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace IommuFd.Unsafe;

/// <summary>The kind of memory a <see cref="PfnBatch"/> holds (the kernel's enum batch_kind).</summary>
public enum PfnBatchKind
{
    /// <summary>Ordinary CPU memory (BATCH_CPU_MEMORY): mapped cacheable.</summary>
    CpuMemory = 0,

    /// <summary>Device memory such as a dma-buf BAR slice (BATCH_MMIO): mapped with IOMMU_MMIO.</summary>
    Mmio,
}

/// <summary>
/// A bounded vector of (first PFN, count) runs over pooled memory (the kernel's struct pfn_batch); contiguous PFNs
/// merge into the last run. A mutable struct: keep it in a local or field and pass it by ref.
/// </summary>
public partial struct PfnBatch : IDisposable
{
    /// <summary>TEMP_MEMORY_LIMIT: the largest buffer a batch rents, 64 KiB.</summary>
    public const int DefaultMemoryLimit = 65536;

    /// <summary>Bytes per run: an 8-byte first PFN plus a 4-byte count.</summary>
    public const int RunSize = sizeof(ulong) + sizeof(uint);

    /// <summary>BATCH_BACKUP_SIZE u64s: the size of the backup buffer destroy paths provide (256 bytes).</summary>
    public const int BackupSize = 32 * sizeof(ulong);

    /// <summary>PAGE_SIZE: the fallback allocation when the full budget cannot be rented.</summary>
    public const int FallbackSize = 4096;

    private byte[]? _storage;
    // The pool the storage goes back to; null when the storage is the caller's backup buffer. Why not a separate
    // backup field: every field of a batch a caller keeps in a local competes for registers in the caller's loop once
    // TryAdd is inlined and the batch promoted, and this one is needed only by Dispose.
    private UnsafeMemoryPool? _pool;
    // Why native-width: both index the run arrays on the per-PFN paths, where an int would need a sign extension per use.
    private nint _arraySize;
    private nint _end;
    private ulong _totalPfns;
    private PfnBatchKind _kind;

    /// <summary>
    /// Creates a batch able to hold runs for up to <paramref name="maxPages"/> pages (batch_init): rents
    /// min(maxPages * 12, <paramref name="memoryLimit"/>) bytes, falling back to one page when that rent fails.
    /// </summary>
    /// <param name="maxPages">The most pages the caller will add; sizes the buffer; at least 1.</param>
    /// <param name="pool">The pool; <see cref="UnsafeMemoryPool.Shared"/> when null.</param>
    /// <param name="memoryLimit">The byte budget (TEMP_MEMORY_LIMIT); at least <see cref="RunSize"/>.</param>
    /// <returns>An empty batch.</returns>
    /// <exception cref="OutOfMemoryException">Both rents failed (the kernel's ENOMEM).</exception>
    public static PfnBatch Create(ulong maxPages, UnsafeMemoryPool? pool = null, int memoryLimit = DefaultMemoryLimit)
    {
        var batch = default(PfnBatch);
        batch.Init(maxPages, pool ?? UnsafeMemoryPool.Shared, memoryLimit, backup: null);
        // Why a test that cannot fail (Init stores a buffer or throws): Create inlines into its caller, and this tells
        // the JIT that the caller's batch has storage, so the null test TryAdd(ulong) makes before its array accesses
        // folds away and the array bases become loop-invariant in a loop of adds.
        if (batch._storage is null)
            ThrowHelper.ThrowInvalidOperationException_NotInitialized();
        return batch;
    }

    /// <summary>
    /// Creates a batch that cannot fail (batch_init_backup), for destroy paths: when the pool cannot provide memory the
    /// batch uses <paramref name="backup"/>, which it never returns to the pool.
    /// </summary>
    /// <param name="maxPages">The most pages the caller will add; at least 1.</param>
    /// <param name="backup">Caller-owned backup storage of at least <see cref="RunSize"/> bytes (normally <see cref="BackupSize"/>).</param>
    /// <param name="pool">The pool; <see cref="UnsafeMemoryPool.Shared"/> when null.</param>
    /// <param name="memoryLimit">The byte budget.</param>
    /// <returns>An empty batch.</returns>
    public static PfnBatch CreateWithBackup(ulong maxPages, byte[] backup, UnsafeMemoryPool? pool = null, int memoryLimit = DefaultMemoryLimit)
    {
        ArgumentNullException.ThrowIfNull(backup);
        if (backup.Length < RunSize)
            ThrowHelper.ThrowArgumentOutOfRangeException(nameof(backup));
        var batch = default(PfnBatch);
        batch.Init(maxPages, pool ?? UnsafeMemoryPool.Shared, memoryLimit, backup);
        return batch;
    }

    // __batch_init + temp_kmalloc.
    private void Init(ulong maxPages, UnsafeMemoryPool pool, int memoryLimit, byte[]? backup)
    {
        if (maxPages == 0)
            ThrowHelper.ThrowArgumentOutOfRangeException(nameof(maxPages));
        if (memoryLimit < RunSize)
            ThrowHelper.ThrowArgumentOutOfRangeException(nameof(memoryLimit));
        _pool = pool;
        ulong wanted = maxPages > (ulong)int.MaxValue / RunSize ? int.MaxValue : maxPages * RunSize;
        int size;
        if (backup is not null && wanted < (ulong)backup.Length)
        {
            // Small requests use the backup directly, as temp_kmalloc does.
            _storage = backup;
            _pool = null;
            size = backup.Length;
        }
        else
        {
            size = (int)Math.Min(wanted, (ulong)memoryLimit);
            try
            {
                _storage = pool.Rent<byte>(size);
            }
            catch (OutOfMemoryException)
            {
                // Batching is only an optimisation: retry with one page, then fall back to the backup if given.
                size = Math.Min(FallbackSize, size);
                try
                {
                    _storage = pool.Rent<byte>(size);
                }
                catch (OutOfMemoryException) when (backup is not null)
                {
                    _storage = backup;
                    _pool = null;
                    size = backup.Length;
                }
            }
        }
        _arraySize = size / RunSize;
        Clear();
    }

    /// <summary>Number of runs (the kernel's end).</summary>
    public readonly int Count => (int)_end;

    /// <summary>Capacity in runs (the kernel's array_size).</summary>
    public readonly int ArraySize => (int)_arraySize;

    /// <summary>Total PFNs over all runs (the kernel's total_pfns).</summary>
    public readonly ulong TotalPfns => _totalPfns;

    /// <summary>The batch's memory kind.</summary>
    public readonly PfnBatchKind Kind => _kind;

    /// <summary>True if no run is held.</summary>
    public readonly bool IsEmpty => _end == 0;

    /// <summary>True if the batch uses the caller's backup buffer instead of pooled memory.</summary>
    public readonly bool UsesBackup => _storage is not null && _pool is null;

    /// <summary>The first PFN of each run, [0, <see cref="Count"/>).</summary>
    public readonly ReadOnlySpan<ulong> FirstPfns =>
        _storage is null ? default : MemoryMarshal.CreateReadOnlySpan(ref PfnsRef(), (int)_end);

    /// <summary>The length of each run, [0, <see cref="Count"/>).</summary>
    public readonly ReadOnlySpan<uint> RunLengths =>
        _storage is null ? default : MemoryMarshal.CreateReadOnlySpan(ref NpfnsRef(), (int)_end);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ref ulong PfnsRef() =>
        ref RtUnsafe.As<byte, ulong>(ref MemoryMarshal.GetArrayDataReference(_storage!));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ref uint NpfnsRef() =>
        ref RtUnsafe.As<byte, uint>(ref RtUnsafe.Add(ref MemoryMarshal.GetArrayDataReference(_storage!), _arraySize * sizeof(ulong)));

    /// <summary>Empties the batch and resets its kind (batch_clear).</summary>
    public void Clear()
    {
        if (_storage is null)
            ThrowHelper.ThrowInvalidOperationException_NotInitialized();
        _totalPfns = 0;
        _end = 0;
        PfnsRef() = 0;
        NpfnsRef() = 0;
        _kind = PfnBatchKind.CpuMemory;
    }

    /// <summary>Adds one CPU-memory PFN (batch_add_pfn).</summary>
    /// <param name="pfn">The page frame number.</param>
    /// <returns>False when the batch is full (or holds MMIO).</returns>
    /// <exception cref="InvalidOperationException">The batch is default or disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAdd(ulong pfn)
    {
        // Why fully inlined, with no call on any path (the MMIO refusal is a plain return, a default batch a throw
        // helper): pinning feeds PFNs one at a time, and each either extends the last run (THP, contiguous folios) or
        // starts a new one. gcc inlines the static batch_add_pfn and, since the batch never escapes, keeps its fields in
        // registers. A call taking this batch by ref would expose the caller's local to the JIT and pin every field
        // access to memory; without one, the JIT promotes the batch's fields to registers as gcc does.
        // Why the array bases are computed once, after one explicit null test: the JIT then knows the storage is not
        // null (no implicit null check per access) and both paths share the two address computations; a PFN that
        // starts a run (every PFN, for fragmented memory) goes through both paths.
        // Why nint fields and locals: end - 1 and the run arrays' bases fold into the addressing modes, with no sign
        // extension per use.
        byte[]? storage = _storage;
        if (storage is null)
            ThrowHelper.ThrowInvalidOperationException_NotInitialized();
        ref byte data = ref MemoryMarshal.GetArrayDataReference(storage!);
        ref ulong firsts = ref RtUnsafe.As<byte, ulong>(ref data);
        ref uint counts = ref RtUnsafe.As<byte, uint>(ref RtUnsafe.AddByteOffset(ref data, _arraySize * sizeof(ulong)));
        nint end = _end;
        if (end != 0)
        {
            if (_kind != PfnBatchKind.CpuMemory)
                return false; // one kind per batch
            // Why the length is read and written through the index rather than a ref local: a PFN that starts a run
            // only reads it, and an indexed load folds into one instruction where a ref would be an extra address
            // computation on that path.
            uint count = RtUnsafe.Add(ref counts, end - 1);
            if (pfn == RtUnsafe.Add(ref firsts, end - 1) + count && count != uint.MaxValue)
            {
                RtUnsafe.Add(ref counts, end - 1) = count + 1;
                _totalPfns++;
                return true;
            }
        }
        else
        {
            _kind = PfnBatchKind.CpuMemory; // an empty batch takes the kind of its first add (and is never full)
        }
        if (end < _arraySize)
        {
            RtUnsafe.Add(ref firsts, end) = pfn;
            RtUnsafe.Add(ref counts, end) = 1;
            _end = end + 1;
            _totalPfns++;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Adds <paramref name="count"/> contiguous PFNs starting at <paramref name="pfn"/> in one step
    /// (batch_add_pfn_num): extends the last run when <paramref name="pfn"/> continues it and the run length stays
    /// within uint.MaxValue, otherwise starts a run, otherwise reports full. A batch holds one kind; an empty batch
    /// takes the kind of its first add.
    /// </summary>
    /// <param name="pfn">The first PFN.</param>
    /// <param name="count">The number of PFNs; at least 1.</param>
    /// <param name="kind">The memory kind.</param>
    /// <returns>False when nothing was added (full, or another kind is held).</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool TryAdd(ulong pfn, uint count, PfnBatchKind kind)
    {
        if (_storage is null)
            ThrowHelper.ThrowInvalidOperationException_NotInitialized();
        nint end = _end;
        if (_kind != kind)
        {
            if (end != 0)
                return false; // one kind per batch
            _kind = kind;
        }
        // Why raw refs: this is the innermost loop of pinning and map/unmap; the two arrays live in one buffer and the
        // index is proven in range by end <= _arraySize, so bounds checks would only cost.
        ref byte b = ref MemoryMarshal.GetArrayDataReference(_storage!);
        ref ulong pfns = ref RtUnsafe.As<byte, ulong>(ref b);
        ref uint npfns = ref RtUnsafe.As<byte, uint>(ref RtUnsafe.Add(ref b, _arraySize * sizeof(ulong)));
        if (end != 0)
        {
            ref uint lastCount = ref RtUnsafe.Add(ref npfns, end - 1);
            if (pfn == RtUnsafe.Add(ref pfns, end - 1) + lastCount && count <= uint.MaxValue - lastCount)
            {
                lastCount += count;
                _totalPfns += count;
                return true;
            }
        }
        if (end < _arraySize)
        {
            RtUnsafe.Add(ref pfns, end) = pfn;
            RtUnsafe.Add(ref npfns, end) = count;
            _end = end + 1;
            _totalPfns += count;
            CheckLocal();
            return true;
        }
        return false;
    }

    /// <summary>
    /// Adds CPU-memory PFNs in order until the batch is full (batch_from_pages: one batch_add_pfn per page), merging
    /// contiguous ones into runs exactly as <see cref="TryAdd(ulong)"/> would.
    /// </summary>
    /// <param name="pfns">The PFNs, in order.</param>
    /// <returns>How many PFNs were added (a prefix of <paramref name="pfns"/>); fewer than its length means full.</returns>
    // Why AggressiveOptimization (compiled optimized once, no tiering, no profile): with tiered PGO the code this bulk loop
    // ran in depended on timing and on which stream shape came first; after a contiguous warm-up we measured runs stuck
    // at ~0.85 ns per fragmented PFN instead of ~0.18 ns in about half of the processes. A loop this size gains nothing
    // from a profile that the stream shape can invalidate at any time.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int AddPfns(ReadOnlySpan<ulong> pfns)
    {
        if (_storage is null)
            ThrowHelper.ThrowInvalidOperationException_NotInitialized();
        if (_kind != PfnBatchKind.CpuMemory)
        {
            if (_end != 0)
                return 0; // one kind per batch
            _kind = PfnBatchKind.CpuMemory;
        }
        // Why a bulk loop: the batch state (run count, the PFN that would continue the tail run) lives in locals, with
        // no call and no field reload per PFN, and the two common shapes are measured many PFNs at a time:
        //  * a streak of consecutive PFNs (THP, hugetlbfs, memfd folios) extends the tail run by its whole length at
        //    once; comparing four at a time against next + {0, 1, 2, 3} measures a 512-PFN folio in 128 compares;
        //  * a stretch of PFNs none of which continues its predecessor (fragmented memory: every PFN a new run) is
        //    copied four runs at a time (see below).
        // Why nint indexes: they fold into the addressing modes with no sign extension per access.
        ref byte b = ref MemoryMarshal.GetArrayDataReference(_storage);
        ref ulong firsts = ref RtUnsafe.As<byte, ulong>(ref b);
        ref uint counts = ref RtUnsafe.As<byte, uint>(ref RtUnsafe.Add(ref b, _arraySize * sizeof(ulong)));
        ref ulong src = ref MemoryMarshal.GetReference(pfns);
        nint capacity = _arraySize;
        nint n = pfns.Length;
        nint end = _end;
        nint i = 0;
        // The PFN that continues the tail run. Once a PFN has been added it is src[i - 1] + 1 (the tail run ends at the
        // PFN added last), which is how it is recomputed after the bulk loops instead of being tracked in them.
        ulong next = end != 0 ? RtUnsafe.Add(ref firsts, end - 1) + RtUnsafe.Add(ref counts, end - 1) : 0;
        while (i < n)
        {
            ulong pfn = RtUnsafe.Add(ref src, i);
            if (pfn == next && end != 0)
            {
                ref uint tail = ref RtUnsafe.Add(ref counts, end - 1);
                nint streak = StreakLength(ref RtUnsafe.Add(ref src, i), (nint)Math.Min((nuint)(n - i), uint.MaxValue - tail), next);
                if (streak != 0)
                {
                    tail += (uint)streak;
                    next += (ulong)streak;
                    i += streak;
                    continue;
                }
                // The tail run is at uint.MaxValue (MAX_NPFNS): this PFN starts a new run.
            }
            if (end == capacity)
                break; // full: this PFN would need a new run
            RtUnsafe.Add(ref firsts, end) = pfn;
            RtUnsafe.Add(ref counts, end) = 1;
            end++;
            i++;
            if (Vector256.IsHardwareAccelerated)
            {
                // Fragmented memory: src[i + k] starts a new run unless it equals src[i + k - 1] + 1 (for k = 0 that is
                // the PFN just added, so the test is exact). One compare of src[i..i+3] against src[i-1..i+2] + 1
                // finds how many of the next four PFNs start runs; all four lanes are stored (firsts[end..end+3] and
                // counts of 1) because slots past the new end are dead and the budget keeps the stores in bounds, and
                // only the new-run prefix is kept. Two loads, two stores and a compare per four PFNs, where the kernel
                // does two stores, two increments and two compares per PFN.
                nint budget = Math.Min(n - i, capacity - end);
                Vector128<uint> ones = Vector128<uint>.One;
                while (budget >= Vector256<ulong>.Count)
                {
                    Vector256<ulong> cur = Vector256.LoadUnsafe(ref src, (nuint)i);
                    Vector256<ulong> prev = Vector256.LoadUnsafe(ref RtUnsafe.Add(ref src, i - 1));
                    uint continues = Vector256.Equals(cur, prev + Vector256<ulong>.One).ExtractMostSignificantBits();
                    cur.StoreUnsafe(ref firsts, (nuint)end);
                    ones.StoreUnsafe(ref counts, (nuint)end);
                    if (continues != 0)
                    {
                        // src[i + k] continues its predecessor: keep the k new runs before it; the streak path takes it.
                        nint k = BitOperations.TrailingZeroCount(continues);
                        end += k;
                        i += k;
                        break;
                    }
                    end += Vector256<ulong>.Count;
                    i += Vector256<ulong>.Count;
                    budget -= Vector256<ulong>.Count;
                }
            }
            next = RtUnsafe.Add(ref src, i - 1) + 1;
        }
        _end = end;
        _totalPfns += (ulong)i;
        CheckLocal();
        return (int)i;
    }

    // How many leading PFNs of src[0..limit) continue next, next + 1, ... (limit is at most the tail run's headroom).
    // Why vectors: contiguous memory arrives as long streaks of consecutive PFNs; comparing four at a time against
    // next + {0, 1, 2, 3} measures a 512-PFN folio in 128 compares. Why inlined: a call inside AddPfns's loop would make
    // the JIT keep that loop's state in callee-saved registers and on the stack, reloading it on every PFN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint StreakLength(ref ulong src, nint limit, ulong next)
    {
        nint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<ulong> expected = Vector256.Create(next) + Vector256.Create(0UL, 1UL, 2UL, 3UL);
            Vector256<ulong> step = Vector256.Create((ulong)Vector256<ulong>.Count);
            while (i <= limit - Vector256<ulong>.Count && Vector256.LoadUnsafe(ref src, (nuint)i) == expected)
            {
                i += Vector256<ulong>.Count;
                expected += step;
            }
        }
        while (i < limit && RtUnsafe.Add(ref src, i) == next + (ulong)i)
            i++;
        return i;
    }

    /// <summary>Removes <paramref name="count"/> PFNs from the end of the last run (batch_remove_pfn_num).</summary>
    /// <param name="count">At most the last run's length.</param>
    public void RemoveLast(uint count)
    {
        if (_end == 0 || RunLengths[(int)_end - 1] < count)
            ThrowHelper.ThrowArgumentOutOfRangeException(nameof(count));
        ref uint last = ref RtUnsafe.Add(ref NpfnsRef(), _end - 1);
        last -= count;
        if (last == 0)
            _end--;
        _totalPfns -= count;
    }

    /// <summary>
    /// Clears the batch but carries the final <paramref name="keepPfns"/> PFNs of the last run (part of a huge page)
    /// to the front as run 0 (batch_clear_carry). 0 is a plain <see cref="Clear"/>.
    /// </summary>
    /// <param name="keepPfns">PFNs to keep; at most the last run's length.</param>
    public void ClearCarry(uint keepPfns)
    {
        if (keepPfns == 0)
        {
            Clear();
            return;
        }
        if (_end == 0 || RunLengths[(int)_end - 1] < keepPfns)
            ThrowHelper.ThrowArgumentOutOfRangeException(nameof(keepPfns));
        ref ulong pfns = ref PfnsRef();
        ref uint npfns = ref NpfnsRef();
        ulong lastFirst = RtUnsafe.Add(ref pfns, _end - 1);
        uint lastCount = RtUnsafe.Add(ref npfns, _end - 1);
        _totalPfns = keepPfns;
        pfns = lastFirst + (lastCount - keepPfns);
        npfns = keepPfns;
        _end = 1;
        CheckLocal();
    }

    /// <summary>
    /// Drops the first <paramref name="skipPfns"/> PFNs of a carried batch (batch_skip_carry); the batch must hold only
    /// the carried run. Skipping more than it holds empties it.
    /// </summary>
    /// <param name="skipPfns">PFNs to skip.</param>
    public void SkipCarry(uint skipPfns)
    {
        if (_totalPfns == 0)
            return;
        if (_end != 1 || _totalPfns != RunLengths[0])
            ThrowHelper.ThrowInvalidOperationException_Invariant("SkipCarry needs a batch holding only its carried run");
        uint skip = (uint)Math.Min(_totalPfns, skipPfns);
        PfnsRef() += skip;
        NpfnsRef() -= skip;
        _totalPfns -= skip;
        CheckLocal();
    }

    /// <summary>Returns pooled storage (batch_destroy). Never throws; a second call does nothing.</summary>
    public void Dispose()
    {
        byte[]? storage = _storage;
        _storage = null;
        _arraySize = 0;
        _end = 0;
        _totalPfns = 0;
        if (storage is not null)
            _pool?.Return(storage);
    }

    /// <summary>Checks the batch invariants; throws <see cref="InvalidOperationException"/> on a violation.</summary>
    internal readonly void Validate()
    {
        if (_storage is null)
            return;
        if ((nuint)_end > (nuint)_arraySize || (long)_arraySize * RunSize > _storage.Length)
            ThrowHelper.ThrowInvalidOperationException_Invariant("end/array size out of range");
        ulong total = 0;
        ReadOnlySpan<uint> lengths = RunLengths;
        for (int i = 0; i < lengths.Length; i++)
            total += lengths[i];
        if (total != _totalPfns)
            ThrowHelper.ThrowInvalidOperationException_Invariant($"total_pfns {_totalPfns} != sum of runs {total}");
    }

    /// <summary>O(1) checks compiled into Debug builds: run count within capacity, tail run consistent with the total.</summary>
    [System.Diagnostics.Conditional("DEBUG")]
    private readonly void CheckLocal()
    {
        if (_storage is null)
            return;
        if ((nuint)_end > (nuint)_arraySize || (long)_arraySize * RunSize > _storage.Length)
            ThrowHelper.ThrowInvalidOperationException_Invariant("end/array size out of range");
        if (_end != 0 && RtUnsafe.Add(ref NpfnsRef(), _end - 1) > _totalPfns)
            ThrowHelper.ThrowInvalidOperationException_Invariant("tail run longer than total_pfns");
    }

    /// <summary>Runs <see cref="Validate"/> in IOMMUFD_CHECKED builds.</summary>
    [System.Diagnostics.Conditional("IOMMUFD_CHECKED")]
    public readonly void CheckInvariants() => Validate();
}
