using System.Collections;

namespace IommuFd.CHeaders.Model;

/// <summary>
/// An immutable array with value equality, so model records compare by content. Incremental generator caching
/// depends on it: a model that compares by reference would re-emit on every keystroke.
/// </summary>
/// <typeparam name="T">The element type; must itself have value equality.</typeparam>
public readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
    where T : IEquatable<T>
{
    private readonly T[]? _items;

    /// <summary>Wraps <paramref name="items"/>; the caller gives up ownership of the array.</summary>
    public EquatableArray(T[] items) => _items = items;

    /// <summary>An empty array.</summary>
    public static EquatableArray<T> Empty => new(Array.Empty<T>());

    /// <summary>Number of elements.</summary>
    public int Count => _items?.Length ?? 0;

    /// <summary>Element at <paramref name="index"/>.</summary>
    public T this[int index] => (_items ?? Array.Empty<T>())[index];

    /// <inheritdoc/>
    public bool Equals(EquatableArray<T> other)
    {
        T[] a = _items ?? Array.Empty<T>(), b = other._items ?? Array.Empty<T>();
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        int hash = 17;
        foreach (T item in _items ?? Array.Empty<T>())
        {
            hash = unchecked((hash * 31) + (item?.GetHashCode() ?? 0));
        }

        return hash;
    }

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? Array.Empty<T>())).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Equality by content.</summary>
    public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

    /// <summary>Inequality by content.</summary>
    public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);
}

/// <summary>Creation helpers for <see cref="EquatableArray{T}"/>.</summary>
public static class EquatableArray
{
    /// <summary>Copies <paramref name="items"/> into a new equatable array.</summary>
    public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items)
        where T : IEquatable<T> => new(items.ToArray());
}
