using System.Reflection;
using IommuFd.Unsafe;
using IommuFd.Unsafe.Tests;

namespace IommuFd.Fuzzing.Targets;

/// <summary>
/// The unsafe core driven by an operation stream and compared, after every operation, with the reference models of
/// tests/IommuFd.Unsafe.Tests (<see cref="IntervalModel"/>, linked into this project) and flat models written here:
/// interval trees (insert, remove, clear, overlap queries, in-order walk, invariants), span iterators (with
/// <c>Advance</c>), the double span iterator, the hole finder (<see cref="IovaAllocator"/>: result soundness) and
/// <see cref="PfnBatch"/> (every operation against a flat PFN list). Any divergence or exception is a finding.
/// </summary>
public sealed class UnsafeCoreTarget : IFuzzTarget
{
    private const int MaxOperations = 1000;
    private const int MaxNodes = 256;
    private const int MaxFlatPfns = 1 << 14;

    // IntervalTree.Validate (full B+tree and augmentation check) is internal; call it when it is there.
    private static readonly Action<IntervalTree>? Validate =
        typeof(IntervalTree).GetMethod("Validate", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, Type.EmptyTypes)
            ?.CreateDelegate<Action<IntervalTree>>();

    public static string Name => "unsafe";

    public static string Description => "interval tree, span iterators, hole finder and PFN batch vs reference models, from an operation stream";

    public static FuzzTargetKind Kind => FuzzTargetKind.Campaign;

    public static IReadOnlyList<InstrumentationSpec> Instrument { get; } = [new("IommuFd.Unsafe.dll", "IommuFd.Unsafe")];

    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        var reader = new FuzzReader(data);
        byte setup = reader.Byte();
        using var trees = new Trees(); // the high nibble of setup is unused (it chose a red-black tree strategy once)
        using var pfns = new PfnModel(memoryRuns: 1 + (setup & 15));
        for (int op = 0; op < MaxOperations && reader.HasMore; op++)
        {
            byte code = reader.Byte();
            switch (code % 14)
            {
                case 0 or 1 or 2:
                    trees.Insert(code & 1, ref reader);
                    break;
                case 3:
                    trees.Remove(code & 1, reader.Byte());
                    break;
                case 4:
                    trees.CheckOverlaps(code & 1, reader.Coordinate(), reader.Length());
                    break;
                case 5:
                    trees.CheckSpans(code & 1, ref reader);
                    break;
                case 6:
                    trees.CheckDoubleSpans(reader.Coordinate(), reader.Length());
                    break;
                case 7:
                    trees.CheckInOrder(code & 1);
                    break;
                case 8:
                    trees.Clear(code & 1);
                    break;
                case 9:
                    trees.CheckHoleFinder(ref reader);
                    break;
                case 10:
                    trees.Insert(2, ref reader);   // the allowed-ranges tree of the hole finder
                    break;
                default:
                    pfns.Step(code, ref reader);
                    break;
            }
        }

        for (int k = 0; k < 3; k++)
        {
            trees.CheckInOrder(k);
        }

        pfns.Check();
    }

    /// <summary>Three trees (reserved, areas, allowed for the hole finder) and their models.</summary>
    private sealed class Trees : IDisposable
    {
        private readonly IntervalTree<int>[] _trees = [new(), new(), new()];
        private readonly IntervalModel[] _models = [new(), new(), new()];
        private readonly List<int>[] _nodes = [[], [], []];
        private int _nextId;

        public void Insert(int k, ref FuzzReader reader)
        {
            ulong start = reader.Coordinate();
            ulong length = reader.Length();
            ulong last = ulong.MaxValue - start < length ? ulong.MaxValue : start + length;
            if (_nodes[k].Count >= MaxNodes)
            {
                return;
            }

            int id = _nextId++;
            int node = _trees[k].Insert(start, last, id);
            _models[k].Insert(start, last, id);
            _nodes[k].Add(node);
            FuzzCheck.Equal(id, _trees[k][node], "value of a new node");
            FuzzCheck.Equal((start, last), (_trees[k].GetStart(node), _trees[k].GetLast(node)), "bounds of a new node");
        }

        public void Remove(int k, byte which)
        {
            List<int> nodes = _nodes[k];
            if (nodes.Count == 0)
            {
                return;
            }

            int index = which % nodes.Count;
            int node = nodes[index];
            int id = _trees[k][node];
            _trees[k].Remove(node);
            FuzzCheck.That(!_trees[k].IsLive(node), () => $"node {node} still live after Remove");
            _models[k].Remove(id);
            nodes[index] = nodes[^1];
            nodes.RemoveAt(nodes.Count - 1);
        }

        public void Clear(int k)
        {
            _trees[k].Clear();
            _models[k].Items.Clear();
            _nodes[k].Clear();
            FuzzCheck.That(_trees[k].IsEmpty && _trees[k].Count == 0, () => "tree not empty after Clear");
        }

        public void CheckOverlaps(int k, ulong start, ulong length)
        {
            ulong last = ulong.MaxValue - start < length ? ulong.MaxValue : start + length;
            var actual = new List<int>();
            IntervalTree<int> tree = _trees[k];
            for (int n = tree.IterFirst(start, last); n != IntervalTree.None; n = tree.IterNext(n, start, last))
            {
                actual.Add(tree[n]);
            }

            List<int> expected = _models[k].Overlapping(start, last).ToList();
            FuzzCheck.That(expected.SequenceEqual(actual), () => $"overlaps of [{start:x}, {last:x}]: expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]");
            FuzzCheck.Equal(expected.Count > 0, tree.Intersects(start, last), $"Intersects([{start:x}, {last:x}])");
            int i = 0;
            foreach (IntervalEntry entry in tree.Overlapping(start, last))
            {
                FuzzCheck.That(i < actual.Count && tree[entry.Node] == actual[i], () => $"Overlapping([{start:x}, {last:x}]) differs from iter_next at {i}");
                FuzzCheck.That(entry.Start == tree.GetStart(entry.Node) && entry.Last == tree.GetLast(entry.Node), () => $"Overlapping([{start:x}, {last:x}]) reports wrong bounds at {i}");
                i++;
            }
            FuzzCheck.Equal(actual.Count, i, $"Overlapping([{start:x}, {last:x}]) count");
        }

        public void CheckSpans(int k, ref FuzzReader reader)
        {
            ulong first = reader.Coordinate();
            ulong length = reader.Length();
            ulong last = ulong.MaxValue - first < length ? ulong.MaxValue : first + length;
            byte advanceAt = reader.Byte();
            byte advanceHow = reader.Byte();
            var expected = _models[k].Spans(first, last);
            int i = 0;
            IntervalSpanIterator it = _trees[k].Spans(first, last);
            for (; !it.Done; it.Next())
            {
                FuzzCheck.That(i < expected.Count, () => $"spans of [{first:x}, {last:x}]: more spans than the model's {expected.Count}");
                FuzzCheck.Equal(expected[i], (it.Start, it.Last, it.IsHole), $"span {i} of [{first:x}, {last:x}]");
                i++;
                if (advanceAt != 0 && i - 1 == advanceAt % Math.Max(expected.Count, 1))
                {
                    // After Advance(x), the rest must equal a fresh walk from x.
                    (ulong s, ulong l, _) = expected[i - 1];
                    ulong to = (advanceHow % 3) switch
                    {
                        0 => s + ((l - s) / 2),
                        1 => l == last ? last : l + 1,
                        _ => s + ((last - s) / 2),
                    };
                    advanceAt = 0;
                    it.Advance(to);
                    expected = _models[k].Spans(to, last);
                    i = 0;
                    if (it.Done)
                    {
                        break;
                    }

                    FuzzCheck.Equal(expected[0], (it.Start, it.Last, it.IsHole), $"first span after Advance({to:x})");
                    i = 1;
                }
            }

            FuzzCheck.Equal(expected.Count, i, $"number of spans of [{first:x}, {last:x}]");
        }

        public void CheckDoubleSpans(ulong first, ulong length)
        {
            ulong last = ulong.MaxValue - first < length ? ulong.MaxValue : first + length;
            List<(ulong Start, ulong Last, int Used)> expected = DoubleModel(first, last);
            var actual = new List<(ulong, ulong, int)>();
            foreach (DoubleSpan span in new DoubleSpanIterator(_trees[0], _trees[1], first, last))
            {
                actual.Add((span.Start, span.Last, span.IsUsed));
                if (actual.Count > expected.Count + 1)
                {
                    break;
                }
            }

            FuzzCheck.That(expected.SequenceEqual(actual), () => $"double spans of [{first:x}, {last:x}]: expected {string.Join(" ", expected)}, got {string.Join(" ", actual)}");
        }

        // Priority to tree 0: cut [first, last] at every span boundary of either tree, classify each piece.
        private List<(ulong, ulong, int)> DoubleModel(ulong first, ulong last)
        {
            var spans0 = _models[0].Spans(first, last);
            var spans1 = _models[1].Spans(first, last);
            var cuts = new SortedSet<ulong> { first };
            foreach (var s in spans0.Concat(spans1))
            {
                cuts.Add(s.Start);
            }

            var result = new List<(ulong, ulong, int)>();
            ulong[] points = [.. cuts];
            for (int i = 0; i < points.Length; i++)
            {
                ulong a = points[i];
                ulong b = i + 1 < points.Length ? points[i + 1] - 1 : last;
                bool used0 = spans0.Exists(x => !x.IsHole && x.Start <= a && a <= x.Last);
                bool used1 = spans1.Exists(x => !x.IsHole && x.Start <= a && a <= x.Last);
                int kind = used0 ? 1 : used1 ? 2 : 0;
                if (result.Count > 0 && result[^1].Item3 == kind)
                {
                    result[^1] = (result[^1].Item1, b, kind);
                }
                else
                {
                    result.Add((a, b, kind));
                }
            }

            return result;
        }

        public void CheckInOrder(int k)
        {
            IntervalTree<int> tree = _trees[k];
            FuzzCheck.Equal(_models[k].Count, tree.Count, "tree count");
            var actual = new List<int>();
            for (int n = tree.Leftmost; n != IntervalTree.None && actual.Count <= tree.Count; n = tree.GetNext(n))
            {
                actual.Add(tree[n]);
            }

            FuzzCheck.That(_models[k].Items.Select(x => x.Id).SequenceEqual(actual), () => "in-order walk differs from the model");
            Validate?.Invoke(tree);
        }

        /// <summary>The hole finder's result must be sound: inside the window and one allowed span, clear of reserved ranges and areas.</summary>
        public void CheckHoleFinder(ref FuzzReader reader)
        {
            ulong addr = reader.Coordinate();
            ulong length = reader.Length();
            ulong iovaAlignment = 1UL << (reader.Byte() % 24);
            byte config = reader.Byte();
            IovaAllocatorOptions options = (config % 3) switch
            {
                0 => IovaAllocatorOptions.Default,
                1 => IovaAllocatorOptions.WithoutTransparentHugePages,
                _ => new IovaAllocatorOptions { PageSize = 16, MaxAlignment = 64, AddressLast = 0xFFFF },
            };
            IovaAllocStatus status = IovaAllocator.TryAllocate(_trees[2], _trees[0], _trees[1], addr, length, iovaAlignment, options, out ulong iova);
            if (length == 0 || length >= ulong.MaxValue / 2)
            {
                FuzzCheck.Equal(IovaAllocStatus.Overflow, status, $"TryAllocate(length {length:x})");
                return;
            }

            if (status != IovaAllocStatus.Success)
            {
                return;
            }

            ulong last = iova + length - 1;
            FuzzCheck.That(last >= iova, () => $"allocation [{iova:x} + {length:x}] wraps");
            FuzzCheck.That(iova >= options.PageSize && last <= options.AddressLast - options.PageSize, () => $"allocation [{iova:x}, {last:x}] outside the window");
            ulong pageOffset = addr & (options.PageSize - 1);
            FuzzCheck.That((iova & pageOffset) == pageOffset, () => $"allocation {iova:x} lacks the page offset bits of {addr:x}");   // OR-ed in, as the kernel does
            FuzzCheck.That(!_models[0].Overlapping(iova, last).Any(), () => $"allocation [{iova:x}, {last:x}] overlaps a reserved range");
            FuzzCheck.That(!_models[1].Overlapping(iova, last).Any(), () => $"allocation [{iova:x}, {last:x}] overlaps an area");
            if (_models[2].Count > 0)
            {
                var spans = _models[2].Spans(iova, last);
                FuzzCheck.That(spans.Count == 1 && !spans[0].IsHole, () => $"allocation [{iova:x}, {last:x}] is not inside one allowed range");
            }
        }

        public void Dispose()
        {
            foreach (IntervalTree<int> tree in _trees)
            {
                tree.Dispose();
            }
        }
    }

    /// <summary><see cref="PfnBatch"/> against a flat PFN list and a run list that predicts "full".</summary>
    private sealed class PfnModel : IDisposable
    {
        private readonly List<ulong> _flat = [];
        private readonly List<(ulong First, uint Count)> _runs = [];
        private PfnBatch _batch;
        private PfnBatchKind _kind = PfnBatchKind.CpuMemory;

        public PfnModel(int memoryRuns)
        {
            _batch = PfnBatch.Create(1UL << 30, null, memoryRuns * PfnBatch.RunSize);
            FuzzCheck.Equal(memoryRuns, _batch.ArraySize, "array size for the memory limit");
        }

        public void Step(byte code, ref FuzzReader reader)
        {
            switch ((code >> 4) % 7)
            {
                case 0 or 1:
                {
                    ulong pfn = (reader.Byte() & 3) == 0 ? reader.Coordinate() : Next();
                    uint count = (reader.Byte() & 7) switch { 0 => 512, 1 => (uint)reader.UInt16() + 1, _ => (uint)(reader.Byte() % 8) + 1 };
                    PfnBatchKind kind = (reader.Byte() & 15) == 0 ? PfnBatchKind.Mmio : PfnBatchKind.CpuMemory;
                    bool single = count == 1 && kind == PfnBatchKind.CpuMemory && (code & 1) == 0;
                    bool expected = Predict(pfn, count, kind, out bool extends);
                    bool added = single ? _batch.TryAdd(pfn) : _batch.TryAdd(pfn, count, kind);
                    FuzzCheck.Equal(expected, added, $"TryAdd({pfn:x}, {count}, {kind})");
                    if (added)
                    {
                        Apply(pfn, count, kind, extends);
                    }

                    break;
                }

                case 2:
                {
                    int n = reader.Byte() % 16;
                    var pfns = new ulong[n];
                    ulong next = Next();
                    for (int i = 0; i < n; i++)
                    {
                        pfns[i] = (reader.Byte() & 3) == 0 ? reader.Coordinate() : next;
                        next = pfns[i] + 1;
                    }

                    int expected = 0;
                    foreach (ulong pfn in pfns)
                    {
                        if (!Predict(pfn, 1, PfnBatchKind.CpuMemory, out bool extends))
                        {
                            break;
                        }

                        Apply(pfn, 1, PfnBatchKind.CpuMemory, extends);
                        expected++;
                    }

                    FuzzCheck.Equal(expected, _batch.AddPfns(pfns), $"AddPfns of {n} PFNs");
                    break;
                }

                case 3:
                    _batch.Clear();
                    _flat.Clear();
                    _runs.Clear();
                    _kind = PfnBatchKind.CpuMemory;
                    break;
                case 4 when _runs.Count > 0:
                {
                    (ulong first, uint count) = _runs[^1];
                    uint keep = count == 0 ? 0 : (uint)(reader.UInt16() % (count + 1));
                    _batch.ClearCarry(keep);
                    _flat.Clear();
                    _runs.Clear();
                    if (keep == 0)
                    {
                        _kind = PfnBatchKind.CpuMemory;
                    }
                    else
                    {
                        ulong carried = first + (count - keep);
                        _runs.Add((carried, keep));
                        for (uint i = 0; i < keep && _flat.Count < MaxFlatPfns; i++)
                        {
                            _flat.Add(carried + i);
                        }
                    }

                    break;
                }

                case 5 when _runs.Count == 1:
                {
                    uint skip = reader.UInt16();
                    _batch.SkipCarry(skip);
                    (ulong first, uint count) = _runs[0];
                    if (count != 0)
                    {
                        uint s = Math.Min(count, skip);
                        _runs[0] = (first + s, count - s);
                        _flat.RemoveRange(0, (int)Math.Min(s, (uint)_flat.Count));
                    }

                    break;
                }

                case 6 when _runs.Count > 0:
                {
                    (ulong first, uint count) = _runs[^1];
                    uint remove = (uint)(reader.UInt16() % ((ulong)count + 1));
                    _batch.RemoveLast(remove);
                    if (count - remove == 0)
                    {
                        _runs.RemoveAt(_runs.Count - 1);
                    }
                    else
                    {
                        _runs[^1] = (first, count - remove);
                    }

                    _flat.RemoveRange(_flat.Count - (int)Math.Min(remove, (uint)_flat.Count), (int)Math.Min(remove, (uint)_flat.Count));
                    break;
                }
            }

            if (_flat.Count >= MaxFlatPfns)
            {
                _batch.Clear();
                _flat.Clear();
                _runs.Clear();
                _kind = PfnBatchKind.CpuMemory;
            }

            Check();
        }

        private ulong Next() => _runs.Count == 0 ? 0x1000 : _runs[^1].First + _runs[^1].Count;

        private bool Predict(ulong pfn, uint count, PfnBatchKind kind, out bool extends)
        {
            extends = _runs.Count > 0 && kind == _kind && pfn == _runs[^1].First + _runs[^1].Count && count <= uint.MaxValue - _runs[^1].Count;
            bool kindOk = _runs.Count == 0 || kind == _kind;
            return kindOk && (extends || _runs.Count < _batch.ArraySize);
        }

        private void Apply(ulong pfn, uint count, PfnBatchKind kind, bool extends)
        {
            if (_runs.Count == 0)
            {
                _kind = kind;
            }

            if (extends)
            {
                _runs[^1] = (_runs[^1].First, _runs[^1].Count + count);
            }
            else
            {
                _runs.Add((pfn, count));
            }

            for (uint i = 0; i < count && _flat.Count < MaxFlatPfns; i++)
            {
                _flat.Add(pfn + i);
            }
        }

        public void Check()
        {
            FuzzCheck.Equal((ulong)_runs.Sum(r => (long)r.Count), _batch.TotalPfns, "TotalPfns");
            FuzzCheck.Equal(_runs.Count, _batch.Count, "run count");
            if (_runs.Count > 0)
            {
                FuzzCheck.Equal(_kind, _batch.Kind, "kind");
            }

            ReadOnlySpan<ulong> firsts = _batch.FirstPfns;
            ReadOnlySpan<uint> lengths = _batch.RunLengths;
            int position = 0;
            for (int r = 0; r < _runs.Count; r++)
            {
                FuzzCheck.Equal(_runs[r], (firsts[r], lengths[r]), $"run {r}");
                for (uint i = 0; i < lengths[r] && position < _flat.Count; i++, position++)
                {
                    FuzzCheck.Equal(_flat[position], firsts[r] + i, $"PFN {position}");
                }
            }
        }

        public void Dispose() => _batch.Dispose();
    }
}
