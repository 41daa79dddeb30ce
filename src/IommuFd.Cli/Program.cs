using IommuFd.CHeaders.Annotations;

namespace IommuFd.Cli;

/// <summary>
/// The iommufd command-line tool. Its main job today: a summary of the generated ABI per header line (ioctls,
/// structs, enums, what changed between lines). It grows into the simulator demo once the in-process iommufd exists.
/// </summary>
public static class Program
{
    private const string Usage =
        """
        usage: iommufd [abi] [--include DIR]...
          abi              summary of the ABI generated from each header line (default command)
          --include DIR    summarise the headers under DIR (e.g. a kernel's `make headers_install` output)
                           instead of the repository's lines 6.1, 6.12 and 7.2
        """;

    /// <summary>Entry point; returns 0 on success, 1 when headers have errors, 2 on usage errors.</summary>
    public static int Main(string[] args)
    {
        var includes = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "abi":
                    break;
                case "--include" when i + 1 < args.Length:
                    includes.Add(args[++i]);
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"iommufd: unknown argument '{args[i]}'");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        return RunAbi(includes, Console.Out, Console.Error);
    }

    /// <summary>Parses every header line (or the given include directories) and writes the summary.</summary>
    internal static int RunAbi(IReadOnlyList<string> includeDirs, TextWriter output, TextWriter error)
    {
        string? root = HeaderSets.FindRepoRoot();
        string? annotationsPath = root is null ? null : Path.Combine(root, "uapi-headers", "ioctl-annotations.txt");
        IoctlAnnotations annotations = annotationsPath is not null && File.Exists(annotationsPath)
            ? IoctlAnnotations.Load(annotationsPath)
            : IoctlAnnotations.Empty;

        var lines = new List<HeaderLineAbi>();
        if (includeDirs.Count > 0)
        {
            foreach (string dir in includeDirs)
            {
                if (!Directory.Exists(dir))
                {
                    error.WriteLine($"iommufd: include directory '{dir}' does not exist");
                    return 2;
                }

                lines.Add(HeaderSets.Parse(dir, dir, annotations));
            }
        }
        else
        {
            if (root is null)
            {
                error.WriteLine("iommufd: run inside the repository (uapi-headers/fetch not found) or pass --include DIR");
                return 2;
            }

            if (!HeaderSets.EnsureFetched(root, HeaderSets.Lines, error))
            {
                error.WriteLine("iommufd: uapi-headers/fetch failed; see its message above");
                return 1;
            }

            foreach (string line in HeaderSets.Lines)
            {
                lines.Add(HeaderSets.Parse(line, Path.Combine(root, "uapi-headers", line), annotations));
            }
        }

        AbiSummary.Write(output, lines);

        int errors = 0;
        foreach (var diagnostic in lines.SelectMany(l => l.Headers).SelectMany(h => h.Diagnostics))
        {
            if (diagnostic.Severity == CHeaders.Model.HeaderDiagnosticSeverity.Error)
            {
                error.WriteLine($"{diagnostic.Location.Path}:{diagnostic.Location.Line}:{diagnostic.Location.Column}: error {diagnostic.Id}: {diagnostic.Message}");
                errors++;
            }
        }

        return errors == 0 ? 0 : 1;
    }
}
