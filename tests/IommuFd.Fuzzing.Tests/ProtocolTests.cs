using System.Diagnostics;
using System.Text;
using IommuFd.Fuzzing.Runtime;
using Xunit.Abstractions;

namespace IommuFd.Fuzzing.Tests;

/// <summary>
/// The AFL++ runtime against <see cref="FakeAfl"/>: the three handshakes as afl++ 4.04c, 5.x and classic AFL speak
/// them, shared-memory / stdin / file test cases, crash and hang statuses, supervisor recovery, both watchdogs,
/// single-run mode and setup errors - the whole protocol without afl installed.
/// </summary>
public sealed class ProtocolTests(HarnessFixture harness, ITestOutputHelper output) : IClassFixture<HarnessFixture>, IDisposable
{
    private static readonly byte[] Branches = [(byte)'.', 1, 0x50, 0x81, 0x82, 0x30];
    private static readonly byte[] OtherBranches = [(byte)'.', 0xFF, 0xFE];
    private static readonly byte[] ManagedCrash = "C"u8.ToArray();
    private static readonly byte[] Hang = "H"u8.ToArray();
    private static readonly byte[] HardCrash = "F"u8.ToArray();
    private static readonly byte[] SelfKill = "K"u8.ToArray();

    private readonly TempDirectory _temp = new("protocol");

    public void Dispose() => _temp.Dispose();

    private FakeAfl Launch(AflServer server, string handshake, string mode = "inprocess", bool offerShm = true, int timeoutMs = 10_000,
        bool fileArgument = false, Action<Dictionary<string, string>>? environment = null)
    {
        var afl = new FakeAfl(_temp, server, offerShm, timeoutMs, fileArgument);
        afl.Environment[AflOptions.HandshakeVariable] = handshake;
        afl.Environment[AflOptions.ModeVariable] = mode;
        environment?.Invoke(afl.Environment);
        Assert.True(afl.Start(harness.Program, ["selftest"]), $"handshake failed (hello 0x{afl.Hello:x8}); log:\n{afl.Log}");
        return afl;
    }

    private static void AssertPersistentCrashAndRecovery(FakeAfl afl)
    {
        FakeRun ok = afl.Run(Branches);
        Assert.Equal(Verdict.Ok, ok.Verdict);
        Assert.NotEmpty(ok.Edges);
        Assert.NotEqual(ok.Edges, afl.Run(OtherBranches).Edges);
        Assert.Equal(ok.Edges, afl.Run(Branches).Edges);

        FakeRun crash = afl.Run(ManagedCrash);
        Assert.Equal(Verdict.Crash, crash.Verdict);
        Assert.Equal(AflProtocol.StatusCrash, crash.Status);
        Assert.Equal(Verdict.Ok, afl.Run(Branches).Verdict);
    }

    [Fact]
    public void Afl5_v1_handshake_with_shared_memory_test_cases()
    {
        using var afl = Launch(AflServer.V1, "auto");
        Assert.Equal(AflProtocol.V1Hello, afl.Hello);
        Assert.True(afl.ShmInput);
        Assert.Equal((uint)Coverage.MapSize, afl.AnnouncedMapSize);
        AssertPersistentCrashAndRecovery(afl);
        Assert.Equal(afl.TargetPid, afl.Run(Branches).Pid);   // in-process: the fuzzing process reports itself
    }

    [Fact]
    public void Afl404_option_word_with_shared_memory_test_cases()
    {
        using var afl = Launch(AflServer.Options, "options");
        Assert.Equal(AflProtocol.OptionsEnabled, afl.Hello & AflProtocol.OptionsEnabled);
        Assert.True(afl.ShmInput);
        Assert.Equal((uint)Coverage.MapSize, afl.AnnouncedMapSize);
        AssertPersistentCrashAndRecovery(afl);
    }

    [Fact]
    public void Auto_handshake_falls_back_to_classic_on_afl_before_4_20()
    {
        using var afl = Launch(AflServer.Options, "auto");
        Assert.Equal(AflProtocol.V1Hello, afl.Hello);
        Assert.False(afl.ShmInput);   // stdin (.cur_input) instead
        AssertPersistentCrashAndRecovery(afl);
    }

    [Fact]
    public void Afl5_still_accepts_the_option_word()
    {
        using var afl = Launch(AflServer.V1, "options");
        Assert.True(afl.ShmInput);
        AssertPersistentCrashAndRecovery(afl);
    }

    [Fact]
    public void Classic_afl_without_options()
    {
        using var afl = Launch(AflServer.Classic, "classic", offerShm: false);
        Assert.Equal(0u, afl.Hello);
        AssertPersistentCrashAndRecovery(afl);
    }

    [Fact]
    public void File_test_cases_through_the_at_at_argument()
    {
        using var afl = Launch(AflServer.V1, "auto", offerShm: false, fileArgument: true);
        Assert.False(afl.ShmInput);
        AssertPersistentCrashAndRecovery(afl);
    }

    [Fact]
    public void Supervisor_survives_hangs_and_hard_crashes()
    {
        using var afl = Launch(AflServer.V1, "auto", mode: "supervise", timeoutMs: 1500);
        FakeRun first = afl.Run(Branches);
        Assert.Equal(Verdict.Ok, first.Verdict);
        Assert.NotEqual(afl.TargetPid, first.Pid);   // the worker's pid, so afl's kill lands on the worker

        FakeRun hang = afl.Run(Hang);
        Assert.Equal(Verdict.Hang, hang.Verdict);
        Assert.Equal(first.Pid, hang.Pid);

        FakeRun afterHang = afl.Run(Branches);
        Assert.Equal(Verdict.Ok, afterHang.Verdict);
        Assert.NotEqual(first.Pid, afterHang.Pid);   // a fresh worker
        Assert.Equal(first.Edges, afterHang.Edges);

        FakeRun hard = afl.Run(HardCrash);
        Assert.Equal(Verdict.Crash, hard.Verdict);
        Assert.Equal(6u, hard.Status & 0x7F);   // FailFast: SIGABRT, the kernel's own wait status

        FakeRun killed = afl.Run(SelfKill);
        Assert.Equal(Verdict.Crash, killed.Verdict);
        Assert.Equal(9u, killed.Status & 0x7F);

        Assert.Equal(AflProtocol.StatusCrash, afl.Run(ManagedCrash).Status);
        Assert.Equal(Verdict.Ok, afl.Run(Branches).Verdict);
    }

    [Fact]
    public void Supervisor_watchdog_ends_a_hang_afl_does_not_kill()
    {
        using var afl = Launch(AflServer.V1, "auto", mode: "supervise", timeoutMs: 30_000,
            environment: e => e[AflOptions.TimeoutVariable] = "300");
        Assert.Equal(Verdict.Ok, afl.Run(Branches).Verdict);
        var stopwatch = Stopwatch.StartNew();
        FakeRun hang = afl.Run(Hang);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"watchdog took {stopwatch.Elapsed}");
        Assert.Equal(AflProtocol.StatusKilled, hang.Status);
        Assert.Equal(Verdict.Ok, afl.Run(Branches).Verdict);
    }

    [Fact]
    public void In_process_watchdog_saves_the_hang_reproducer()
    {
        string artifacts = _temp.Combine("artifacts");
        Directory.CreateDirectory(artifacts);
        using var afl = Launch(AflServer.V1, "auto", timeoutMs: 30_000, environment: e =>
        {
            e[AflOptions.TimeoutVariable] = "300";
            e[AflOptions.ArtifactsVariable] = artifacts;
        });
        Assert.Equal(Verdict.Ok, afl.Run(Branches).Verdict);
        byte[] hangInput = [.. Hang, 1, 2, 3];
        Assert.Equal(Verdict.ServerDied, afl.Run(hangInput).Verdict);
        afl.WaitForExit();

        string[] saved = Directory.GetFiles(Path.Combine(artifacts, "dotnet_hangs"));
        Assert.Single(saved);
        Assert.Equal(hangInput, File.ReadAllBytes(saved[0]));
        Assert.Equal(hangInput, LastInputRecord.Load(Path.Combine(artifacts, LastInputRecord.FileName)));
        Assert.Contains("watchdog", afl.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Single_run_mode_without_fork_server_fds()
    {
        using (var ok = new FakeAfl(_temp, AflServer.V1))
        {
            ok.Start(harness.Program, ["selftest"], forkServerFds: false);
            // stdin (.cur_input) is empty: the target sees an empty input and exits cleanly.
            Assert.Equal(0, ok.WaitForExit());
        }

        using var crash = new FakeAfl(_temp, AflServer.V1, useFileArgument: true);
        crash.SetInput(ManagedCrash);
        crash.Start(harness.Program, ["selftest"], forkServerFds: false);
        int status = crash.WaitForExit();
        Assert.Equal(6, status & 0x7F);   // SIGABRT
        Assert.NotEmpty(crash.Edges());
    }

    [Theory]
    [InlineData("auto", AflProtocol.V1Error | AflProtocol.ErrorShmat)]
    [InlineData("options", AflProtocol.OptionsError | (AflProtocol.ErrorShmat << 8))]
    public void Unattachable_map_is_reported_as_a_handshake_error(string handshake, uint expected)
    {
        using var afl = new FakeAfl(_temp, AflServer.V1);
        afl.Environment[AflProtocol.ShmIdVariable] = "2147480000";
        afl.Environment[AflOptions.HandshakeVariable] = handshake;
        Assert.False(afl.Start(harness.Program, ["selftest"]));
        Assert.Equal(expected, afl.Hello);
    }

    [Fact]
    public void Throughput_in_process_with_shared_memory()
    {
        using var afl = Launch(AflServer.V1, "auto");
        afl.Run(Branches);
        const int runs = 20_000;
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < runs; i++)
        {
            Assert.Equal(Verdict.Ok, afl.Run(Branches).Verdict);
        }

        double perSecond = runs / stopwatch.Elapsed.TotalSeconds;
        output.WriteLine($"fake afl, in-process, shm: {perSecond:F0} exec/s (fake-side map scan included)");
        Assert.True(perSecond > 500, $"{perSecond:F0} exec/s");
    }

    [Theory]
    [InlineData("planted", "Regressions/planted", 1, "CRASH")]
    [InlineData("planted", "Corpora/planted", 0, "replayed 5 inputs, 0 crashing")]
    public void Replay_mode_exit_codes(string target, string path, int exitCode, string expected)
    {
        var (code, text) = RunHarness(target, Path.Combine(TestPaths.HarnessProject, path));
        Assert.Equal(exitCode, code);
        Assert.Contains(expected, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_mode_reports_a_hang()
    {
        string file = _temp.Combine("hang");
        File.WriteAllBytes(file, Hang);
        var (code, text) = RunHarness("selftest", "--timeout", "300", file);
        Assert.Equal(124, code);
        Assert.Contains("HANG", text, StringComparison.Ordinal);
    }

    private (int ExitCode, string Output) RunHarness(params string[] arguments)
    {
        var start = new ProcessStartInfo(harness.Program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var text = new StringBuilder();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        text.Append(process.StandardOutput.ReadToEnd());
        Assert.True(process.WaitForExit(30_000));
        text.Append(stderr.Result);
        return (process.ExitCode, text.ToString());
    }
}
