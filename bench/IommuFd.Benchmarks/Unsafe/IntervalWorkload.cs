// The one seeded operation sequence every interval-tree benchmark runs, kernel anchor and managed code alike, kept in
// native memory so the C harness reads the very same bytes.
namespace IommuFd.Benchmarks.Unsafe;

/// <summary>
/// One seeded iommufd-like layout shared by every implementation: N disjoint areas of 1–16 pages (inclusive lasts)
/// separated by gaps of 0 (adjacent), 1, 2–4 or 8–32 pages, inserted in random order; plus the query, span-window,
/// churn and allocation-request sequences. Generated once per N into native memory.
/// </summary>
internal sealed class IntervalWorkload : IDisposable
{
    public const int Queries = 4096;
    public const int SpanWindows = 1024;
    public const int Churn = 4096;
    public const int Allocations = 256;

    /// <summary>
    /// Insert orders (and query / span-window sets) cycled through by the benchmarks. Why several: replaying one fixed sequence lets the branch
    /// predictor memorise the descent directions of a small tree, a situation no real IOAS produces (areas arrive in
    /// new orders); rotating permutations keeps both sides honest.
    /// </summary>
    public const int InsertOrderCount = 8;
    private const ulong Page = 4096;

    public IntervalWorkload(int n, int seed = 42)
    {
        var rng = new Random(seed);
        N = n;
        Starts = new NativeArray<ulong>(n);
        Lasts = new NativeArray<ulong>(n);
        Order = new NativeArray<uint>(n);
        InsertOrders = new NativeArray<uint>[InsertOrderCount];
        ChurnOrder = new NativeArray<uint>(Churn);
        ChurnSlots = new NativeArray<uint>(Churn);
        QueryStarts = new NativeArray<ulong>(Queries * InsertOrderCount);
        QueryLasts = new NativeArray<ulong>(Queries * InsertOrderCount);
        SpanFirsts = new NativeArray<ulong>(SpanWindows * InsertOrderCount);
        SpanLasts = new NativeArray<ulong>(SpanWindows * InsertOrderCount);
        AllocAddrs = new NativeArray<ulong>(Allocations);
        AllocLengths = new NativeArray<ulong>(Allocations);

        ulong pos = 1UL << 20;
        for (int i = 0; i < n; i++)
        {
            int g = rng.Next(100);
            ulong gapPages = g < 60 ? 0 : g < 90 ? 1 : g < 98 ? (ulong)rng.Next(2, 5) : (ulong)rng.Next(8, 33);
            pos += gapPages * Page;
            ulong pages = (ulong)rng.Next(1, 17);
            Starts.Span[i] = pos;
            Lasts.Span[i] = pos + pages * Page - 1;
            pos += pages * Page;
        }
        ulong end = pos;
        Span<uint> order = Order.Span;
        for (int i = 0; i < n; i++)
            order[i] = (uint)i;
        rng.Shuffle(order);
        for (int k = 0; k < InsertOrderCount; k++)
        {
            InsertOrders[k] = new NativeArray<uint>(n);
            order.CopyTo(InsertOrders[k].Span);
            rng.Shuffle(InsertOrders[k].Span);
        }
        var slotOf = new uint[n]; // interval j lives in the C anchor's node slot i where order[i] == j
        for (int i = 0; i < n; i++)
            slotOf[order[i]] = (uint)i;
        for (int i = 0; i < Churn; i++)
        {
            ChurnOrder.Span[i] = (uint)rng.Next(n);
            ChurnSlots.Span[i] = slotOf[ChurnOrder.Span[i]];
        }
        ulong first = 1UL << 20;
        ulong avg = (end - first) / (ulong)n; // average area + gap
        for (int i = 0; i < Queries * InsertOrderCount; i++)
        {
            ulong s = first + (ulong)rng.NextInt64((long)(end - first));
            QueryStarts.Span[i] = s;
            QueryLasts.Span[i] = s + (ulong)rng.NextInt64((long)(3 * avg));
        }
        for (int i = 0; i < SpanWindows * InsertOrderCount; i++)
        {
            ulong s = first + (ulong)rng.NextInt64((long)(end - first));
            SpanFirsts.Span[i] = s;
            SpanLasts.Span[i] = s + 16 * avg;
        }
        for (int i = 0; i < Allocations; i++)
        {
            ulong pages = (ulong)rng.Next(1, 9);
            AllocLengths.Span[i] = pages * Page;
            AllocAddrs.Span[i] = 0x7f00_0000_0000UL + (ulong)rng.Next(1 << 20) * Page; // user VA: page aligned
        }
    }

    public int N { get; }
    public NativeArray<ulong> Starts { get; }
    public NativeArray<ulong> Lasts { get; }
    public NativeArray<uint> Order { get; }
    public NativeArray<uint>[] InsertOrders { get; }
    public NativeArray<uint> ChurnOrder { get; }
    public NativeArray<uint> ChurnSlots { get; }
    public NativeArray<ulong> QueryStarts { get; }
    public NativeArray<ulong> QueryLasts { get; }
    public NativeArray<ulong> SpanFirsts { get; }
    public NativeArray<ulong> SpanLasts { get; }
    public NativeArray<ulong> AllocAddrs { get; }
    public NativeArray<ulong> AllocLengths { get; }

    public void Dispose()
    {
        Starts.Dispose();
        Lasts.Dispose();
        Order.Dispose();
        foreach (var o in InsertOrders)
            o.Dispose();
        ChurnOrder.Dispose();
        ChurnSlots.Dispose();
        QueryStarts.Dispose();
        QueryLasts.Dispose();
        SpanFirsts.Dispose();
        SpanLasts.Dispose();
        AllocAddrs.Dispose();
        AllocLengths.Dispose();
    }
}
