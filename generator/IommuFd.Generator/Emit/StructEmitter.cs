using System.Globalization;
using System.Text;
using IommuFd.CHeaders.Model;
using IommuFd.Generator.Model;

namespace IommuFd.Generator.Emit;

/// <summary>Emits a C struct or union as a blittable C# struct with the exact C layout.</summary>
/// <remarks>
/// <para>
/// Layout is <c>LayoutKind.Explicit</c> with the size and every offset from the layout engine. That is the one
/// representation that is faithful for flattened anonymous unions (their members simply share an offset), implicit
/// padding (gaps) and tail padding (<c>Size</c>), with no dependence on the CLR's sequential-layout rules. The layout
/// oracle checks every offset and size against gcc.
/// </para>
/// <para>
/// Fixed arrays become nested <c>[InlineArray(N)]</c> structs (TerraFX's <c>_name_e__FixedBuffer</c>); a flexible
/// array member becomes a method returning a span over the memory after the fixed part, plus <c>SizeOf(count)</c>.
/// </para>
/// </remarks>
internal static class StructEmitter
{
    // Method bodies spell framework types with global:: because the generated code lives in IommuFd.Interop, where
    // a simple name like Unsafe binds to the IommuFd.Unsafe namespace first.

    /// <summary>Writes <paramref name="unit"/>.</summary>
    public static void Emit(SourceWriter w, StructUnit unit)
    {
        StructModel s = unit.Struct;
        string name = CSharpNames.Identifier(s.Name);
        string keyword = s.IsUnion ? "union" : "struct";
        string cName = keyword + " " + s.Name;

        WriteSummaryAndRemarks(w, unit, cName);
        w.WriteLine("[NativeTypeName(" + CSharpNames.StringLiteral(cName) + ")]");
        w.WriteLine("[StructLayout(LayoutKind.Explicit, Size = " + CSharpNames.Int(s.Size) + ")]");
        w.WriteLine("public unsafe partial struct " + name);
        w.OpenBlock();

        DocWriter.RawElement(w, "summary", "<c>sizeof(" + DocWriter.Escape(cName) + ")</c>: " + CSharpNames.Int(s.Size) + " bytes.");
        w.WriteLine("public const int " + CSharpNames.NativeSizeName + " = " + CSharpNames.Int(s.Size) + ";");
        WriteMinSizes(w, unit, cName);

        foreach (ConstantModel c in unit.Constants)
        {
            w.WriteLine();
            ConstantsEmitter.WriteConstant(w, c);
        }

        WriteMembers(w, s, name, cName);
        w.CloseBlock();
    }

    /// <summary>
    /// Fields, the flexible-array accessor, fixed buffers and the nested types of members declared with an unnamed
    /// struct/union type (TerraFX's <c>_name_e__Struct</c>/<c>_name_e__Union</c>), recursively.
    /// </summary>
    private static void WriteMembers(SourceWriter w, StructModel s, string name, string cName)
    {
        var fixedBuffers = new List<FieldModel>();
        FieldModel? flexible = null;
        foreach (FieldModel f in s.Fields)
        {
            w.WriteLine();
            if (f.IsFlexibleArray)
            {
                flexible = f;
                WriteFlexibleAccessor(w, name, f);
                continue;
            }

            WriteFieldDoc(w, f);
            w.WriteLine("[FieldOffset(" + CSharpNames.Int(f.Offset) + ")]");
            w.WriteLine("[NativeTypeName(" + CSharpNames.StringLiteral(NativeType(f)) + ")]");
            string type = CSharpNames.ElementType(f);
            if (f.ArrayLength > 0)
            {
                fixedBuffers.Add(f);
                type = FixedBufferName(f);
            }

            w.WriteLine("public " + type + " " + CSharpNames.Identifier(f.Name) + ";");
        }

        if (flexible is not null)
        {
            w.WriteLine();
            WriteSizeOf(w, s, flexible, cName);
        }

        foreach (FieldModel f in fixedBuffers)
        {
            w.WriteLine();
            WriteFixedBuffer(w, f);
        }

        foreach (FieldModel f in s.Fields)
        {
            if (f.UnnamedType is { } nested)
            {
                w.WriteLine();
                WriteNestedType(w, f, nested, cName);
            }
        }
    }

    private static void WriteNestedType(SourceWriter w, FieldModel f, StructModel nested, string outerCName)
    {
        string typeName = CSharpNames.UnnamedTypeName(f);
        string cName = outerCName + "." + f.Name;
        DocWriter.RawElement(
            w,
            "summary",
            "The unnamed <c>" + DocWriter.Escape(f.CType) + "</c> type of member <c>" + DocWriter.Escape(f.Name) + "</c> (<c>" + DocWriter.Escape(cName) + "</c>).");
        DocWriter.RawElement(
            w,
            "remarks",
            string.Format(CultureInfo.InvariantCulture, "C: {0} bytes, aligned to {1}; offsets relative to the member.", nested.Size, nested.Alignment));
        w.WriteLine("[NativeTypeName(" + CSharpNames.StringLiteral(f.CType) + ")]");
        w.WriteLine("[StructLayout(LayoutKind.Explicit, Size = " + CSharpNames.Int(nested.Size) + ")]");
        w.WriteLine("public unsafe partial struct " + typeName);
        w.OpenBlock();
        DocWriter.RawElement(w, "summary", "<c>sizeof</c> of the member's type: " + CSharpNames.Int(nested.Size) + " bytes.");
        w.WriteLine("public const int " + CSharpNames.NativeSizeName + " = " + CSharpNames.Int(nested.Size) + ";");
        WriteMembers(w, nested, typeName, cName);
        w.CloseBlock();
    }

    private static void WriteSummaryAndRemarks(SourceWriter w, StructUnit unit, string cName)
    {
        StructModel s = unit.Struct;
        string layout = string.Format(CultureInfo.InvariantCulture, "C: {0} ({1}, {2} bytes, aligned to {3}).", cName, unit.IncludeName, s.Size, s.Alignment);
        string? kernel = s.Doc?.Summary;

        // Which requests take the struct, with links to their numbers; kernel-doc says it as "ioctl(IOMMU_X)".
        string? argumentOf = null;
        if (unit.Ioctls.Count > 0)
        {
            string header = CSharpNames.Identifier(CSharpNames.HeaderClass(unit.IncludeName));
            argumentOf = "The argument of " + string.Join(", ", unit.Ioctls.Select(i => "<see cref=\"" + header + "." + CSharpNames.Identifier(i.Name) + "\"/>"))
                + " (<c>" + DocWriter.Escape(cName) + "</c>).";
        }

        if (DocWriter.IsInformative(kernel))
        {
            DocWriter.Summary(w, kernel!.Trim());
            DocWriter.Remarks(w, s.Doc?.Description, layout, argumentOf);
        }
        else if (argumentOf is not null)
        {
            DocWriter.RawElement(w, "summary", argumentOf);
            DocWriter.Remarks(w, s.Doc?.Description, layout);
        }
        else
        {
            DocWriter.Summary(w, kernel is { Length: > 0 } ? kernel.Trim() : cName + " from " + unit.IncludeName + ".");
            DocWriter.Remarks(w, s.Doc?.Description, layout);
        }
    }

    private static void WriteMinSizes(SourceWriter w, StructUnit unit, string cName)
    {
        // One MinSize when every ioctl taking the struct agrees (the normal case); per-ioctl names otherwise.
        var known = unit.Ioctls.Where(i => i.MinSize is not null).ToList();
        if (known.Count == 0)
        {
            return;
        }

        bool agree = known.All(i => i.MinSize == known[0].MinSize);
        foreach (IoctlUse use in agree ? known.Take(1) : known)
        {
            string ioctls = agree ? string.Join(", ", known.Select(i => i.Name)) : use.Name;
            string through = use.MinSizeField is null
                ? string.Empty
                : " (<c>offsetofend(" + DocWriter.Escape(cName) + ", " + DocWriter.Escape(use.MinSizeField) + ")</c>)";
            w.WriteLine();
            DocWriter.RawElement(
                w,
                "summary",
                "The smallest <c>size</c>/<c>argsz</c> the kernel accepts for " + DocWriter.Escape(ioctls) + through + ": "
                + CSharpNames.Int(use.MinSize!.Value) + " bytes. Smaller fails with EINVAL; the fields after it are later extensions.");
            string constName = agree ? CSharpNames.MinSizeName : CSharpNames.MinSizeName + "_" + use.Name;
            w.WriteLine("public const int " + constName + " = " + CSharpNames.Int(use.MinSize.Value) + ";");
        }
    }

    private static void WriteFieldDoc(SourceWriter w, FieldModel f)
    {
        string fallback = "<c>" + DocWriter.Escape(NativeType(f) + " " + f.Name) + "</c> at offset " + CSharpNames.Int(f.Offset) + ".";
        if (f.Doc is { Length: > 0 } doc)
        {
            DocWriter.Summary(w, doc);
        }
        else
        {
            DocWriter.RawElement(w, "summary", fallback);
        }

        if (f.AnonymousGroup != 0)
        {
            DocWriter.RawElement(
                w,
                "remarks",
                string.Format(CultureInfo.InvariantCulture, "Member of an anonymous union/struct (group {0}): it shares storage with the other members of that group.", f.AnonymousGroup));
        }
    }

    private static void WriteFlexibleAccessor(SourceWriter w, string structName, FieldModel f)
    {
        string element = CSharpNames.ElementType(f);
        string member = CSharpNames.Identifier(f.Name);
        if (f.Doc is { Length: > 0 } doc)
        {
            DocWriter.Summary(w, doc);
        }
        else
        {
            DocWriter.RawElement(w, "summary", "The flexible array member <c>" + DocWriter.Escape(NativeType(f) + " " + f.Name) + "</c> at offset " + CSharpNames.Int(f.Offset) + ".");
        }

        DocWriter.RawElement(
            w,
            "remarks",
            "A view of the memory that follows the fixed part. Only valid when this struct is accessed by reference or pointer into a buffer of at least <see cref=\""
            + CSharpNames.SizeOfName + "\"/>(<paramref name=\"count\"/>) bytes; on a copy it would read past the struct.");
        DocWriter.Param(w, "count", "Number of elements in the caller's buffer.");
        DocWriter.RawElement(w, "returns", "A span of <paramref name=\"count\"/> elements starting at offset " + CSharpNames.Int(f.Offset) + ".");
        w.WriteLine("[UnscopedRef]");
        w.WriteLine("public global::System.Span<" + element + "> " + member + "(int count)");
        w.OpenBlock();
        w.WriteLine("global::System.ArgumentOutOfRangeException.ThrowIfNegative(count);");
        w.WriteLine("ref byte tail = ref global::System.Runtime.CompilerServices.Unsafe.AddByteOffset(ref global::System.Runtime.CompilerServices.Unsafe.As<" + structName + ", byte>(ref this), (nint)" + CSharpNames.Int(f.Offset) + ");");
        w.WriteLine("return global::System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref global::System.Runtime.CompilerServices.Unsafe.As<byte, " + element + ">(ref tail), count);");
        w.CloseBlock();
    }

    private static void WriteSizeOf(SourceWriter w, StructModel s, FieldModel f, string cName)
    {
        DocWriter.RawElement(
            w,
            "summary",
            "Bytes needed for <c>" + DocWriter.Escape(cName) + "</c> with <paramref name=\"count\"/> elements in <c>" + DocWriter.Escape(f.Name)
            + "[]</c>: <c>max(sizeof, offsetof(" + DocWriter.Escape(f.Name) + ") + count * " + CSharpNames.Int(f.ElementSize) + ")</c>.");
        DocWriter.Param(w, "count", "Number of flexible array elements.");
        DocWriter.RawElement(w, "returns", "The buffer size in bytes, which is also the value for <c>size</c>/<c>argsz</c>.");
        w.WriteLine("public static int " + CSharpNames.SizeOfName + "(int count)");
        w.OpenBlock();
        w.WriteLine("global::System.ArgumentOutOfRangeException.ThrowIfNegative(count);");
        w.WriteLine("return global::System.Math.Max(" + CSharpNames.NativeSizeName + ", checked(" + CSharpNames.Int(f.Offset) + " + (count * " + CSharpNames.Int(f.ElementSize) + ")));");
        w.CloseBlock();
    }

    private static void WriteFixedBuffer(SourceWriter w, FieldModel f)
    {
        string element = CSharpNames.ElementType(f);
        DocWriter.RawElement(
            w,
            "summary",
            "Inline storage for <c>" + DocWriter.Escape(f.Name) + "</c>: " + CSharpNames.Int(f.ArrayLength) + " × <c>" + DocWriter.Escape(element) + "</c>.");
        w.WriteLine("[InlineArray(" + CSharpNames.Int(f.ArrayLength) + ")]");
        w.WriteLine("public struct " + FixedBufferName(f));
        w.OpenBlock();
        DocWriter.RawElement(w, "summary", "The first element; index the buffer (<c>buffer[i]</c>) or take it as a span for the others.");
        w.WriteLine("public " + element + " e0;");
        w.CloseBlock();
    }

    /// <summary>The C type with array suffix (<c>__u8[3]</c>, <c>__u8[]</c>).</summary>
    private static string NativeType(FieldModel f)
    {
        var sb = new StringBuilder(f.CType);
        if (f.ArrayLength > 0)
        {
            sb.Append('[').Append(CSharpNames.Int(f.ArrayLength)).Append(']');
        }
        else if (f.ArrayLength < 0)
        {
            sb.Append("[]");
        }

        return sb.ToString();
    }

    private static string FixedBufferName(FieldModel f) => "_" + f.Name + "_e__FixedBuffer";
}
