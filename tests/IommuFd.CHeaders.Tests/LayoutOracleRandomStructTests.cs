using System.Text;
using IommuFd.CHeaders.Model;
using Xunit.Abstractions;

namespace IommuFd.CHeaders.Tests;

/// <summary>
/// Differential test of the layout engine against gcc on random (seeded) struct and union definitions: scalar
/// types of every width, __aligned_u64, arrays, flexible arrays, nested and anonymous aggregates, pointers,
/// packed and aligned attributes and #pragma pack. The generated header is parsed by the front end and every fact
/// of the model is asserted by the layout oracle.
/// </summary>
public class LayoutOracleRandomStructTests
{
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("IOMMUFD_TEST_SEED"), out int s) ? s : 20261121;

    private static readonly string[] s_scalars =
    {
        "__u8", "__s8", "__u16", "__s16", "__u32", "__s32", "__u64", "__s64", "__aligned_u64", "__aligned_le64",
        "__le16", "__be32", "char", "unsigned char", "short", "int", "unsigned int", "long", "unsigned long long",
    };

    private readonly ITestOutputHelper _output;

    public LayoutOracleRandomStructTests(ITestOutputHelper output) => _output = output;

    private static string Member(Random rng, List<string> known, int depth, ref int counter, bool last)
    {
        string name = "m" + counter++;
        int kind = rng.Next(12);
        if (kind == 0 && depth < 3)
        {
            // Anonymous union or struct: its members are members of the parent.
            var sb = new StringBuilder(rng.Next(2) == 0 ? "union {\n" : "struct {\n");
            int n = rng.Next(1, 4);
            for (int i = 0; i < n; i++)
            {
                sb.Append(Member(rng, known, depth + 1, ref counter, last: false));
            }

            return sb.Append("};\n").ToString();
        }

        if (kind == 4)
        {
            // Several declarators sharing one type, one of them an array.
            string scalar = s_scalars[rng.Next(s_scalars.Length)];
            return $"\t{scalar} {name}, m{counter++}[{rng.Next(1, 4)}], *m{counter++};\n";
        }

        string type = kind switch
        {
            1 or 2 when known.Count > 0 => known[rng.Next(known.Count)],
            3 => s_scalars[rng.Next(s_scalars.Length)] + " *",
            5 => "enum snip_e",
            6 => "const " + s_scalars[rng.Next(s_scalars.Length)],
            _ => s_scalars[rng.Next(s_scalars.Length)],
        };
        string array = rng.Next(5) switch
        {
            0 => "[" + rng.Next(1, 6) + "]",
            1 when last && !type.EndsWith("*", StringComparison.Ordinal) => "[]",
            _ => string.Empty,
        };
        string attribute = rng.Next(12) == 0 ? " __attribute__((aligned(" + (1 << rng.Next(0, 5)) + ")))" : string.Empty;
        return $"\t{type} {name}{array}{attribute};\n";
    }

    [Fact]
    public void Random_structs_lay_out_like_gcc()
    {
        _output.WriteLine($"seed {Seed} (set IOMMUFD_TEST_SEED to change)");
        var rng = new Random(Seed);
        var header = new StringBuilder("#ifndef _SNIP_RANDOM_H\n#define _SNIP_RANDOM_H\n#include <linux/types.h>\nenum snip_e { SNIP_E0, SNIP_E1 = 7 };\n");
        var known = new List<string>();
        int counter = 0;
        for (int i = 0; i < 120; i++)
        {
            bool union = rng.Next(5) == 0;
            string tag = (union ? "union" : "struct") + " snip_r" + i;
            if (rng.Next(10) == 0)
            {
                header.Append("#pragma pack(push, ").Append(1 << rng.Next(0, 4)).Append(")\n");
            }

            header.Append(tag).Append(" {\n");
            int members = rng.Next(1, 7);
            bool hasFlexible = false;
            for (int m = 0; m < members; m++)
            {
                string member = Member(rng, known, 0, ref counter, last: !union && m == members - 1 && m > 0);
                hasFlexible |= member.Contains("[]", StringComparison.Ordinal);
                header.Append(member);
            }

            header.Append('}');
            header.Append(rng.Next(6) switch
            {
                0 => " __attribute__((packed))",
                1 => " __attribute__((aligned(" + (1 << rng.Next(0, 6)) + ")))",
                _ => string.Empty,
            });
            header.Append(";\n");
            // Pops are random too: an unmatched pop is legal (gcc warns and ignores it), which is worth testing.
            if (rng.Next(4) == 0)
            {
                header.Append("#pragma pack(pop)\n");
            }

            // A struct ending in a flexible array cannot be embedded in another; keep it out of the pool.
            if (!hasFlexible)
            {
                known.Add(tag);
            }
        }

        header.Append("#endif\n");
        string text = header.ToString();
        HeaderModel model = HeaderParser.Parse("random.h", "linux/random.h", text);
        Assert.Empty(model.Diagnostics.Where(d => d.Severity != HeaderDiagnosticSeverity.Info).Select(d => $"{d.Id} {d.Location.Line}: {d.Message}"));
        Assert.Equal(120, model.Structs.Count);

        (int exit, string errors) = LayoutOracleGcc.CompileSnippet("random.h", text, model);
        Assert.True(exit == 0, $"seed {Seed}: gcc disagrees with the layout engine:\n{string.Join("\n", errors.Split('\n').Where(l => l.Contains("error", StringComparison.Ordinal)).Take(10))}");
    }
}
