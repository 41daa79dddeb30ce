using IommuFd.Generator.Tests.Infrastructure;

namespace IommuFd.Generator.Tests;

/// <summary>
/// Checked-in expected output for the selftest header iommufd_test.h (generated with the 7.2 uapi headers, its
/// dependency): <c>Baselines/7.2-selftest/&lt;hint name&gt;.txt</c>, stored and compared exactly like the header lines'
/// baselines (<see cref="BaselineTests"/>, doc text redacted by <see cref="BaselineText"/>).
/// Rewrite with <c>dotnet test tests/IommuFd.Generator.Tests -p:UpdateBaselines=true</c>.
/// </summary>
public sealed class SelftestBaselineTests
{
    [Fact]
    public void Output_matches_baselines()
    {
        var headers = GeneratorHarness.LineHeaders("7.2");
        headers.Add(GeneratorHarness.SelftestHeader());
        var sources = GeneratorHarness.Sources(GeneratorHarness.Run(headers))
            .Where(s => s.HintName.StartsWith("iommufd_test.", StringComparison.Ordinal))
            .ToDictionary(s => s.HintName + ".txt", s => BaselineText.Redact(s.Text), StringComparer.Ordinal);
        Assert.NotEmpty(sources);
        string dir = Path.Combine(RepoPaths.Baselines, "7.2-selftest");

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
        Assert.True(Directory.Exists(dir), "no baselines for 7.2-selftest: run dotnet test -p:UpdateBaselines=true");
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
                    Assert.Fail($"7.2-selftest/{name} line {i + 1} differs from the baseline\n  expected: {want[i]}\n  actual:   {got[i]}\n(rewrite with -p:UpdateBaselines=true if intended)");
                }
            }

            Assert.True(want.Length == got.Length, $"7.2-selftest/{name}: {got.Length} lines, baseline has {want.Length}");
        }
#endif
    }
}
