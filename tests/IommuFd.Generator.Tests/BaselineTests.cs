using IommuFd.Generator.Tests.Infrastructure;

namespace IommuFd.Generator.Tests;

/// <summary>
/// Checked-in expected output for every header line (System.Text.Json generator's <c>JsonSourceGeneratorOutputTests</c>
/// pattern): <c>Baselines/&lt;line&gt;/&lt;hint name&gt;.txt</c>, compared as a file set and then line by line.
/// Doc-comment text is stored as a per-line digest (<see cref="BaselineText"/>): no kernel prose is committed.
/// </summary>
/// <remarks>
/// After an intended change to the generator or the headers, rewrite them with
/// <c>dotnet test tests/IommuFd.Generator.Tests -p:UpdateBaselines=true</c> (which compiles in UPDATE_BASELINES: the test
/// writes every file, deletes stale ones and passes), then review the diff like any other code change.
/// </remarks>
public sealed class BaselineTests
{
    public static TheoryData<string> Lines => new(RepoPaths.Lines);

    [Theory]
    [MemberData(nameof(Lines))]
    public void Output_matches_baselines(string line)
    {
        var sources = GeneratorHarness.Sources(GeneratorHarness.Run(GeneratorHarness.LineHeaders(line)))
            .ToDictionary(s => s.HintName + ".txt", s => BaselineText.Redact(s.Text), StringComparer.Ordinal);
        string dir = Path.Combine(RepoPaths.Baselines, line);

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
        Assert.True(Directory.Exists(dir), $"no baselines for {line}: run dotnet test -p:UpdateBaselines=true");
        var expected = Directory.GetFiles(dir, "*.txt").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        var actual = sources.Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        foreach (string name in expected)
        {
            string[] want = File.ReadAllText(Path.Combine(dir, name)).Split('\n');
            string[] got = sources[name].Split('\n');
            for (int i = 0; i < Math.Min(want.Length, got.Length); i++)
            {
                if (!string.Equals(want[i], got[i], StringComparison.Ordinal))
                {
                    Assert.Fail($"{line}/{name} line {i + 1} differs from the baseline\n  expected: {want[i]}\n  actual:   {got[i]}\n(rewrite with -p:UpdateBaselines=true if intended)");
                }
            }

            Assert.True(want.Length == got.Length, $"{line}/{name}: {got.Length} lines, baseline has {want.Length}");
        }
#endif
    }
}
