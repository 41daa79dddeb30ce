// Declaration parser for uapi headers: struct/union/enum definitions with their members and enumerators.
//
// The grammar is the subset of C declarations the uapi headers use: fixed-width integer types, struct/union/enum
// tags, nested and anonymous aggregates, pointer and array declarators (including flexible arrays), GNU attributes
// (packed, aligned) and the __counted_by() annotation macro. Anything else at file scope (typedefs, prototypes) is
// skipped with a warning; anything malformed is reported and the parser resynchronises at the next ';' or '}', so
// one bad declaration never hides the rest of the header. Nesting is bounded (MaxNesting) so hostile input cannot
// exhaust the stack.
using IommuFd.CHeaders.Diagnostics;
using IommuFd.CHeaders.Lexing;
using IommuFd.CHeaders.Model;
using IommuFd.CHeaders.Preprocessing;

namespace IommuFd.CHeaders.Parsing;

/// <summary>Parses preprocessed tokens into declaration syntax.</summary>
internal sealed class Parser
{
    /// <summary>Nesting guard for aggregates inside aggregates.</summary>
    public const int MaxNesting = 32;

    private readonly List<Token> _tokens;
    private readonly DiagnosticBag _diagnostics;
    private readonly ParseResult _result = new();
    private readonly HashSet<string> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MacroDefinition> _macros;
    private int _pos;
    private int _expansions;

    /// <summary>Budget for object-like macro expansion in declarations; a self-referencing macro exhausts it.</summary>
    public const int MaxExpansions = 10_000;

    private Parser(List<Token> tokens, DiagnosticBag diagnostics, Dictionary<string, MacroDefinition>? macros)
    {
        _tokens = tokens;
        _diagnostics = diagnostics;
        _macros = macros ?? new Dictionary<string, MacroDefinition>(StringComparer.Ordinal);
    }

    /// <summary>Signals a syntax error; caught at declaration or member level for recovery.</summary>
    private sealed class ParseException : Exception
    {
        public ParseException(Token token)
            : base("syntax error") => Token = token;

        public Token Token { get; }
    }

    /// <summary>The token currently being parsed, for internal-error locations.</summary>
    public Token Current => _tokens[Math.Min(_pos, _tokens.Count - 1)];

    public static ParseResult Parse(List<Token> tokens, DiagnosticBag diagnostics, Action<Token>? progress = null, Dictionary<string, MacroDefinition>? macros = null)
    {
        var p = new Parser(tokens, diagnostics, macros);
        while (p.Peek.Kind != TokenKind.EndOfFile)
        {
            int before = p._pos;
            p._expansions = 0; // the expansion budget is per top-level declaration
            progress?.Invoke(p.Peek);
            try
            {
                p.TopLevel();
            }
            catch (ParseException)
            {
                p.SkipStatement(inBody: false);
            }

            if (p._pos == before)
            {
                p._pos++; // never loop without progress
            }
        }

        return p._result;
    }

    private Token Peek => _tokens[Math.Min(_pos, _tokens.Count - 1)];

    private Token PeekAt(int k) => _tokens[Math.Min(_pos + k, _tokens.Count - 1)];

    private Token Next() => _tokens[Math.Min(_pos++, _tokens.Count - 1)];

    private bool Accept(string text)
    {
        if (Peek.Is(text))
        {
            _pos++;
            return true;
        }

        return false;
    }

    private SourceLocation Loc(Token t) => _diagnostics.Location(t.Line, t.Column, t.Start, t.Length);

    private ParseException Error(string expected)
    {
        _diagnostics.Report(DiagnosticCatalog.UnexpectedToken, Loc(Peek), expected, Peek.ToString());
        return new ParseException(Peek);
    }

    private Token Expect(string text)
    {
        if (!Peek.Is(text))
        {
            throw Error($"'{text}'");
        }

        return Next();
    }

    /// <summary>
    /// Replaces an object-like header macro at the current position by its replacement list, as the C preprocessor
    /// would (eventpoll.h ends a struct with "} EPOLL_PACKED;"). Only declarations are expanded: expressions
    /// (array lengths, enumerator values, #define bodies) resolve names through the evaluator, which keeps the
    /// model's expression text as written.
    /// </summary>
    private void Expand()
    {
        Token use = Peek;
        while (Peek.IsIdentifier && !MacroHideSet.Contains(Peek.Hidden, Peek.Text)
            && _macros.TryGetValue(Peek.Text, out MacroDefinition? m) && !m.IsFunctionLike && !m.IsPredefined)
        {
            if (++_expansions > MaxExpansions)
            {
                _diagnostics.Report(DiagnosticCatalog.MacroExpansionLimit, Loc(use), Peek.Text, MaxExpansions);
                throw new ParseException(use);
            }

            _result.ExpandedMacros.Add(m.Name);
            // The replacement's tokens carry the macro in their hide set: C never re-expands a macro inside its
            // own expansion, which also bounds the expansion however the parser resynchronises (finding C2).
            MacroHideSet hidden = MacroHideSet.Add(Peek.Hidden, m.Name);
            _tokens.RemoveAt(_pos);
            _tokens.InsertRange(_pos, m.Body.Select(b => b with { Hidden = hidden }));
        }
    }

    private void TopLevel()
    {
        Expand();
        Token t = Peek;
        if (t.Is(";"))
        {
            _pos++;
            return;
        }

        SkipAttributes(null);
        t = Peek;
        if (t.Is("typedef"))
        {
            _pos++;
            Typedef();
            return;
        }

        if (t.Is("struct") || t.Is("union"))
        {
            (AggregateSyntax? body, _) = AggregateSpecifier(0);
            SkipAttributes(body);
            if (Accept(";"))
            {
                return;
            }
        }
        else if (t.Is("enum"))
        {
            EnumSpecifier(0);
            SkipAttributes(null);
            if (Accept(";"))
            {
                return;
            }
        }

        if (Peek.Kind == TokenKind.EndOfFile)
        {
            return;
        }

        _diagnostics.Report(DiagnosticCatalog.DeclarationSkipped, Loc(t), t.ToString());
        SkipStatement(inBody: false);
    }

    /// <summary>Parses <c>struct|union [name] [{ … }]</c>; returns the body (if any) and the tag.</summary>
    private (AggregateSyntax? Body, string? Tag) AggregateSpecifier(int depth)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        Token keyword = Next();
        var agg = new AggregateSyntax { IsUnion = keyword.Text == "union", Keyword = keyword, NameToken = keyword };
        SkipAttributes(agg);
        if (Peek.IsIdentifier && !IsAttributeWord(Peek.Text))
        {
            agg.NameToken = Next();
            agg.Name = agg.NameToken.Text;
        }

        SkipAttributes(agg);
        if (!Peek.Is("{"))
        {
            if (agg.Name is null)
            {
                throw Error("a tag name or '{'");
            }

            return (null, agg.Name);
        }

        if (depth >= MaxNesting)
        {
            _diagnostics.Report(DiagnosticCatalog.NestingTooDeep, Loc(Peek), "struct/union", MaxNesting);
            SkipBalanced();
            throw new ParseException(Peek);
        }

        agg.BodyStart = Next().Start;
        while (!Peek.Is("}"))
        {
            if (Peek.Kind == TokenKind.EndOfFile)
            {
                throw Error("'}'");
            }

            int before = _pos;
            try
            {
                Member(agg, depth);
            }
            catch (ParseException)
            {
                agg.HasErrors = true;
                SkipStatement(inBody: true);
            }

            if (_pos == before)
            {
                _pos++;
            }
        }

        agg.BodyEnd = Next().End;
        SkipAttributes(agg);
        if (agg.Name is not null)
        {
            if (_tags.Add(agg.Name))
            {
                _result.Aggregates.Add(agg);
            }
            else
            {
                _diagnostics.Report(DiagnosticCatalog.DuplicateTag, Loc(agg.NameToken), agg.Name);
            }
        }

        return (agg, agg.Name);
    }

    private void EnumSpecifier(int depth)
    {
        Token keyword = Next();
        var e = new EnumSyntax { Keyword = keyword, NameToken = keyword };
        SkipAttributes(null);
        if (Peek.IsIdentifier && !IsAttributeWord(Peek.Text))
        {
            e.NameToken = Next();
            e.Name = e.NameToken.Text;
        }

        SkipAttributes(null);
        if (!Peek.Is("{"))
        {
            if (e.Name is null)
            {
                throw Error("an enum name or '{'");
            }

            return;
        }

        _pos++;
        while (!Peek.Is("}"))
        {
            if (!Peek.IsIdentifier)
            {
                throw Error("an enumerator name");
            }

            var en = new EnumeratorSyntax { Name = Next() };
            SkipAttributes(null);
            if (Accept("="))
            {
                int start = _pos, level = 0;
                while (true)
                {
                    Token t = Peek;
                    if (t.Kind == TokenKind.EndOfFile)
                    {
                        throw Error("'}'");
                    }

                    if (level == 0 && (t.Is(",") || t.Is("}")))
                    {
                        break;
                    }

                    if (t.Is("(") || t.Is("["))
                    {
                        level++;
                    }
                    else if (t.Is(")") || t.Is("]"))
                    {
                        level--;
                    }
                    else if (t.Is("{") || t.Is(";"))
                    {
                        throw Error("',' or '}'");
                    }

                    _pos++;
                }

                en.Initializer = _tokens.GetRange(start, _pos - start);
            }

            en.End = Peek;
            e.Enumerators.Add(en);
            if (!Accept(","))
            {
                if (!Peek.Is("}"))
                {
                    throw Error("',' or '}'");
                }
            }
        }

        _pos++;
        if (e.Name is not null && !_tags.Add("enum " + e.Name))
        {
            _diagnostics.Report(DiagnosticCatalog.DuplicateTag, Loc(e.NameToken), "enum " + e.Name);
            return;
        }

        _result.Enums.Add(e);
    }

    private void Member(AggregateSyntax parent, int depth)
    {
        if (Accept(";"))
        {
            return;
        }

        TypeSyntax type = TypeSpecifier(depth, out AggregateSyntax? unnamed);
        if (unnamed is not null)
        {
            if (Peek.Is(";"))
            {
                // Anonymous struct/union: its members are members of the parent (C11 6.7.2.1p13).
                parent.Members.Add(new MemberSyntax { Anonymous = unnamed, NameToken = unnamed.Keyword, End = Next() });
                return;
            }

            // "struct { … } name;": a named member whose type has no tag. The body becomes the member's nested type.
            type = new TypeSyntax((unnamed.IsUnion ? "union" : "struct") + " {...}", type.Token) { Unnamed = unnamed };
        }

        while (true)
        {
            var m = new MemberSyntax { Type = type, PointerDepth = type.TypedefPointerDepth };
            SkipAttributes(null, m);
            while (Accept("*"))
            {
                Expand();
                m.PointerDepth++;
                while (Peek.IsIdentifier && BuiltinTypes.IsIgnoredQualifier(Peek.Text))
                {
                    _pos++;
                }
            }

            if (!Peek.IsIdentifier)
            {
                throw Error("a member name");
            }

            m.NameToken = Next();
            m.Name = m.NameToken.Text;
            if (type.Unnamed is not null && m.PointerDepth > 0)
            {
                _diagnostics.Report(DiagnosticCatalog.UnsupportedMember, Loc(m.NameToken), m.Name, parent.Name ?? "<anonymous>", "a pointer to an unnamed struct or union type has no type name to model");
                throw new ParseException(Peek);
            }

            while (Accept("["))
            {
                int start = _pos, level = 0;
                while (!(level == 0 && Peek.Is("]")))
                {
                    if (Peek.Kind == TokenKind.EndOfFile || Peek.Is(";") || Peek.Is("{") || Peek.Is("}"))
                    {
                        throw Error("']'");
                    }

                    if (Peek.Is("[") || Peek.Is("("))
                    {
                        level++;
                    }
                    else if (Peek.Is("]") || Peek.Is(")"))
                    {
                        level--;
                    }

                    _pos++;
                }

                m.Dimensions.Add(_tokens.GetRange(start, _pos - start));
                _pos++;
            }

            if (type.ImpliedDimension is not null)
            {
                // An array typedef ("typedef __u8 guid_t[16]") adds its dimension after the member's own.
                m.Dimensions.Add(type.ImpliedDimension);
            }

            SkipAttributes(null, m);
            if (Peek.Is(":"))
            {
                _diagnostics.Report(DiagnosticCatalog.UnsupportedMember, Loc(m.NameToken), m.Name, parent.Name ?? "<anonymous>", "bit-fields are not supported");
                throw new ParseException(Peek);
            }

            if (Peek.Is(","))
            {
                m.End = Next();
                parent.Members.Add(m);
                continue;
            }

            m.End = Expect(";");
            parent.Members.Add(m);
            return;
        }
    }

    /// <summary>
    /// Qualifiers and one type specifier: a struct/union/enum (possibly with a body), built-in words, or a typedef
    /// name. An unnamed struct/union body is returned in <paramref name="unnamed"/> for the caller to place.
    /// </summary>
    private TypeSyntax TypeSpecifier(int depth, out AggregateSyntax? unnamed)
    {
        unnamed = null;
        SkipAttributes(null);

        // Leading qualifiers: const/volatile are part of the C type (the oracle compares types exactly); __user
        // and friends are empty macros in userspace.
        string qualifiers = string.Empty;
        Expand();
        while (Peek.IsIdentifier && BuiltinTypes.IsIgnoredQualifier(Peek.Text))
        {
            if (Peek.Text is "const" or "volatile" && !qualifiers.Contains(Peek.Text))
            {
                qualifiers += Peek.Text + " ";
            }

            _pos++;
            Expand();
        }

        Token first = Peek;
        if (first.Is("struct") || first.Is("union"))
        {
            (AggregateSyntax? body, string? tag) = AggregateSpecifier(depth + 1);
            SkipAttributes(body);
            if (body is not null && body.Name is null)
            {
                unnamed = body;
                return new TypeSyntax(first.Text, first);
            }

            return new TypeSyntax(qualifiers + (first.Text == "union" ? "union " : "struct ") + tag, first) { Tag = tag };
        }

        if (first.Is("enum"))
        {
            _pos++;
            SkipAttributes(null);
            bool named = Peek.IsIdentifier;
            Token name = Peek;
            _pos--;
            EnumSpecifier(depth + 1);
            return named
                ? new TypeSyntax("enum " + name.Text, first) { IsEnum = true, Builtin = new BuiltinType("enum " + name.Text, 4, 4, false) }
                : new TypeSyntax("int", first) { IsEnum = true, Builtin = new BuiltinType("int", 4, 4, true) };
        }

        if (first.IsIdentifier && _result.Typedefs.TryGetValue(first.Text, out TypedefSyntax? td))
        {
            _pos++;
            if (td.Unsupported is not null)
            {
                _diagnostics.Report(DiagnosticCatalog.UnknownType, Loc(first), first.Text + " (" + td.Unsupported + ")", Peek.IsIdentifier ? Peek.Text : "?");
                throw new ParseException(first);
            }

            TypeSyntax target = td.Target;
            if (td.Dimension is not null)
            {
                // The member is an array of the element type; the typedef name cannot describe one element.
                return new TypeSyntax(target.Text, first) { Builtin = target.Builtin, Tag = target.Tag, IsEnum = target.IsEnum, ImpliedDimension = td.Dimension };
            }

            return new TypeSyntax(qualifiers + first.Text, first)
            {
                Builtin = target.Builtin,
                Tag = target.Tag,
                IsEnum = target.IsEnum,
                TypedefPointerDepth = td.PointerDepth,
            };
        }

        var words = new List<string>();
        while (Peek.IsIdentifier && (BuiltinTypes.IsSingleWordType(Peek.Text) || BuiltinTypes.IsStandardWord(Peek.Text) || BuiltinTypes.IsIgnoredQualifier(Peek.Text)))
        {
            // A single-word type ("__u32") is complete; the next identifier is the declarator.
            if (BuiltinTypes.IsSingleWordType(Peek.Text) && words.Any(w => !BuiltinTypes.IsIgnoredQualifier(w)))
            {
                break;
            }

            words.Add(Next().Text);
            Expand();
            if (BuiltinTypes.IsSingleWordType(words[words.Count - 1]))
            {
                while (Peek.IsIdentifier && BuiltinTypes.IsIgnoredQualifier(Peek.Text))
                {
                    _pos++;
                }

                break;
            }
        }

        if (!BuiltinTypes.TryGetScalar(words, out BuiltinType bt))
        {
            if (first.IsIdentifier)
            {
                // "foo_t x;": name the type and, if visible, the member it was meant for.
                string typeName = words.Count > 0 ? string.Join(" ", words) : first.Text;
                string member = words.Count == 0 && PeekAt(1).IsIdentifier ? PeekAt(1).Text : (Peek.IsIdentifier ? Peek.Text : "?");
                _diagnostics.Report(DiagnosticCatalog.UnknownType, Loc(first), typeName, member);
                throw new ParseException(first);
            }

            throw Error("a type");
        }

        foreach (string q in new[] { "const", "volatile" })
        {
            if (words.Contains(q) && !qualifiers.Contains(q))
            {
                qualifiers += q + " ";
            }
        }

        return new TypeSyntax(qualifiers + bt.Name, first) { Builtin = bt };
    }

    /// <summary>
    /// <c>typedef T name[, *name2, name3[N]];</c> after the keyword. Typedefs of scalars, pointers, tagged
    /// aggregates and one-dimensional arrays are resolved where they are used; a typedef of an unnamed struct or
    /// union has no tag the model could name, so uses of it are reported.
    /// </summary>
    private void Typedef()
    {
        TypeSyntax type = TypeSpecifier(0, out AggregateSyntax? unnamed);
        while (true)
        {
            int pointers = type.TypedefPointerDepth;
            SkipAttributes(null);
            while (Accept("*"))
            {
                pointers++;
                while (Peek.IsIdentifier && BuiltinTypes.IsIgnoredQualifier(Peek.Text))
                {
                    _pos++;
                }
            }

            if (!Peek.IsIdentifier)
            {
                throw Error("a typedef name");
            }

            Token name = Next();
            var dimensions = new List<List<Token>>();
            if (type.ImpliedDimension is not null)
            {
                dimensions.Add(type.ImpliedDimension);
            }

            while (Accept("["))
            {
                int start = _pos;
                while (!Peek.Is("]"))
                {
                    if (Peek.Kind == TokenKind.EndOfFile || Peek.Is(";"))
                    {
                        throw Error("']'");
                    }

                    _pos++;
                }

                dimensions.Insert(0, _tokens.GetRange(start, _pos - start));
                _pos++;
            }

            SkipAttributes(null);
            string? unsupported = unnamed is not null ? "a typedef of an unnamed struct or union"
                : dimensions.Count > 1 ? "a multi-dimensional array typedef"
                : dimensions.Count == 1 && (pointers > 0 || dimensions[0].Count == 0) ? "a pointer or flexible array typedef"
                : null;
            _result.Typedefs[name.Text] = new TypedefSyntax(name, type, pointers, dimensions.Count == 1 ? dimensions[0] : null, unsupported);
            if (!Accept(","))
            {
                Expect(";");
                return;
            }
        }
    }

    private static bool IsAttributeWord(string text) =>
        text is "__attribute__" or "__attribute" or "__counted_by" or "__counted_by_le" or "__counted_by_be" or "__packed" or "__user";

    /// <summary>
    /// Consumes GNU attributes and the annotation macros of linux/stddef.h, recording what changes layout
    /// (packed, aligned) on <paramref name="aggregate"/> or <paramref name="member"/>.
    /// </summary>
    private void SkipAttributes(AggregateSyntax? aggregate, MemberSyntax? member = null)
    {
        Expand();
        while (Peek.IsIdentifier)
        {
            string word = Peek.Text;
            if (word is "__counted_by" or "__counted_by_le" or "__counted_by_be")
            {
                // Empty in userspace (linux/stddef.h); the argument names the element-count member.
                Token at = Next();
                Expect("(");
                if (Peek.IsIdentifier && PeekAt(1).Is(")") && member is not null)
                {
                    member.CountedBy = Peek.Text;
                }
                else if (member is null)
                {
                    _diagnostics.Report(DiagnosticCatalog.UnknownAttribute, Loc(at), word);
                }

                SkipToClose();
                Expand();
                continue;
            }

            if (word is "__packed")
            {
                _pos++;
                if (aggregate is not null)
                {
                    aggregate.Packed = true;
                }

                Expand();
                continue;
            }

            if (word is not ("__attribute__" or "__attribute"))
            {
                return;
            }

            _pos++;
            Expect("(");
            Expect("(");
            while (!Peek.Is(")"))
            {
                if (!Peek.IsIdentifier)
                {
                    throw Error("an attribute name");
                }

                Token name = Next();
                string n = name.Text.Trim('_');
                int value = 0;
                bool hasArgs = false;
                List<Token>? expression = null;
                if (Peek.Is("("))
                {
                    hasArgs = true;
                    _pos++;
                    int argStart = _pos;
                    if (Peek.Kind == TokenKind.Number && PeekAt(1).Is(")") && ConstantEvaluator.TryParseNumber(Peek.Text, out CValue v) && v.Bits is > 0 and <= 1 << 16)
                    {
                        value = (int)v.Bits;
                    }

                    SkipToClose();
                    if (value == 0)
                    {
                        // aligned(4 * sizeof(__u64)) (rseq.h): folded during layout, where sizeof is known.
                        expression = _tokens.GetRange(argStart, _pos - 1 - argStart);
                    }
                }

                switch (n)
                {
                    case "packed":
                        if (aggregate is not null)
                        {
                            aggregate.Packed = true;
                        }
                        else
                        {
                            _diagnostics.Report(DiagnosticCatalog.UnknownAttribute, Loc(name), name.Text + " on a member");
                        }

                        break;
                    case "aligned":
                        if (hasArgs && value == 0 && expression is { Count: > 0 })
                        {
                            if (member is not null)
                            {
                                member.AlignExpression = expression;
                            }
                            else if (aggregate is not null)
                            {
                                aggregate.AlignExpression = expression;
                            }

                            break;
                        }

                        if (hasArgs && (value == 0 || (value & (value - 1)) != 0))
                        {
                            _diagnostics.Report(DiagnosticCatalog.UnknownAttribute, Loc(name), name.Text + " with a non-power-of-two argument");
                            break;
                        }

                        // "aligned" without an argument means the largest alignment the target uses (16 on x86-64).
                        int align = hasArgs ? value : 16;
                        if (member is not null)
                        {
                            member.AlignAttribute = Math.Max(member.AlignAttribute, align);
                        }
                        else if (aggregate is not null)
                        {
                            aggregate.AlignAttribute = Math.Max(aggregate.AlignAttribute, align);
                        }

                        break;
                    case "deprecated":
                    case "unused":
                    case "used":
                    case "may_alias":
                    case "designated_init":
                    case "preserve_access_index":
                    case "randomize_layout":
                    case "no_randomize_layout":
                        break;
                    default:
                        _diagnostics.Report(DiagnosticCatalog.UnknownAttribute, Loc(name), name.Text);
                        break;
                }

                if (!Accept(","))
                {
                    break;
                }
            }

            Expect(")");
            Expect(")");
            Expand();
        }
    }

    /// <summary>Skips to just past the ')' that closes an already-consumed '('.</summary>
    private void SkipToClose()
    {
        int level = 0;
        while (Peek.Kind != TokenKind.EndOfFile)
        {
            Token t = Next();
            if (t.Is("("))
            {
                level++;
            }
            else if (t.Is(")"))
            {
                if (level == 0)
                {
                    return;
                }

                level--;
            }
            else if (t.Is(";") || t.Is("{") || t.Is("}"))
            {
                _pos--;
                throw Error("')'");
            }
        }

        // End of input before the ')': callers slice the tokens up to the ')', so stop here with a located error
        // (fuzz finding C1: `__attribute__((aligned(` at the end of a file).
        throw Error("')'");
    }

    private void SkipBalanced()
    {
        int level = 0;
        while (Peek.Kind != TokenKind.EndOfFile)
        {
            Token t = Next();
            if (t.Is("{"))
            {
                level++;
            }
            else if (t.Is("}") && --level <= 0)
            {
                return;
            }
        }
    }

    /// <summary>Resynchronises after an error: past the next ';' at this level, or before the '}' closing a body.</summary>
    private void SkipStatement(bool inBody)
    {
        int level = 0;
        while (Peek.Kind != TokenKind.EndOfFile)
        {
            Token t = Peek;
            if (t.Is("{") || t.Is("(") || t.Is("["))
            {
                level++;
            }
            else if (t.Is("}") || t.Is(")") || t.Is("]"))
            {
                if (level == 0)
                {
                    if (inBody && t.Is("}"))
                    {
                        return;
                    }

                    _pos++;
                    if (!inBody && t.Is("}"))
                    {
                        return;
                    }

                    continue;
                }

                level--;
                if (level == 0 && t.Is("}") && !inBody && PeekAt(1).Is(";"))
                {
                    _pos += 2;
                    return;
                }
            }
            else if (t.Is(";") && level == 0)
            {
                _pos++;
                return;
            }

            _pos++;
        }
    }
}
