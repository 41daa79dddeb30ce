using IommuFd.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace IommuFd.Generator.Tests;

/// <summary>
/// Malformed headers produce IOMMUFD diagnostics located at the header's file:line, never an exception, and the rest
/// of the header still generates.
/// </summary>
public sealed class DiagnosticsTests
{
    private const string HeaderPath = "/virtual/include/linux/bad.h";

    private static GeneratorDriverRunResult RunSnippet(string text) =>
        GeneratorHarness.Run([new GeneratorHarness.Header(HeaderPath, "linux/bad.h", text)], withAnnotations: false);

    // Each case: a header whose line `line` (1-based) holds the problem, and the id expected there.
    public static TheoryData<string, int, string> Cases => new()
    {
        { "struct good { __u32 a; };\nstruct broken {\n\t__u32 x\n};\n", 4, "IOMMUFD1201" },
        { "struct good { __u32 a; };\n\nstruct b {\n\tunknown_t y;\n};\n", 4, "IOMMUFD1202" },
        { "struct good { __u32 a; };\n#define BAD_IOCTL _IO(';', NOT_DEFINED)\n", 2, "IOMMUFD1108" },
        { "struct good { __u32 a; };\n/* never closed\n", 2, "IOMMUFD1001" },
        { "struct good { __u32 a; };\nstruct selfish {\n\t__u32 selfish;\n};\n", 3, "IOMMUFD3003" },
        { "struct good { __u32 a; };\nstruct flex {\n\t__u32 n;\n\t__u8 data[];\n\t__u32 after;\n};\n", 4, "IOMMUFD2003" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_is_located_at_the_header_line(string text, int line, string id)
    {
        string header = "#include <linux/types.h>\n" + text;
        GeneratorDriverRunResult result = RunSnippet(header);

        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Diagnostic d = Assert.Single(result.Diagnostics, d => d.Id == id);
        FileLinePositionSpan span = d.Location.GetLineSpan();
        Assert.Equal(HeaderPath, span.Path);
        Assert.Equal(line, span.StartLinePosition.Line);
        Assert.True(d.Location.SourceSpan.Start >= 0 && d.Location.SourceSpan.End <= header.Length);

        // The rest of the header still generates.
        Assert.Contains(result.Results.Single().GeneratedSources, s => s.HintName == "linux.bad.good.g.cs");
    }

    [Fact]
    public void Every_reported_id_is_in_the_catalogue_format_and_has_a_title()
    {
        GeneratorDriverRunResult result = RunSnippet("struct a {\n\tunknown_t y;\n};\n#define X _IO(';', NOPE)\n#warning hmm\n");
        Assert.NotEmpty(result.Diagnostics);
        Assert.All(result.Diagnostics, d =>
        {
            Assert.Matches("^IOMMUFD[0-9]{4}$", d.Id);
            Assert.False(string.IsNullOrWhiteSpace(d.Descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(HeaderPath, d.Location.GetLineSpan().Path);
        });
    }

    [Fact]
    public void The_same_header_twice_warns_instead_of_failing_the_generator()
    {
        const string text = "struct good { __u32 a; };\n";
        GeneratorDriverRunResult result = GeneratorHarness.Run(
            [new GeneratorHarness.Header("/a/linux/bad.h", "linux/bad.h", text), new GeneratorHarness.Header("/b/linux/bad.h", "linux/bad.h", text), new GeneratorHarness.Header("/a/linux/bad.h", "linux/bad.h", text)],
            withAnnotations: false);
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Assert.Contains(result.Diagnostics, d => d.Id == "IOMMUFD3006");
        Assert.Single(result.Results.Single().GeneratedSources, s => s.HintName == "linux.bad.good.g.cs");
    }

    [Fact]
    public void Garbage_input_never_throws()
    {
        var rng = new Random(1234);
        const string alphabet = "struct union enum {}[];()*#define _IO __u32 __u8 x y 0x1 << , = / * \n\t\"'\\";
        for (int i = 0; i < 50; i++)
        {
            var chars = new char[rng.Next(1, 400)];
            for (int c = 0; c < chars.Length; c++)
            {
                chars[c] = alphabet[rng.Next(alphabet.Length)];
            }

            GeneratorDriverRunResult result = RunSnippet(new string(chars));
            Assert.All(result.Results, r => Assert.Null(r.Exception));
            Assert.All(result.Diagnostics, d => Assert.Equal(HeaderPath, d.Location.GetLineSpan().Path));
        }
    }
}

/// <summary>
/// Header text that C reads as ordinary characters but C# does not (fuzz findings G1 and G2) must still generate
/// code that compiles clean: line terminators C# alone knows inside kernel-doc, and gcc's <c>$</c> in identifiers.
/// </summary>
public sealed class HostileTextTests
{
    private static void AssertCompilesClean(string header)
    {
        GeneratorDriverRunResult result = GeneratorHarness.Run(
            [new GeneratorHarness.Header("/virtual/include/linux/hostile.h", "linux/hostile.h", header)],
            withAnnotations: false);
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        List<(string HintName, string Text)> sources = GeneratorHarness.Sources(result);
        Assert.NotEmpty(sources);
        TestCompilation.AssertClean(TestCompilation.Create(TestCompilation.Trees(sources)));
    }

    [Theory]
    [InlineData("\r")]      // lone CR
    [InlineData("\u0085")]  // NEL
    [InlineData("\u2028")]  // LS
    [InlineData("\u2029")]  // PS
    public void Kernel_doc_with_a_csharp_only_line_break_stays_inside_the_comment(string lineBreak)
    {
        string header =
            "/**\n * DOC: General\n *\n * The first word of that struct is its si" + lineBreak + "nze in bytes.\n */\n" +
            "/**\n * struct s - summary" + lineBreak + "int x;\n * @a: the a" + lineBreak + "field\n */\n" +
            "struct s {\n\t__u32 a; /* trailing" + lineBreak + "comment */\n};\n" +
            "enum e {\n\tE_A = 1, /* one" + lineBreak + "two */\n};\n";
        AssertCompilesClean(header);
    }

    [Fact]
    public void Type_names_differing_only_in_case_get_distinct_hint_names()
    {
        // Fuzz finding G3: Roslyn's hint names are case-insensitive, C# type names are not.
        AssertCompilesClean("enum fUzz_x { A };\nstruct fuzz_x { __u32 a; };\nstruct Ioctl_ { __u32 b; };\nstruct ioctl { __u32 c; };\n");
    }

    [Fact]
    public void Dollar_in_identifiers_becomes_underscore()
    {
        AssertCompilesClean("enum fuzz_state { $FUZZ_STOPPED, FUZZ_RUNNING };\nstruct $s { __u32 $a; };\n#define $C 3\n");
    }
}
