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
    public void Output_matches_baselines(string line) =>
        BaselineText.AssertMatches(line, GeneratorHarness.Sources(GeneratorHarness.Run(GeneratorHarness.LineHeaders(line))));
}
