using IommuFd.Fuzzing.Instrument;

namespace IommuFd.Fuzzing.Tests;

/// <summary>
/// A copy of the harness build output with the test-only samples instrumented, shared by the protocol tests:
/// exactly what the campaign script prepares, minus afl.
/// </summary>
public sealed class HarnessFixture : IDisposable
{
    private readonly TempDirectory _directory = new("harness");

    public HarnessFixture()
    {
        string source = TestPaths.HarnessOutput;
        if (!File.Exists(Path.Combine(source, "IommuFd.Fuzzing.dll")))
        {
            throw new InvalidOperationException($"harness not built at {source}");
        }

        foreach (string file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(_directory.Path, Path.GetFileName(file)));
        }

        Instrumenter.Instrument(
            Path.Combine(_directory.Path, "IommuFd.Fuzzing.Samples.dll"),
            new InstrumentationOptions { IncludePrefixes = ["IommuFd.Fuzzing.Samples.PlantedBugDecoder", "IommuFd.Fuzzing.Samples.SelfTestBehaviours"] });
        Program = Path.Combine(_directory.Path, "IommuFd.Fuzzing");
        if (!File.Exists(Program))
        {
            throw new InvalidOperationException($"no apphost at {Program}");
        }
    }

    /// <summary>The harness apphost in the instrumented copy.</summary>
    public string Program { get; }

    public void Dispose() => _directory.Dispose();
}
