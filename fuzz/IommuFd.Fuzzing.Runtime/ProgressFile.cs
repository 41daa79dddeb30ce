using System.Diagnostics;

namespace IommuFd.Fuzzing.Runtime;

/// <summary>
/// Execution counter written to <see cref="AflOptions.StatsFile"/> about once a second (<c>execs N</c>), so a campaign
/// script can show progress whatever afl version runs. Counting is one increment; the clock is read every 256 runs.
/// </summary>
internal sealed class ProgressFile(string? path)
{
    private readonly long _interval = Stopwatch.Frequency;
    private long _executions;
    private long _lastWrite = Stopwatch.GetTimestamp();

    public void Count()
    {
        if (path is null || (++_executions & 0xFF) != 0)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        if (now - _lastWrite >= _interval)
        {
            _lastWrite = now;
            Write();
        }
    }

    public void Write()
    {
        if (path is null)
        {
            return;
        }

        try
        {
            string temporary = path + ".tmp";
            File.WriteAllText(temporary, $"execs {_executions}\n");
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException)
        {
            // Progress is best effort; never disturb the campaign.
        }
    }
}
