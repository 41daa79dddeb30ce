using System.Text;
using Xunit.Abstractions;
using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Tests;

/// <summary>
/// The front end must never throw and must locate every problem inside the file, whatever it is given: truncated
/// headers, mutated bytes, unknown macros, unbalanced braces, hostile nesting.
/// </summary>
public class MalformedInputTests
{
    /// <summary>Fixed so failures reproduce (IOMMUFD_TEST_SEED overrides it); printed by every seeded test.</summary>
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("IOMMUFD_TEST_SEED"), out int s) ? s : 20261121;

    private readonly ITestOutputHelper _output;

    public MalformedInputTests(ITestOutputHelper output) => _output = output;

    private static HeaderModel ParseChecked(string text, string context)
    {
        HeaderModel m;
        try
        {
            m = HeaderParser.Parse("bad.h", "linux/bad.h", text, Headers.Annotations);
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"Parse threw for {context}: {ex}");
        }

        int lines = text.Count(c => c == '\n') + 1;
        foreach (HeaderDiagnostic d in m.Diagnostics)
        {
            if (d.Location.Path != "bad.h")
            {
                Assert.Equal(Headers.AnnotationPath, d.Location.Path); // annotation-file facts are located in that file
                continue;
            }

            bool ok = d.Location.Line >= 1 && d.Location.Line <= lines && d.Location.Column >= 1
                && d.Location.Start >= 0 && d.Location.Start + d.Location.Length <= text.Length;
            Assert.True(ok, $"{context}: diagnostic {d.Id} '{d.Message}' has location {d.Location} outside the {lines}-line, {text.Length}-char input");
        }

        Assert.True(!m.Diagnostics.Any(d => d.Id == "IOMMUFD0000"), $"{context}: internal error {m.Diagnostics.FirstOrDefault(d => d.Id == "IOMMUFD0000")?.Message}");
        return m;
    }

    [Theory]
    [MemberData(nameof(Headers.AllHeaders), MemberType = typeof(Headers))]
    public void Truncated_headers_report_located_errors(string line, string header)
    {
        string text = Headers.Text(line, header);
        var cuts = new SortedSet<int>(Enumerable.Range(1, 60).Select(i => (int)((long)text.Length * i / 61)));

        // Cut inside the constructs most likely to confuse recovery: comments, bodies, spliced lines, literals.
        foreach (string marker in new[] { "/*", "{", "\\\n", "'", "__counted_by(", "union {", "_IO(" })
        {
            for (int i = text.IndexOf(marker, StringComparison.Ordinal), n = 0; i >= 0 && n < 4; i = text.IndexOf(marker, i + 1, StringComparison.Ordinal), n++)
            {
                cuts.Add(i + 1);
            }
        }

        int guardOpen = text.IndexOf("#ifndef", StringComparison.Ordinal);
        int guardEnd = text.IndexOf('\n', guardOpen) + 1;
        Assert.True(guardOpen >= 0);
        foreach (int cut in cuts)
        {
            HeaderModel m = ParseChecked(text.Substring(0, cut), $"{line}/{header} cut at {cut}");

            // Once the include guard's #ifndef is complete, a strict prefix always leaves it open.
            if (cut >= guardEnd)
            {
                Assert.True(m.Diagnostics.Any(d => d.Severity == HeaderDiagnosticSeverity.Error), $"{line}/{header} cut at {cut}: no error");
            }
        }
    }

    [Fact]
    public void Random_mutations_of_header_windows_never_throw()
    {
        _output.WriteLine($"seed {Seed} (set IOMMUFD_TEST_SEED to change)");
        var rng = new Random(Seed);
        string[] texts = Headers.AllHeaders().Select(h => Headers.Text((string)h[0], (string)h[1])).ToArray();
        const string Alphabet = "{}();#*/\\\n\"'[],=<>|&~-+_ \tU0x9aZ";
        for (int n = 0; n < 3000; n++)
        {
            string source = texts[rng.Next(texts.Length)];
            int length = rng.Next(200, 3000);
            int start = rng.Next(0, Math.Max(1, source.Length - length));
            var sb = new StringBuilder(source.Substring(start, Math.Min(length, source.Length - start)));
            int edits = rng.Next(1, 6);
            for (int e = 0; e < edits && sb.Length > 0; e++)
            {
                int at = rng.Next(sb.Length);
                switch (rng.Next(4))
                {
                    case 0: sb[at] = (char)rng.Next(0, 256); break;
                    case 1: sb.Insert(at, Alphabet[rng.Next(Alphabet.Length)]); break;
                    case 2: sb.Remove(at, 1); break;
                    default: sb.Insert(at, source.Substring(rng.Next(source.Length - 40), 40)); break;
                }
            }

            ParseChecked(sb.ToString(), $"seed {Seed} case {n}");
        }
    }

    [Fact]
    public void Arbitrary_bytes_never_throw()
    {
        _output.WriteLine($"seed {Seed} (set IOMMUFD_TEST_SEED to change)");
        var rng = new Random(Seed);
        for (int n = 0; n < 200; n++)
        {
            var chars = new char[rng.Next(0, 4000)];
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)rng.Next(0, n % 2 == 0 ? 256 : 0x10000);
            }

            ParseChecked(new string(chars), $"seed {Seed} random bytes case {n}");
        }

        Assert.Empty(ParseChecked(string.Empty, "empty").Diagnostics);
    }

    [Fact]
    public void Unknown_macros_and_types_are_located_diagnostics()
    {
        string text = "#define SNIP_A (SNIP_UNKNOWN + 1)\n#define SNIP_I _IO(SNIP_NO_TYPE, 1)\nstruct snip { unknown_t x; __u32 y; };\nstruct snip_user { struct snip s; };\nenum { SNIP_E = SNIP_MISSING };\n";
        HeaderModel m = ParseChecked(text, "unknown macros");
        HeaderDiagnostic a = Assert.Single(m.Diagnostics, d => d.Id == "IOMMUFD1104");
        Assert.Equal((1, 9), (a.Location.Line, a.Location.Column));
        Assert.Contains("SNIP_UNKNOWN", a.Message, StringComparison.Ordinal);
        Assert.Equal(2, Assert.Single(m.Diagnostics, d => d.Id == "IOMMUFD1108").Location.Line);
        Assert.Equal(3, Assert.Single(m.Diagnostics, d => d.Id == "IOMMUFD1202").Location.Line);
        Assert.Equal(4, Assert.Single(m.Diagnostics, d => d.Id == "IOMMUFD2004").Location.Line);
        Assert.Equal(5, Assert.Single(m.Diagnostics, d => d.Id == "IOMMUFD1204").Location.Line);

        // A struct with a member the front end could not read would have a wrong layout: it is left out, and so is
        // every struct that embeds it.
        Assert.Empty(m.Structs);
        Assert.Empty(m.Constants);
        Assert.Empty(m.Ioctls);
    }

    [Theory]
    [InlineData("struct snip { __u32 a;", "IOMMUFD1201")]
    [InlineData("struct snip { __u32 a; }; };\nstruct ok { __u32 b; };", "IOMMUFD1203")]
    [InlineData("struct snip { __u32 a; union { __u32 b; };", "IOMMUFD1201")]
    [InlineData("enum snip { A = (1 << 2, B };", "IOMMUFD1201")]
    [InlineData("#ifndef X\nstruct ok { __u32 b; };\n", "IOMMUFD1102")]
    [InlineData("#endif\nstruct ok { __u32 b; };\n", "IOMMUFD1102")]
    [InlineData("struct snip { __u32 a : 3; };\nstruct ok { __u32 b; };", "IOMMUFD1205")]
    [InlineData("struct snip { __u8 data[]; __u32 after; };\nstruct ok { __u32 b; };", "IOMMUFD2003")]
    [InlineData("struct snip { __u32 a[-1]; };\nstruct ok { __u32 b; };", "IOMMUFD2002")]
    [InlineData("struct snip { struct snip self; };\nstruct ok { __u32 b; };", "IOMMUFD2001")]
    [InlineData("struct snip { __u32 a; } __attribute__((frobnicate));\nstruct ok { __u32 b; };", "IOMMUFD1207")]
    [InlineData("#define A A\n#define B C\n#define C B\nstruct ok { __u32 b; };", "IOMMUFD1104")]
    [InlineData("#frob\nstruct ok { __u32 b; };", "IOMMUFD1101")]
    [InlineData("/* never closed\nstruct snip { __u32 a; };", "IOMMUFD1001")]
    [InlineData("#define S \"unterminated\nstruct ok { __u32 b; };", "IOMMUFD1002")]
    [InlineData("__attribute__((aligned(", "IOMMUFD1201")] // fuzz finding C1: end of input inside an attribute
    [InlineData("struct snip { __u32 a __attribute__((aligned(8", "IOMMUFD1201")]
    public void Malformed_constructs_report_the_right_diagnostic(string text, string id)
    {
        HeaderModel m = ParseChecked(text, id);
        Assert.Contains(m.Diagnostics, d => d.Id == id);
        if (text.Contains("struct ok", StringComparison.Ordinal))
        {
            Assert.Equal(4, m.Struct("ok").Size); // recovery: the next declaration still parses
        }
    }

    [Fact]
    public void A_macro_chain_longer_than_the_expansion_budget_is_reported_at_its_use()
    {
        // Self-references expand once (C's rule), so only a chain of distinct macros can exceed the budget.
        var text = new StringBuilder();
        for (int i = 0; i <= Parsing.Parser.MaxExpansions; i++)
        {
            text.Append("#define M").Append(i).Append(" M").Append(i + 1).Append('\n');
        }

        text.Append("struct t { __u32 y; } M0;\nstruct ok { __u32 b; };\n");
        HeaderModel m = ParseChecked(text.ToString(), "macro chain");
        HeaderDiagnostic limit = Assert.Single(m.Diagnostics, d => d.Id == "IOMMUFD1112");
        Assert.Equal(Parsing.Parser.MaxExpansions + 2, limit.Location.Line);
        Assert.Equal(4, m.Struct("ok").Size);
    }

    [Theory]
    [InlineData("#define F}F\nF")] // fuzz finding C2, minimised
    [InlineData("#define F }F\nF;\nstruct ok { __u32 b; };")]
    [InlineData("#define A B\n#define B }A\nA;\nstruct ok { __u32 b; };")]
    public async Task Self_referential_macros_expand_once_as_in_C(string text)
    {
        // A liveness guard, not a timing: before the fix this never returned. The margin is generous on purpose.
        HeaderModel model = await Task.Run(() => ParseChecked(text, "self-referential macro")).WaitAsync(TimeSpan.FromSeconds(60));
        if (text.Contains("struct ok", StringComparison.Ordinal))
        {
            Assert.Equal(4, model.Struct("ok").Size);
        }
    }

    [Fact]
    public void Deep_nesting_is_reported_not_a_stack_overflow()
    {
        string structs = string.Concat(Enumerable.Repeat("struct n { ", 5000)) + "__u32 x;" + string.Concat(Enumerable.Repeat("};", 5000));
        Assert.Contains(ParseChecked(structs, "nested structs").Diagnostics, d => d.Id == "IOMMUFD1109");

        string parens = "#define P " + new string('(', 20000) + "1" + new string(')', 20000) + "\n";
        Assert.Contains(ParseChecked(parens, "nested parentheses").Diagnostics, d => d.Id == "IOMMUFD1104");

        string conditionals = string.Concat(Enumerable.Repeat("#if 1\n", 3000)) + "struct ok { __u32 b; };\n" + string.Concat(Enumerable.Repeat("#endif\n", 3000));
        HeaderModel c = ParseChecked(conditionals, "nested #if");
        Assert.Contains(c.Diagnostics, d => d.Id == "IOMMUFD1109");

        var chain = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            chain.Append("#define M").Append(i).Append(" (M").Append(i + 1).Append(" + 1)\n");
        }

        chain.Append("#define M5000 0\n");
        HeaderModel ch = ParseChecked(chain.ToString(), "macro chain");
        Assert.Contains(ch.Diagnostics, d => d.Id == "IOMMUFD1104" && d.Message.Contains("too deeply", StringComparison.Ordinal));
        Assert.Equal(1, ch.Constant("M4999").Value); // a shallow tail of the chain still folds

        var enumChain = new StringBuilder("enum {\n");
        for (int i = 0; i < 20000; i++)
        {
            enumChain.Append("E").Append(i).Append(",\n");
        }

        HeaderModel en = ParseChecked(enumChain.Append("};\n").ToString(), "long implicit enum");
        Assert.Equal(19999, en.Enumerator("E19999").Value); // evaluated in order, so no deep recursion
    }
}

/// <summary>An exception inside any stage becomes IOMMUFD0000 at a valid location; Parse itself never throws.</summary>
public class InternalErrorTests
{
    [Theory]
    [InlineData("lexing")]
    [InlineData("preprocessing")]
    [InlineData("parsing")]
    [InlineData("computing layouts")]
    [InlineData("building the model")]
    public void Exception_in_a_stage_is_an_internal_error_diagnostic(string stage)
    {
        string text = Headers.Text("7.2", "iommufd.h");
        HeaderParser.FaultInjection.Value = what => { if (what == stage) throw new InvalidOperationException("injected"); };
        try
        {
            HeaderModel m = HeaderParser.Parse("x.h", "linux/iommufd.h", text, Headers.Annotations);
            HeaderDiagnostic d = Assert.Single(m.Diagnostics, x => x.Id == "IOMMUFD0000");
            Assert.Contains(stage, d.Message, StringComparison.Ordinal);
            Assert.Contains("injected", d.Message, StringComparison.Ordinal);
            Assert.InRange(d.Location.Line, 1, text.Count(c => c == '\n') + 1);
            Assert.Equal("x.h", d.Location.Path);
        }
        finally
        {
            HeaderParser.FaultInjection.Value = null;
        }
    }

    [Fact]
    public void Exception_while_building_one_declaration_costs_only_that_declaration()
    {
        string text = Headers.Text("7.2", "iommufd.h");
        HeaderParser.FaultInjection.Value = what => { if (what == "building struct iommu_hw_info") throw new InvalidOperationException("injected"); };
        try
        {
            HeaderModel m = HeaderParser.Parse("x.h", "linux/iommufd.h", text, Headers.Annotations);
            HeaderDiagnostic d = Assert.Single(m.Diagnostics, x => x.Id == "IOMMUFD0000");
            int line = text.Substring(0, text.IndexOf("struct iommu_hw_info {", StringComparison.Ordinal)).Count(c => c == '\n') + 1;
            Assert.Equal(line, d.Location.Line); // located at the declaration that failed
            Assert.DoesNotContain(m.Structs, s => s.Name == "iommu_hw_info");
            Assert.Equal(36, m.Structs.Count);
            Assert.Equal(21, m.Ioctls.Count);
        }
        finally
        {
            HeaderParser.FaultInjection.Value = null;
        }
    }
}
