namespace IommuFd.Generator.Tests.Infrastructure;

/// <summary>Locations in the repository the tests read (headers, seam sources, baselines).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "IommuFdSdk.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("repository root (IommuFdSdk.sln) not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root.</summary>
    public static string Root => s_root.Value;

    /// <summary>The header lines the generator is tested on.</summary>
    public static readonly string[] Lines = ["6.1", "6.12", "7.2"];

    /// <summary><c>uapi-headers/&lt;line&gt;/linux/&lt;file&gt;</c>.</summary>
    public static string Header(string line, string file) => Path.Combine(Root, "uapi-headers", line, "linux", file);

    /// <summary>The ioctl annotation file, or null when absent.</summary>
    public static string? Annotations
    {
        get
        {
            string p = Path.Combine(Root, "uapi-headers", "ioctl-annotations.txt");
            return File.Exists(p) ? p : null;
        }
    }

    /// <summary>The seam sources in <c>src/IommuFd/Interop</c>.</summary>
    public static string Interop(string file) => Path.Combine(Root, "src", "IommuFd", "Interop", file);

    /// <summary>The baseline folder of the test project (in the source tree, so updates land in git).</summary>
    public static string Baselines => Path.Combine(Root, "tests", "IommuFd.Generator.Tests", "Baselines");
}
