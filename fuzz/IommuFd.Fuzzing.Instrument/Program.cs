using IommuFd.Fuzzing.Instrument;

// fuzz-instrument [--output <path>] [--dictionary <path>] [--quiet] <assembly.dll> [prefix | -prefix]...
// Adds AFL edge coverage to the types whose full names start with a prefix (all types when none is given);
// "-prefix" excludes. Rewrites the assembly in place unless --output is given: run it on a copy.
string? output = null;
string? dictionary = null;
bool quiet = false;
string? assembly = null;
var include = new List<string>();
var exclude = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "-o" or "--output" when i + 1 < args.Length:
            output = args[++i];
            break;
        case "-d" or "--dictionary" when i + 1 < args.Length:
            dictionary = args[++i];
            break;
        case "-q" or "--quiet":
            quiet = true;
            break;
        case "-h" or "--help":
            PrintUsage();
            return 0;
        default:
            if (assembly is null)
            {
                assembly = args[i];
            }
            else if (args[i].StartsWith('-') && args[i].Length > 1)
            {
                exclude.Add(args[i][1..]);
            }
            else
            {
                include.Add(args[i]);
            }

            break;
    }
}

if (assembly is null)
{
    PrintUsage();
    return 2;
}

try
{
    var result = Instrumenter.Instrument(assembly, new InstrumentationOptions
    {
        IncludePrefixes = include,
        ExcludePrefixes = exclude,
        OutputPath = output,
        DictionaryPath = dictionary,
    });
    if (!quiet)
    {
        Console.WriteLine(
            $"fuzz-instrument: {Path.GetFileName(assembly)}: {result.Types.Count} types, {result.Methods} methods, {result.Blocks} blocks " +
            $"({result.DistinctIds} distinct ids) in {result.Elapsed.TotalMilliseconds:F0} ms" +
            (dictionary is null ? string.Empty : $"; {result.DictionaryEntries} dictionary tokens in {dictionary}"));
    }

    return 0;
}
catch (InstrumentationRefusedException e)
{
    Console.Error.WriteLine($"fuzz-instrument: refused: {e.Message}");
    return 1;
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine($"fuzz-instrument: {e.Message}");
    return 1;
}

static void PrintUsage() => Console.Error.WriteLine(
    "usage: fuzz-instrument [--output <path>] [--dictionary <path>] [--quiet] <assembly.dll> [prefix | -prefix]...\n" +
    "  Adds AFL edge-coverage probes (IommuFd.Fuzzing.Runtime) to types whose full name starts with a prefix\n" +
    "  (every type when none is given); '-prefix' excludes. Rewrites in place unless --output: use a copy.\n" +
    "  --dictionary writes an afl dictionary of the string literals and compared constants of the instrumented code.");
