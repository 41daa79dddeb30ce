using System.Reflection;

namespace IommuFd.Fuzzing.Tests;

/// <summary>Repository locations baked in at build time.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = Metadata("IommuFdRepoRoot");

    /// <summary>The harness's own build output (same configuration as the tests).</summary>
    public static string HarnessOutput { get; } = Metadata("HarnessOutput");

    public static string HarnessProject { get; } = Path.Combine(RepoRoot, "fuzz", "IommuFd.Fuzzing");

    public static string Corpora { get; } = Path.Combine(HarnessProject, "Corpora");

    public static string Regressions { get; } = Path.Combine(HarnessProject, "Regressions");

    private static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException(key);
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix)
    {
        Path = Directory.CreateTempSubdirectory("iommufd-fuzz-" + prefix + "-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
