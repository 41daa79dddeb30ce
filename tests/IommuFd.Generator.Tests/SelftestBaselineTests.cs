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
        BaselineText.AssertMatches(
            "7.2-selftest",
            GeneratorHarness.Sources(GeneratorHarness.Run(headers)).Where(s => s.HintName.StartsWith("iommufd_test.", StringComparison.Ordinal)));
    }
}
