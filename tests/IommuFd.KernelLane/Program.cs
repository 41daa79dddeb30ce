using System.Diagnostics;
using System.Globalization;
using IommuFd.KernelLane.Checks;
using IommuFd.KernelLane.Harness;

namespace IommuFd.KernelLane;

/// <summary>
/// Entry point of the guest check program (started by tests/kernel-vm/guest-init inside the qemu guest).
/// </summary>
/// <remarks>
/// Exit codes: 0 every check passed; 1 at least one check failed; 2 the program itself failed (exception, bad
/// arguments); 3 not inside the kernel lane guest (nothing was checked). The result file is written in every case
/// where checks ran, including after an exception, so a partial run still shows how far it got.
/// </remarks>
public static class Program
{
    /// <summary>Runs the checks; see the type remarks for the exit codes.</summary>
    public static int Main(string[] args)
    {
        string? resultsPath = null;
        string? only = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--results" when i + 1 < args.Length: resultsPath = args[++i]; break;
                case "--only" when i + 1 < args.Length: only = args[++i]; break;
                default:
                    Console.Error.WriteLine($"usage: IommuFd.KernelLane [--results FILE] [--only group,group]; unknown '{args[i]}'");
                    return 2;
            }
        }

        if (KernelLaneEnvironment.SkipReason is { } reason)
        {
            Console.WriteLine($"SKIPPED: {reason}");
            return 3;
        }

        var log = new CheckLog();
        var sw = Stopwatch.StartNew();
        int rc;
        string? crash = null;
        try
        {
            foreach (var (name, run) in Groups)
            {
                if (only is null || only.Split(',', '+').Contains(name, StringComparer.Ordinal))
                {
                    run(log);
                }
            }

            rc = log.Failed == 0 && log.Results.Count > 0 ? 0 : 1;
        }
#pragma warning disable CA1031 // the guest must always report, whatever went wrong
        catch (Exception ex)
#pragma warning restore CA1031
        {
            crash = ex.ToString();
            Console.WriteLine($"CRASH after {log.Results.Count} checks: {ex}");
            rc = 2;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"KERNEL-LANE SUMMARY checks={log.Results.Count} passed={log.Results.Count - log.Failed} failed={log.Failed} crashed={(crash is null ? 0 : 1)} seconds={sw.Elapsed.TotalSeconds:F1}"));
        if (resultsPath is not null)
        {
            var meta = new Dictionary<string, string>
            {
                ["kernel"] = File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
                ["runtime"] = Environment.Version.ToString(),
                ["device"] = Environment.GetEnvironmentVariable("IOMMUFD_KERNEL_LANE_DEVICE") ?? "",
                ["exit_code"] = rc.ToString(CultureInfo.InvariantCulture),
                ["crash"] = crash ?? "",
            };
            log.WriteJson(resultsPath, meta);
        }

        return rc;
    }

    /// <summary>The check groups in run order. Each one opens its own contexts, so a failure in one cannot leak.</summary>
    internal static readonly (string Name, Action<CheckLog> Run)[] Groups =
    [
        ("abi", AbiRuleChecks.Run),
        ("ioas", IoasChecks.Run),
        ("vfio", VfioCdevChecks.Run),
        ("mock", MockDomainChecks.Run),
        ("compat", CompatChecks.Run),
    ];
}
