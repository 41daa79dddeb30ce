namespace IommuFd.CHeaders.Model;

/// <summary>The C type a folded constant has, so the emitter picks the matching C# type.</summary>
public enum ConstantType
{
    /// <summary><c>int</c> (no suffix, fits in int).</summary>
    Int,

    /// <summary><c>unsigned int</c> (<c>U</c> suffix or hex that only fits unsigned).</summary>
    UInt,

    /// <summary><c>long</c> / <c>long long</c>.</summary>
    Long,

    /// <summary><c>unsigned long</c> / <c>unsigned long long</c>.</summary>
    ULong,

    /// <summary>A string literal (<c>"vfio-pci"</c>).</summary>
    String,
}

/// <summary>An object-like <c>#define</c> that folds to a value.</summary>
/// <param name="Name">Macro name.</param>
/// <param name="Type">C type of the folded value.</param>
/// <param name="Value">Folded integer value (two's complement bits for negative values); 0 for strings.</param>
/// <param name="StringValue">For <see cref="ConstantType.String"/>: the string; otherwise null.</param>
/// <param name="Expression">The replacement list as written (single-spaced).</param>
/// <param name="ContainingStruct">The struct whose body the <c>#define</c> sits in, if any.</param>
/// <param name="Doc">Trailing or preceding comment, if any.</param>
/// <param name="Location">Where the macro is defined.</param>
public sealed record ConstantModel(
    string Name,
    ConstantType Type,
    long Value,
    string? StringValue,
    string Expression,
    string? ContainingStruct,
    string? Doc,
    SourceLocation Location);
