using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Preprocessing;

/// <summary>
/// An integer constant with its C type (LP64: int 32, long 64). <see cref="Bits"/> is always normalised to the
/// type's width, sign-extended for signed types, so two values compare equal exactly when C would print the same.
/// </summary>
internal readonly record struct CValue(long Bits, ConstantType Type)
{
    public bool IsUnsigned => Type is ConstantType.UInt or ConstantType.ULong;

    public bool Is64 => Type is ConstantType.Long or ConstantType.ULong;

    public bool IsZero => Bits == 0;

    public static CValue Int(long v) => Make(v, ConstantType.Int);

    /// <summary>Truncates or extends <paramref name="bits"/> to the width of <paramref name="type"/>.</summary>
    public static CValue Make(long bits, ConstantType type) => type switch
    {
        ConstantType.Int => new CValue(unchecked((int)bits), type),
        ConstantType.UInt => new CValue(unchecked((uint)bits), type),
        _ => new CValue(bits, type),
    };

    /// <summary>The usual arithmetic conversions of C for two (already promoted) integer operands, LP64.</summary>
    public static ConstantType Common(ConstantType a, ConstantType b)
    {
        int Rank(ConstantType t) => t is ConstantType.Long or ConstantType.ULong ? 2 : 1;
        bool Unsigned(ConstantType t) => t is ConstantType.UInt or ConstantType.ULong;

        if (a == b)
        {
            return a;
        }

        if (Unsigned(a) == Unsigned(b))
        {
            return Rank(a) >= Rank(b) ? a : b;
        }

        ConstantType u = Unsigned(a) ? a : b, s = Unsigned(a) ? b : a;
        if (Rank(u) >= Rank(s))
        {
            return u;
        }

        // Signed type of higher rank: long can represent every unsigned int on LP64.
        return s;
    }
}
