using System.Diagnostics;

namespace IommuFd.Tests.Headers;

/// <summary>
/// uapi-headers/fetch on a private copy of the header folder: it verifies every header against versions.lock and
/// says clearly when a locked package version has left the archive. The copy shares the real cache folder, so the
/// package lists and the .deb files are reused (the lists are refreshed at most hourly).
/// </summary>
public sealed class FetchScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("iommufd-fetch-").FullName;

    public FetchScriptTests()
    {
        string source = Path.Combine(RepoRoot(), "uapi-headers");
        foreach (string file in new[] { "fetch", "apt-private.sh", "versions.lock" })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(_dir, file));
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Fetch_MaterialisesAndVerifiesALine_ThenCheckDetectsATamperedHeader()
    {
        (int exit, string error) = Run("6.12");
        Assert.True(exit == 0, error);
        string vfio = Path.Combine(_dir, "6.12", "linux", "vfio.h");
        Assert.True(File.Exists(vfio));
        Assert.Equal(0, Run("--check", "6.12").Exit);

        File.AppendAllText(vfio, "/* local edit */\n");
        (exit, error) = Run("--check", "6.12");
        Assert.Equal(1, exit);
        Assert.Contains("6.12/linux/vfio.h does not match versions.lock", error);
    }

    [Fact]
    public void Fetch_LockedVersionGoneFromTheArchive_SaysSoAndNamesTheNewest()
    {
        string lockPath = Path.Combine(_dir, "versions.lock");
        string[] lines = File.ReadAllLines(lockPath);
        string locked = lines.Single(l => l.StartsWith("line 6.12 ", StringComparison.Ordinal)).Split(' ')[4];
        File.WriteAllLines(lockPath, lines.Select(l => l.StartsWith("line 6.12 ", StringComparison.Ordinal) ? l.Replace(locked, "6.12.0-0gone", StringComparison.Ordinal) : l));

        (int exit, string error) = Run("6.12");

        Assert.Equal(1, exit);
        Assert.Contains("linux-libc-dev 6.12.0-0gone (line 6.12, locked in versions.lock) is no longer in Debian trixie", error);
        Assert.Matches(@"the newest of that line is 6\.12\.\d+-\d+; run 'uapi-headers/fetch --update-lock 6\.12'", error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "6.12")), "a failed fetch must not leave a half-made line");
    }

    [Fact]
    public void Fetch_UnknownLine_IsAUsageError()
    {
        (int exit, string error) = Run("5.4");
        Assert.Equal(2, exit);
        Assert.Contains("unknown line or option '5.4'", error);
    }

    private (int Exit, string Error) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(Path.Combine(_dir, "fetch"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        _ = stdout.Result;
        return (p.ExitCode, stderr);
    }

    private static string RepoRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "uapi-headers", "fetch")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }
}
