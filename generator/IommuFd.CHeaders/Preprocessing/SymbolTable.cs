// Name resolution for constant expressions after parsing: object-like macros, enumerators and sizeof.
//
// Everything is evaluated lazily and memoised (success and failure alike), so macros may refer to enumerators
// declared later (IOMMU_DESTROY uses IOMMUFD_CMD_DESTROY), enumerators may refer to macros, and sizeof may reach
// into the layout engine - in whatever order the emitter asks. Memoising failures keeps hostile inputs (a macro DAG
// that references each name twice) linear, and the busy set turns self-reference into a diagnostic.
using IommuFd.CHeaders.Layout;
using IommuFd.CHeaders.Lexing;
using IommuFd.CHeaders.Model;
using IommuFd.CHeaders.Parsing;

namespace IommuFd.CHeaders.Preprocessing;

/// <summary>The front end's evaluation context.</summary>
internal sealed class SymbolTable : IEvaluationContext
{
    private readonly Dictionary<string, MacroDefinition> _macros;
    private readonly Dictionary<string, (EnumSyntax Enum, int Index)> _enumerators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (CValue Value, string? Error)> _memo = new(StringComparer.Ordinal);
    private readonly HashSet<string> _busy = new(StringComparer.Ordinal);
    private readonly LayoutEngine _layout;
    private readonly Dictionary<string, TypedefSyntax> _typedefs;

    private readonly Dictionary<string, CValue> _external = new(StringComparer.Ordinal);

    public SymbolTable(Dictionary<string, MacroDefinition> macros, ParseResult parse, LayoutEngine layout, IEnumerable<HeaderModel>? dependencies = null)
    {
        _macros = macros;
        _layout = layout;
        _typedefs = parse.Typedefs;

        // Integer constants and enumerators of headers this one includes, already folded.
        foreach (HeaderModel d in dependencies ?? Enumerable.Empty<HeaderModel>())
        {
            foreach (ConstantModel c in d.Constants.Where(c => c.Type != ConstantType.String))
            {
                _external[c.Name] = CValue.Make(c.Value, c.Type);
            }

            foreach (IoctlModel i in d.Ioctls)
            {
                _external[i.Name] = CValue.Make((long)i.Number, ConstantType.UInt);
            }

            foreach (EnumeratorModel e in d.Enums.SelectMany(e => e.Enumerators))
            {
                _external[e.Name] = CValue.Make(e.Value, e.Value is >= int.MinValue and <= int.MaxValue ? ConstantType.Int : ConstantType.Long);
            }
        }

        foreach (EnumSyntax e in parse.Enums)
        {
            for (int i = 0; i < e.Enumerators.Count; i++)
            {
                string name = e.Enumerators[i].Name.Text;
                if (!_enumerators.ContainsKey(name))
                {
                    _enumerators.Add(name, (e, i));
                }
            }
        }
    }

    public bool UnknownIdentifiersAreZero => false;

    public bool IsDefined(string name) => _macros.ContainsKey(name);

    /// <summary>True if <paramref name="name"/> is an enumerator declared in this header.</summary>
    public bool IsEnumerator(string name) => _enumerators.ContainsKey(name);

    public bool TryGetSymbol(Token name, int depth, out CValue value)
    {
        value = default;
        bool isMacro = _macros.ContainsKey(name.Text);
        if (!isMacro && !_enumerators.ContainsKey(name.Text))
        {
            return _external.TryGetValue(name.Text, out value);
        }

        // The preprocessor replaces macros before the compiler sees enumerators, so a macro wins a name clash.
        string key = (isMacro ? "m:" : "e:") + name.Text;
        if (_memo.TryGetValue(key, out var memo))
        {
            value = memo.Value;
            return memo.Error is null ? true : throw new EvalException(memo.Error, name);
        }

        if (!_busy.Add(key))
        {
            throw new EvalException($"'{name.Text}' refers to itself", name);
        }

        try
        {
            value = isMacro ? EvaluateMacro(_macros[name.Text], name, depth) : EvaluateEnumerator(name.Text, depth);
            _memo[key] = (value, null);
            return true;
        }
        catch (EvalException ex)
        {
            // Only memoise failures that do not depend on the current depth, so a shallow retry can still succeed.
            if (!ex.Message.Contains("nests too deeply"))
            {
                _memo[key] = (default, ex.Message);
            }

            throw new EvalException(ex.Message, ex.Token.Text is null ? name : ex.Token);
        }
        finally
        {
            _busy.Remove(key);
        }
    }

    /// <summary>Value of an enumerator, or the error that prevents folding it.</summary>
    public (CValue Value, string? Error, Token At) Enumerator(string name)
    {
        (EnumSyntax e, int i) = _enumerators[name];
        Token t = e.Enumerators[i].Name;
        try
        {
            return TryGetSymbol(t, 0, out CValue v) ? (v, null, t) : (default, "unknown", t);
        }
        catch (EvalException ex)
        {
            return (default, ex.Message, ex.Token.Text is null ? t : ex.Token);
        }
    }

    private CValue EvaluateMacro(MacroDefinition m, Token use, int depth)
    {
        if (m.IsFunctionLike)
        {
            throw new EvalException($"function-like macro '{m.Name}' is used without arguments", use);
        }

        if (m.Body.Count == 0)
        {
            throw new EvalException($"macro '{m.Name}' has an empty replacement list", use);
        }

        if (m.Body.Count == 1 && m.Body[0].Kind == TokenKind.StringLiteral)
        {
            throw new EvalException($"macro '{m.Name}' is a string, not an integer", use);
        }

        return ConstantEvaluator.Evaluate(m.Body, 0, m.Body.Count, this, depth);
    }

    private CValue EvaluateEnumerator(string name, int depth)
    {
        (EnumSyntax e, int i) = _enumerators[name];
        EnumeratorSyntax en = e.Enumerators[i];
        CValue v;
        if (en.Initializer is null)
        {
            if (i == 0)
            {
                return CValue.Int(0);
            }

            // Implicit: previous + 1 (C11 6.7.2.2p3).
            Token prev = e.Enumerators[i - 1].Name;
            if (!TryGetSymbol(prev, depth + 1, out CValue p))
            {
                throw new EvalException($"previous enumerator '{prev.Text}' is unknown", en.Name);
            }

            v = CValue.Make(unchecked(p.Bits + 1), p.Type);
        }
        else
        {
            v = ConstantEvaluator.Evaluate(en.Initializer, 0, en.Initializer.Count, this, depth);
        }

        // An enumerator has type int when its value fits (C11 6.7.2.2p2); wider values keep their type (GNU).
        bool fitsInt = v.IsUnsigned ? (ulong)v.Bits <= int.MaxValue : v.Bits is >= int.MinValue and <= int.MaxValue;
        return fitsInt ? CValue.Make(v.Bits, ConstantType.Int) : v;
    }

    public long SizeOf(IReadOnlyList<Token> typeTokens, Token at)
    {
        var words = typeTokens.Select(t => t.Text).Where(w => !BuiltinTypes.IsIgnoredQualifier(w)).ToList();
        if (words.Count > 0 && words[words.Count - 1] == "*")
        {
            return BuiltinTypes.PointerSize;
        }

        if (words.Count == 2 && words[0] is "struct" or "union")
        {
            LayoutResult? r = _layout.Layout(words[1]);
            if (r is null)
            {
                throw new EvalException($"sizeof: '{words[0]} {words[1]}' is not defined in this header", at);
            }

            return r.Size;
        }

        if (words.Count == 2 && words[0] == "enum")
        {
            return 4;
        }

        if (words.Count == 1 && _typedefs.TryGetValue(words[0], out TypedefSyntax? td) && td.Unsupported is null)
        {
            long element = td.PointerDepth > 0 ? BuiltinTypes.PointerSize
                : td.Target.Tag is { } tag ? (_layout.Layout(tag)?.Size ?? throw new EvalException($"sizeof: '{tag}' is not defined in this header", at))
                : td.Target.Builtin?.Size ?? throw new EvalException($"sizeof: typedef '{words[0]}' is not known", at);
            return td.Dimension is { } dim ? element * ConstantEvaluator.Evaluate(dim, 0, dim.Count, this).Bits : element;
        }

        if (BuiltinTypes.TryGetScalar(words, out BuiltinType bt) && bt.Name != "void")
        {
            return bt.Size;
        }

        throw new EvalException($"sizeof: type '{string.Join(" ", words)}' is not known", at);
    }
}
