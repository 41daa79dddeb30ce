// Interval tree, span iterator and IOVA allocator vs the kernel's own C in the same run (Baseline = true per category).
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using IommuFd.Unsafe;

namespace IommuFd.Benchmarks.Unsafe;

/// <summary>
/// IommuFd.Unsafe's interval tree, span iterator and IOVA allocator against their anchor, the kernel's own C
/// (lib/interval_tree.c, lib/rbtree.c, the span iterator, pages.c's double span and io_pagetable.c's iopt_alloc_iova,
/// built at bench time with gcc -O2), in the same run, on the same operation sequences; plus a SortedSet-based managed
/// alternative. Goal: ≥ 1.0× the kernel on updates, ≥ 1.3× on queries and span walks, 0 B allocated.
/// The baseline keeps the kernel's nodes in a dense array, 48 bytes apart: denser than the kernel ever lays them out.
/// The KernelKmalloc64 and KernelIoptArea rows run the same kernel code with the nodes where kmalloc puts them: in
/// kmalloc-64 (a kmalloc'ed interval_tree_node, iommufd's iopt_reserved and iopt_allowed) and in kmalloc-192 (iommufd's
/// struct iopt_area, 144 bytes, which embeds the IOAS area tree's node).
/// Units: Insert = one build of N nodes from empty (the insert order rotates over 8 permutations, identically on every
/// side); RemoveInsert = one remove + insert pair at size N; Query = one
/// iter_first/iter_next query; Spans = one span walk over a window of ~16 areas; AllocIova = one allocation.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class IntervalTreeBenchmarks
{
    private IntervalWorkload _w = null!;
    private void* _kTree;
    private void* _kBuild;
    private void* _kTree64, _kBuild64, _kTree192, _kBuild192;
    private void* _kReserved;
    private void* _kAllowed;
    private IntervalTree _tree = null!;
    private IntervalTree _build = null!;
    private IntervalTree _reserved = null!;
    private IntervalTree _allowed = null!;
    private int[] _handles = null!;
    private SortedSetIntervals _set = null!;
    private SortedSetIntervals _setBuild = null!;
    // Node strides of the kernel-layout rows: kmalloc-64, and kmalloc-192 for struct iopt_area (144 bytes in 7.2).
    private const nuint Kmalloc64Stride = 64;
    private const nuint IoptAreaStride = 192;

    private uint _kRound, _oRound, _sRound, _kQuery, _oQuery, _sQuery, _kSpan, _oSpan, _sSpan;

    /// <summary>Number of intervals in the tree.</summary>
    [Params(1_000, 100_000, 1_000_000)]
    public int N { get; set; }

    /// <summary>Builds the workload and the three structures over it.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _w = new IntervalWorkload(N);
        ulong* starts = _w.Starts.Pointer, lasts = _w.Lasts.Pointer;
        uint* order = _w.Order.Pointer;

        _kTree = KernelAnchors.TreeCreate((nuint)N);
        _kBuild = KernelAnchors.TreeCreate((nuint)N);
        KernelAnchors.TreeInsert(_kTree, starts, lasts, order, (nuint)N);
        _kTree64 = KernelAnchors.TreeCreateLayout((nuint)N, Kmalloc64Stride);
        _kBuild64 = KernelAnchors.TreeCreateLayout((nuint)N, Kmalloc64Stride);
        _kTree192 = KernelAnchors.TreeCreateLayout((nuint)N, IoptAreaStride);
        _kBuild192 = KernelAnchors.TreeCreateLayout((nuint)N, IoptAreaStride);
        KernelAnchors.TreeInsert(_kTree64, starts, lasts, order, (nuint)N);
        KernelAnchors.TreeInsert(_kTree192, starts, lasts, order, (nuint)N);

        _tree = new IntervalTree(N);
        _build = new IntervalTree(N);
        _handles = new int[N];
        for (int i = 0; i < N; i++)
        {
            uint j = order[i];
            _handles[j] = _tree.Insert(starts[j], lasts[j]);
        }

        // The IOAS of the allocation benchmark: the areas above, a reserved first 1 MiB and top page range, no allowed list.
        _reserved = new IntervalTree();
        _reserved.Insert(0, (1UL << 20) - 1);
        _reserved.Insert(ulong.MaxValue - (1UL << 30), ulong.MaxValue);
        _allowed = new IntervalTree();
        _kReserved = KernelAnchors.TreeCreate(2);
        _kAllowed = KernelAnchors.TreeCreate(1);
        ulong* rs = stackalloc ulong[] { 0, ulong.MaxValue - (1UL << 30) };
        ulong* rl = stackalloc ulong[] { (1UL << 20) - 1, ulong.MaxValue };
        uint* ro = stackalloc uint[] { 0, 1 };
        KernelAnchors.TreeInsert(_kReserved, rs, rl, ro, 2);

        _set = new SortedSetIntervals();
        _setBuild = new SortedSetIntervals();
        for (int i = 0; i < N; i++)
            _set.Insert(starts[order[i]], lasts[order[i]], (int)order[i]); // same random order: no key-ordered heap

        // Same answers from both implementations, or the comparison means nothing.
        Agree("query", KernelQuery(), IommuFdQuery());
        Agree("spans", KernelSpans(), IommuFdSpans());
        Agree("alloc iova", KernelAllocIova(), IommuFdAllocIova());
        _kQuery = _kSpan = _oQuery = _oSpan = 0;
        Agree("query (kmalloc-64 layout)", KernelQuery(_kTree64), IommuFdQuery());
        Agree("spans (kmalloc-64 layout)", KernelSpans(_kTree64), IommuFdSpans());
        _kQuery = _kSpan = _oQuery = _oSpan = 0;
        Agree("query (iopt_area layout)", KernelQuery(_kTree192), IommuFdQuery());
        Agree("spans (iopt_area layout)", KernelSpans(_kTree192), IommuFdSpans());
        for (int k = 1; k < IntervalWorkload.InsertOrderCount; k++)
        {
            Agree("query", KernelQuery(), IommuFdQuery());
            Agree("spans", KernelSpans(), IommuFdSpans());
        }
    }

    private static void Agree(string what, ulong kernel, ulong ours)
    {
        if (kernel != ours)
            throw new InvalidOperationException($"kernel anchor and IommuFd.Unsafe disagree on {what}: {kernel} vs {ours}");
    }

    /// <summary>Frees native memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        KernelAnchors.TreeDestroy(_kTree);
        KernelAnchors.TreeDestroy(_kBuild);
        KernelAnchors.TreeDestroy(_kTree64);
        KernelAnchors.TreeDestroy(_kBuild64);
        KernelAnchors.TreeDestroy(_kTree192);
        KernelAnchors.TreeDestroy(_kBuild192);
        KernelAnchors.TreeDestroy(_kReserved);
        KernelAnchors.TreeDestroy(_kAllowed);
        _tree.Dispose();
        _build.Dispose();
        _reserved.Dispose();
        _allowed.Dispose();
        _w.Dispose();
    }

    // ---- Insert: build N from empty (storage reused) ----

    /// <summary>Kernel: interval_tree_insert × N.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("Insert")]
    public void Kernel_Insert() => KernelInsert(_kBuild);

    /// <summary>Kernel, nodes in kmalloc-64 objects: interval_tree_insert × N.</summary>
    [Benchmark, BenchmarkCategory("Insert")]
    public void KernelKmalloc64_Insert() => KernelInsert(_kBuild64);

    /// <summary>Kernel, nodes in iopt_area objects (kmalloc-192): interval_tree_insert × N.</summary>
    [Benchmark, BenchmarkCategory("Insert")]
    public void KernelIoptArea_Insert() => KernelInsert(_kBuild192);

    private void KernelInsert(void* tree)
    {
        uint* order = _w.InsertOrders[_kRound++ % IntervalWorkload.InsertOrderCount].Pointer;
        KernelAnchors.TreeClear(tree);
        KernelAnchors.TreeInsert(tree, _w.Starts.Pointer, _w.Lasts.Pointer, order, (nuint)N);
    }

    /// <summary>IommuFd.Unsafe: IntervalTree.Insert × N.</summary>
    [Benchmark, BenchmarkCategory("Insert")]
    public int IommuFd_Insert()
    {
        IntervalTree t = _build;
        t.Clear();
        ulong* starts = _w.Starts.Pointer, lasts = _w.Lasts.Pointer;
        uint* order = _w.InsertOrders[_oRound++ % IntervalWorkload.InsertOrderCount].Pointer;
        int h = 0;
        for (int i = 0; i < N; i++)
        {
            uint j = order[i];
            h = t.Insert(starts[j], lasts[j]);
        }
        return h;
    }

    /// <summary>SortedSet: Add × N.</summary>
    [Benchmark, BenchmarkCategory("Insert")]
    public void SortedSet_Insert()
    {
        _setBuild.Clear();
        ulong* starts = _w.Starts.Pointer, lasts = _w.Lasts.Pointer;
        uint* order = _w.InsertOrders[_sRound++ % IntervalWorkload.InsertOrderCount].Pointer;
        for (int i = 0; i < N; i++)
        {
            uint j = order[i];
            _setBuild.Insert(starts[j], lasts[j], (int)j);
        }
    }

    // ---- RemoveInsert: steady-state churn at size N ----

    /// <summary>Kernel: interval_tree_remove + interval_tree_insert.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = IntervalWorkload.Churn), BenchmarkCategory("RemoveInsert")]
    public void Kernel_RemoveInsert() => KernelAnchors.TreeRemoveInsert(_kTree, _w.ChurnSlots.Pointer, IntervalWorkload.Churn);

    /// <summary>Kernel, nodes in kmalloc-64 objects: interval_tree_remove + interval_tree_insert.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.Churn), BenchmarkCategory("RemoveInsert")]
    public void KernelKmalloc64_RemoveInsert() => KernelAnchors.TreeRemoveInsert(_kTree64, _w.ChurnSlots.Pointer, IntervalWorkload.Churn);

    /// <summary>Kernel, nodes in iopt_area objects (kmalloc-192): interval_tree_remove + interval_tree_insert.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.Churn), BenchmarkCategory("RemoveInsert")]
    public void KernelIoptArea_RemoveInsert() => KernelAnchors.TreeRemoveInsert(_kTree192, _w.ChurnSlots.Pointer, IntervalWorkload.Churn);

    /// <summary>IommuFd.Unsafe: Remove + Insert.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.Churn), BenchmarkCategory("RemoveInsert")]
    public void IommuFd_RemoveInsert()
    {
        IntervalTree t = _tree;
        int[] handles = _handles;
        ulong* starts = _w.Starts.Pointer, lasts = _w.Lasts.Pointer;
        uint* churn = _w.ChurnOrder.Pointer;
        for (int i = 0; i < IntervalWorkload.Churn; i++)
        {
            uint j = churn[i];
            t.Remove(handles[j]);
            handles[j] = t.Insert(starts[j], lasts[j]);
        }
    }

    /// <summary>SortedSet: Remove + Add.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.Churn), BenchmarkCategory("RemoveInsert")]
    public void SortedSet_RemoveInsert()
    {
        ulong* starts = _w.Starts.Pointer, lasts = _w.Lasts.Pointer;
        uint* churn = _w.ChurnOrder.Pointer;
        for (int i = 0; i < IntervalWorkload.Churn; i++)
        {
            uint j = churn[i];
            _set.Remove(starts[j], lasts[j], (int)j);
            _set.Insert(starts[j], lasts[j], (int)j);
        }
    }

    // ---- Query: iter_first + iter_next over all matches ----

    /// <summary>Kernel: interval_tree_iter_first / iter_next.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = IntervalWorkload.Queries), BenchmarkCategory("Query")]
    public ulong Kernel_Query() => KernelQuery();

    /// <summary>Kernel, nodes in kmalloc-64 objects: interval_tree_iter_first / iter_next.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.Queries), BenchmarkCategory("Query")]
    public ulong KernelKmalloc64_Query() => KernelQuery(_kTree64);

    /// <summary>Kernel, nodes in iopt_area objects (kmalloc-192): interval_tree_iter_first / iter_next.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.Queries), BenchmarkCategory("Query")]
    public ulong KernelIoptArea_Query() => KernelQuery(_kTree192);

    private ulong KernelQuery() => KernelQuery(_kTree);

    private ulong KernelQuery(void* tree)
    {
        int set = (int)(_kQuery++ % IntervalWorkload.InsertOrderCount) * IntervalWorkload.Queries;
        return KernelAnchors.TreeQuery(tree, _w.QueryStarts.Pointer + set, _w.QueryLasts.Pointer + set, IntervalWorkload.Queries);
    }

    /// <summary>IommuFd.Unsafe: IterFirst / IterNext.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.Queries), BenchmarkCategory("Query")]
    public ulong IommuFd_Query() => IommuFdQuery();

    private ulong IommuFdQuery()
    {
        IntervalTree t = _tree;
        int set = (int)(_oQuery++ % IntervalWorkload.InsertOrderCount) * IntervalWorkload.Queries;
        ulong* qs = _w.QueryStarts.Pointer + set, ql = _w.QueryLasts.Pointer + set;
        ulong acc = 0;
        for (int i = 0; i < IntervalWorkload.Queries; i++)
        {
            ulong s = qs[i], l = ql[i];
            for (int n = t.IterFirst(s, l); n != IntervalTree.None; n = t.IterNext(n, s, l))
                acc += t.StartOf(n);
        }
        return acc;
    }

    /// <summary>SortedSet: GetViewBetween + filter.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.Queries), BenchmarkCategory("Query")]
    public ulong SortedSet_Query()
    {
        int set = (int)(_sQuery++ % IntervalWorkload.InsertOrderCount) * IntervalWorkload.Queries;
        ulong* qs = _w.QueryStarts.Pointer + set, ql = _w.QueryLasts.Pointer + set;
        ulong acc = 0;
        for (int i = 0; i < IntervalWorkload.Queries; i++)
            acc += _set.Query(qs[i], ql[i]);
        return acc;
    }

    // ---- Spans: span iterator over a window of ~16 areas ----

    /// <summary>Kernel: interval_tree_for_each_span.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = IntervalWorkload.SpanWindows), BenchmarkCategory("Spans")]
    public ulong Kernel_Spans() => KernelSpans();

    /// <summary>Kernel, nodes in kmalloc-64 objects: interval_tree_for_each_span.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.SpanWindows), BenchmarkCategory("Spans")]
    public ulong KernelKmalloc64_Spans() => KernelSpans(_kTree64);

    /// <summary>Kernel, nodes in iopt_area objects (kmalloc-192): interval_tree_for_each_span.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.SpanWindows), BenchmarkCategory("Spans")]
    public ulong KernelIoptArea_Spans() => KernelSpans(_kTree192);

    private ulong KernelSpans() => KernelSpans(_kTree);

    private ulong KernelSpans(void* tree)
    {
        int set = (int)(_kSpan++ % IntervalWorkload.InsertOrderCount) * IntervalWorkload.SpanWindows;
        return KernelAnchors.TreeSpans(tree, _w.SpanFirsts.Pointer + set, _w.SpanLasts.Pointer + set, IntervalWorkload.SpanWindows);
    }

    /// <summary>IommuFd.Unsafe: IntervalSpanIterator.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.SpanWindows), BenchmarkCategory("Spans")]
    public ulong IommuFd_Spans() => IommuFdSpans();

    private ulong IommuFdSpans()
    {
        IntervalTree t = _tree;
        int set = (int)(_oSpan++ % IntervalWorkload.InsertOrderCount) * IntervalWorkload.SpanWindows;
        ulong* fs = _w.SpanFirsts.Pointer + set, ls = _w.SpanLasts.Pointer + set;
        ulong acc = 0;
        for (int i = 0; i < IntervalWorkload.SpanWindows; i++)
        {
            for (var it = new IntervalSpanIterator(t, fs[i], ls[i]); !it.Done; it.Next())
                acc += it.Last + (it.IsHole ? 1UL : 0UL);
        }
        return acc;
    }

    /// <summary>SortedSet: view + merge.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.SpanWindows), BenchmarkCategory("Spans")]
    public ulong SortedSet_Spans()
    {
        int set = (int)(_sSpan++ % IntervalWorkload.InsertOrderCount) * IntervalWorkload.SpanWindows;
        ulong* fs = _w.SpanFirsts.Pointer + set, ls = _w.SpanLasts.Pointer + set;
        ulong acc = 0;
        for (int i = 0; i < IntervalWorkload.SpanWindows; i++)
            acc += _set.Spans(fs[i], ls[i]);
        return acc;
    }

    // ---- AllocIova: the automatic IOVA policy (double span over reserved + areas) ----

    /// <summary>Kernel: iopt_alloc_iova cut verbatim from io_pagetable.c.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = IntervalWorkload.Allocations), BenchmarkCategory("AllocIova")]
    public ulong Kernel_AllocIova() => KernelAllocIova();

    private ulong KernelAllocIova() => KernelAnchors.AllocIova(_kTree, _kReserved, _kAllowed, _w.AllocAddrs.Pointer, _w.AllocLengths.Pointer, IntervalWorkload.Allocations);

    /// <summary>IommuFd.Unsafe: IovaAllocator.TryAllocate.</summary>
    [Benchmark(OperationsPerInvoke = IntervalWorkload.Allocations), BenchmarkCategory("AllocIova")]
    public ulong IommuFd_AllocIova() => IommuFdAllocIova();

    private ulong IommuFdAllocIova()
    {
        ulong* addrs = _w.AllocAddrs.Pointer, lengths = _w.AllocLengths.Pointer;
        var options = IovaAllocatorOptions.Default;
        ulong acc = 0;
        for (int i = 0; i < IntervalWorkload.Allocations; i++)
        {
            if (IovaAllocator.TryAllocate(_allowed, _reserved, _tree, addrs[i], lengths[i], 1, options, out ulong iova) == IovaAllocStatus.Success)
                acc += iova;
        }
        return acc;
    }
}
