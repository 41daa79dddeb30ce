using System.Buffers.Binary;

namespace IommuFd.Fuzzing;

/// <summary>
/// Decodes structured values from fuzz input. Running out of input yields zeros, so every byte string is a valid
/// program; encodings favour small and edge values (near 0, near the top of the space) that make trees overlap,
/// touch and wrap, and keep one byte per decision so afl's byte mutations map to single decisions.
/// </summary>
public ref struct FuzzReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _data = data;

    /// <summary>Whether input remains.</summary>
    public readonly bool HasMore => !_data.IsEmpty;

    public byte Byte()
    {
        if (_data.IsEmpty)
        {
            return 0;
        }

        byte b = _data[0];
        _data = _data[1..];
        return b;
    }

    public ushort UInt16()
    {
        Span<byte> b = [Byte(), Byte()];
        return BinaryPrimitives.ReadUInt16LittleEndian(b);
    }

    public ulong UInt64()
    {
        Span<byte> b = stackalloc byte[8];
        for (int i = 0; i < 8; i++)
        {
            b[i] = Byte();
        }

        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    /// <summary>A position: dense small values, the top of the space, a dense middle, or any 64-bit value.</summary>
    public ulong Coordinate() => (Byte() & 7) switch
    {
        0 or 1 or 2 => (ulong)Byte() * 16,
        3 => ulong.MaxValue - Byte(),
        4 or 5 => 0x10_0000UL + UInt16(),
        6 => (ulong)UInt16() << 12,
        _ => UInt64(),
    };

    /// <summary>A length: zero, small, medium or any 64-bit value.</summary>
    public ulong Length() => (Byte() & 7) switch
    {
        0 => 0UL,
        1 or 2 or 3 or 4 => Byte(),
        5 => UInt16(),
        6 => (ulong)UInt16() << 12,
        _ => UInt64(),
    };
}
