// A pool double that records every rental, proves each is returned exactly once, and can fail the Nth rent (the
// counterpart of the kernel's fail_nth), so tests can show that no code path leaks pooled memory, even when it throws.
// Native (aligned) allocations are counted, failed and tracked the same way as array rents.
using System.Runtime.InteropServices;
using IommuFd.Unsafe;

namespace IommuFd.Unsafe.Tests;

internal sealed class TrackingMemoryPool : UnsafeMemoryPool
{
    private readonly Dictionary<object, string> _outstanding = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<nint, string> _outstandingNative = [];
    private readonly List<string> _errors = [];

    /// <summary>Rents counted so far (successful or failed).</summary>
    public int RentCalls { get; private set; }

    /// <summary>1-based index of the rent that throws OutOfMemoryException; 0 = never.</summary>
    public int FailOnRent { get; set; }

    /// <summary>Fail every rent from FailOnRent on (not only the Nth).</summary>
    public bool FailAllAfter { get; set; }

    public int Outstanding => _outstanding.Count + _outstandingNative.Count;

    public IReadOnlyList<string> Errors => _errors;

    public override T[] Rent<T>(int minimumLength)
    {
        CountRentOrFail();
        var array = new T[minimumLength];
        _outstanding.Add(array, $"{typeof(T).Name}[{minimumLength}] (rent #{RentCalls})");
        return array;
    }

    public override void Return<T>(T[] array)
    {
        if (!_outstanding.Remove(array))
            _errors.Add($"returned an array this pool did not rent or returned it twice: {typeof(T).Name}[{array.Length}]");
    }

    public override unsafe void* AllocateAligned(nuint byteCount, nuint alignment)
    {
        CountRentOrFail();
        void* memory = NativeMemory.AlignedAlloc(byteCount, alignment);
        _outstandingNative.Add((nint)memory, $"native {byteCount} B aligned {alignment} (rent #{RentCalls})");
        return memory;
    }

    public override unsafe void FreeAligned(void* memory)
    {
        if (!_outstandingNative.Remove((nint)memory))
        {
            _errors.Add($"freed native memory this pool did not allocate or freed it twice: 0x{(nint)memory:x}");
            return; // never free what we did not hand out
        }
        NativeMemory.AlignedFree(memory);
    }

    private void CountRentOrFail()
    {
        RentCalls++;
        if (FailOnRent != 0 && (RentCalls == FailOnRent || (FailAllAfter && RentCalls > FailOnRent)))
            throw new OutOfMemoryException($"injected failure on rent #{RentCalls}");
    }

    public void AssertAllReturned()
    {
        Assert.Empty(_errors);
        Assert.True(Outstanding == 0,
            "not returned: " + string.Join(", ", _outstanding.Values.Concat(_outstandingNative.Values)));
    }
}
