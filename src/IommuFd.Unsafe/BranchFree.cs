// Design: selects and maxima written as arithmetic on a 0/-1 mask, for the hot loops whose conditions are coin tosses
// (the left/right step of a tree descent). RyuJIT if-converts such selects into conditional moves outside loops but
// keeps them as branches inside loops, where a mispredicted branch costs ~15 cycles; `cond ? 1 : 0` is a setcc, and
// the rest is three ALU operations on the dependency chain. Use these only where the branch is unpredictable: a
// well-predicted branch is cheaper.
using System.Runtime.CompilerServices;

namespace IommuFd.Unsafe;

internal static class BranchFree
{
    /// <summary><paramref name="condition"/> ? <paramref name="ifTrue"/> : <paramref name="ifFalse"/>, without a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Select(bool condition, int ifTrue, int ifFalse)
    {
        int mask = -(condition ? 1 : 0);
        return ifFalse ^ ((ifTrue ^ ifFalse) & mask);
    }

    /// <summary>max(<paramref name="a"/>, <paramref name="b"/>), without a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Max(ulong a, ulong b)
    {
        ulong mask = (ulong)-(long)(a < b ? 1 : 0);
        return a ^ ((a ^ b) & mask);
    }
}
