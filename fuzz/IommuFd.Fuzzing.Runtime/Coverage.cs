using System.Runtime.InteropServices;

namespace IommuFd.Fuzzing.Runtime;

/// <summary>
/// The coverage state that instrumented code updates. At the start of every basic block with compile-time id
/// <c>B</c> the instrumenter emits the classic AFL edge probe:
/// <code>Map[B ^ Prev]++; Prev = B >> 1;</code>
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Map"/> points at a private, zeroed buffer until a fuzzing engine attaches its own map (afl's SysV
/// segment), so instrumented assemblies run normally - and identically - outside a fuzzer.
/// </para>
/// <para>
/// Why plain static fields and no static constructor: the probe is a handful of IL instructions on the hottest
/// path; a <c>beforefieldinit</c> type with field initialisers lets the JIT drop the class-init check. The fields
/// are public because instrumented assemblies load them with <c>ldsfld</c>; their names and types are part of the
/// instrumenter's contract (<see cref="MapFieldName"/>, <see cref="PreviousFieldName"/>).
/// </para>
/// <para>
/// <see cref="Prev"/> is one global, not per thread, as in AFL and SharpFuzz: fuzz targets are single-threaded.
/// </para>
/// </remarks>
public static unsafe class Coverage
{
    /// <summary>Size of the edge map in bytes: 64 KiB, afl's default <c>MAP_SIZE</c>; block ids are 16 bits.</summary>
    public const int MapSize = 1 << 16;

    /// <summary>Name of the map field, as the instrumenter looks it up.</summary>
    public const string MapFieldName = nameof(Map);

    /// <summary>Name of the previous-block field, as the instrumenter looks it up.</summary>
    public const string PreviousFieldName = nameof(Prev);

    /// <summary>The edge-hit map (<see cref="MapSize"/> bytes). Written by instrumented code.</summary>
    public static byte* Map = (byte*)NativeMemory.AllocZeroed(MapSize);

    /// <summary>The previous block id shifted right by one. Written by instrumented code.</summary>
    public static int Prev;

    /// <summary>Clears the map and the previous-block id (start of a fresh trace).</summary>
    public static void Clear()
    {
        new Span<byte>(Map, MapSize).Clear();
        Prev = 0;
    }

    /// <summary>Counts the map bytes that are non-zero: the number of distinct edges hit since the last clear.</summary>
    public static int CountHitEdges()
    {
        int count = 0;
        var map = new ReadOnlySpan<byte>(Map, MapSize);
        foreach (byte b in map)
        {
            if (b != 0)
            {
                count++;
            }
        }

        return count;
    }
}
