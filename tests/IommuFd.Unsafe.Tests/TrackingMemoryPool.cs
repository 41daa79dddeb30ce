// A pool double that records every rental, proves each is returned exactly once, and can fail the Nth rent (the
// counterpart of the kernel's fail_nth), so tests can show that no code path leaks pooled memory, even when it throws.
using IommuFd.Unsafe;

namespace IommuFd.Unsafe.Tests;

internal sealed class TrackingMemoryPool : UnsafeMemoryPool
{
    private readonly Dictionary<object, string> _outstanding = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _errors = [];

    /// <summary>Rents counted so far (successful or failed).</summary>
    public int RentCalls { get; private set; }

    /// <summary>1-based index of the rent that throws OutOfMemoryException; 0 = never.</summary>
    public int FailOnRent { get; set; }

    /// <summary>Fail every rent from FailOnRent on (not only the Nth).</summary>
    public bool FailAllAfter { get; set; }

    public int Outstanding => _outstanding.Count;

    public IReadOnlyList<string> Errors => _errors;

    public override T[] Rent<T>(int minimumLength)
    {
        RentCalls++;
        if (FailOnRent != 0 && (RentCalls == FailOnRent || (FailAllAfter && RentCalls > FailOnRent)))
            throw new OutOfMemoryException($"injected failure on rent #{RentCalls}");
        var array = new T[minimumLength];
        _outstanding.Add(array, $"{typeof(T).Name}[{minimumLength}] (rent #{RentCalls})");
        return array;
    }

    public override void Return<T>(T[] array)
    {
        if (!_outstanding.Remove(array))
            _errors.Add($"returned an array this pool did not rent or returned it twice: {typeof(T).Name}[{array.Length}]");
    }

    public void AssertAllReturned()
    {
        Assert.Empty(_errors);
        Assert.True(_outstanding.Count == 0, "not returned: " + string.Join(", ", _outstanding.Values));
    }
}
