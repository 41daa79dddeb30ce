using IommuFd.KernelLane.Harness;

namespace IommuFd.KernelLane;

/// <summary>A fact that is skipped, with the reason, unless the process runs inside the kernel lane guest.</summary>
public sealed class KernelLaneFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> from <see cref="KernelLaneEnvironment.SkipReason"/>.</summary>
    public KernelLaneFactAttribute()
    {
        if (KernelLaneEnvironment.SkipReason is { } reason)
        {
            Skip = "kernel lane: " + reason;
        }
    }
}

/// <summary>
/// The xunit face of the kernel lane. On the host `dotnet test` reports it as skipped with the reason; inside the
/// guest the lane runs <see cref="Program.Main"/> directly (no test host under TCG), which executes the same groups.
/// </summary>
public sealed class KernelLaneTests
{
    /// <summary>Every check group passes against the running kernel.</summary>
    [KernelLaneFact]
    public void AllChecksPassAgainstTheKernel()
    {
        var log = new CheckLog();
        foreach (var (_, run) in Program.Groups)
        {
            run(log);
        }

        Assert.True(log.Failed == 0, string.Join("\n", log.Results.Where(r => !r.Pass).Select(r => $"{r.Name}: expected {r.Expected}, actual {r.Actual}")));
    }
}
