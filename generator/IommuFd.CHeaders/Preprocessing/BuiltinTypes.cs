// The scalar types a uapi header may name, with their x86-64 (LP64, SysV psABI) size and alignment.
//
// linux/types.h and asm-generic/int-ll64.h are not read (the front end does not follow #include); their types are
// built in here instead. Two facts matter for layout: plain __u64/__s64 are 8-byte aligned on x86-64 (4 on i386,
// which is why the headers add __aligned_u64), and __aligned_u64/__aligned_le64/__aligned_be64 are 8-aligned
// everywhere (they are macros for "__u64 __attribute__((aligned(8)))").
namespace IommuFd.CHeaders.Preprocessing;

/// <summary>A built-in scalar type.</summary>
/// <param name="Name">Canonical spelling used as <c>FieldModel.CType</c>.</param>
/// <param name="Size">sizeof in bytes.</param>
/// <param name="Align">alignof in bytes.</param>
/// <param name="IsSigned">Signed integer.</param>
/// <param name="IsPointer">True for the pointer pseudo-type.</param>
/// <param name="IsUserAligned">
/// True for <c>__aligned_u64</c> and friends: their alignment comes from <c>__attribute__((aligned(8)))</c>, which
/// survives <c>__attribute__((packed))</c> on the enclosing struct (gcc's DECL_USER_ALIGN).
/// </param>
internal readonly record struct BuiltinType(string Name, int Size, int Align, bool IsSigned, bool IsPointer = false, bool IsUserAligned = false);

/// <summary>Lookup of built-in type spellings.</summary>
internal static class BuiltinTypes
{
    /// <summary>Host pointer width (LP64).</summary>
    public const int PointerSize = 8;

    private static readonly Dictionary<string, BuiltinType> s_single = new(StringComparer.Ordinal)
    {
        ["__u8"] = new("__u8", 1, 1, false),
        ["__s8"] = new("__s8", 1, 1, true),
        ["__u16"] = new("__u16", 2, 2, false),
        ["__s16"] = new("__s16", 2, 2, true),
        ["__u32"] = new("__u32", 4, 4, false),
        ["__s32"] = new("__s32", 4, 4, true),
        ["__u64"] = new("__u64", 8, 8, false),
        ["__s64"] = new("__s64", 8, 8, true),
        ["__le16"] = new("__le16", 2, 2, false),
        ["__be16"] = new("__be16", 2, 2, false),
        ["__le32"] = new("__le32", 4, 4, false),
        ["__be32"] = new("__be32", 4, 4, false),
        ["__le64"] = new("__le64", 8, 8, false),
        ["__be64"] = new("__be64", 8, 8, false),
        ["__aligned_u64"] = new("__aligned_u64", 8, 8, false, IsUserAligned: true),
        ["__aligned_s64"] = new("__aligned_s64", 8, 8, true, IsUserAligned: true),
        ["__aligned_le64"] = new("__aligned_le64", 8, 8, false, IsUserAligned: true),
        ["__aligned_be64"] = new("__aligned_be64", 8, 8, false, IsUserAligned: true),
        ["__sum16"] = new("__sum16", 2, 2, false),
        ["__wsum"] = new("__wsum", 4, 4, false),
        ["__poll_t"] = new("__poll_t", 4, 4, false),
        ["__kernel_size_t"] = new("__kernel_size_t", 8, 8, false),
        ["__kernel_ssize_t"] = new("__kernel_ssize_t", 8, 8, true),
        ["__kernel_pid_t"] = new("__kernel_pid_t", 4, 4, true),
        ["__kernel_uid32_t"] = new("__kernel_uid32_t", 4, 4, false),
        ["__kernel_gid32_t"] = new("__kernel_gid32_t", 4, 4, false),
        ["__kernel_off_t"] = new("__kernel_off_t", 8, 8, true),
        ["__kernel_loff_t"] = new("__kernel_loff_t", 8, 8, true),
        ["_Bool"] = new("_Bool", 1, 1, false),
    };

    /// <summary>Words that may combine into a standard C integer type.</summary>
    private static readonly HashSet<string> s_standardWords = new(StringComparer.Ordinal)
    {
        "char", "short", "int", "long", "signed", "unsigned", "void",
    };

    /// <summary>Qualifiers that change nothing about layout.</summary>
    public static bool IsIgnoredQualifier(string word) => word is "const" or "volatile" or "__user" or "__bitwise" or "__force" or "restrict" or "__restrict";

    public static bool IsSingleWordType(string word) => s_single.ContainsKey(word);

    public static bool IsStandardWord(string word) => s_standardWords.Contains(word);

    /// <summary>Resolves a specifier word list (qualifiers allowed) to a scalar type.</summary>
    public static bool TryGetScalar(IReadOnlyList<string> words, out BuiltinType type)
    {
        type = default;
        var w = words.Where(x => !IsIgnoredQualifier(x)).ToList();
        if (w.Count == 1 && s_single.TryGetValue(w[0], out type))
        {
            return true;
        }

        if (w.Count == 0 || w.Any(x => !s_standardWords.Contains(x)))
        {
            return false;
        }

        int longs = w.Count(x => x == "long");
        bool unsigned = w.Contains("unsigned");
        bool signed = w.Contains("signed");
        bool hasChar = w.Contains("char"), hasShort = w.Contains("short"), hasVoid = w.Contains("void");
        if ((unsigned && signed) || longs > 2 || w.Count(x => x == "int") > 1 || (hasChar && (hasShort || longs > 0)) || (hasShort && longs > 0))
        {
            return false;
        }

        if (hasVoid)
        {
            if (w.Count != 1)
            {
                return false;
            }

            type = new BuiltinType("void", 1, 1, false);
            return true;
        }

        string prefix = unsigned ? "unsigned " : (signed && hasChar ? "signed " : string.Empty);
        if (hasChar)
        {
            // Plain char is signed on x86-64.
            type = new BuiltinType(prefix + "char", 1, 1, !unsigned);
        }
        else if (hasShort)
        {
            type = new BuiltinType(prefix + "short", 2, 2, !unsigned);
        }
        else if (longs == 2)
        {
            type = new BuiltinType(prefix + "long long", 8, 8, !unsigned);
        }
        else if (longs == 1)
        {
            type = new BuiltinType(prefix + "long", 8, 8, !unsigned);
        }
        else
        {
            type = new BuiltinType(prefix + "int", 4, 4, !unsigned);
        }

        return true;
    }
}
