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

    private static readonly Lazy<string> s_selftest = new(FetchSelftest);

    /// <summary>
    /// <c>uapi-headers/7.2-selftest/iommufd_test.h</c>, fetched with <c>uapi-headers/fetch --selftest</c> when missing
    /// (network once: the sha256-pinned linux-source-7.2 .deb; offline after).
    /// </summary>
    public static string SelftestHeader => s_selftest.Value;

    private static string FetchSelftest()
    {
        string dir = Path.Combine(Root, "uapi-headers", "7.2-selftest");
        string path = Path.Combine(dir, "iommufd_test.h");
        if (File.Exists(Path.Combine(dir, ".complete")) && File.Exists(path))
        {
            return path;
        }

        var psi = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(Root, "uapi-headers", "fetch"));
        psi.ArgumentList.Add("--selftest");
        using System.Diagnostics.Process p = System.Diagnostics.Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"{path} is missing and 'uapi-headers/fetch --selftest' failed (exit {p.ExitCode}). It is extracted from Debian's linux-source-7.2 "
                + "(sha256-pinned in tests/kernel-vm/lib.sh) through the private apt configuration: network access to the Debian archive is needed "
                + "once, nothing after. Script output:\n" + output.Result + err.Result);
        }

        return path;
    }

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
