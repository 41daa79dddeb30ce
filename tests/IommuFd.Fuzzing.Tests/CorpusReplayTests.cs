using IommuFd.Fuzzing.Samples;

namespace IommuFd.Fuzzing.Tests;

/// <summary>
/// Every committed seed (Corpora/&lt;target&gt;/) and every past crash (Regressions/&lt;target&gt;/) runs through its target,
/// uninstrumented, in the normal test run. Seeds and fixed crashes must not throw; the planted bug's reproducer must
/// keep throwing <see cref="PlantedBugException"/> (it is the campaign's proof of detection, never fixed).
/// </summary>
public sealed class CorpusReplayTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (string root in new[] { TestPaths.Corpora, TestPaths.Regressions })
        {
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                string relative = Path.GetRelativePath(TestPaths.HarnessProject, file);
                string[] parts = relative.Split(Path.DirectorySeparatorChar);
                if (parts.Length < 3 || Path.GetFileName(file).StartsWith('.') || file.EndsWith(".md", StringComparison.Ordinal))
                {
                    continue;
                }

                data.Add(parts[1], relative);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Input_replays_without_crash(string target, string relativePath)
    {
        FuzzTargetInfo info = FuzzTargets.Find(target) ?? throw new Xunit.Sdk.XunitException($"{relativePath}: no target named '{target}'");
        byte[] data = File.ReadAllBytes(Path.Combine(TestPaths.HarnessProject, relativePath));
        bool expectPlantedCrash = info.Kind == FuzzTargetKind.PlantedBug && relativePath.StartsWith("Regressions", StringComparison.Ordinal);

        Exception? failure = RunWithTimeout(info, data, relativePath);

        if (expectPlantedCrash)
        {
            Assert.IsType<PlantedBugException>(failure);
        }
        else if (failure is not null)
        {
            throw new Xunit.Sdk.XunitException($"{relativePath} crashes {target}: {failure}");
        }
    }

    [Fact]
    public void Every_fuzzed_target_has_seeds()
    {
        foreach (FuzzTargetInfo target in FuzzTargets.All.Where(t => t.Kind != FuzzTargetKind.SelfTest))
        {
            string dir = Path.Combine(TestPaths.Corpora, target.Name);
            Assert.True(Directory.Exists(dir) && Directory.EnumerateFiles(dir).Any(), $"no seeds in {dir}");
        }
    }

    [Fact]
    public void Planted_target_keeps_its_reproducer()
    {
        string dir = Path.Combine(TestPaths.Regressions, "planted");
        Assert.True(Directory.Exists(dir) && Directory.EnumerateFiles(dir).Any(), "the planted bug's reproducer is missing");
    }

    public static List<(string Target, string RelativePath)> OpenFindings()
    {
        var data = new List<(string Target, string RelativePath)>();
        string root = Path.Combine(TestPaths.HarnessProject, "Findings");
        if (Directory.Exists(root))
        {
            foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                string relative = Path.GetRelativePath(TestPaths.HarnessProject, file);
                data.Add((relative.Split(Path.DirectorySeparatorChar)[1], relative));
            }
        }

        return data;
    }

    /// <summary>
    /// Findings/&lt;target&gt;/ holds reproducers of bugs the campaign found in other projects that are not fixed yet
    /// (fuzz/FINDINGS.md). They must keep failing; once one passes, its bug is fixed and the file belongs in
    /// Regressions/&lt;target&gt;/, where it guards the fix.
    /// </summary>
    /// <remarks>A fact over every open finding rather than a theory: with no open finding a theory has no data and fails.</remarks>
    [Fact]
    public void Open_findings_still_reproduce()
    {
        foreach ((string target, string relativePath) in OpenFindings())
        {
            OpenFindingStillReproduces(target, relativePath);
        }
    }

    private static void OpenFindingStillReproduces(string target, string relativePath)
    {
        FuzzTargetInfo info = FuzzTargets.Find(target) ?? throw new Xunit.Sdk.XunitException($"{relativePath}: no target named '{target}'");
        string path = Path.Combine(TestPaths.HarnessProject, relativePath);
        if (Path.GetFileName(path).StartsWith("hang-", StringComparison.Ordinal))
        {
            // A hang cannot be stopped in-process (and may eat memory while it spins): replay it in the harness,
            // whose watchdog ends the process with exit code 124.
            int exitCode = ReplayOutOfProcess(target, path, timeoutMs: 2000);
            Assert.True(
                exitCode == 124,
                $"{relativePath} no longer hangs (exit code {exitCode}): the bug is fixed. Move the file to fuzz/IommuFd.Fuzzing/Regressions/{target}/ (without the hang- prefix) and update fuzz/FINDINGS.md.");
            return;
        }

        Exception? failure = RunWithTimeout(info, File.ReadAllBytes(path), relativePath);
        Assert.True(
            failure is not null,
            $"{relativePath} no longer fails: the bug is fixed. Move the file to fuzz/IommuFd.Fuzzing/Regressions/{target}/ and update fuzz/FINDINGS.md.");
    }

    private static int ReplayOutOfProcess(string target, string path, int timeoutMs)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(TestPaths.HarnessOutput, "IommuFd.Fuzzing"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { target, "--timeout", timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture), path })
        {
            start.ArgumentList.Add(a);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        if (!process.WaitForExit(timeoutMs + 30_000))
        {
            process.Kill();
            throw new Xunit.Sdk.XunitException($"replay of {path} did not end");
        }

        return process.ExitCode;
    }

    internal static Exception? RunWithTimeout(FuzzTargetInfo target, byte[] data, string name)
    {
        if (!Replayer.TryRunOne(target, data, Timeout, out Exception? failure))
        {
            throw new Xunit.Sdk.XunitException($"{name} hangs {target.Name} (no result after {Timeout.TotalSeconds} s)");
        }

        return failure;
    }
}
