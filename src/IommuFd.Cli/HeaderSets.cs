using System.Diagnostics;
using IommuFd.CHeaders;
using IommuFd.CHeaders.Annotations;
using IommuFd.CHeaders.Model;

namespace IommuFd.Cli;

/// <summary>Finds the repository's header sets (fetching them when missing) and parses them.</summary>
internal static class HeaderSets
{
    /// <summary>The header lines the repository knows, oldest first.</summary>
    public static readonly string[] Lines = ["6.1", "6.12", "7.2"];

    private static readonly string[] s_headers = ["linux/iommufd.h", "linux/vfio.h"];

    /// <summary>The repository root: the nearest directory above the working directory or the tool that has <c>uapi-headers/fetch</c>.</summary>
    public static string? FindRepoRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (string? dir = Path.GetFullPath(start); dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "uapi-headers", "fetch")))
                {
                    return dir;
                }
            }
        }

        return null;
    }

    /// <summary>Runs <c>uapi-headers/fetch</c> for the lines that are missing; it is a no-op (and offline) once fetched.</summary>
    public static bool EnsureFetched(string repoRoot, IEnumerable<string> lines, TextWriter log)
    {
        string[] missing = lines.Where(l => !File.Exists(Path.Combine(repoRoot, "uapi-headers", l, ".complete"))).ToArray();
        if (missing.Length == 0)
        {
            return true;
        }

        log.WriteLine($"fetching header lines {string.Join(", ", missing)} (uapi-headers/fetch)");
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = repoRoot };
        psi.ArgumentList.Add(Path.Combine(repoRoot, "uapi-headers", "fetch"));
        foreach (string line in missing)
        {
            psi.ArgumentList.Add(line);
        }

        using Process process = Process.Start(psi)!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    /// <summary>Parses the iommufd.h and vfio.h found under <paramref name="includeDir"/>.</summary>
    public static HeaderLineAbi Parse(string name, string includeDir, IoctlAnnotations annotations)
    {
        var models = new List<HeaderModel>();
        foreach (string header in s_headers)
        {
            string path = Path.Combine(includeDir, header);
            if (File.Exists(path))
            {
                models.Add(HeaderParser.ParseFile(path, header, annotations));
            }
        }

        return new HeaderLineAbi(name, models);
    }
}
