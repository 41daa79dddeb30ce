using System.Globalization;
using System.Text;
using IommuFd.CHeaders.Diagnostics;
using IommuFd.CHeaders.Lexing;
using IommuFd.CHeaders.Model;
using IommuFd.CHeaders.Preprocessing;
using Xunit.Abstractions;

namespace IommuFd.CHeaders.Tests;

/// <summary>
/// Differential test of the constant evaluator against gcc: random C integer constant expressions (literals with
/// every suffix, char literals, casts, unary/binary/ternary operators) are folded by the evaluator, and gcc must
/// agree on both the value and the C type. Expressions gcc does not consider constant (signed overflow and other
/// undefined behaviour) are excluded by gcc itself; the test requires most cases to be checked.
/// </summary>
public class ConstantEvaluatorOracleTests
{
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("IOMMUFD_TEST_SEED"), out int s) ? s : 20261121;

    private readonly ITestOutputHelper _output;

    public ConstantEvaluatorOracleTests(ITestOutputHelper output) => _output = output;

    private sealed class NoSymbols : IEvaluationContext
    {
        public bool UnknownIdentifiersAreZero => false;

        public bool IsDefined(string name) => false;

        public long SizeOf(IReadOnlyList<Token> typeTokens, Token at) => BuiltinTypes.TryGetScalar(typeTokens.Select(t => t.Text).ToList(), out BuiltinType b) ? b.Size : throw new EvalException("unknown", at);

        public bool TryGetSymbol(Token name, int depth, out CValue value)
        {
            value = default;
            return false;
        }
    }

    private static string Literal(Random rng)
    {
        ulong v = rng.Next(4) switch
        {
            0 => (ulong)rng.Next(0, 16),
            1 => (ulong)rng.Next(0, 100_000),
            2 => (ulong)rng.NextInt64(0, 1L << 40),
            _ => ((ulong)rng.NextInt64() << 1) | (uint)rng.Next(2),
        };
        string suffix = new[] { string.Empty, string.Empty, "U", "L", "UL", "ULL", "LL", "u", "lu" }[rng.Next(9)];
        return rng.Next(5) switch
        {
            0 => "0x" + v.ToString("x", CultureInfo.InvariantCulture) + suffix,
            1 when v < 1000 => "0" + Convert.ToString((long)v, 8) + suffix,
            2 => "'" + (char)rng.Next('0', 'z') + "'",
            _ => v.ToString(CultureInfo.InvariantCulture) + suffix,
        };
    }

    private static string Expression(Random rng, int depth)
    {
        if (depth <= 0 || rng.Next(4) == 0)
        {
            return Literal(rng);
        }

        switch (rng.Next(6))
        {
            case 0:
                return new[] { "-", "~", "!", "+" }[rng.Next(4)] + "(" + Expression(rng, depth - 1) + ")";
            case 1:
                return "((" + new[] { "__u8", "__u16", "__u32", "__s32", "__u64", "__s64", "unsigned long", "int", "char", "__s16" }[rng.Next(10)] + ")" + Expression(rng, depth - 1) + ")";
            case 2:
                return "(" + Expression(rng, depth - 1) + " ? " + Expression(rng, depth - 1) + " : " + Expression(rng, depth - 1) + ")";
            case 3:
                return "(" + Expression(rng, depth - 1) + " " + new[] { "<<", ">>" }[rng.Next(2)] + " " + rng.Next(0, 40) + ")";
            default:
                string op = new[] { "+", "-", "*", "/", "%", "&", "|", "^", "==", "!=", "<", ">", "<=", ">=", "&&", "||" }[rng.Next(16)];
                return "(" + Expression(rng, depth - 1) + " " + op + " " + Expression(rng, depth - 1) + ")";
        }
    }

    [Fact]
    public void Evaluator_agrees_with_gcc_on_values_and_types()
    {
        _output.WriteLine($"seed {Seed} (set IOMMUFD_TEST_SEED to change)");
        var rng = new Random(Seed);
        var source = new StringBuilder("#include <linux/types.h>\n");
        var cases = new List<string>();
        while (cases.Count < 600)
        {
            string expr = Expression(rng, rng.Next(1, 5));
            var bag = new DiagnosticBag("e.h");
            LexResult lex = Lexer.Lex(expr, bag);
            CValue v;
            try
            {
                v = ConstantEvaluator.Evaluate(lex.Tokens, 0, lex.Tokens.Count - 1, new NoSymbols());
            }
            catch (EvalException)
            {
                continue; // the evaluator refuses (shift count, division by zero): nothing to compare
            }

            (string literal, string type, string alt) = v.Type switch
            {
                ConstantType.Int => (v.Bits == int.MinValue ? "(-2147483647 - 1)" : v.Bits.ToString(CultureInfo.InvariantCulture), "int", "int"),
                ConstantType.UInt => (((uint)v.Bits).ToString(CultureInfo.InvariantCulture) + "U", "unsigned int", "unsigned int"),
                ConstantType.Long => (v.Bits == long.MinValue ? "(-9223372036854775807L - 1)" : v.Bits.ToString(CultureInfo.InvariantCulture) + "L", "long", "long long"),
                _ => (((ulong)v.Bits).ToString(CultureInfo.InvariantCulture) + "UL", "unsigned long", "unsigned long long"),
            };
            source.Append("_Static_assert((").Append(expr).Append(") == ").Append(literal)
                .Append(" && (__builtin_types_compatible_p(__typeof__(+(").Append(expr).Append(")), ").Append(type)
                .Append(") || __builtin_types_compatible_p(__typeof__(+(").Append(expr).Append(")), ").Append(alt)
                .Append(")), \"case ").Append(cases.Count).Append("\");\n");
            cases.Add($"{expr} => {v.Type} {literal}");
        }

        // A sentinel that must fail proves gcc ran and its output is read.
        source.Append("_Static_assert(1 == 2, \"sentinel\");\n");
        (int _, string errors) = LayoutOracleGcc.CompileWith(new[] { "-fsyntax-only", "-std=gnu11", "-I", Headers.LineDirectory("7.2"), "-nostdinc", "-x", "c", "-" }, source.ToString());
        var lines = errors.Split('\n');
        Assert.Single(lines, l => l.Contains("static assertion failed: \"sentinel\"", StringComparison.Ordinal));
        var failed = lines.Where(l => l.Contains("static assertion failed", StringComparison.Ordinal) && !l.Contains("sentinel", StringComparison.Ordinal)).ToList();
        var notConstant = lines.Where(l => l.Contains("error:", StringComparison.Ordinal) && !l.Contains("static assertion failed", StringComparison.Ordinal))
            .Select(l => l.Split(':')).Where(p => p.Length > 1).Select(p => p[1]).Distinct().Count();
        string Detail(string line)
        {
            int n = int.Parse(line.Substring(line.IndexOf("case ", StringComparison.Ordinal) + 5).TrimEnd('"', ' '), CultureInfo.InvariantCulture);
            return cases[n];
        }

        Assert.True(failed.Count == 0, $"seed {Seed}: gcc disagrees with the evaluator:\n" + string.Join("\n", failed.Take(10).Select(Detail)));
        Assert.True(notConstant < cases.Count / 4, $"seed {Seed}: gcc refused {notConstant} of {cases.Count} expressions as non-constant; the generator is too hostile to check anything");
        _output.WriteLine($"{cases.Count} expressions, {notConstant} excluded by gcc as not constant");
    }
}
