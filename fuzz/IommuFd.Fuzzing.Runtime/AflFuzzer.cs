namespace IommuFd.Fuzzing.Runtime;

/// <summary>
/// Entry point of the AFL++ runtime: <c>AflFuzzer.Run(Target.Fuzz)</c> from a harness's Main. It never forks.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>situation</term><description>what <see cref="Run"/> does</description></listheader>
/// <item><term>started by afl-fuzz / afl-tmin / afl-cmin / afl-showmap -i (fds 198/199 open)</term>
/// <description>fork server: <see cref="AflMode.InProcess"/> persistent loop or <see cref="AflMode.Supervise"/>
/// (supervisor + restartable worker), per <see cref="AflOptions.Mode"/>.</description></item>
/// <item><term>map but no fork-server fds (afl-showmap on one file, <c>AFL_NO_FORKSRV=1</c>)</term>
/// <description>single run: one input from the <c>@@</c> file or stdin; a crash aborts with SIGABRT.</description></item>
/// <item><term>started as a supervisor's worker</term><description>worker loop on the supervisor's pipes.</description></item>
/// </list>
/// Outside afl the harness replays files instead (see <see cref="IsUnderAfl"/>).
/// </remarks>
public static class AflFuzzer
{
    internal const string WorkerVariable = "IOMMUFD_FUZZ_WORKER";
    internal const string WorkerParentVariable = "IOMMUFD_FUZZ_WORKER_PARENT";

    /// <summary>True when an afl tool (or a supervisor) started this process.</summary>
    public static bool IsUnderAfl =>
        Environment.GetEnvironmentVariable(AflProtocol.ShmIdVariable) is not null
        || Environment.GetEnvironmentVariable(WorkerVariable) is not null;

    /// <summary>Runs the fork server (or a single run) for <paramref name="action"/>; returns the process exit code.</summary>
    /// <param name="action">The fuzz target.</param>
    /// <param name="options">Settings; <see cref="AflOptions.FromEnvironment"/> when null.</param>
    public static int Run(FuzzAction action, AflOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        options ??= AflOptions.FromEnvironment();
        if (Environment.GetEnvironmentVariable(WorkerVariable) is { } source)
        {
            return ForkServer.RunWorker(action, options, source);
        }

        if (!LibC.IsOpen(AflProtocol.StatusFd) || !LibC.IsOpen(AflProtocol.ControlFd))
        {
            return ForkServer.RunSingle(action, options);
        }

        return options.Mode == AflMode.Supervise
            ? Supervisor.Run(options)
            : ForkServer.RunInProcess(action, options);
    }
}
