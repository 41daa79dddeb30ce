using System.Globalization;
using IommuFd.CHeaders.Model;
using IommuFd.Generator.Diagnostics;
using IommuFd.Generator.Emit;

namespace IommuFd.Generator.Model;

/// <summary>
/// Splits a <see cref="HeaderModel"/> into <see cref="EmitUnit"/>s (one per generated file) and decides everything the
/// emitter must not have to decide: duplicate names, illegal member names, missing types. Each decision that loses
/// or changes something is reported as an <c>IOMMUFD3xxx</c> diagnostic at the header line it concerns.
/// </summary>
/// <remarks>
/// Units are ordered constants, stubs, enums, structs (each in declaration order). Roslyn compares a SelectMany's
/// outputs by position, so a struct appended to a header shows up as one <c>New</c> unit and leaves the others cached.
/// </remarks>
internal static class EmitPlanner
{
    private static readonly SourceLocation s_noLocation = new(string.Empty, 0, 0, 0, 0);

    /// <summary>Plans <paramref name="model"/>.</summary>
    public static EmitPlan Plan(HeaderModel model) => Plan(model, CSharpNames.StubClass);

    /// <summary>Plans <paramref name="model"/> with its ioctl stubs in the class <paramref name="stubClass"/>.</summary>
    public static EmitPlan Plan(HeaderModel model, string stubClass)
    {
        var diagnostics = new List<DiagnosticInfo>();
        foreach (HeaderDiagnostic d in model.Diagnostics)
        {
            diagnostics.Add(DiagnosticInfo.At(d.Id, d.Severity, d.Message, d.Location, model.Path));
        }

        string includeName = model.IncludeName.Length > 0 ? model.IncludeName : FileName(model.Path);
        string className = CSharpNames.HeaderClass(includeName);
        string prefix = CSharpNames.HintPrefix(includeName);

        var structNames = new HashSet<string>(model.Structs.Select(s => s.Name), StringComparer.Ordinal);
        var units = new List<EmitUnit>();
        units.Add(PlanConstants(model, includeName, className, prefix, diagnostics));
        if (model.Ioctls.Count > 0)
        {
            units.Add(PlanStubs(model, includeName, className, stubClass, prefix, structNames, diagnostics));
        }

        var typeNames = new HashSet<string>(StringComparer.Ordinal) { className, stubClass };

        // Roslyn compares hint names without regard to case (they become file names), while C# type names are
        // case-sensitive: `enum fUzz_x` and `struct fuzz_x` are two valid types whose plain hint names would clash
        // and make AddSource throw (fuzz finding G3). Later ones get a numeric suffix.
        var hints = new HashSet<string>(units.Select(u => u.HintName), StringComparer.OrdinalIgnoreCase);
        string UniqueHint(string name)
        {
            string stem = prefix + "." + CSharpNames.ValidName(name);
            string hint = stem + ".g.cs";
            for (int n = 2; !hints.Add(hint); n++)
            {
                hint = stem + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
            }

            return hint;
        }
        foreach (EnumModel e in model.Enums)
        {
            if (e.Name is null)
            {
                continue;
            }

            if (!typeNames.Add(CSharpNames.ValidName(e.Name)))
            {
                diagnostics.Add(Duplicate("enum " + e.Name, includeName, e.Location, model.Path));
                continue;
            }

            units.Add(new EnumUnit(UniqueHint(e.Name), includeName, StripEnum(e)));
        }

        foreach (StructModel s in model.Structs)
        {
            if (!typeNames.Add(CSharpNames.ValidName(s.Name)))
            {
                diagnostics.Add(Duplicate("struct " + s.Name, includeName, s.Location, model.Path));
                continue;
            }

            units.Add(PlanStruct(model, s, includeName, UniqueHint(s.Name), structNames, diagnostics));
        }

        return new EmitPlan(units.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    private static ConstantsUnit PlanConstants(HeaderModel model, string includeName, string className, string prefix, List<DiagnosticInfo> diagnostics)
    {
        // One C# scope holds enumerators of anonymous enums, #defines and ioctl numbers: first definition wins.
        // Names are compared as C# spells them, so `$X` and `_X` (G2) are reported as a duplicate, not emitted twice.
        var names = new HashSet<string>(StringComparer.Ordinal) { className };
        var ioctls = new List<IoctlModel>();
        foreach (IoctlModel i in model.Ioctls)
        {
            if (names.Add(CSharpNames.ValidName(i.Name)))
            {
                ioctls.Add(i with { Location = s_noLocation });
            }
            else
            {
                diagnostics.Add(Duplicate(i.Name, includeName, i.Location, model.Path));
            }
        }

        var enumerators = new List<EnumeratorModel>();
        foreach (EnumModel e in model.Enums)
        {
            if (e.Name is not null)
            {
                continue;
            }

            foreach (EnumeratorModel en in e.Enumerators)
            {
                if (names.Add(CSharpNames.ValidName(en.Name)))
                {
                    enumerators.Add(en with { Location = s_noLocation });
                }
                else
                {
                    diagnostics.Add(Duplicate(en.Name, includeName, en.Location, model.Path));
                }
            }
        }

        var ioctlNames = new HashSet<string>(model.Ioctls.Select(i => i.Name), StringComparer.Ordinal);
        var constants = new List<ConstantModel>();
        foreach (ConstantModel c in model.Constants)
        {
            if (ioctlNames.Contains(c.Name))
            {
                continue; // the same macro, already emitted as an ioctl number
            }

            if (names.Add(CSharpNames.ValidName(c.Name)))
            {
                constants.Add(c with { Location = s_noLocation });
            }
            else
            {
                diagnostics.Add(Duplicate(c.Name, includeName, c.Location, model.Path));
            }
        }

        EquatableArray<DocSection> docs = model.DocSections.Select(d => d with { Location = s_noLocation }).ToEquatableArray();
        return new ConstantsUnit(prefix + ".g.cs", includeName, className, enumerators.ToEquatableArray(), constants.ToEquatableArray(), ioctls.ToEquatableArray(), docs);
    }

    private static IoctlUnit PlanStubs(HeaderModel model, string includeName, string className, string stubClass, string prefix, HashSet<string> structNames, List<DiagnosticInfo> diagnostics)
    {
        var stubs = new List<IoctlStub>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (IoctlModel i in model.Ioctls)
        {
            if (!seen.Add(i.Name))
            {
                continue; // reported by PlanConstants
            }

            bool known = true;
            string? sizeField = null;
            if (i.ArgumentKind == IoctlArgumentKind.Struct)
            {
                StructModel? s = i.ArgumentStruct is null ? null : model.Structs.FirstOrDefault(x => x.Name == i.ArgumentStruct);
                known = s is not null;
                if (s is null)
                {
                    diagnostics.Add(DiagnosticInfo.At(
                        DiagnosticDescriptors.UnknownArgumentStruct,
                        HeaderDiagnosticSeverity.Warning,
                        string.Format(
                            CultureInfo.InvariantCulture,
                            "ioctl {0} takes struct '{1}', which {2} does not define; only the untyped pointer stub Ioctl.{0}(IoctlFd, void*) is generated. Add the struct to the header or fix the argument in the ioctl annotation file.",
                            i.Name,
                            i.ArgumentStruct ?? "(unknown)",
                            includeName),
                        i.Location,
                        model.Path));
                }
                else
                {
                    sizeField = SizeField(s);
                }
            }

            stubs.Add(new IoctlStub(i with { Location = s_noLocation }, known, sizeField));
        }

        return new IoctlUnit(prefix + ".Ioctl.g.cs", includeName, className, stubs.ToEquatableArray()) { StubClass = stubClass };
    }

    /// <summary>
    /// The leading member the typed stub sets to <c>sizeof</c>: a 4-byte unsigned integer at offset 0 named
    /// <c>size</c> (iommufd's extensible-struct rule) or <c>argsz</c> (VFIO's).
    /// </summary>
    internal static string? SizeField(StructModel s)
    {
        FieldModel? first = s.Fields.Count > 0 ? s.Fields[0] : null;
        return first is { Offset: 0, Kind: FieldKind.Integer, ElementSize: 4, ArrayLength: 0, AnonymousGroup: 0, Name: "size" or "argsz" }
            ? first.Name
            : null;
    }

    private static StructUnit PlanStruct(HeaderModel model, StructModel s, string includeName, string hintName, HashSet<string> structNames, List<DiagnosticInfo> diagnostics)
    {
        var ownConstants = model.Constants
            .Where(c => c.ContainingStruct == s.Name)
            .Select(c => c with { Location = s_noLocation })
            .ToEquatableArray();
        var uses = model.Ioctls
            .Where(i => i.ArgumentKind == IoctlArgumentKind.Struct && i.ArgumentStruct == s.Name)
            .Select(i => new IoctlUse(i.Name, i.MinSize, i.MinSizeField))
            .ToEquatableArray();
        StructModel stripped = PlanFields(model, s, s.Name, includeName, structNames, diagnostics);
        return new StructUnit(hintName, includeName, stripped, ownConstants, uses);
    }

    /// <summary>
    /// Blanks locations and applies the field decisions (IOMMUFD3003/3004/3005) to <paramref name="s"/>'s members,
    /// recursively into the nested types of members declared with an unnamed struct/union type.
    /// </summary>
    private static StructModel PlanFields(HeaderModel model, StructModel s, string label, string includeName, HashSet<string> structNames, List<DiagnosticInfo> diagnostics)
    {
        var fields = new List<FieldModel>(s.Fields.Count);
        foreach (FieldModel f in s.Fields)
        {
            FieldModel field = f with { Location = s_noLocation };
            if (f.UnnamedType is { } nested)
            {
                field = field with { UnnamedType = PlanFields(model, nested, label + "." + f.Name, includeName, structNames, diagnostics) };
            }

            if (s.Name.Length > 0 && f.Name == s.Name)
            {
                diagnostics.Add(DiagnosticInfo.At(
                    DiagnosticDescriptors.MemberNamedLikeType,
                    HeaderDiagnosticSeverity.Warning,
                    string.Format(CultureInfo.InvariantCulture, "member '{0}' of struct {1} has the name of its struct, which C# does not allow; it is generated as '{0}_'", f.Name, label),
                    f.Location,
                    model.Path));
                field = field with { Name = f.Name + "_" };
            }

            if (f.Kind == FieldKind.Struct && f.UnnamedType is null && (f.StructName is null || !structNames.Contains(f.StructName)))
            {
                diagnostics.Add(DiagnosticInfo.At(
                    DiagnosticDescriptors.UnknownFieldStruct,
                    HeaderDiagnosticSeverity.Warning,
                    string.Format(CultureInfo.InvariantCulture, "member '{0}' of struct {1} has type '{2}', which {3} does not define; it is generated as {4} raw bytes", f.Name, label, f.CType, includeName, f.Size),
                    f.Location,
                    model.Path));

                // Raw bytes keep the layout exact: an array of the element size in bytes.
                field = field with { Kind = FieldKind.Integer, StructName = null, IsSigned = false, ElementSize = 1, ArrayLength = f.IsFlexibleArray ? -1 : f.Size, CType = f.CType };
            }

            if (field.Kind == FieldKind.Integer && field.ElementSize is not (1 or 2 or 4 or 8))
            {
                diagnostics.Add(DiagnosticInfo.At(
                    DiagnosticDescriptors.UnsupportedType,
                    HeaderDiagnosticSeverity.Warning,
                    string.Format(CultureInfo.InvariantCulture, "member '{0}' of struct {1} is a {2}-byte integer, which C# has no type for; it is generated as raw bytes", f.Name, label, field.ElementSize),
                    f.Location,
                    model.Path));
                field = field with { ElementSize = 1, IsSigned = false, ArrayLength = f.IsFlexibleArray ? -1 : f.Size };
            }

            fields.Add(field);
        }

        return s with { Location = s_noLocation, Fields = fields.ToEquatableArray() };
    }

    private static EnumModel StripEnum(EnumModel e) =>
        e with
        {
            Location = s_noLocation,
            Enumerators = e.Enumerators.Select(x => x with { Location = s_noLocation }).ToEquatableArray(),
        };

    private static DiagnosticInfo Duplicate(string what, string includeName, SourceLocation location, string path) =>
        DiagnosticInfo.At(
            DiagnosticDescriptors.DuplicateName,
            HeaderDiagnosticSeverity.Warning,
            string.Format(CultureInfo.InvariantCulture, "'{0}' is defined more than once in {1}; only the first definition is generated", what, includeName),
            location,
            path);


    private static string FileName(string path)
    {
        int slash = path.LastIndexOfAny(['/', '\\']);
        return slash >= 0 ? path.Substring(slash + 1) : path;
    }
}
