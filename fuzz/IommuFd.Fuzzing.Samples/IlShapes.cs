using System.Runtime.CompilerServices;
using System.Text;

namespace IommuFd.Fuzzing.Samples;

/// <summary>
/// IL shapes the instrumenter must preserve: switches (dense, string, pattern), exception handlers of every kind
/// (catch, filter, finally, fault via iterators/using), branches with a non-empty evaluation stack, loops and goto,
/// async and iterator state machines, generics, closures, unsafe code and checked arithmetic. <see cref="Transcript"/>
/// records what happened; the instrumenter tests compare the transcript of the original and an instrumented copy.
/// </summary>
public static class IlShapes
{
    private static readonly string[] Words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];

    /// <summary>Runs every shape for <paramref name="seed"/> and returns a transcript of the results.</summary>
    public static string Transcript(int seed)
    {
        var log = new StringBuilder();
        log.Append(DenseSwitch(seed)).Append('|');
        log.Append(StringSwitch(Words[(seed & 0x7FFFFFFF) % Words.Length] + (seed % 3 == 0 ? "" : "x"))).Append('|');
        log.Append(PatternSwitch(seed % 5 == 0 ? null : seed % 2 == 0 ? seed : seed.ToString())).Append('|');
        log.Append(Handlers(seed)).Append('|');
        log.Append(FilterOrder(seed)).Append('|');
        log.Append(StackAtBranch(seed, seed >> 3)).Append('|');
        log.Append(LoopsAndGoto(Math.Abs(seed % 50))).Append('|');
        log.Append(string.Join(",", Iterator(seed % 7))).Append('|');
        log.Append(AsyncSum(seed % 6).GetAwaiter().GetResult()).Append('|');
        log.Append(Generic(seed, s => s * 3)).Append(Generic("s" + seed, s => s + "!")).Append('|');
        log.Append(Closures(seed)).Append('|');
        log.Append(Unsafe(seed)).Append('|');
        log.Append(Checked(seed)).Append('|');
        log.Append(Recursion(Math.Abs(seed % 20))).Append('|');
        log.Append(TryInLoop(seed)).Append('|');
        log.Append(Conditional(seed)).Append('|');
        return log.ToString();
    }

    private static string DenseSwitch(int x)
    {
        switch (x & 15)
        {
            case 0: return "zero";
            case 1:
            case 2: return "small";
            case 3: x += 7; goto case 5;
            case 5: return "five:" + x;
            case 8: break;
            case 9: return (x & 16) != 0 ? "nine-high" : "nine-low";
            default: return "other" + (x & 15);
        }

        return "eight";
    }

    private static int StringSwitch(string s) => s switch
    {
        "alpha" => 1,
        "beta" => 2,
        "gamma" => 3,
        "delta" => 4,
        "epsilon" => 5,
        "zeta" => 6,
        "eta" => 7,
        "theta" => 8,
        _ => s.Length,
    };

    private static string PatternSwitch(object? o) => o switch
    {
        null => "null",
        int i when i < 0 => "negative",
        int i and > 1000 => "big" + (i % 10),
        int i => "int" + (i & 3),
        string { Length: > 3 } s => "long string " + s[0],
        string s => "string " + s,
        _ => "object",
    };

    private static string Handlers(int seed)
    {
        var log = new StringBuilder();
        try
        {
            try
            {
                log.Append('a');
                if ((seed & 1) != 0)
                {
                    throw new InvalidOperationException("odd");
                }

                if ((seed & 2) != 0)
                {
                    throw new ArgumentException("two");
                }

                log.Append('b');
            }
            catch (InvalidOperationException e) when (e.Message.Length == 3 && (seed & 4) != 0)
            {
                log.Append('f');
                if ((seed & 8) != 0)
                {
                    throw;
                }
            }
            catch (InvalidOperationException)
            {
                log.Append('c');
            }
            finally
            {
                log.Append('z');
            }

            using (new Disposable(log))
            {
                log.Append((seed & 16) != 0 ? 'u' : 'v');
            }
        }
        catch (Exception e)
        {
            log.Append('E').Append(e.GetType().Name[0]);
        }

        return log.ToString();
    }

    private static string FilterOrder(int seed)
    {
        var log = new StringBuilder();
        try
        {
            try
            {
                throw new IndexOutOfRangeException();
            }
            finally
            {
                log.Append('f');
            }
        }
        catch (Exception) when (Note(log, 'w') && (seed & 1) == 0)
        {
            log.Append('c');
        }
        catch (Exception)
        {
            log.Append('d');
        }

        return log.ToString();
    }

    private static bool Note(StringBuilder log, char c)
    {
        log.Append(c);
        return true;
    }

    // Branch targets with values already on the evaluation stack.
    private static long StackAtBranch(int a, int b) =>
        Combine(a > b ? a : b, a < 0 ? -a : a, (a ^ b) > 100 ? "x" : (a & 1) == 0 ? "y" : "z", b == 0 ? 1L : a / (long)b);

    private static long Combine(int x, int y, string s, long z) => x * 31L + y + s[0] + z;

    private static int LoopsAndGoto(int n)
    {
        int total = 0;
        for (int i = 0; i < n; i++)
        {
            if (i % 3 == 0)
            {
                continue;
            }

            if (i > 40)
            {
                break;
            }

            total += i;
        }

        int j = 0;
    again:
        j++;
        if (j < n / 2)
        {
            goto again;
        }

        do
        {
            total ^= j;
            j >>= 1;
        }
        while (j > 0);
        return total;
    }

    private static IEnumerable<int> Iterator(int n)
    {
        try
        {
            for (int i = 0; i < n; i++)
            {
                if (i == 4)
                {
                    yield break;
                }

                yield return i * i;
            }
        }
        finally
        {
            Counter++;
        }
    }

    private static int Counter;

    private static async Task<int> AsyncSum(int n)
    {
        int sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += await Value(i);
            if (i == 3)
            {
                try
                {
                    await Task.FromException(new InvalidOperationException());
                }
                catch (InvalidOperationException)
                {
                    sum += 100;
                }
            }
        }

        return sum;
    }

    private static ValueTask<int> Value(int i) => i % 2 == 0 ? new ValueTask<int>(i) : new ValueTask<int>(Task.FromResult(i * 10));

    private static string Generic<T>(T value, Func<T, T> f) where T : notnull
    {
        T result = f(value);
        return result is int i ? "i" + i : "o" + result;
    }

    private static int Closures(int seed)
    {
        int captured = seed & 0xFF;
        Func<int, int> add = x => x + captured;
        captured++;
        int Local(int y) => add(y) * 2 + captured;
        return Enumerable.Range(0, 5).Where(v => (v ^ seed) % 2 == 0).Select(Local).Sum();
    }

    private static unsafe int Unsafe(int seed)
    {
        Span<byte> buffer = stackalloc byte[16];
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)(seed >> (i % 4 * 8));
        }

        int sum = 0;
        fixed (byte* p = buffer)
        {
            for (byte* q = p; q < p + buffer.Length; q++)
            {
                sum += *q > 0x7F ? *q : -*q;
            }
        }

        return sum + Sizes<int>.SizeOf();
    }

    private static string Checked(int seed)
    {
        try
        {
            return checked(seed * 65537 * 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            return "overflow";
        }
    }

    private static long Recursion(int n) => n < 2 ? n : Recursion(n - 1) + Recursion(n - 2);

    private static int TryInLoop(int seed)
    {
        int result = 0;
        for (int i = 0; i < 6; i++)
        {
            try
            {
                if ((seed >> i & 1) == 1)
                {
                    throw new FormatException();
                }

                result += i;
            }
            catch (FormatException) when (i % 2 == 0)
            {
                result -= 1;
                continue;
            }
            catch (FormatException)
            {
                result -= 2;
                break;
            }
            finally
            {
                result *= 2;
            }
        }

        return result;
    }

    private static string Conditional(int seed)
    {
        string? maybe = seed % 4 == 0 ? null : "v" + seed;
        int? length = maybe?.Length;
        return (maybe ?? "none") + ":" + (length ?? -1) + ":" + (seed is > 10 and < 1000 or < -5 ? "range" : "out");
    }

    private sealed class Disposable(StringBuilder log) : IDisposable
    {
        public void Dispose() => log.Append('d');
    }

    private static class Sizes<T>
        where T : unmanaged
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static unsafe int SizeOf() => sizeof(T);
    }
}
