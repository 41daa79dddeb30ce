namespace IommuFd.Fuzzing;

/// <summary>A broken invariant found by a fuzz target (an exception, so the runtime reports a crash).</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);

/// <summary>Invariant checks for targets: a failed check throws <see cref="FuzzInvariantException"/>.</summary>
public static class FuzzCheck
{
    /// <summary>Throws when <paramref name="condition"/> is false; the message is built only on failure.</summary>
    public static void That(bool condition, Func<string> message)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(message());
        }
    }

    /// <summary>Throws when two values differ.</summary>
    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new FuzzInvariantException($"{what}: expected {expected}, got {actual}");
        }
    }
}
