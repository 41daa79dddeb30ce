using System.Globalization;
using IommuFd.CHeaders.Model;
using Microsoft.CodeAnalysis.CSharp;

namespace IommuFd.Generator.Emit;

/// <summary>How C names, types and values are spelled in the generated C#.</summary>
/// <remarks>
/// The raw layer keeps uapi names exactly (TerraFX convention): <c>__reserved</c> is a legal C# identifier and stays as
/// written; only C# keywords need the <c>@</c> verbatim prefix. Numbers are always formatted with the invariant culture.
/// </remarks>
internal static class CSharpNames
{
    /// <summary>The namespace every generated type lives in.</summary>
    public const string Namespace = "IommuFd.Interop";

    /// <summary>The static partial class holding the ioctl stubs of every header.</summary>
    public const string StubClass = "Ioctl";

    /// <summary>Name of the per-struct constant holding <c>sizeof</c>.</summary>
    public const string NativeSizeName = "NativeSize";

    /// <summary>Name of the per-ioctl-struct constant holding the kernel's minimum accepted size.</summary>
    public const string MinSizeName = "MinSize";

    /// <summary>Name of the static method computing the size of a struct with a flexible array member.</summary>
    public const string SizeOfName = "SizeOf";

    /// <summary>
    /// The C# spelling of the C identifier <paramref name="name"/>: characters C allows but C# does not (gcc's <c>$</c>)
    /// become <c>_</c>, and a C# keyword (<c>in</c>, <c>base</c>, <c>object</c>…) gets the <c>@</c> verbatim prefix.
    /// </summary>
    public static string Identifier(string name)
    {
        string valid = ValidName(name);
        return SyntaxFacts.GetKeywordKind(valid) != SyntaxKind.None ? "@" + valid : valid;
    }

    /// <summary>
    /// The header's group name: the include name without directory and <c>.h</c> (<c>linux/iommufd.h</c> →
    /// <c>iommufd</c>). It names the constants class.
    /// </summary>
    public static string HeaderClass(string includeName)
    {
        string file = includeName;
        int slash = file.LastIndexOfAny(['/', '\\']);
        if (slash >= 0)
        {
            file = file.Substring(slash + 1);
        }

        if (file.EndsWith(".h", StringComparison.Ordinal))
        {
            file = file.Substring(0, file.Length - 2);
        }

        return ValidName(file);
    }

    /// <summary>
    /// The hint-name prefix of a header: <c>linux/iommufd.h</c> → <c>linux.iommufd</c>. Each path segment is spelled
    /// as a C# name, because Roslyn rejects hint names with other characters (e.g. <c>$</c>) by throwing.
    /// </summary>
    public static string HintPrefix(string includeName)
    {
        string name = includeName.Replace('\\', '/');
        if (name.EndsWith(".h", StringComparison.Ordinal))
        {
            name = name.Substring(0, name.Length - 2);
        }

        return string.Join(".", name.Split('/').Where(segment => segment.Length > 0).Select(ValidName));
    }

    /// <summary>
    /// Replaces every character that cannot stand at its place in a C# identifier with <c>_</c> (<c>-</c> in
    /// <c>foo-bar.h</c>, <c>$</c> in <c>$STATE</c>: fuzz finding G2), without keyword escaping.
    /// </summary>
    public static string ValidName(string name)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        char[]? chars = null;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool ok = i == 0 ? SyntaxFacts.IsIdentifierStartCharacter(c) : SyntaxFacts.IsIdentifierPartCharacter(c);
            if (!ok)
            {
                chars ??= name.ToCharArray();
                chars[i] = '_';
            }
        }

        return chars is null ? name : new string(chars);
    }

    /// <summary>The C# type of a fixed-width integer of <paramref name="size"/> bytes.</summary>
    public static string IntegerType(int size, bool signed) => size switch
    {
        1 => signed ? "sbyte" : "byte",
        2 => signed ? "short" : "ushort",
        4 => signed ? "int" : "uint",
        8 => signed ? "long" : "ulong",
        _ => throw new NotSupportedException(string.Format(CultureInfo.InvariantCulture, "no C# integer type has {0} bytes", size)),
    };

    /// <summary>The C# element type of a field (ignoring array-ness).</summary>
    public static string ElementType(FieldModel field) => field.Kind switch
    {
        FieldKind.Integer => IntegerType(field.ElementSize, field.IsSigned),
        FieldKind.Struct when field.UnnamedType is not null => UnnamedTypeName(field),
        FieldKind.Struct => Identifier(field.StructName ?? throw new InvalidOperationException("struct field without a struct name: " + field.Name)),
        FieldKind.Pointer => PointerType(field.CType),
        _ => throw new NotSupportedException("unknown field kind " + field.Kind),
    };

    /// <summary>
    /// The nested C# type of a member declared with an unnamed struct/union type (TerraFX/ClangSharp convention):
    /// <c>struct { … } dirty;</c> → <c>_dirty_e__Struct</c>, <c>union { … } u;</c> → <c>_u_e__Union</c>.
    /// </summary>
    public static string UnnamedTypeName(FieldModel field) =>
        "_" + ValidName(field.Name) + (field.UnnamedType is { IsUnion: true } ? "_e__Union" : "_e__Struct");

    /// <summary>
    /// The C# pointer type for a C pointer member (<c>__u64 *data</c> → <c>ulong*</c>). Pointees we cannot name
    /// become <c>void*</c>: the member is an address either way, and the size is the host pointer width.
    /// </summary>
    public static string PointerType(string cType)
    {
        string pointee = cType.Replace("*", string.Empty).Replace("const", string.Empty).Trim();
        int stars = cType.Length - cType.Replace("*", string.Empty).Length;
        string? mapped = ScalarTypeName(pointee);
        if (mapped is null && pointee.StartsWith("struct ", StringComparison.Ordinal))
        {
            mapped = Identifier(pointee.Substring("struct ".Length).Trim());
        }

        return (mapped ?? "void") + new string('*', stars < 1 ? 1 : stars);
    }

    /// <summary>The C# spelling of a uapi scalar type name, or null when it is not one.</summary>
    public static string? ScalarTypeName(string cType) => cType switch
    {
        "__u8" or "unsigned char" or "__le8" => "byte",
        "__s8" or "signed char" or "char" => "sbyte",
        "__u16" or "__le16" or "__be16" or "unsigned short" => "ushort",
        "__s16" or "short" => "short",
        "__u32" or "__le32" or "__be32" or "unsigned int" or "unsigned" => "uint",
        "__s32" or "int" => "int",
        "__u64" or "__le64" or "__be64" or "__aligned_u64" or "__aligned_le64" or "__aligned_be64" or "unsigned long long" => "ulong",
        "__s64" or "long long" => "long",
        "void" => "void",
        _ => null,
    };

    /// <summary>A C# integer literal: hex for non-negative values when <paramref name="hex"/>, decimal otherwise.</summary>
    public static string IntegerLiteral(long value, bool hex)
    {
        if (hex && value >= 0)
        {
            return "0x" + value.ToString("X", CultureInfo.InvariantCulture);
        }

        return value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A C# unsigned literal, in hex.</summary>
    public static string HexLiteral(ulong value) => "0x" + value.ToString("X", CultureInfo.InvariantCulture);

    /// <summary>True when a C expression is written in hex or as a shift, so its value reads best in hex.</summary>
    public static bool PrefersHex(string? expression) =>
        expression is not null &&
        (expression.IndexOf("0x", StringComparison.OrdinalIgnoreCase) >= 0 || expression.IndexOf("<<", StringComparison.Ordinal) >= 0);

    /// <summary>A C# string literal (regular, escaped).</summary>
    public static string StringLiteral(string value) =>
        SymbolDisplay.FormatLiteral(value, quote: true);

    /// <summary>An invariant decimal <see cref="int"/>.</summary>
    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
