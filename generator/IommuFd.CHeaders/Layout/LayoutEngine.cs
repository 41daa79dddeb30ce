// x86-64 (LP64, SysV psABI) layout of structs and unions.
//
// Rules, as gcc applies them to these headers:
//  - every scalar is naturally aligned; plain __u64 is 8-aligned on x86-64 (that is what leaves the 4-byte holes at
//    offset 12 in vfio_iommu_type1_info_cap_migration and vfio_eeh_pe_op; on i386 there would be none);
//  - a struct member starts at the next multiple of its alignment; a union member at 0;
//  - the aggregate's alignment is the largest member alignment (or aligned(n) if larger) and its size is rounded up
//    to it (tail padding);
//  - a flexible array member adds no size but its element alignment still counts;
//  - __attribute__((packed)) drops member alignment to 1 unless the member says aligned(n).
// Anonymous struct/union members are laid out as their own aggregate and then flattened into the parent with
// offsets relative to the parent and an AnonymousGroup id per anonymous aggregate (1-based, in declaration order),
// which is how C code names them and how the layout oracle addresses them.
using IommuFd.CHeaders.Diagnostics;
using IommuFd.CHeaders.Lexing;
using IommuFd.CHeaders.Model;
using IommuFd.CHeaders.Parsing;
using IommuFd.CHeaders.Preprocessing;

namespace IommuFd.CHeaders.Layout;

/// <summary>Computed layout of one named aggregate.</summary>
internal sealed class LayoutResult
{
    public LayoutResult(int size, int alignment, List<FieldModel> fields)
    {
        Size = size;
        Alignment = alignment;
        Fields = fields;
    }

    public int Size { get; }

    public int Alignment { get; }

    public List<FieldModel> Fields { get; }
}

/// <summary>Lays out every named struct and union of a header, on demand and memoised.</summary>
internal sealed class LayoutEngine
{
    /// <summary>Largest aggregate the engine accepts; beyond this, hostile input is reported instead of overflowing.</summary>
    public const long MaxSize = 1L << 30;

    private readonly Dictionary<string, AggregateSyntax> _byTag = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LayoutResult> _done = new(StringComparer.Ordinal);
    private readonly HashSet<string> _busy = new(StringComparer.Ordinal);
    private readonly DiagnosticBag _diagnostics;
    private IEvaluationContext? _context;

    private readonly Dictionary<string, StructModel> _external = new(StringComparer.Ordinal);

    private readonly IReadOnlyList<(int Offset, int Pack)> _packChanges;

    public LayoutEngine(ParseResult parse, DiagnosticBag diagnostics, IEnumerable<HeaderModel>? dependencies = null, IReadOnlyList<(int Offset, int Pack)>? packChanges = null)
    {
        _diagnostics = diagnostics;
        _packChanges = packChanges ?? Array.Empty<(int, int)>();

        // Structs of headers this one includes (e.g. vfio.h embedding an iommufd.h struct): already laid out.
        foreach (StructModel s in dependencies?.SelectMany(d => d.Structs) ?? Enumerable.Empty<StructModel>())
        {
            if (!_external.ContainsKey(s.Name))
            {
                _external.Add(s.Name, s);
            }
        }

        foreach (AggregateSyntax a in parse.Aggregates)
        {
            if (a.Name is not null && !_byTag.ContainsKey(a.Name))
            {
                _byTag.Add(a.Name, a);
            }
        }
    }

    /// <summary>The evaluator context for array lengths (set once the symbol table exists; they reference each other).</summary>
    public void SetContext(IEvaluationContext context) => _context = context;

    public bool IsDefined(string tag) => _byTag.ContainsKey(tag);

    public bool IsUnion(string tag) => _byTag.TryGetValue(tag, out AggregateSyntax? a) && a.IsUnion;

    /// <summary>Layout of <paramref name="tag"/>, or null when undefined or recursive (already reported).</summary>
    public LayoutResult? Layout(string tag)
    {
        if (_done.TryGetValue(tag, out LayoutResult? r))
        {
            return r;
        }

        if (!_byTag.TryGetValue(tag, out AggregateSyntax? agg))
        {
            return _external.TryGetValue(tag, out StructModel? ext) ? new LayoutResult(ext.Size, ext.Alignment, ext.Fields.ToList()) : null;
        }

        if (!_busy.Add(tag))
        {
            _diagnostics.Report(DiagnosticCatalog.RecursiveLayout, Loc(agg.NameToken), tag);
            return null;
        }

        if (agg.HasErrors)
        {
            return null; // the parse error is already reported; a partial layout would be silently wrong
        }

        try
        {
            System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
            int group = 0;
            bool failed = false;

            // #pragma pack in effect where the struct is defined (the last change before its keyword).
            int pack = 0;
            foreach ((int offset, int value) in _packChanges)
            {
                if (offset < agg.Keyword.Start)
                {
                    pack = value;
                }
            }

            (long size, int align, List<FieldModel> fields) = LayoutAggregate(agg, agg.Name!, ref group, 0, pack, ref failed);
            if (failed)
            {
                return null;
            }

            r = new LayoutResult((int)size, align, fields);
            _done[tag] = r;
            return r;
        }
        finally
        {
            _busy.Remove(tag);
        }
    }

    private SourceLocation Loc(Lexing.Token t) => _diagnostics.Location(t.Line, t.Column, t.Start, t.Length);

    private static long AlignUp(long value, int align) => (value + align - 1) / align * align;

    private (long Size, int Align, List<FieldModel> Fields) LayoutAggregate(AggregateSyntax agg, string owner, ref int group, int myGroup, int pack, ref bool failed)
    {
        var fields = new List<FieldModel>();
        long offset = 0, size = 0;
        int maxAlign = 1;
        for (int i = 0; i < agg.Members.Count; i++)
        {
            MemberSyntax m = agg.Members[i];
            long memberSize;
            int memberAlign;
            List<FieldModel> placed;
            if (m.Anonymous is not null)
            {
                int id = ++group;
                if (m.Anonymous.HasErrors)
                {
                    failed = true;
                    continue;
                }

                (memberSize, memberAlign, placed) = LayoutAggregate(m.Anonymous, owner, ref group, id, pack, ref failed);
            }
            else
            {
                FieldModel? field = Field(m, owner, myGroup, pack, out memberAlign);
                if (field is null)
                {
                    failed = true; // reported by Field (or by the referenced struct's own diagnostics)
                    continue;
                }

                if (field.IsFlexibleArray && i != agg.Members.Count - 1)
                {
                    _diagnostics.Report(DiagnosticCatalog.FlexibleArrayNotLast, Loc(m.NameToken), m.Name, owner);
                    failed = true;
                }

                memberSize = field.Size;
                placed = new List<FieldModel> { field };
            }

            if (agg.Packed)
            {
                // packed drops natural alignment but not alignment the user asked for: aligned(n) on the member,
                // or the aligned(8) inside __aligned_u64.
                // (gcc applies an attribute among the declaration specifiers to the member, so even "__aligned_u64 *p" keeps it.)
                int userAlign = Math.Max(m.AlignAttribute, m.Type?.Builtin is { IsUserAligned: true } ? 8 : 0);
                memberAlign = userAlign > 0 ? userAlign : 1;
            }

            // #pragma pack caps every member, even one with aligned(n) (gcc: maximum_field_alignment in layout_decl).
            if (pack > 0)
            {
                memberAlign = Math.Min(memberAlign, pack);
            }

            long at = agg.IsUnion ? 0 : AlignUp(offset, memberAlign);
            if (at + memberSize > MaxSize)
            {
                _diagnostics.Report(DiagnosticCatalog.LayoutOverflow, Loc(agg.NameToken), owner);
                failed = true;
                break;
            }

            // Members of an anonymous aggregate were laid out relative to it; shift them to the parent.
            foreach (FieldModel f in placed)
            {
                fields.Add(f with { Offset = (int)(f.Offset + at) });
            }

            maxAlign = Math.Max(maxAlign, memberAlign);
            if (agg.IsUnion)
            {
                size = Math.Max(size, memberSize);
            }
            else
            {
                offset = at + memberSize;
                size = offset;
            }
        }

        int align = Math.Max(maxAlign, Math.Max(agg.AlignAttribute, EvaluateAlignment(agg.AlignExpression, agg.NameToken, owner, ref failed)));
        long total = AlignUp(size, align);
        if (total > MaxSize)
        {
            _diagnostics.Report(DiagnosticCatalog.LayoutOverflow, Loc(agg.NameToken), owner);
            failed = true;
            total = 0;
        }

        return (total, align, fields);
    }

    /// <summary>Folds an <c>aligned(expr)</c> argument; 0 when there is none, reports and fails when it is unusable.</summary>
    private int EvaluateAlignment(List<Token>? expression, Token at, string owner, ref bool failed)
    {
        if (expression is null)
        {
            return 0;
        }

        try
        {
            long v = _context is null ? 0 : ConstantEvaluator.Evaluate(expression, 0, expression.Count, _context).Bits;
            if (v is > 0 and <= 1 << 16 && (v & (v - 1)) == 0)
            {
                return (int)v;
            }

            _diagnostics.Report(DiagnosticCatalog.UnsupportedMember, Loc(at), "aligned(" + Lexer.Join(expression) + ")", owner, $"alignment {v} is not a power of two");
        }
        catch (EvalException ex)
        {
            _diagnostics.Report(DiagnosticCatalog.UnsupportedMember, Loc(at), "aligned(" + Lexer.Join(expression) + ")", owner, ex.Message);
        }

        failed = true;
        return 0;
    }

    private FieldModel? Field(MemberSyntax m, string owner, int group, int pack, out int align)
    {
        align = 1;
        TypeSyntax type = m.Type!;
        FieldKind kind;
        int elementSize;
        bool signed = false;
        string? structName = null;
        StructModel? unnamed = null;
        string ctype = type.Text;
        if (m.PointerDepth > 0)
        {
            kind = FieldKind.Pointer;
            elementSize = BuiltinTypes.PointerSize;
            align = BuiltinTypes.PointerSize;
            structName = type.Tag;
            // Stars written at the member; those inside a pointer typedef are part of its name.
            int own = m.PointerDepth - type.TypedefPointerDepth;
            ctype = own > 0 ? type.Text + " " + new string('*', own) : type.Text;
        }
        else if (type.Builtin is BuiltinType bt)
        {
            if (bt.Name == "void")
            {
                _diagnostics.Report(DiagnosticCatalog.UnsupportedMember, Loc(m.NameToken), m.Name, owner, "a member cannot have type void");
                return null;
            }

            kind = FieldKind.Integer;
            elementSize = bt.Size;
            align = bt.Align;
            signed = bt.IsSigned;
        }
        else if (type.Unnamed is AggregateSyntax body)
        {
            // "struct { … } name;": the body is the member's own type, laid out like any aggregate (its anonymous
            // members are grouped and flattened within it) and kept whole in the field.
            kind = FieldKind.Struct;
            if (body.HasErrors)
            {
                return null; // the member that failed to parse is already reported
            }

            int innerGroup = 0;
            bool failed = false;
            (long innerSize, int innerAlign, List<FieldModel> innerFields) = LayoutAggregate(body, owner, ref innerGroup, 0, pack, ref failed);
            if (failed)
            {
                return null;
            }

            elementSize = (int)innerSize;
            align = innerAlign;
            unnamed = new StructModel(string.Empty, body.IsUnion, elementSize, innerAlign, innerFields.ToEquatableArray(), EquatableArray<string>.Empty, null, null, Loc(body.Keyword));
        }
        else
        {
            kind = FieldKind.Struct;
            structName = type.Tag;
            LayoutResult? inner = type.Tag is null ? null : Layout(type.Tag);
            if (inner is null)
            {
                // Undefined, recursive or itself broken: either way this member's layout is unknown.
                _diagnostics.Report(DiagnosticCatalog.IncompleteType, Loc(type.Token), type.Text, owner);
                return null;
            }

            elementSize = inner.Size;
            align = inner.Alignment;
        }

        if (m.AlignExpression is not null)
        {
            bool bad = false;
            m.AlignAttribute = Math.Max(m.AlignAttribute, EvaluateAlignment(m.AlignExpression, m.NameToken, owner, ref bad));
            if (bad)
            {
                return null;
            }
        }

        if (m.AlignAttribute > 0)
        {
            align = Math.Max(align, m.AlignAttribute);
        }

        int arrayLength = 0;
        long size = elementSize;
        if (m.Dimensions.Count > 1)
        {
            _diagnostics.Report(DiagnosticCatalog.UnsupportedMember, Loc(m.NameToken), m.Name, owner, "multi-dimensional arrays are not supported");
            return null;
        }

        if (m.Dimensions.Count == 1)
        {
            List<Token> dimension = m.Dimensions[0];
            if (dimension.Count == 0)
            {
                arrayLength = -1;
                size = 0;
            }
            else
            {
                long n;
                try
                {
                    if (_context is null)
                    {
                        throw new EvalException("no evaluation context", m.NameToken);
                    }

                    n = ConstantEvaluator.Evaluate(dimension, 0, dimension.Count, _context).Bits;
                }
                catch (EvalException ex)
                {
                    _diagnostics.Report(DiagnosticCatalog.BadArrayLength, Loc(m.NameToken), m.Name, ex.Message);
                    return null;
                }

                if (n < 0 || n * elementSize > MaxSize)
                {
                    _diagnostics.Report(DiagnosticCatalog.BadArrayLength, Loc(m.NameToken), m.Name, $"{n} elements");
                    return null;
                }

                // GNU zero-length arrays ("x[0]") are the pre-C99 spelling of a flexible array member.
                arrayLength = n == 0 ? -1 : (int)n;
                size = n * elementSize;
            }
        }

        var loc = Loc(m.NameToken);
        return new FieldModel(m.Name, ctype, kind, elementSize, signed, structName, 0, (int)size, arrayLength, group, m.CountedBy, null, loc) { UnnamedType = unnamed };
    }
}
