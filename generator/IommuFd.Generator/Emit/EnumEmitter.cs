using IommuFd.CHeaders.Model;
using IommuFd.Generator.Model;

namespace IommuFd.Generator.Emit;

/// <summary>Emits a named C enum as a C# enum with the C name, enumerators and values (duplicates allowed, as in C).</summary>
internal static class EnumEmitter
{
    /// <summary>Writes <paramref name="unit"/>.</summary>
    public static void Emit(SourceWriter w, EnumUnit unit)
    {
        EnumModel e = unit.Enum;
        string cName = "enum " + e.Name;
        DocWriter.Summary(w, e.Doc is { Summary.Length: > 0 } d ? d.Summary : cName + " from " + unit.IncludeName + ".");
        DocWriter.Remarks(w, e.Doc?.Description, "C: " + cName + " (" + unit.IncludeName + ").");
        string type = UnderlyingType(e.Enumerators.Select(x => x.Value)) ?? "int";
        w.WriteLine("[NativeTypeName(" + CSharpNames.StringLiteral(cName) + ")]");
        if (IsFlags(e))
        {
            w.WriteLine("[global::System.Flags]");
        }

        w.WriteLine("public enum " + CSharpNames.Identifier(e.Name!) + (type == "int" ? string.Empty : " : " + type));
        w.OpenBlock();
        for (int i = 0; i < e.Enumerators.Count; i++)
        {
            EnumeratorModel x = e.Enumerators[i];
            if (i > 0)
            {
                w.WriteLine();
            }

            string c = x.Name + (x.Expression is null ? string.Empty : " = " + x.Expression);
            if (x.Doc is { Length: > 0 } doc)
            {
                DocWriter.Summary(w, doc);
                DocWriter.RawElement(w, "remarks", "C: <c>" + DocWriter.Escape(c) + "</c>");
            }
            else
            {
                DocWriter.RawElement(w, "summary", "C: <c>" + DocWriter.Escape(c) + "</c>");
            }

            w.WriteLine(CSharpNames.Identifier(x.Name) + " = " + Literal(x.Value, type, x.Expression) + ",");
        }

        w.CloseBlock();
    }

    /// <summary>
    /// A bit-flag enum: named like one (<c>*_flags</c>, <c>*_flag</c>, <c>*_capabilities</c>) and every nonzero
    /// value a single bit, so <c>[Flags]</c> makes <c>ToString</c> and debuggers show combinations.
    /// </summary>
    internal static bool IsFlags(EnumModel e) =>
        e.Name is { } name
        && (name.EndsWith("_flags", StringComparison.Ordinal) || name.EndsWith("_flag", StringComparison.Ordinal) || name.EndsWith("_capabilities", StringComparison.Ordinal))
        && e.Enumerators.Count > 0
        && e.Enumerators.All(x => x.Value >= 0 && (x.Value & (x.Value - 1)) == 0);

    /// <summary>
    /// The smallest of int, uint, long, ulong that holds every value (C's own rule for enum types, plus the GNU
    /// extension to 64 bits). Null for no values.
    /// </summary>
    public static string? UnderlyingType(IEnumerable<long> values)
    {
        bool any = false;
        long min = 0, max = 0;
        foreach (long v in values)
        {
            min = any ? Math.Min(min, v) : v;
            max = any ? Math.Max(max, v) : v;
            any = true;
        }

        if (!any)
        {
            return null;
        }

        if (min >= int.MinValue && max <= int.MaxValue)
        {
            return "int";
        }

        if (min >= 0 && max <= uint.MaxValue)
        {
            return "uint";
        }

        // The model stores 64-bit values as long; a negative value with no other negative context is a u64 bit pattern.
        return "long";
    }

    /// <summary>A literal of <paramref name="type"/>, hex when the C expression is hex or a shift.</summary>
    public static string Literal(long value, string type, string? expression) =>
        CSharpNames.IntegerLiteral(type == "uint" ? (uint)value : value, CSharpNames.PrefersHex(expression));
}
