// Turns the stages' internal results (macros, declaration syntax, layouts, kernel-doc blocks, annotations) into
// the public value model. Each declaration is built under its own guard: an unexpected exception costs that one
// declaration (reported as IOMMUFD0000 at its location), never the header.
using System.Text.RegularExpressions;
using IommuFd.CHeaders.Annotations;
using IommuFd.CHeaders.Diagnostics;
using IommuFd.CHeaders.KernelDoc;
using IommuFd.CHeaders.Layout;
using IommuFd.CHeaders.Lexing;
using IommuFd.CHeaders.Model;
using IommuFd.CHeaders.Parsing;
using IommuFd.CHeaders.Preprocessing;

namespace IommuFd.CHeaders;

/// <summary>Builds a <see cref="HeaderModel"/> from the front-end stages.</summary>
internal sealed class ModelBuilder
{
    private static readonly HashSet<string> s_ioctlMacros = new(StringComparer.Ordinal) { "_IO", "_IOR", "_IOW", "_IOWR", "_IOC" };

    private readonly string _path;
    private readonly string _includeName;
    private readonly DiagnosticBag _bag;
    private readonly LexResult _lex;
    private readonly PreprocessResult _pp;
    private readonly ParseResult _parse;
    private readonly LayoutEngine _layout;
    private readonly SymbolTable _symbols;
    private readonly List<KernelDocBlock> _docs;
    private readonly IoctlAnnotations _annotations;

    // Lookups built once: comments by start and end line, the struct each #define sits in.
    private readonly Dictionary<int, List<CommentTrivia>> _commentsByLine = new();
    private readonly Dictionary<int, List<CommentTrivia>> _commentsByEndLine = new();
    private readonly Dictionary<MacroDefinition, string?> _containing = new();

    public ModelBuilder(string path, string includeName, DiagnosticBag bag, LexResult lex, PreprocessResult pp, ParseResult parse, LayoutEngine layout, SymbolTable symbols, IoctlAnnotations annotations)
    {
        _path = path;
        _includeName = includeName;
        _bag = bag;
        _lex = lex;
        _pp = pp;
        _parse = parse;
        _layout = layout;
        _symbols = symbols;
        _annotations = annotations;
        _docs = KernelDocReader.ReadAll(lex.Comments);
        foreach (CommentTrivia c in lex.Comments)
        {
            Add(_commentsByLine, c.Line, c);
            Add(_commentsByEndLine, c.EndLine, c);
        }

        foreach (MacroDefinition d in pp.Definitions)
        {
            _containing[d] = d.IsPredefined ? null : ContainingStruct(d.NameToken.Start);
        }

        static void Add(Dictionary<int, List<CommentTrivia>> map, int line, CommentTrivia c)
        {
            if (!map.TryGetValue(line, out List<CommentTrivia>? list))
            {
                map[line] = list = new List<CommentTrivia>();
            }

            list.Add(c);
        }
    }

    private SourceLocation Loc(Token t) => _bag.Location(t.Line, t.Column, t.Start, t.Length);

    private void Guarded(Token at, string what, Action action)
    {
        try
        {
            System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
            HeaderParser.Checkpoint(what);
            action();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _bag.Report(DiagnosticCatalog.InternalError, Loc(at), what, ex.GetType().Name + ": " + ex.Message);
        }
    }

    public HeaderModel Build()
    {
        foreach (HeaderDiagnostic d in _annotations.Diagnostics)
        {
            _bag.Add(d);
        }

        var enums = new List<EnumModel>();
        var enumeratorNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (EnumSyntax e in _parse.Enums)
        {
            Guarded(e.NameToken, "building enum " + (e.Name ?? "<anonymous>"), () =>
            {
                EnumModel? m = BuildEnum(e, enumeratorNames);
                if (m is not null)
                {
                    enums.Add(m);
                }
            });
        }

        var structs = new List<(AggregateSyntax Syntax, StructModel Model)>();
        foreach (AggregateSyntax a in _parse.Aggregates.OrderBy(a => a.Keyword.Start))
        {
            Guarded(a.NameToken, "building struct " + a.Name, () =>
            {
                StructModel? m = BuildStruct(a);
                if (m is not null)
                {
                    structs.Add((a, m));
                }
            });
        }

        var constants = new List<ConstantModel>();
        var ioctls = new List<(IoctlModel Model, Token Name)>();
        foreach (MacroDefinition def in _pp.Definitions)
        {
            if (!_pp.Macros.TryGetValue(def.Name, out MacroDefinition? final) || !ReferenceEquals(final, def))
            {
                continue; // redefined later or #undef'd: the final definition is what C code sees
            }

            Guarded(def.NameToken, "folding macro " + def.Name, () => BuildMacro(def, constants, ioctls));
        }

        List<IoctlModel> pairedIoctls = PairIoctls(ioctls, structs.Select(s => s.Model).ToList());
        var finalStructs = new List<StructModel>();
        foreach ((AggregateSyntax syntax, StructModel model) in structs)
        {
            StructModel finished = model;
            Guarded(syntax.NameToken, "documenting struct " + model.Name, () => finished = FinishStruct(syntax, model, pairedIoctls));
            finalStructs.Add(finished);
        }

        var sections = _docs.Where(d => d.Kind == KernelDocKind.DocSection)
            .Select(d => new DocSection(d.Name, d.Description, _bag.Location(d.Comment.Line, d.Comment.Column, d.Comment.Start, d.Comment.Text.Length)))
            .ToList();

        return new HeaderModel(
            _path,
            _includeName,
            finalStructs.ToEquatableArray(),
            enums.ToEquatableArray(),
            constants.ToEquatableArray(),
            pairedIoctls.ToEquatableArray(),
            sections.ToEquatableArray(),
            _bag.Items.ToEquatableArray())
        {
            Includes = _pp.Includes.ToEquatableArray(),
        };
    }

    // ---------------------------------------------------------------- enums

    private EnumModel? BuildEnum(EnumSyntax e, HashSet<string> enumeratorNames)
    {
        KernelDocBlock? doc = e.Name is null ? null : FindTagDoc(KernelDocKind.Enum, e.Name, e.Keyword.Start);
        var items = new List<EnumeratorModel>();
        foreach (EnumeratorSyntax en in e.Enumerators)
        {
            string name = en.Name.Text;
            if (!enumeratorNames.Add(name))
            {
                _bag.Report(DiagnosticCatalog.DuplicateTag, Loc(en.Name), name);
                continue;
            }

            (CValue value, string? error, Token at) = _symbols.Enumerator(name);
            if (error is not null)
            {
                _bag.Report(DiagnosticCatalog.EnumeratorNotFoldable, Loc(at), name, error);
                continue;
            }

            string? text = doc?.Parameter(name) ?? TrailingComment(en.Name.Line, en.Name.End);
            items.Add(new EnumeratorModel(name, value.Bits, en.Initializer is null ? null : Lexer.Join(en.Initializer), NullIfEmpty(text), Loc(en.Name)));
        }

        return new EnumModel(e.Name, items.ToEquatableArray(), ToDoc(doc), Loc(e.NameToken));
    }

    // ---------------------------------------------------------------- structs

    private StructModel? BuildStruct(AggregateSyntax a)
    {
        LayoutResult? layout = _layout.Layout(a.Name!);
        if (layout is null)
        {
            return null;
        }

        KernelDocBlock? doc = FindTagDoc(KernelDocKind.Aggregate, a.Name!, a.Keyword.Start);
        var fields = new List<FieldModel>();
        foreach (FieldModel f in layout.Fields)
        {
            fields.Add(Document(f, doc, string.Empty));
        }

        var constants = _pp.Definitions
            .Where(d => _containing[d] == a.Name && _pp.Macros.TryGetValue(d.Name, out MacroDefinition? f) && ReferenceEquals(f, d))
            .Select(d => d.Name)
            .ToList();

        return new StructModel(a.Name!, a.IsUnion, layout.Size, layout.Alignment, fields.ToEquatableArray(), constants.ToEquatableArray(), ToDoc(doc), null, Loc(a.NameToken));
    }

    /// <summary>
    /// A field's doc from <c>@name:</c> (kernel-doc writes members of a nested unnamed type as <c>@outer.inner:</c>)
    /// or its trailing comment; recursively for the members of an unnamed struct/union type.
    /// </summary>
    private FieldModel Document(FieldModel f, KernelDocBlock? doc, string prefix)
    {
        string? text = doc?.Parameter(prefix + f.Name) ?? TrailingComment(f.Location.Line, f.Location.Start + f.Location.Length);
        FieldModel documented = f with { Doc = NullIfEmpty(text) };
        if (f.UnnamedType is { } nested)
        {
            string inner = prefix + f.Name + ".";
            documented = documented with { UnnamedType = nested with { Fields = nested.Fields.Select(x => Document(x, doc, inner)).ToEquatableArray() } };
        }

        return documented;
    }

    /// <summary>Adds what needs the ioctl list: IoctlName, and docs that VFIO writes on the ioctl instead of the struct.</summary>
    private StructModel FinishStruct(AggregateSyntax a, StructModel m, List<IoctlModel> ioctls)
    {
        KernelDocBlock? doc = FindTagDoc(KernelDocKind.Aggregate, m.Name, a.Keyword.Start);
        string? ioctlName = null;
        if (doc?.IoctlName is { } named)
        {
            if (ioctls.Any(i => i.Name == named))
            {
                ioctlName = named;
            }
            else
            {
                _bag.Report(DiagnosticCatalog.KernelDocUnknownIoctl, Loc(a.NameToken), "struct " + m.Name, named);
            }
        }

        ioctlName ??= ioctls.FirstOrDefault(i => i.ArgumentKind == IoctlArgumentKind.Struct && i.ArgumentStruct == m.Name)?.Name;

        if (doc is null)
        {
            // VFIO documents the argument struct in the ioctl's block ("VFIO_X - _IOR(…, struct y)" + @members)
            // written just before the struct.
            KernelDocBlock? ioctlDoc = _docs.FirstOrDefault(d => d.Kind == KernelDocKind.Identifier && d.SignatureArgument == "struct " + m.Name && d.Comment.End <= a.Keyword.Start);
            if (ioctlDoc is not null)
            {
                var fields = m.Fields.Select(f => f.Doc is null && ioctlDoc.Parameter(f.Name) is { } t ? f with { Doc = NullIfEmpty(t) } : f).ToEquatableArray();
                return m with { Doc = ToDoc(ioctlDoc), Fields = fields, IoctlName = ioctlName };
            }
        }

        return m with { IoctlName = ioctlName };
    }

    private string? ContainingStruct(int offset)
    {
        AggregateSyntax? best = null;
        foreach (AggregateSyntax a in _parse.Aggregates)
        {
            if (offset > a.BodyStart && offset < a.BodyEnd && (best is null || a.BodyStart > best.BodyStart))
            {
                best = a;
            }
        }

        return best?.Name;
    }

    // ---------------------------------------------------------------- macros

    private void BuildMacro(MacroDefinition def, List<ConstantModel> constants, List<(IoctlModel, Token)> ioctls)
    {
        if (def.IsPredefined)
        {
            return;
        }

        if (def.IsFunctionLike)
        {
            if (!s_ioctlMacros.Contains(def.Name))
            {
                _bag.Report(DiagnosticCatalog.FunctionLikeMacroSkipped, Loc(def.NameToken), def.Name);
            }

            return;
        }

        List<Token> body = def.Body;
        if (body.Count == 0 || _parse.ExpandedMacros.Contains(def.Name))
        {
            return; // include guards, attribute and type macros carry no value
        }

        string expression = Lexer.Join(body);
        string? containing = _containing[def];
        string? doc = NullIfEmpty(TrailingComment(body[body.Count - 1].Line, def.DirectiveEnd) ?? PrecedingComment(def.NameToken.Line));
        SourceLocation loc = Loc(def.NameToken);

        if (body.All(t => t.Kind == TokenKind.StringLiteral))
        {
            string value = string.Concat(body.Select(t => Unescape(t.Text)));
            constants.Add(new ConstantModel(def.Name, ConstantType.String, 0, value, expression, containing, doc, loc));
            return;
        }

        if (IoctlCall(body) is { } call)
        {
            try
            {
                IoctlEncoding enc = IoctlEncoding.Fold(body[call.Callee], call.Args, body, _symbols, 0);
                ioctls.Add((new IoctlModel(def.Name, enc.Direction, enc.Type, enc.Nr, enc.SizeTypeText, enc.Number, IoctlArgumentKind.None, null, null, null, expression, null, loc), def.NameToken));
            }
            catch (EvalException ex)
            {
                _bag.Report(DiagnosticCatalog.IoctlNotFoldable, ex.Token.Text is null ? loc : Loc(ex.Token), def.Name, ex.Message);
            }

            return;
        }

        try
        {
            CValue v = ConstantEvaluator.Evaluate(body, 0, body.Count, _symbols);
            constants.Add(new ConstantModel(def.Name, v.Type, v.Bits, null, expression, containing, doc, loc));
        }
        catch (EvalException ex)
        {
            _bag.Report(DiagnosticCatalog.MacroNotFoldable, loc, def.Name, ex.Message);
        }
    }

    /// <summary>Recognises a replacement list that is exactly one <c>_IO*(…)</c> call, optionally parenthesised.</summary>
    private static (int Callee, List<(int Start, int End)> Args)? IoctlCall(List<Token> body)
    {
        int open = 0, close = body.Count - 1;
        while (open < close && body[open].Is("(") && body[close].Is(")"))
        {
            open++;
            close--;
        }

        if (open + 1 > close || !body[open].IsIdentifier || !s_ioctlMacros.Contains(body[open].Text))
        {
            return null;
        }

        List<(int, int)>? args = ConstantEvaluator.SplitArguments(body, open + 1, close + 1, out int end);
        return args is not null && end == close ? (open, args) : null;
    }

    /// <summary>The characters of a string literal: simple, octal (<c>\177</c>) and hex (<c>\x80</c>) escapes.</summary>
    private static string Unescape(string literal)
    {
        string s = literal.Length >= 2 ? literal.Substring(1, literal.Length - 2) : string.Empty;
        return Regex.Replace(s, @"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]+)|(.))", m =>
        {
            if (m.Groups[1].Success)
            {
                return ((char)(Convert.ToInt32(m.Groups[1].Value, 8) & 0xFF)).ToString();
            }

            if (m.Groups[2].Success)
            {
                return ((char)(Convert.ToInt32(m.Groups[2].Value.Length > 2 ? m.Groups[2].Value.Substring(m.Groups[2].Value.Length - 2) : m.Groups[2].Value, 16) & 0xFF)).ToString();
            }

            return m.Groups[3].Value switch { "n" => "\n", "t" => "\t", "r" => "\r", "a" => "\a", "b" => "\b", "f" => "\f", "v" => "\v", var c => c };
        });
    }

    // ---------------------------------------------------------------- ioctls

    private List<IoctlModel> PairIoctls(List<(IoctlModel Model, Token Name)> ioctls, List<StructModel> structs)
    {
        var byName = new HashSet<string>(ioctls.Select(i => i.Model.Name), StringComparer.Ordinal);
        var annotations = new Dictionary<string, IoctlAnnotation>(StringComparer.Ordinal);
        foreach (IoctlAnnotation a in _annotations.For(_includeName))
        {
            if (!byName.Contains(a.Ioctl))
            {
                _bag.Add(DiagnosticCatalog.AnnotationUnknownIoctl.Create(a.Location, a.Ioctl, _includeName));
            }
            else
            {
                annotations[a.Ioctl] = a;
            }
        }

        var result = new List<IoctlModel>();
        foreach ((IoctlModel ioctl, Token nameToken) in ioctls)
        {
            IoctlModel m = ioctl;
            Guarded(nameToken, "pairing ioctl " + ioctl.Name, () => m = Pair(ioctl, structs, annotations));
            result.Add(m);
        }

        return result;
    }

    private IoctlModel Pair(IoctlModel ioctl, List<StructModel> structs, Dictionary<string, IoctlAnnotation> annotations)
    {
        IoctlArgumentKind? kind = null;
        string? argStruct = null;
        string? argType = null;
        DocComment? doc = null;

        // 1. VFIO style: the ioctl's own block says "NAME - _IOx(type, nr[, arg])".
        KernelDocBlock? own = _docs.FirstOrDefault(d => d.Kind == KernelDocKind.Identifier && d.Name == ioctl.Name && d.SignatureMacro is not null);
        if (own is not null)
        {
            doc = ToDoc(own);
            string? arg = own.SignatureArgument;
            if (arg is null)
            {
                kind = IoctlArgumentKind.None;
            }
            else if (Regex.Match(arg, @"^(?:struct|union)\s+(\w+)$") is { Success: true } sm)
            {
                string tag = sm.Groups[1].Value;
                if (structs.Any(s => s.Name == tag))
                {
                    (kind, argStruct) = (IoctlArgumentKind.Struct, tag);
                }
                else if (!annotations.ContainsKey(ioctl.Name))
                {
                    _bag.Report(DiagnosticCatalog.KernelDocUnknownStruct, ioctl.Location, ioctl.Name, tag);
                }
            }
            else
            {
                kind = IoctlArgumentKind.Value;
                argType = arg;
            }
        }

        // 2. iommufd style: "struct x - ioctl(NAME)" on the argument struct.
        if (kind is null)
        {
            KernelDocBlock? tagged = _docs.FirstOrDefault(d => d.Kind == KernelDocKind.Aggregate && d.IoctlName == ioctl.Name && structs.Any(s => s.Name == d.Name));
            if (tagged is not null)
            {
                (kind, argStruct) = (IoctlArgumentKind.Struct, tagged.Name);
                doc ??= ToDoc(tagged);
            }
        }

        // 3. A size-encoding _IOR/_IOW/_IOWR names its struct directly.
        if (kind is null && ioctl.SizeTypeText is { } sizeText && Regex.Match(sizeText, @"^(?:struct|union)\s+(\w+)$") is { Success: true } st && structs.Any(s => s.Name == st.Groups[1].Value))
        {
            (kind, argStruct) = (IoctlArgumentKind.Struct, st.Groups[1].Value);
        }

        // 4. The annotation file: facts from the kernel's dispatch table override comments.
        int? minSize = null;
        string? minField = null;
        if (annotations.TryGetValue(ioctl.Name, out IoctlAnnotation? a))
        {
            StructModel? target = a.ArgumentStruct is null ? null : structs.FirstOrDefault(s => s.Name == a.ArgumentStruct);
            if (a.Argument == IoctlArgumentKind.Struct && target is null)
            {
                _bag.Add(DiagnosticCatalog.AnnotationUnknownStruct.Create(a.Location, ioctl.Name, a.ArgumentStruct, Suggest(a.ArgumentStruct!, structs.Select(s => s.Name))));
            }
            else
            {
                if (kind is not null && (kind != a.Argument || argStruct != a.ArgumentStruct))
                {
                    _bag.Add(DiagnosticCatalog.AnnotationConflict.Create(a.Location, ioctl.Name, Describe(kind.Value, argStruct), Describe(a.Argument, a.ArgumentStruct)));
                }

                (kind, argStruct) = (a.Argument, a.ArgumentStruct);
                if (target is not null && a.MinSizeField is { } fieldName)
                {
                    FieldModel? f = target.Fields.FirstOrDefault(x => x.Name == fieldName);
                    if (f is null)
                    {
                        _bag.Add(DiagnosticCatalog.AnnotationUnknownField.Create(a.Location, ioctl.Name, fieldName, target.Name, Suggest(fieldName, target.Fields.Select(x => x.Name))));
                    }
                    else
                    {
                        // offsetofend(struct, field): the kernel's min_size.
                        minSize = f.Offset + f.Size;
                        minField = f.Name;
                    }
                }
            }
        }

        if (kind is null)
        {
            _bag.Report(DiagnosticCatalog.IoctlArgumentUnknown, ioctl.Location, ioctl.Name);
            kind = IoctlArgumentKind.None;
        }

        if (doc is null && argStruct is not null)
        {
            doc = ToDoc(FindTagDoc(KernelDocKind.Aggregate, argStruct, int.MaxValue));
        }

        if (doc is null && PrecedingComment(ioctl.Location.Line) is { } plain)
        {
            doc = new DocComment(plain, string.Empty);
        }

        return ioctl with
        {
            ArgumentKind = kind.Value,
            ArgumentStruct = kind == IoctlArgumentKind.Struct ? argStruct : null,
            ArgumentType = kind == IoctlArgumentKind.Value ? argType : null,
            MinSize = minSize,
            MinSizeField = minField,
            Doc = doc,
        };
    }

    private static string Describe(IoctlArgumentKind kind, string? tag) => kind == IoctlArgumentKind.Struct ? "struct " + tag : kind.ToString().ToLowerInvariant();

    /// <summary>"; did you mean 'x'?" for the closest known name (edit distance ≤ 3), else empty.</summary>
    private static string Suggest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = 4;
        foreach (string c in candidates)
        {
            int d = Distance(name, c);
            if (d < bestDistance)
            {
                (best, bestDistance) = (c, d);
            }
        }

        return best is null ? string.Empty : $"; did you mean '{best}'?";
    }

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (prev, cur) = (cur, prev);
        }

        return prev[b.Length];
    }

    // ---------------------------------------------------------------- docs

    /// <summary>The kernel-doc block for a tag: the nearest one before the declaration, else the first one.</summary>
    private KernelDocBlock? FindTagDoc(KernelDocKind kind, string name, int declarationStart)
    {
        KernelDocBlock? before = null, any = null;
        foreach (KernelDocBlock b in _docs)
        {
            if (b.Kind != kind || b.Name != name)
            {
                continue;
            }

            any ??= b;
            if (b.Comment.End <= declarationStart)
            {
                before = b;
            }
        }

        return before ?? any;
    }

    private static DocComment? ToDoc(KernelDocBlock? b)
    {
        if (b is null)
        {
            return null;
        }

        // VFIO heads are signatures ("_IOR(VFIO_TYPE, VFIO_BASE + 7, struct vfio_device_info)"), often with the wrong
        // _IO* (every VFIO ioctl is _IO): the first paragraph of the text is the real summary.
        if (b.SignatureMacro is not null && b.Description.Length > 0)
        {
            string[] parts = b.Description.Split(new[] { "\n\n" }, 2, StringSplitOptions.None);
            return new DocComment(KernelDocReader.Collapse(parts[0]), parts.Length > 1 ? parts[1].Trim('\n') : string.Empty);
        }

        return new DocComment(b.Summary, b.Description);
    }

    /// <summary>A comment that starts on <paramref name="line"/> after <paramref name="after"/> (a trailing member comment).</summary>
    private string? TrailingComment(int line, int after)
    {
        if (_commentsByLine.TryGetValue(line, out List<CommentTrivia>? list))
        {
            foreach (CommentTrivia c in list)
            {
                if (c.Start >= after)
                {
                    return KernelDocReader.PlainText(c);
                }
            }
        }

        return null;
    }

    /// <summary>A plain comment ending on the line just before <paramref name="line"/>.</summary>
    private string? PrecedingComment(int line)
    {
        if (_commentsByEndLine.TryGetValue(line - 1, out List<CommentTrivia>? list))
        {
            foreach (CommentTrivia c in list)
            {
                if (c.IsBlock && KernelDocReader.TryRead(c) is null)
                {
                    return KernelDocReader.PlainText(c);
                }
            }
        }

        return null;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
