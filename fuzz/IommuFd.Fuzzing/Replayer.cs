namespace IommuFd.Fuzzing;

/// <summary>
/// Replays files through a target outside afl: crash triage (full stack traces), corpus checks and afl-tmin-free
/// reproduction. Every input runs on a worker thread under a watchdog; a hang ends the process with exit code 124
/// (a hung managed thread cannot be aborted), a crash is printed and the replay continues (exit code 1).
/// </summary>
internal static class Replayer
{
    public const int HangExitCode = 124;

    public static int Run(FuzzTargetInfo target, IReadOnlyList<string> paths, TimeSpan timeout, TextWriter output, bool firstChance = false)
    {
        if (firstChance)
        {
            // Triage for code that turns exceptions into diagnostics (the header front end, the generator): print
            // where every exception is thrown, even when something catches it later.
            AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
                output.WriteLine($"first-chance {e.Exception.GetType().FullName}: {e.Exception.Message}\n{Environment.StackTrace}");
        }

        var inputs = new List<(string Name, byte[] Data)>();
        if (paths.Count == 0)
        {
            using var stdin = Console.OpenStandardInput();
            using var buffer = new MemoryStream();
            stdin.CopyTo(buffer);
            inputs.Add(("<stdin>", buffer.ToArray()));
        }
        else
        {
            foreach (string path in paths)
            {
                IEnumerable<string> files = Directory.Exists(path)
                    ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                        .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".md", StringComparison.Ordinal))
                        .Order(StringComparer.Ordinal)
                    : [path];
                inputs.AddRange(files.Select(f => (f, File.ReadAllBytes(f))));
            }
        }

        int crashes = 0;
        foreach ((string name, byte[] data) in inputs)
        {
            if (!TryRunOne(target, data, timeout, out Exception? failure))
            {
                output.WriteLine($"HANG {name}: no result after {timeout.TotalMilliseconds:F0} ms");
                output.Flush();
                Environment.Exit(HangExitCode);
            }

            if (failure is not null)
            {
                crashes++;
                output.WriteLine($"CRASH {name}: {failure}");
            }
        }

        output.WriteLine($"{target.Name}: replayed {inputs.Count} inputs, {crashes} crashing");
        return crashes == 0 ? 0 : 1;
    }

    /// <summary>
    /// Runs one input on a worker thread with a 16 MiB stack (deep inputs must not overflow the default 1 MiB before
    /// the target's own depth guards apply) and waits up to <paramref name="timeout"/>.
    /// </summary>
    /// <returns>False when the input hangs; the thread is left running (a managed thread cannot be aborted).</returns>
    public static bool TryRunOne(FuzzTargetInfo target, byte[] data, TimeSpan timeout, out Exception? failure)
    {
        Exception? caught = null;
        var thread = new Thread(() =>
        {
            try
            {
                target.Fuzz(data);
            }
            catch (Exception e)
            {
                caught = e;
            }
        }, maxStackSize: 16 << 20)
        {
            IsBackground = true,
            Name = "replay",
        };
        thread.Start();
        bool finished = thread.Join(timeout);
        failure = caught;
        return finished;
    }
}
