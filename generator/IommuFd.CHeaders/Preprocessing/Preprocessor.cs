// Mini preprocessor for uapi headers.
//
// What it does: strips directive lines from the token stream, keeps the tokens of active conditional sections,
// records #define (object-like and function-like, with the token range of the replacement list) and #include
// (recorded, never followed), and evaluates #if/#ifdef/#ifndef/#elif/#else/#endif.
//
// What it deliberately does not do: macro expansion in the code stream. uapi declarations use only the fixed-width
// types and attribute macros of linux/types.h and linux/stddef.h, which the parser knows as built-ins; header macros
// are constants that the evaluator folds by name. Keeping macros unexpanded means every value in the model still
// points at the line that defines it.
//
// Configuration follows the exported-header convention: __KERNEL__ is not defined (userspace view),
// __EXPORTED_HEADERS__ is (the selftests define it when including uapi headers from a kernel tree), and the target
// is x86-64 LP64 (__x86_64__, __LP64__). The layout oracle compiles with the same definitions.
using IommuFd.CHeaders.Diagnostics;
using IommuFd.CHeaders.Lexing;

namespace IommuFd.CHeaders.Preprocessing;

/// <summary>One <c>#define</c>.</summary>
internal sealed class MacroDefinition
{
    public MacroDefinition(Token name, bool isFunctionLike, List<string> parameters, List<Token> body, int directiveEnd)
    {
        NameToken = name;
        IsFunctionLike = isFunctionLike;
        Parameters = parameters;
        Body = body;
        DirectiveEnd = directiveEnd;
    }

    public string Name => NameToken.Text;

    public Token NameToken { get; }

    public bool IsFunctionLike { get; }

    public List<string> Parameters { get; }

    /// <summary>Replacement list tokens (comments and splices removed).</summary>
    public List<Token> Body { get; }

    /// <summary>Offset just past the directive's last token, for trailing-comment lookup.</summary>
    public int DirectiveEnd { get; }

    /// <summary>True for the built-in definitions (no location in the header).</summary>
    public bool IsPredefined { get; init; }
}

/// <summary>Result of preprocessing one header.</summary>
internal sealed class PreprocessResult
{
    /// <summary>Tokens of active sections without directives, ending with end-of-file.</summary>
    public List<Token> Code { get; } = new();

    /// <summary>Every <c>#define</c> in an active section, in order (a redefinition appears twice).</summary>
    public List<MacroDefinition> Definitions { get; } = new();

    /// <summary>Macros defined at the end of the header (after <c>#undef</c>s).</summary>
    public Dictionary<string, MacroDefinition> Macros { get; } = new(StringComparer.Ordinal);

    /// <summary><c>#include</c> targets as written (<c>linux/ioctl.h</c>).</summary>
    public List<string> Includes { get; } = new();

    /// <summary>Conditions that tested a macro nobody defined here, with the directive token.</summary>
    public List<(Token At, string Macro)> UnknownConditions { get; } = new();

    /// <summary><c>#pragma pack</c> state changes: offset of the pragma and the new maximum alignment (0 = default).</summary>
    public List<(int Offset, int Pack)> PackChanges { get; } = new();

    /// <summary>The pack value in effect while preprocessing (0 = natural alignment).</summary>
    public int CurrentPack { get; set; }

    /// <summary><c>#pragma pack(push)</c> stack.</summary>
    public Stack<int> PackStack { get; } = new();
}

/// <summary>Runs the mini preprocessor over lexed tokens.</summary>
internal static class Preprocessor
{
    /// <summary>Conditional nesting guard.</summary>
    public const int MaxConditionalDepth = 64;

    // gcc's own predefined macros that uapi headers test, with their x86-64 values, plus __BITS_PER_LONG, which
    // asm/bitsperlong.h (pulled in by linux/types.h, which every uapi header includes) defines as 64 on x86-64.
    private static readonly (string Name, string Value)[] s_predefined =
    {
        ("__EXPORTED_HEADERS__", "1"), ("__x86_64__", "1"), ("__LP64__", "1"), ("__GNUC__", "12"), ("__STDC__", "1"),
        ("__CHAR_BIT__", "8"), ("__SIZEOF_SHORT__", "2"), ("__SIZEOF_INT__", "4"), ("__SIZEOF_LONG__", "8"),
        ("__SIZEOF_LONG_LONG__", "8"), ("__SIZEOF_POINTER__", "8"), ("__ORDER_LITTLE_ENDIAN__", "1234"),
        ("__ORDER_BIG_ENDIAN__", "4321"), ("__BYTE_ORDER__", "1234"), ("__BITS_PER_LONG", "64"),
    };

    /// <summary>Macros the exported-header view leaves undefined on purpose; conditions on them are not suspicious.</summary>
    private static readonly HashSet<string> s_knownUndefined = new(StringComparer.Ordinal)
    {
        "__KERNEL__", "__cplusplus", "__ASSEMBLY__", "__CHECKER__", "__STRICT_ANSI__", "__i386__", "__ILP32__",
    };

    private sealed class Frame
    {
        public bool ParentActive;
        public bool Active;
        public bool Taken;
        public bool SeenElse;
        public Token Start;
    }

    private sealed class ConditionContext : IEvaluationContext
    {
        private readonly Dictionary<string, MacroDefinition> _macros;
        private readonly HashSet<string> _busy = new(StringComparer.Ordinal);

        public ConditionContext(Dictionary<string, MacroDefinition> macros) => _macros = macros;

        public bool UnknownIdentifiersAreZero => true;

        public bool IsDefined(string name) => _macros.ContainsKey(name);

        public long SizeOf(IReadOnlyList<Token> typeTokens, Token at) =>
            throw new EvalException("sizeof cannot be used in #if", at);

        public bool TryGetSymbol(Token name, int depth, out CValue value)
        {
            value = default;
            if (!_macros.TryGetValue(name.Text, out MacroDefinition? m) || m.IsFunctionLike || !_busy.Add(name.Text))
            {
                return false;
            }

            try
            {
                value = m.Body.Count == 0 ? CValue.Int(0) : ConstantEvaluator.Evaluate(m.Body, 0, m.Body.Count, this, depth);
                return true;
            }
            finally
            {
                _busy.Remove(name.Text);
            }
        }
    }

    public static PreprocessResult Run(LexResult lex, DiagnosticBag diagnostics)
    {
        var result = new PreprocessResult();
        foreach ((string name, string value) in s_predefined)
        {
            var tok = new Token(TokenKind.Identifier, name, 0, 1, 1, true);
            result.Macros[name] = new MacroDefinition(tok, false, new List<string>(), new List<Token> { new(TokenKind.Number, value, 0, 1, 1, false) }, 0) { IsPredefined = true };
        }

        var stack = new Stack<Frame>();
        List<Token> tokens = lex.Tokens;
        bool Active() => stack.Count == 0 || stack.Peek().Active;

        int i = 0;
        while (i < tokens.Count && tokens[i].Kind != TokenKind.EndOfFile)
        {
            Token t = tokens[i];
            if (!(t.FirstOnLine && t.Kind == TokenKind.Punctuator && t.Text == "#"))
            {
                if (Active())
                {
                    result.Code.Add(t);
                }

                i++;
                continue;
            }

            // The directive runs to the next token that starts a line.
            int end = i + 1;
            while (end < tokens.Count && !tokens[end].FirstOnLine)
            {
                end++;
            }

            var line = tokens.GetRange(i + 1, end - (i + 1));
            i = end;
            if (line.Count == 0)
            {
                continue; // null directive
            }

            Token name = line[0];
            switch (name.Text)
            {
                case "if":
                case "ifdef":
                case "ifndef":
                {
                    if (stack.Count >= MaxConditionalDepth)
                    {
                        diagnostics.Report(DiagnosticCatalog.NestingTooDeep, Loc(diagnostics, name), "#if", MaxConditionalDepth);
                    }

                    bool parent = Active();
                    if (parent)
                    {
                        NoteUnknownMacros(name, line, result, diagnostics);
                    }

                    bool cond = parent && Condition(name, line, result.Macros, diagnostics);
                    stack.Push(new Frame { ParentActive = parent, Active = cond, Taken = cond, Start = name });
                    break;
                }

                case "elif":
                {
                    if (stack.Count == 0 || stack.Peek().SeenElse)
                    {
                        diagnostics.Report(DiagnosticCatalog.UnbalancedConditional, Loc(diagnostics, name), "#elif without a matching #if");
                        break;
                    }

                    Frame f = stack.Peek();
                    if (f.ParentActive && !f.Taken)
                    {
                        NoteUnknownMacros(name, line, result, diagnostics);
                    }

                    bool cond = f.ParentActive && !f.Taken && Condition(name, line, result.Macros, diagnostics);
                    f.Active = cond;
                    f.Taken |= cond;
                    break;
                }

                case "else":
                {
                    if (stack.Count == 0 || stack.Peek().SeenElse)
                    {
                        diagnostics.Report(DiagnosticCatalog.UnbalancedConditional, Loc(diagnostics, name), "#else without a matching #if");
                        break;
                    }

                    Frame f = stack.Peek();
                    f.SeenElse = true;
                    f.Active = f.ParentActive && !f.Taken;
                    f.Taken = true;
                    break;
                }

                case "endif":
                    if (stack.Count == 0)
                    {
                        diagnostics.Report(DiagnosticCatalog.UnbalancedConditional, Loc(diagnostics, name), "#endif without a matching #if");
                    }
                    else
                    {
                        stack.Pop();
                    }

                    break;

                default:
                    if (Active())
                    {
                        ActiveDirective(name, line, result, diagnostics);
                    }

                    break;
            }
        }

        while (stack.Count > 0)
        {
            Frame f = stack.Pop();
            diagnostics.Report(DiagnosticCatalog.UnbalancedConditional, Loc(diagnostics, f.Start), $"#{f.Start.Text} is not closed by #endif");
        }

        result.Code.Add(tokens[tokens.Count - 1]);
        return result;
    }

    private static Model.SourceLocation Loc(DiagnosticBag d, Token t) => d.Location(t.Line, t.Column, t.Start, t.Length);

    /// <summary>
    /// Reports macros a condition tests that are neither defined nor known to be undefined in the exported view:
    /// they usually come from a header the front end does not read (__LITTLE_ENDIAN_BITFIELD from
    /// asm/byteorder.h), so the branch taken may differ from the compiler's. #ifndef is exempt: it is the include
    /// guard and "provide a default" idiom, where the undefined branch is the intended one.
    /// </summary>
    private static void NoteUnknownMacros(Token directive, List<Token> line, PreprocessResult result, DiagnosticBag diagnostics)
    {
        if (directive.Text == "ifndef")
        {
            return;
        }

        bool afterDefined = directive.Text == "ifdef";
        for (int i = 1; i < line.Count; i++)
        {
            Token t = line[i];
            if (t.Text == "defined")
            {
                afterDefined = true;
                continue;
            }

            if (!t.IsIdentifier)
            {
                continue;
            }

            bool call = !afterDefined && i + 1 < line.Count && line[i + 1].Text == "(";
            afterDefined = false;
            if (!call && !result.Macros.ContainsKey(t.Text) && !s_knownUndefined.Contains(t.Text))
            {
                diagnostics.Report(DiagnosticCatalog.ConditionOnUnknownMacro, Loc(diagnostics, t), t.Text);
                result.UnknownConditions.Add((t, t.Text));
            }
        }
    }

    private static bool Condition(Token directive, List<Token> line, Dictionary<string, MacroDefinition> macros, DiagnosticBag diagnostics)
    {
        if (directive.Text is "ifdef" or "ifndef")
        {
            if (line.Count < 2 || !line[1].IsIdentifier)
            {
                diagnostics.Report(DiagnosticCatalog.MalformedDirective, Loc(diagnostics, directive), directive.Text, "expected a macro name");
                return false;
            }

            bool defined = macros.ContainsKey(line[1].Text);
            return directive.Text == "ifdef" ? defined : !defined;
        }

        try
        {
            return !ConstantEvaluator.Evaluate(line, 1, line.Count, new ConditionContext(macros)).IsZero;
        }
        catch (EvalException ex)
        {
            Token at = ex.Token.Text is null ? directive : ex.Token;
            diagnostics.Report(DiagnosticCatalog.MalformedDirective, Loc(diagnostics, at), directive.Text, ex.Message);
            return false;
        }
    }

    private static void ActiveDirective(Token name, List<Token> line, PreprocessResult result, DiagnosticBag diagnostics)
    {
        switch (name.Text)
        {
            case "define":
                Define(name, line, result, diagnostics);
                return;
            case "undef":
                if (line.Count < 2 || !line[1].IsIdentifier)
                {
                    diagnostics.Report(DiagnosticCatalog.MalformedDirective, Loc(diagnostics, name), "undef", "expected a macro name");
                    return;
                }

                result.Macros.Remove(line[1].Text);
                return;
            case "include":
            {
                string? target = null;
                if (line.Count >= 2 && line[1].Kind == TokenKind.StringLiteral && line[1].Text.Length >= 2)
                {
                    target = line[1].Text.Substring(1, line[1].Text.Length - 2);
                }
                else if (line.Count >= 3 && line[1].Text == "<" && line[line.Count - 1].Text == ">")
                {
                    // <linux/ioctl.h> lexes as '<' linux '/' ioctl '.' h '>': glue it back without spaces.
                    target = string.Concat(line.Skip(2).Take(line.Count - 3).Select(x => x.Text));
                }

                if (string.IsNullOrEmpty(target))
                {
                    diagnostics.Report(DiagnosticCatalog.MalformedDirective, Loc(diagnostics, name), "include", "expected <file> or \"file\"");
                    return;
                }

                result.Includes.Add(target!);
                return;
            }

            case "error":
                diagnostics.Report(DiagnosticCatalog.ErrorDirective, Loc(diagnostics, name), Lexer.Join(line.Skip(1).ToList()));
                return;
            case "pragma":
                Pragma(name, line, result, diagnostics);
                return;
            case "line":
            case "ident":
            case "warning":
                return;
            default:
                if (name.Kind == TokenKind.Number)
                {
                    return; // "# 12 "file"" line marker from a preprocessed file
                }

                diagnostics.Report(DiagnosticCatalog.UnknownDirective, Loc(diagnostics, name), name.Text);
                return;
        }
    }

    /// <summary>
    /// <c>#pragma pack(n)</c>, <c>pack(push[, n])</c>, <c>pack(pop)</c>, <c>pack()</c>: caps member alignment for the
    /// structs that follow (batadv_packet.h uses it). Other pragmas do not affect layout and are ignored.
    /// </summary>
    private static void Pragma(Token directive, List<Token> line, PreprocessResult result, DiagnosticBag diagnostics)
    {
        if (line.Count < 2 || line[1].Text != "pack")
        {
            return;
        }

        var args = line.Skip(2).Where(t => t.Text is not ("(" or ")" or ",")).ToList();
        int next = result.CurrentPack;
        if (args.Count == 0)
        {
            next = 0;
        }
        else if (args[0].Text == "pop")
        {
            // gcc ignores a pop without a matching push (with a warning); so does the front end.
            next = result.PackStack.Count > 0 ? result.PackStack.Pop() : result.CurrentPack;
        }
        else
        {
            bool push = args[0].Text == "push";
            if (push)
            {
                result.PackStack.Push(result.CurrentPack);
            }

            if ((push ? args.Skip(1).FirstOrDefault() : args[0]) is { Text: not null } v)
            {
                if (!ConstantEvaluator.TryParseNumber(v.Text, out CValue n) || n.Bits is not (1 or 2 or 4 or 8 or 16))
                {
                    diagnostics.Report(DiagnosticCatalog.MalformedDirective, Loc(diagnostics, v), "pragma pack", "expected 1, 2, 4, 8 or 16");
                    return;
                }

                next = (int)n.Bits;
            }
        }

        result.CurrentPack = next;
        result.PackChanges.Add((directive.Start, next));
    }

    private static void Define(Token directive, List<Token> line, PreprocessResult result, DiagnosticBag diagnostics)
    {
        if (line.Count < 2 || !line[1].IsIdentifier)
        {
            diagnostics.Report(DiagnosticCatalog.MalformedDirective, Loc(diagnostics, line.Count >= 2 ? line[1] : directive), "define", "expected a macro name");
            return;
        }

        Token name = line[1];
        int bodyStart = 2;
        bool functionLike = false;
        var parameters = new List<string>();

        // Function-like only when '(' touches the name: "#define X (1)" is an object-like macro.
        if (line.Count > 2 && line[2].Text == "(" && line[2].Start == name.End)
        {
            functionLike = true;
            int p = 3;
            bool closed = false;
            while (p < line.Count)
            {
                Token t = line[p++];
                if (t.Text == ")")
                {
                    closed = true;
                    break;
                }

                if (t.IsIdentifier || t.Text == "...")
                {
                    parameters.Add(t.Text);
                }
                else if (t.Text != ",")
                {
                    break;
                }
            }

            if (!closed)
            {
                diagnostics.Report(DiagnosticCatalog.MalformedDirective, Loc(diagnostics, name), "define", $"parameter list of '{name.Text}' is not closed");
                return;
            }

            bodyStart = p;
        }

        List<Token> body = line.GetRange(bodyStart, line.Count - bodyStart);
        int end = line[line.Count - 1].End;
        var def = new MacroDefinition(name, functionLike, parameters, body, end);
        if (result.Macros.TryGetValue(name.Text, out MacroDefinition? old) && !old.IsPredefined &&
            (old.IsFunctionLike != functionLike || Lexer.Join(old.Body) != Lexer.Join(body)))
        {
            diagnostics.Report(DiagnosticCatalog.MacroRedefined, Loc(diagnostics, name), name.Text);
        }

        result.Macros[name.Text] = def;
        result.Definitions.Add(def);
    }
}
