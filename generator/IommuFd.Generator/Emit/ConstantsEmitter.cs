using IommuFd.CHeaders.Model;
using IommuFd.Generator.Model;

namespace IommuFd.Generator.Emit;

/// <summary>
/// Emits the header's static constants class (<c>iommufd</c>, <c>vfio</c>): enumerators of anonymous enums,
/// folded <c>#define</c>s and folded ioctl request numbers, with the header's <c>DOC:</c> sections as remarks.
/// </summary>
internal static class ConstantsEmitter
{
    /// <summary>
    /// The architecture caveat of every request number. The header writes <c>_IO(type, nr)</c>; what that folds to
    /// depends on the architecture's <c>_IOC</c> bit layout, and the generator folds with the generic one.
    /// </summary>
    internal const string EncodingNote =
        "Request numbers are folded with the generic Linux _IOC encoding (asm-generic/ioctl.h: x86, x86-64, arm, arm64, riscv, "
        + "loongarch, s390). alpha, mips, powerpc and sparc use other direction/size bits (e.g. _IOC_NONE is 1 there), so the "
        + "same macro folds to a different number and these constants do not apply on those architectures.";

    /// <summary>Writes <paramref name="unit"/>.</summary>
    public static void Emit(SourceWriter w, ConstantsUnit unit)
    {
        DocWriter.Summary(w, "Constants of <" + unit.IncludeName + ">: anonymous-enum enumerators, #define values and ioctl request numbers.");
        WriteClassRemarks(w, unit);
        w.WriteLine("public static partial class " + CSharpNames.Identifier(unit.ClassName));
        w.OpenBlock();
        bool first = true;
        foreach (EnumeratorModel e in unit.Enumerators)
        {
            Separate(w, ref first);
            WriteEnumerator(w, e);
        }

        foreach (ConstantModel c in unit.Constants)
        {
            Separate(w, ref first);
            WriteConstant(w, c);
        }

        foreach (IoctlModel i in unit.Ioctls)
        {
            Separate(w, ref first);
            WriteIoctlNumber(w, i);
        }

        w.CloseBlock();
    }

    /// <summary>Writes one folded <c>#define</c> as a <c>public const</c> (also used for constants inside struct bodies).</summary>
    public static void WriteConstant(SourceWriter w, ConstantModel c)
    {
        string define = "#define " + c.Name + (c.Expression.Length > 0 ? " " + c.Expression : string.Empty);
        if (c.Doc is { Length: > 0 } doc)
        {
            DocWriter.Summary(w, doc);
            DocWriter.RawElement(w, "remarks", "C: <c>" + DocWriter.Escape(define) + "</c>");
        }
        else
        {
            DocWriter.RawElement(w, "summary", "C: <c>" + DocWriter.Escape(define) + "</c>");
        }

        bool hex = CSharpNames.PrefersHex(c.Expression);
        (string type, string value) = c.Type switch
        {
            ConstantType.String => ("string", CSharpNames.StringLiteral(c.StringValue ?? string.Empty)),
            ConstantType.Int => ("int", CSharpNames.IntegerLiteral((int)c.Value, hex)),
            ConstantType.UInt => ("uint", CSharpNames.IntegerLiteral((uint)c.Value, hex)),
            ConstantType.Long => ("long", CSharpNames.IntegerLiteral(c.Value, hex)),
            _ => ("ulong", hex || c.Value < 0 ? CSharpNames.HexLiteral(unchecked((ulong)c.Value)) : CSharpNames.IntegerLiteral(c.Value, false)),
        };
        w.WriteLine("[NativeTypeName(" + CSharpNames.StringLiteral(define) + ")]");
        w.WriteLine("public const " + type + " " + CSharpNames.Identifier(c.Name) + " = " + value + ";");
    }

    private static void WriteEnumerator(SourceWriter w, EnumeratorModel e)
    {
        string c = e.Name + (e.Expression is null ? string.Empty : " = " + e.Expression);
        if (e.Doc is { Length: > 0 } doc)
        {
            DocWriter.Summary(w, doc);
            DocWriter.RawElement(w, "remarks", "C: <c>enum { " + DocWriter.Escape(c) + " }</c>");
        }
        else
        {
            DocWriter.RawElement(w, "summary", "C: <c>enum { " + DocWriter.Escape(c) + " }</c>");
        }

        string type = EnumEmitter.UnderlyingType([e.Value]) ?? "int";
        w.WriteLine("public const " + type + " " + CSharpNames.Identifier(e.Name) + " = " + EnumEmitter.Literal(e.Value, type, e.Expression) + ";");
    }

    private static void WriteIoctlNumber(SourceWriter w, IoctlModel i)
    {
        string summary = "ioctl request <c>" + DocWriter.Escape(i.Name) + "</c>"
            + (DocWriter.IsInformative(i.Doc?.Summary) ? ": " + DocWriter.Escape(i.Doc!.Summary.Trim()) : ".");
        DocWriter.RawElement(w, "summary", summary);
        string argument = i.ArgumentKind switch
        {
            IoctlArgumentKind.Struct => "Argument: pointer to struct " + (i.ArgumentStruct ?? "?") + ".",
            IoctlArgumentKind.Value => "Argument: an integer, or a pointer to a scalar.",
            _ => "Argument: none.",
        };
        DocWriter.Remarks(
            w,
            i.Doc?.Description,
            "C: #define " + i.Name + " " + i.Definition + ". " + argument + " Folded with the generic _IOC encoding (see the class remarks).");
        w.WriteLine("[NativeTypeName(" + CSharpNames.StringLiteral("#define " + i.Name + " " + i.Definition) + ")]");
        string type = i.Number <= uint.MaxValue ? "uint" : "ulong";
        w.WriteLine("public const " + type + " " + CSharpNames.Identifier(i.Name) + " = " + CSharpNames.HexLiteral(i.Number) + ";");
    }

    private static void WriteClassRemarks(SourceWriter w, ConstantsUnit unit)
    {
        w.WriteLine("/// <remarks>");
        foreach (DocSection section in unit.DocSections)
        {
            w.WriteLine("/// <para><b>" + DocWriter.Escape(section.Title) + "</b></para>");
            foreach (string paragraph in SplitParagraphs(section.Text))
            {
                w.WriteLine("/// <para>");
                foreach (string line in paragraph.Split('\n'))
                {
                    w.WriteLine("/// " + DocWriter.EscapeKernelDoc(line));
                }

                w.WriteLine("/// </para>");
            }
        }

        w.WriteLine("/// <para>" + DocWriter.Escape(EncodingNote) + "</para>");
        w.WriteLine("/// </remarks>");
    }

    private static IEnumerable<string> SplitParagraphs(string text)
    {
        var current = new List<string>();
        foreach (string raw in DocWriter.NormalizeLineBreaks(text).Replace("\t", "    ").Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.Trim().Length == 0)
            {
                if (current.Count > 0)
                {
                    yield return string.Join("\n", current);
                    current.Clear();
                }

                continue;
            }

            current.Add(line);
        }

        if (current.Count > 0)
        {
            yield return string.Join("\n", current);
        }
    }

    private static void Separate(SourceWriter w, ref bool first)
    {
        if (!first)
        {
            w.WriteLine();
        }

        first = false;
    }
}
