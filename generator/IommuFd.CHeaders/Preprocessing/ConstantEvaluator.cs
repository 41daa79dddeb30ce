// Integer constant expression evaluator (C11 6.6 subset) used for #if lines, object-like macros, enumerator
// initializers, array lengths and ioctl arguments.
//
// It works on tokens, not on expanded text: an identifier is looked up in the context (a macro is evaluated from its
// own replacement list, an enumerator from its initializer), which is all the uapi headers need and keeps every
// value traceable to a location. The _IO/_IOR/_IOW/_IOWR/_IOC encoders are built in with the generic Linux encoding
// (asm-generic/ioctl.h: nr bits 0-7, type 8-15, size 16-29, dir 30-31), whose result type is unsigned int because
// _IOC_NONE/_IOC_READ/_IOC_WRITE are written with a U suffix.
//
// Types follow LP64 C: literals get int/unsigned/long/unsigned long by value and suffix, binary operators apply the
// usual arithmetic conversions and results wrap to the type's width, so "1 << 31" is int -2147483648 as in gcc.
using System.Globalization;
using IommuFd.CHeaders.Lexing;
using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Preprocessing;

/// <summary>Thrown inside the evaluator; callers turn it into a located diagnostic.</summary>
internal sealed class EvalException : Exception
{
    public EvalException(string message, Token token)
        : base(message) => Token = token;

    public Token Token { get; }
}

/// <summary>What an expression can refer to.</summary>
internal interface IEvaluationContext
{
    /// <summary>True when unknown identifiers evaluate to 0 (#if semantics) instead of failing.</summary>
    bool UnknownIdentifiersAreZero { get; }

    /// <summary>Looks up a macro or enumerator; throws <see cref="EvalException"/> when it exists but does not fold.</summary>
    bool TryGetSymbol(Token name, int depth, out CValue value);

    /// <summary>For <c>defined(X)</c>.</summary>
    bool IsDefined(string name);

    /// <summary><c>sizeof(type)</c>; throws <see cref="EvalException"/> for unknown or incomplete types.</summary>
    long SizeOf(IReadOnlyList<Token> typeTokens, Token at);
}

/// <summary>Evaluates one token range as an integer constant expression.</summary>
internal sealed class ConstantEvaluator
{
    /// <summary>Expression nesting guard (parentheses, macro references): hostile input must not overflow the stack.</summary>
    public const int MaxDepth = 128;

    private static readonly HashSet<string> s_typeWords = new(StringComparer.Ordinal)
    {
        "char", "short", "int", "long", "signed", "unsigned", "struct", "union", "enum", "_Bool",
        "__u8", "__u16", "__u32", "__u64", "__s8", "__s16", "__s32", "__s64",
        "__le16", "__le32", "__le64", "__be16", "__be32", "__be64",
        "__aligned_u64", "__aligned_s64", "__aligned_le64", "__aligned_be64", "void",
    };

    private readonly IReadOnlyList<Token> _tokens;
    private readonly int _end;
    private readonly IEvaluationContext _context;
    private readonly int _baseDepth;
    private int _pos;

    private ConstantEvaluator(IReadOnlyList<Token> tokens, int start, int end, IEvaluationContext context, int baseDepth)
    {
        _tokens = tokens;
        _pos = start;
        _end = end;
        _context = context;
        _baseDepth = baseDepth;
    }

    /// <summary>Evaluates <paramref name="tokens"/>[start, end) completely; throws <see cref="EvalException"/>.</summary>
    public static CValue Evaluate(IReadOnlyList<Token> tokens, int start, int end, IEvaluationContext context, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw new EvalException("expression nests too deeply (macro or enumerator chain)", start < tokens.Count ? tokens[start] : default);
        }

        if (start >= end)
        {
            throw new EvalException("empty expression", start < tokens.Count ? tokens[start] : (tokens.Count > 0 ? tokens[tokens.Count - 1] : default));
        }

        var e = new ConstantEvaluator(tokens, start, end, context, depth);
        CValue v = e.Conditional(0);
        if (e._pos < e._end)
        {
            throw new EvalException($"unexpected '{e.Peek.Text}' in constant expression", e.Peek);
        }

        return v;
    }

    /// <summary>Parses a C integer literal (decimal, hex, octal, binary; U/L/LL suffixes) with its C type.</summary>
    public static bool TryParseNumber(string text, out CValue value)
    {
        value = default;
        string digits = text;
        bool u = false;
        int l = 0;
        while (digits.Length > 0)
        {
            char c = char.ToLowerInvariant(digits[digits.Length - 1]);
            if (c == 'u' && !u)
            {
                u = true;
            }
            else if (c == 'l' && l < 2)
            {
                l++;
            }
            else
            {
                break;
            }

            digits = digits.Substring(0, digits.Length - 1);
        }

        if (digits.Length == 0)
        {
            return false;
        }

        ulong v = 0;
        bool decimalBase;
        try
        {
            if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                if (digits.Length == 2 || !ulong.TryParse(digits.Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v))
                {
                    return false;
                }

                decimalBase = false;
            }
            else if (digits.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
            {
                if (digits.Length == 2)
                {
                    return false;
                }

                foreach (char c in digits.Substring(2))
                {
                    if (c is not ('0' or '1'))
                    {
                        return false;
                    }

                    v = checked((v * 2) + (ulong)(c - '0'));
                }

                decimalBase = false;
            }
            else if (digits.Length > 1 && digits[0] == '0')
            {
                foreach (char c in digits.Substring(1))
                {
                    if (c is < '0' or > '7')
                    {
                        return false;
                    }

                    v = checked((v * 8) + (ulong)(c - '0'));
                }

                decimalBase = false;
            }
            else
            {
                if (!ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out v))
                {
                    return false;
                }

                decimalBase = true;
            }
        }
        catch (OverflowException)
        {
            return false;
        }

        // C11 6.4.4.1: the first type of the suffix's list that can represent the value.
        ConstantType type;
        if (u)
        {
            type = l == 0 && v <= uint.MaxValue ? ConstantType.UInt : ConstantType.ULong;
        }
        else if (l == 0 && v <= int.MaxValue)
        {
            type = ConstantType.Int;
        }
        else if (l == 0 && !decimalBase && v <= uint.MaxValue)
        {
            type = ConstantType.UInt;
        }
        else if (v <= long.MaxValue)
        {
            type = ConstantType.Long;
        }
        else
        {
            // A decimal literal too big for long is an error in C; hex promotes to unsigned long.
            if (decimalBase)
            {
                return false;
            }

            type = ConstantType.ULong;
        }

        value = CValue.Make(unchecked((long)v), type);
        return true;
    }

    private Token Peek => _pos < _end ? _tokens[_pos] : (_end > 0 && _end <= _tokens.Count ? _tokens[_end - 1] : default);

    private bool AtEnd => _pos >= _end;

    private bool Accept(string text)
    {
        if (!AtEnd && _tokens[_pos].Kind == TokenKind.Punctuator && _tokens[_pos].Text == text)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private void Expect(string text)
    {
        if (!Accept(text))
        {
            throw new EvalException(AtEnd ? $"expected '{text}' before end of expression" : $"expected '{text}' but found '{Peek.Text}'", Peek);
        }
    }

    private void Guard(int depth)
    {
        if (_baseDepth + depth > MaxDepth)
        {
            throw new EvalException("expression nests too deeply", Peek);
        }
    }

    private CValue Conditional(int depth)
    {
        Guard(depth);
        CValue cond = Binary(0, depth);
        if (Accept("?"))
        {
            CValue a = Conditional(depth + 1);
            Expect(":");
            CValue b = Conditional(depth + 1);
            ConstantType t = CValue.Common(a.Type, b.Type);
            return CValue.Make(cond.IsZero ? b.Bits : a.Bits, t);
        }

        return cond;
    }

    private static int Precedence(string op) => op switch
    {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" or "!=" => 6,
        "<" or ">" or "<=" or ">=" => 7,
        "<<" or ">>" => 8,
        "+" or "-" => 9,
        "*" or "/" or "%" => 10,
        _ => -1,
    };

    private CValue Binary(int minPrecedence, int depth)
    {
        CValue left = Unary(depth + 1);
        while (!AtEnd && _tokens[_pos].Kind == TokenKind.Punctuator)
        {
            Token opToken = _tokens[_pos];
            int p = Precedence(opToken.Text);
            if (p < 0 || p < minPrecedence)
            {
                break;
            }

            _pos++;
            CValue right = Binary(p + 1, depth + 1);
            left = Apply(opToken, left, right);
        }

        return left;
    }

    private static CValue Apply(Token op, CValue a, CValue b)
    {
        switch (op.Text)
        {
            case "||":
                return CValue.Int(!a.IsZero || !b.IsZero ? 1 : 0);
            case "&&":
                return CValue.Int(!a.IsZero && !b.IsZero ? 1 : 0);
            case "<<":
            case ">>":
            {
                // Shifts take the promoted left type; counts outside [0, width) are undefined in C, so refuse them.
                int width = a.Is64 ? 64 : 32;
                if (b.Bits < 0 || b.Bits >= width)
                {
                    throw new EvalException($"shift count {b.Bits} is outside 0..{width - 1}", op);
                }

                int n = (int)b.Bits;
                if (op.Text == "<<")
                {
                    return CValue.Make(a.Bits << n, a.Type);
                }

                long r = a.IsUnsigned ? (a.Is64 ? unchecked((long)((ulong)a.Bits >> n)) : (long)((uint)a.Bits >> n)) : a.Bits >> n;
                return CValue.Make(r, a.Type);
            }
        }

        ConstantType t = CValue.Common(a.Type, b.Type);
        CValue x = CValue.Make(a.Bits, t), y = CValue.Make(b.Bits, t);
        bool unsigned = x.IsUnsigned;
        ulong ux = unchecked((ulong)x.Bits), uy = unchecked((ulong)y.Bits);
        if (t == ConstantType.UInt)
        {
            ux &= 0xFFFFFFFF;
            uy &= 0xFFFFFFFF;
        }

        int Compare() => unsigned ? ux.CompareTo(uy) : x.Bits.CompareTo(y.Bits);

        switch (op.Text)
        {
            case "|": return CValue.Make(x.Bits | y.Bits, t);
            case "^": return CValue.Make(x.Bits ^ y.Bits, t);
            case "&": return CValue.Make(x.Bits & y.Bits, t);
            case "==": return CValue.Int(Compare() == 0 ? 1 : 0);
            case "!=": return CValue.Int(Compare() != 0 ? 1 : 0);
            case "<": return CValue.Int(Compare() < 0 ? 1 : 0);
            case ">": return CValue.Int(Compare() > 0 ? 1 : 0);
            case "<=": return CValue.Int(Compare() <= 0 ? 1 : 0);
            case ">=": return CValue.Int(Compare() >= 0 ? 1 : 0);
            case "+": return CValue.Make(unchecked(x.Bits + y.Bits), t);
            case "-": return CValue.Make(unchecked(x.Bits - y.Bits), t);
            case "*": return CValue.Make(unchecked(x.Bits * y.Bits), t);
            case "/":
            case "%":
                if (y.Bits == 0)
                {
                    throw new EvalException("division by zero", op);
                }

                if (unsigned)
                {
                    return CValue.Make(unchecked((long)(op.Text == "/" ? ux / uy : ux % uy)), t);
                }

                if (y.Bits == -1)
                {
                    // long.MinValue / -1 overflows in .NET; C says undefined, so wrap like the hardware result.
                    return CValue.Make(op.Text == "/" ? unchecked(-x.Bits) : 0, t);
                }

                return CValue.Make(op.Text == "/" ? x.Bits / y.Bits : x.Bits % y.Bits, t);
        }

        throw new EvalException($"operator '{op.Text}' is not supported in constant expressions", op);
    }

    private CValue Unary(int depth)
    {
        Guard(depth);
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (AtEnd)
        {
            throw new EvalException("expression ends unexpectedly", Peek);
        }

        Token t = _tokens[_pos];
        if (t.Kind == TokenKind.Punctuator)
        {
            switch (t.Text)
            {
                case "+":
                    _pos++;
                    return Unary(depth + 1);
                case "-":
                {
                    _pos++;
                    CValue v = Unary(depth + 1);
                    return CValue.Make(unchecked(-v.Bits), v.Type); // operands are int or wider: already promoted
                }

                case "~":
                {
                    _pos++;
                    CValue v = Unary(depth + 1);
                    return CValue.Make(~v.Bits, v.Type);
                }

                case "!":
                {
                    _pos++;
                    CValue v = Unary(depth + 1);
                    return CValue.Int(v.IsZero ? 1 : 0);
                }

                case "(":
                {
                    if (IsCast())
                    {
                        return Cast(depth);
                    }

                    _pos++;
                    CValue v = Conditional(depth + 1);
                    Expect(")");
                    return v;
                }
            }

            throw new EvalException($"unexpected '{t.Text}' in constant expression", t);
        }

        _pos++;
        switch (t.Kind)
        {
            case TokenKind.Number:
                if (!TryParseNumber(t.Text, out CValue n))
                {
                    throw new EvalException($"'{t.Text}' is not an integer literal", t);
                }

                return n;
            case TokenKind.CharLiteral:
                return CharValue(t);
            case TokenKind.Identifier:
                return Identifier(t, depth);
            default:
                throw new EvalException($"'{t.Text}' cannot appear in a constant expression", t);
        }
    }

    private static CValue CharValue(Token t)
    {
        string s = t.Text;
        if (s.Length < 3 || s[s.Length - 1] != '\'')
        {
            throw new EvalException($"malformed character literal {s}", t);
        }

        string body = s.Substring(1, s.Length - 2);
        int v;
        if (body.Length == 1 && body[0] != '\\')
        {
            v = body[0];
        }
        else if (body.Length >= 2 && body[0] == '\\')
        {
            v = body[1] switch
            {
                'n' => '\n', 't' => '\t', 'r' => '\r', '0' when body.Length == 2 => 0, '\\' => '\\', '\'' => '\'', '"' => '"',
                'a' => 7, 'b' => 8, 'f' => 12, 'v' => 11,
                _ => -1,
            };
            if (v < 0 || body.Length != 2)
            {
                throw new EvalException($"character literal {s} is not supported", t);
            }
        }
        else
        {
            throw new EvalException($"character literal {s} is not supported", t);
        }

        // Plain char is signed on x86-64; a character literal has type int with that char's value.
        return CValue.Int((sbyte)(byte)v);
    }

    private bool IsCast()
    {
        int p = _pos + 1;
        if (p >= _end || _tokens[p].Kind != TokenKind.Identifier || !s_typeWords.Contains(_tokens[p].Text))
        {
            return false;
        }

        return true;
    }

    private CValue Cast(int depth)
    {
        Token open = _tokens[_pos];
        _pos++;
        int start = _pos;
        while (!AtEnd && !(_tokens[_pos].Kind == TokenKind.Punctuator && _tokens[_pos].Text == ")"))
        {
            _pos++;
        }

        int typeEnd = _pos;
        Expect(")");
        var words = new List<string>();
        for (int i = start; i < typeEnd; i++)
        {
            words.Add(_tokens[i].Text);
        }

        ConstantType target = CastType(words, open);
        CValue v = Unary(depth + 1);
        int bits = BuiltinTypes.TryGetScalar(words, out BuiltinType bt) ? bt.Size * 8 : 32;
        long b = bits switch
        {
            8 => bt.IsSigned ? (sbyte)v.Bits : (byte)v.Bits,
            16 => bt.IsSigned ? (short)v.Bits : (ushort)v.Bits,
            _ => v.Bits,
        };
        return CValue.Make(b, target);
    }

    private static ConstantType CastType(List<string> words, Token at)
    {
        if (!BuiltinTypes.TryGetScalar(words, out BuiltinType bt) || bt.IsPointer)
        {
            throw new EvalException($"cast to '{string.Join(" ", words)}' is not supported in constant expressions", at);
        }

        // Types narrower than int promote to int.
        return bt.Size switch
        {
            8 => bt.IsSigned ? ConstantType.Long : ConstantType.ULong,
            4 => bt.IsSigned ? ConstantType.Int : ConstantType.UInt,
            _ => ConstantType.Int,
        };
    }

    private CValue Identifier(Token t, int depth)
    {
        switch (t.Text)
        {
            case "defined":
            {
                bool paren = Accept("(");
                if (AtEnd || _tokens[_pos].Kind != TokenKind.Identifier)
                {
                    throw new EvalException("'defined' needs a macro name", Peek);
                }

                string name = _tokens[_pos++].Text;
                if (paren)
                {
                    Expect(")");
                }

                return CValue.Int(_context.IsDefined(name) ? 1 : 0);
            }

            case "sizeof":
            {
                Expect("(");
                int start = _pos, level = 0;
                while (!AtEnd && !(level == 0 && _tokens[_pos].Text == ")" && _tokens[_pos].Kind == TokenKind.Punctuator))
                {
                    if (_tokens[_pos].Text == "(")
                    {
                        level++;
                    }
                    else if (_tokens[_pos].Text == ")")
                    {
                        level--;
                    }

                    _pos++;
                }

                var type = new List<Token>();
                for (int i = start; i < _pos; i++)
                {
                    type.Add(_tokens[i]);
                }

                Expect(")");
                return CValue.Make(_context.SizeOf(type, t), ConstantType.ULong);
            }

            case "_IO":
            case "_IOR":
            case "_IOW":
            case "_IOWR":
            case "_IOC":
            {
                List<(int Start, int End)> args = Arguments(t);
                IoctlEncoding enc = IoctlEncoding.Fold(t, args, _tokens, _context, _baseDepth + depth + 1);

                // The C type follows asm-generic/ioctl.h: _IO ORs unsigned-int terms; _IOR/_IOW/_IOWR add
                // sizeof(type), a size_t, so the result is unsigned long.
                return CValue.Make((long)enc.Number, t.Text is "_IO" or "_IOC" ? enc.ResultType : ConstantType.ULong);
            }
        }

        if (_context.TryGetSymbol(t, _baseDepth + depth + 1, out CValue v))
        {
            return v;
        }

        if (_context.UnknownIdentifiersAreZero)
        {
            // #if: an identifier that is not a macro is 0 (C11 6.10.1p4); a call-like use is still an error.
            if (!AtEnd && _tokens[_pos].Text == "(")
            {
                throw new EvalException($"function-like macro '{t.Text}' cannot be evaluated", t);
            }

            return CValue.Int(0);
        }

        throw new EvalException($"'{t.Text}' is not a known macro or enumerator", t);
    }

    /// <summary>Reads a parenthesised, comma-separated argument list at the current position.</summary>
    private List<(int Start, int End)> Arguments(Token callee)
    {
        if (AtEnd || _tokens[_pos].Text != "(")
        {
            throw new EvalException($"'{callee.Text}' must be called with arguments", callee);
        }

        _pos++;
        var args = new List<(int, int)>();
        int start = _pos, level = 0;
        while (true)
        {
            if (AtEnd)
            {
                throw new EvalException($"unterminated argument list of '{callee.Text}'", callee);
            }

            Token tok = _tokens[_pos];
            if (tok.Kind == TokenKind.Punctuator)
            {
                if (tok.Text is "(" or "[" or "{")
                {
                    level++;
                }
                else if (tok.Text is ")" or "]" or "}")
                {
                    if (level == 0 && tok.Text == ")")
                    {
                        args.Add((start, _pos));
                        _pos++;
                        return args;
                    }

                    level--;
                }
                else if (tok.Text == "," && level == 0)
                {
                    args.Add((start, _pos));
                    start = _pos + 1;
                }
            }

            _pos++;
        }
    }

    /// <summary>Finds the argument ranges of a call whose '(' is at <paramref name="open"/>; null when unbalanced.</summary>
    public static List<(int Start, int End)>? SplitArguments(IReadOnlyList<Token> tokens, int open, int end, out int close)
    {
        close = -1;
        if (open >= end || tokens[open].Text != "(")
        {
            return null;
        }

        var args = new List<(int, int)>();
        int start = open + 1, level = 0;
        for (int p = open + 1; p < end; p++)
        {
            Token tok = tokens[p];
            if (tok.Kind != TokenKind.Punctuator)
            {
                continue;
            }

            if (tok.Text is "(" or "[" or "{")
            {
                level++;
            }
            else if (tok.Text is ")" or "]" or "}")
            {
                if (level == 0 && tok.Text == ")")
                {
                    args.Add((start, p));
                    close = p;
                    return args;
                }

                level--;
            }
            else if (tok.Text == "," && level == 0)
            {
                args.Add((start, p));
                start = p + 1;
            }
        }

        return null;
    }
}
