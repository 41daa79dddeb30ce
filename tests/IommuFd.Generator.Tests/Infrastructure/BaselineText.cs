using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace IommuFd.Generator.Tests.Infrastructure;

/// <summary>
/// How generated output is stored as a baseline: exactly as emitted, except that the text of XML doc comment lines
/// is replaced by a digest.
/// </summary>
/// <remarks>
/// Doc comments carry kernel-doc prose from the uapi headers, and no kernel text is committed to this repository
/// (headers are fetched inputs). A per-line digest keeps every property a baseline is for: any change to a doc line
/// (text, escaping, markup, line breaks) still changes its digest and fails the comparison, and the structure the
/// emitter writes (<c>&lt;summary&gt;</c>, <c>&lt;para&gt;</c> lines) stays readable in a review diff. Code lines,
/// including <c>[NativeTypeName]</c> with macro expressions (values, not prose), are kept as emitted.
/// </remarks>
internal static class BaselineText
{
    /// <summary>
    /// Compares <paramref name="generated"/> (hint name → emitted text) with <c>Baselines/&lt;scenario&gt;/</c>: first the
    /// file set, then each file line by line. Built with UPDATE_BASELINES (<c>-p:UpdateBaselines=true</c>) it rewrites
    /// the folder instead, deleting stale files.
    /// </summary>
    public static void AssertMatches(string scenario, IEnumerable<(string HintName, string Text)> generated)
    {
        var sources = generated.ToDictionary(s => s.HintName + ".txt", s => Redact(s.Text), StringComparer.Ordinal);
        Assert.NotEmpty(sources);
        string dir = Path.Combine(RepoPaths.Baselines, scenario);

#if UPDATE_BASELINES
        Directory.CreateDirectory(dir);
        foreach (string stale in Directory.GetFiles(dir, "*.txt").Where(f => !sources.ContainsKey(Path.GetFileName(f))))
        {
            File.Delete(stale);
        }

        foreach (var (name, text) in sources)
        {
            File.WriteAllText(Path.Combine(dir, name), text);
        }
#else
        Assert.True(Directory.Exists(dir), $"no baselines for {scenario}: run dotnet test -p:UpdateBaselines=true");
        var expected = Directory.GetFiles(dir, "*.txt").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, sources.Keys.Order(StringComparer.Ordinal).ToList());
        foreach (string name in expected)
        {
            string[] want = File.ReadAllText(Path.Combine(dir, name)).Split('\n');
            string[] got = sources[name].Split('\n');
            for (int i = 0; i < Math.Min(want.Length, got.Length); i++)
            {
                if (!string.Equals(want[i], got[i], StringComparison.Ordinal))
                {
                    Assert.Fail($"{scenario}/{name} line {i + 1} differs from the baseline\n  expected: {want[i]}\n  actual:   {got[i]}\n(rewrite with -p:UpdateBaselines=true if intended)");
                }
            }

            Assert.True(want.Length == got.Length, $"{scenario}/{name}: {got.Length} lines, baseline has {want.Length}");
        }
#endif
    }

    // A doc line that is only an emitter-written tag (<summary>, </para>, <para/>…) carries no header text.
    private static readonly Regex s_tagOnly = new(@"^</?[a-z]+/?>$", RegexOptions.CultureInvariant);

    /// <summary>The baseline form of one generated file.</summary>
    public static string Redact(string generated)
    {
        var sb = new StringBuilder(generated.Length / 2);
        string[] lines = generated.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (i > 0)
            {
                sb.Append('\n');
            }

            sb.Append(RedactLine(lines[i]));
        }

        return sb.ToString();
    }

    private static string RedactLine(string line)
    {
        int slashes = line.IndexOf("///", StringComparison.Ordinal);
        if (slashes < 0 || line.AsSpan(0, slashes).Trim().Length != 0)
        {
            return line;
        }

        string text = line.Substring(slashes + 3).Trim();
        if (text.Length == 0 || s_tagOnly.IsMatch(text))
        {
            return line;
        }

        string digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 8);
        return line.Substring(0, slashes) + "/// [doc " + digest + "]";
    }
}
