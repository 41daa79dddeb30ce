using System.Buffers.Binary;

namespace IommuFd.Fuzzing.Samples;

/// <summary>The planted bug: thrown where an unchecked index would corrupt memory in C.</summary>
public sealed class PlantedBugException(string message) : Exception(message);

/// <summary>
/// A toy iommufd-style dispatcher with exactly one planted bug, the test subject that proves the fuzzing pipeline
/// (instrumenter → runtime → afl → campaign script) finds bugs through coverage feedback. Input: a u32 command
/// number followed by an extensible argument struct with <c>copy_struct_from_user</c> rules (size below the minimum:
/// EINVAL; non-zero bytes past the known struct: E2BIG; unknown flags or reserved bits: EOPNOTSUPP).
/// </summary>
/// <remarks>
/// The bug is in <see cref="Map"/>: with <c>FIXED_IOVA | WRITEABLE</c> set and an IOVA whose top nibble is 0xA
/// (the "huge window"), the page-table level comes from bits 52-55 and indexes a 4-entry table unchecked. Each
/// condition is its own branch, so coverage leads afl there step by step; random testing without feedback needs
/// about 2^13 tries per condition chain and rarely gets there.
/// </remarks>
public static class PlantedBugDecoder
{
    public const uint CmdDestroy = 0x3B80;
    public const uint CmdIoasAlloc = 0x3B81;
    public const uint CmdIoasMap = 0x3B85;
    public const uint CmdIoasUnmap = 0x3B86;

    public const int EINVAL = 22;
    public const int E2BIG = 7;
    public const int EOPNOTSUPP = 95;
    public const int ENOTTY = 25;
    public const int EOVERFLOW = 75;

    private const uint MapWriteable = 1 << 0;
    private const uint MapReadable = 1 << 1;
    private const uint MapFixedIova = 1 << 2;

    private static readonly int[] LevelShift = [12, 21, 30, 39];

    /// <summary>Decodes and "executes" one call; returns 0 or an errno. Throws only for the planted bug.</summary>
    public static int Dispatch(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8)
        {
            return EINVAL;
        }

        uint command = BinaryPrimitives.ReadUInt32LittleEndian(data);
        ReadOnlySpan<byte> argument = data[4..];
        return command switch
        {
            CmdDestroy => Destroy(argument),
            CmdIoasAlloc => Alloc(argument),
            CmdIoasMap => Map(argument),
            CmdIoasUnmap => Unmap(argument),
            _ => ENOTTY,
        };
    }

    // copy_struct_from_user: the user's size field, at least minSize, at most what was passed; unknown tail zero.
    private static int CopyStruct(ReadOnlySpan<byte> argument, int minSize, int knownSize, out ReadOnlySpan<byte> known)
    {
        known = default;
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(argument);
        if (size < minSize || size > argument.Length)
        {
            return EINVAL;
        }

        ReadOnlySpan<byte> user = argument[..(int)size];
        if (size > knownSize && user[knownSize..].IndexOfAnyExcept((byte)0) >= 0)
        {
            return E2BIG;
        }

        Span<byte> buffer = new byte[knownSize];
        user[..Math.Min((int)size, knownSize)].CopyTo(buffer);
        known = buffer;
        return 0;
    }

    private static int Destroy(ReadOnlySpan<byte> argument)
    {
        int error = CopyStruct(argument, 8, 8, out var s);
        if (error != 0)
        {
            return error;
        }

        uint id = BinaryPrimitives.ReadUInt32LittleEndian(s[4..]);
        return id == 0 ? EINVAL : 0;
    }

    private static int Alloc(ReadOnlySpan<byte> argument)
    {
        int error = CopyStruct(argument, 12, 12, out var s);
        if (error != 0)
        {
            return error;
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(s[4..]) != 0 ? EOPNOTSUPP : 0;
    }

    private static int Unmap(ReadOnlySpan<byte> argument)
    {
        int error = CopyStruct(argument, 32, 32, out var s);
        if (error != 0)
        {
            return error;
        }

        ulong iova = BinaryPrimitives.ReadUInt64LittleEndian(s[16..]);
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(s[24..]);
        if (BinaryPrimitives.ReadUInt32LittleEndian(s[12..]) != 0)
        {
            return EOPNOTSUPP;
        }

        return iova + length < iova ? EOVERFLOW : 0;
    }

    // struct { u32 size; u32 flags; u32 ioas_id; u32 reserved; u64 user_va; u64 length; u64 iova; }
    private static int Map(ReadOnlySpan<byte> argument)
    {
        int error = CopyStruct(argument, 40, 40, out var s);
        if (error != 0)
        {
            return error;
        }

        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(s[4..]);
        uint ioas = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
        uint reserved = BinaryPrimitives.ReadUInt32LittleEndian(s[12..]);
        ulong userVa = BinaryPrimitives.ReadUInt64LittleEndian(s[16..]);
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(s[24..]);
        ulong iova = BinaryPrimitives.ReadUInt64LittleEndian(s[32..]);
        if ((flags & ~(MapWriteable | MapReadable | MapFixedIova)) != 0 || reserved != 0)
        {
            return EOPNOTSUPP;
        }

        if (ioas == 0 || length == 0 || userVa + length < userVa)
        {
            return EINVAL;
        }

        if ((flags & MapFixedIova) == 0)
        {
            return 0;   // the allocator picks the IOVA
        }

        if (iova + length < iova)
        {
            return EOVERFLOW;
        }

        if ((flags & MapWriteable) != 0 && (iova >> 60) == 0xA)
        {
            // "Huge window": the page-table level lives in bits 52..55. Planted bug: no check against the table size.
            int level = (int)((iova >> 52) & 0xF);
            if (level >= LevelShift.Length)
            {
                throw new PlantedBugException($"planted bug: page-table level {level} indexes a {LevelShift.Length}-entry table (iova 0x{iova:x16})");
            }

            return (iova & ((1UL << LevelShift[level]) - 1)) != 0 ? EINVAL : 0;
        }

        return 0;
    }
}
