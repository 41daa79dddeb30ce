// PFN batch fill vs the kernel's batch_add_pfn in the same run (Baseline = true).
using BenchmarkDotNet.Attributes;
using IommuFd.Unsafe;

namespace IommuFd.Benchmarks.Unsafe;

/// <summary>
/// PfnBatch.TryAdd against the kernel's batch_add_pfn (cut verbatim from pages.c, gcc -O2) filling a 64 KiB batch from
/// 1M-PFN streams, clearing when full: contiguous (one run), fragmented (every PFN a new run: 5461-run batches) and
/// huge-page-like (512-PFN folios at random 2 MiB-aligned PFNs). Unit: one PFN added. IommuFd_Fill uses the per-PFN
/// TryAdd; IommuFd_Cursor the per-PFN PfnBatch.Cursor; IommuFd_AddPfns the bulk AddPfns (the shape of the kernel's batch_from_pages loop). Plus a List-of-runs
/// alternative.
/// </summary>
[MemoryDiagnoser]
public unsafe class PfnBatchBenchmarks
{
    private const int Pfns = 1 << 20;
    private NativeArray<ulong> _stream = null!;
    private readonly List<(ulong Pfn, uint Count)> _list = new(5461);

    /// <summary>The PFN stream shape.</summary>
    [Params("Contiguous", "Fragmented", "HugePages")]
    public string Stream { get; set; } = "Contiguous";

    /// <summary>Generates the stream.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        _stream = new NativeArray<ulong>(Pfns);
        Span<ulong> s = _stream.Span;
        for (int i = 0; i < Pfns; i++)
        {
            s[i] = Stream switch
            {
                "Contiguous" => 0x10_0000UL + (ulong)i,
                "Fragmented" => (ulong)rng.NextInt64(1L << 40) * 2, // even PFNs: never contiguous
                _ => i % 512 == 0 ? (ulong)rng.Next(1 << 20) * 512 : s[i - 1] + 1,
            };
        }
        if (Kernel_Fill() != IommuFd_Fill() || Kernel_Fill() != IommuFd_AddPfns() || Kernel_Fill() != IommuFd_Cursor())
            throw new InvalidOperationException("kernel anchor and PfnBatch disagree");
    }

    /// <summary>Frees the stream.</summary>
    [GlobalCleanup]
    public void Cleanup() => _stream.Dispose();

    /// <summary>Kernel: batch_init + batch_add_pfn × 1M + batch_clear when full + batch_destroy.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Pfns)]
    public ulong Kernel_Fill() => KernelAnchors.BatchFill(_stream.Pointer, Pfns, Pfns);

    /// <summary>IommuFd.Unsafe: PfnBatch.Create + TryAdd × 1M + Clear when full + Dispose.</summary>
    [Benchmark(OperationsPerInvoke = Pfns)]
    public ulong IommuFd_Fill()
    {
        ulong* pfns = _stream.Pointer;
        var batch = PfnBatch.Create(Pfns);
        ulong acc = 0;
        for (int i = 0; i < Pfns; i++)
        {
            ulong pfn = pfns[i];
            if (!batch.TryAdd(pfn))
            {
                acc += batch.TotalPfns;
                batch.Clear();
                batch.TryAdd(pfn);
            }
        }
        acc += batch.TotalPfns;
        batch.Dispose();
        return acc;
    }

    /// <summary>IommuFd.Unsafe: PfnBatch.Cursor.TryAdd × 1M (per PFN, state in registers) + Clear when full.</summary>
    [Benchmark(OperationsPerInvoke = Pfns)]
    public ulong IommuFd_Cursor()
    {
        ulong* pfns = _stream.Pointer;
        var batch = PfnBatch.Create(Pfns);
        ulong acc = 0;
        var c = new PfnBatch.Cursor(ref batch); // no using: a try/finally would keep the cursor's fields in memory
        for (int i = 0; i < Pfns; i++)
        {
            ulong pfn = pfns[i];
            if (!c.TryAdd(pfn))
            {
                acc += c.TotalPfns;
                c.Clear();
                c.TryAdd(pfn);
            }
        }
        acc += c.TotalPfns;
        c.Flush();
        batch.Dispose();
        return acc;
    }

    /// <summary>IommuFd.Unsafe bulk API: PfnBatch.AddPfns over the stream (the batch_from_pages shape).</summary>
    [Benchmark(OperationsPerInvoke = Pfns)]
    public ulong IommuFd_AddPfns()
    {
        var stream = new ReadOnlySpan<ulong>(_stream.Pointer, Pfns);
        var batch = PfnBatch.Create(Pfns);
        ulong acc = 0;
        while (!stream.IsEmpty)
        {
            int added = batch.AddPfns(stream);
            stream = stream.Slice(added);
            if (!stream.IsEmpty)
            {
                acc += batch.TotalPfns;
                batch.Clear();
            }
        }
        acc += batch.TotalPfns;
        batch.Dispose();
        return acc;
    }

    /// <summary>Managed alternative: a List of (pfn, count) runs capped at 5461 entries.</summary>
    [Benchmark(OperationsPerInvoke = Pfns)]
    public ulong List_Fill()
    {
        ulong* pfns = _stream.Pointer;
        List<(ulong Pfn, uint Count)> list = _list;
        list.Clear();
        ulong acc = 0;
        for (int i = 0; i < Pfns; i++)
        {
            ulong pfn = pfns[i];
            if (list.Count > 0 && list[^1].Pfn + list[^1].Count == pfn && list[^1].Count < uint.MaxValue)
            {
                list[^1] = (list[^1].Pfn, list[^1].Count + 1);
            }
            else
            {
                if (list.Count == 5461)
                {
                    foreach (var r in list)
                        acc += r.Count;
                    list.Clear();
                }
                list.Add((pfn, 1));
            }
        }
        foreach (var r in list)
            acc += r.Count;
        return acc;
    }
}
