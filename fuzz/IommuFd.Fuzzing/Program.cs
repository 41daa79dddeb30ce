using System.Globalization;
using IommuFd.Fuzzing;
using IommuFd.Fuzzing.Runtime;

// IommuFd.Fuzzing --list
// IommuFd.Fuzzing <target> [@@-file]                       started by afl-fuzz / afl-tmin / afl-showmap
// IommuFd.Fuzzing <target> [--timeout <ms>] [--first-chance] [file|dir]...  replay (no files: one input from stdin)
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    PrintUsage();
    return args.Length == 0 ? 2 : 0;
}

if (args[0] == "--list")
{
    foreach (FuzzTargetInfo t in FuzzTargets.All)
    {
        Console.WriteLine($"{t.Name}\t{t.Kind}\t{string.Join(";", t.Instrument)}\t{t.Description}");
    }

    return 0;
}

FuzzTargetInfo? target = FuzzTargets.Find(args[0]);
if (target is null)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; known: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}

#if SHARPFUZZ
// Built with -p:UseSharpFuzz=true: the same targets through SharpFuzz (instrument with `sharpfuzz`, run afl-fuzz or
// libfuzzer-dotnet as SharpFuzz documents). IOMMUFD_FUZZ_ENGINE selects the SharpFuzz entry point.
switch (Environment.GetEnvironmentVariable("IOMMUFD_FUZZ_ENGINE"))
{
    case "sharpfuzz-libfuzzer":
        SharpFuzz.Fuzzer.LibFuzzer.Run(span => target.Fuzz(span));
        return 0;
    case "sharpfuzz-afl":
        SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Fuzz(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
}
#endif

if (AflFuzzer.IsUnderAfl)
{
    return AflFuzzer.Run(target.Fuzz, AflOptions.FromEnvironment(args.Length > 1 ? args[1] : null));
}

int timeoutMs = 10_000;
bool firstChance = false;
var paths = new List<string>();
for (int i = 1; i < args.Length; i++)
{
    if (args[i] == "--timeout" && i + 1 < args.Length)
    {
        timeoutMs = int.Parse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture);
    }
    else if (args[i] == "--first-chance")
    {
        firstChance = true;
    }
    else
    {
        paths.Add(args[i]);
    }
}

return Replayer.Run(target, paths, TimeSpan.FromMilliseconds(timeoutMs), Console.Out, firstChance);

static void PrintUsage() => Console.Error.WriteLine(
    """
    usage: IommuFd.Fuzzing --list
           IommuFd.Fuzzing <target> [--timeout <ms>] [--first-chance] [file|dir]...
                                 replay inputs (stdin when none); exit 1 on a crash, 124 on a hang;
                                 --first-chance prints where every exception is thrown, even caught ones
           IommuFd.Fuzzing <target> [@@]                             under afl-fuzz/afl-tmin/afl-showmap (see fuzz/README.md)
    """);
