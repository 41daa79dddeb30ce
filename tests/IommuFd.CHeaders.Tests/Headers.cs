using System.Collections.Concurrent;
using IommuFd.CHeaders;
using IommuFd.CHeaders.Annotations;
using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Tests;

/// <summary>
/// Access to the fetched uapi header sets (uapi-headers/&lt;line&gt;/linux/*.h) and the annotation file. Headers are
/// inputs fetched by uapi-headers/fetch, never copied into the repository; models are parsed once per test run.
/// </summary>
internal static class Headers
{
    public static readonly string[] Lines = { "6.1", "6.12", "7.2" };

    private static readonly ConcurrentDictionary<string, HeaderModel> s_models = new();
    private static readonly Lazy<string> s_root = new(FindRoot);
    private static readonly Lazy<IoctlAnnotations> s_annotations = new(() => IoctlAnnotations.Load(AnnotationPath));

    public static string RepoRoot => s_root.Value;

    public static string AnnotationPath => Path.Combine(RepoRoot, "uapi-headers", "ioctl-annotations.txt");

    public static IoctlAnnotations Annotations => s_annotations.Value;

    public static string LineDirectory(string line) => Path.Combine(RepoRoot, "uapi-headers", line);

    public static string HeaderPath(string line, string header) => Path.Combine(LineDirectory(line), "linux", header);

    public static bool Exists(string line, string header) => File.Exists(HeaderPath(line, header));

    public static string Text(string line, string header)
    {
        string path = HeaderPath(line, header);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: run uapi-headers/fetch (uapi-headers/fetch --check verifies) before the tests.");
        }

        return File.ReadAllText(path);
    }

    /// <summary>The model of linux/&lt;header&gt; of a header line, with the repository's annotation file.</summary>
    public static HeaderModel Model(string line, string header) =>
        s_models.GetOrAdd(line + "/" + header, _ => HeaderParser.Parse(HeaderPath(line, header), "linux/" + header, Text(line, header), Annotations));

    /// <summary>All header models of one line (6.1 has no iommufd.h).</summary>
    public static IReadOnlyList<HeaderModel> ModelsOf(string line) =>
        new[] { "iommufd.h", "vfio.h" }.Where(h => line != "6.1" || h != "iommufd.h").Select(h => Model(line, h)).ToList();

    /// <summary>The selftest pseudo-line: drivers/iommu/iommufd/iommufd_test.h of the kernel lane's linux-source-7.2.</summary>
    public const string SelftestLine = "7.2-selftest";

    /// <summary>The include name of the selftest header (the kernel's selftests include it by file name).</summary>
    public const string SelftestIncludeName = "iommufd_test.h";

    private static readonly Lazy<string> s_selftestPath = new(FetchSelftest);

    /// <summary>uapi-headers/7.2-selftest/iommufd_test.h, fetched through <c>uapi-headers/fetch --selftest</c> when missing.</summary>
    public static string SelftestPath => s_selftestPath.Value;

    /// <summary>The selftest header's model, parsed with the 7.2 iommufd.h model as its dependency.</summary>
    public static HeaderModel SelftestModel =>
        s_models.GetOrAdd(SelftestLine + "/" + SelftestIncludeName, _ => HeaderParser.Parse(SelftestPath, SelftestIncludeName, File.ReadAllText(SelftestPath), Annotations, new[] { Model("7.2", "iommufd.h") }));

    private static string FetchSelftest()
    {
        string dir = LineDirectory(SelftestLine);
        string path = Path.Combine(dir, SelftestIncludeName);
        if (File.Exists(Path.Combine(dir, ".complete")) && File.Exists(path))
        {
            return path;
        }

        // Offline once fetched; the first time it needs the network (the private apt configuration downloads the
        // sha256-pinned linux-source-7.2 .deb into $IOMMUFD_CACHE). The script serialises concurrent runs.
        string script = Path.Combine(RepoRoot, "uapi-headers", "fetch");
        var psi = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("--selftest");
        string output;
        int exit;
        try
        {
            using System.Diagnostics.Process p = System.Diagnostics.Process.Start(psi)!;
            Task<string> err = p.StandardError.ReadToEndAsync();
            Task<string> @out = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(900_000))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException("uapi-headers/fetch --selftest did not finish within 15 min");
            }

            exit = p.ExitCode;
            output = @out.Result + err.Result;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or TimeoutException)
        {
            exit = -1;
            output = ex.Message;
        }

        if (exit != 0 || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"{path} is missing and 'uapi-headers/fetch --selftest' could not fetch it (exit {exit}). The selftest header comes from "
                + "Debian's linux-source-7.2 package (sha256-pinned in tests/kernel-vm/lib.sh), downloaded once through the private apt "
                + "configuration into $IOMMUFD_CACHE: it needs network access to the Debian archive the first time, and is offline after. "
                + "Run 'uapi-headers/fetch --selftest' by hand to see the details. Script output:\n" + output);
        }

        return path;
    }

    public static IEnumerable<object[]> AllHeaders() =>
        Lines.SelectMany(l => new[] { "iommufd.h", "vfio.h" }.Where(h => l != "6.1" || h != "iommufd.h").Select(h => new object[] { l, h }));

    public static StructModel Struct(this HeaderModel m, string name) =>
        m.Structs.SingleOrDefault(s => s.Name == name) ?? throw new Xunit.Sdk.XunitException($"{m.IncludeName} has no struct {name}");

    public static FieldModel Field(this StructModel s, string name) =>
        s.Fields.SingleOrDefault(f => f.Name == name) ?? throw new Xunit.Sdk.XunitException($"struct {s.Name} has no field {name}");

    public static IoctlModel Ioctl(this HeaderModel m, string name) =>
        m.Ioctls.SingleOrDefault(i => i.Name == name) ?? throw new Xunit.Sdk.XunitException($"{m.IncludeName} has no ioctl {name}");

    public static EnumeratorModel Enumerator(this HeaderModel m, string name) =>
        m.Enums.SelectMany(e => e.Enumerators).SingleOrDefault(e => e.Name == name) ?? throw new Xunit.Sdk.XunitException($"{m.IncludeName} has no enumerator {name}");

    public static ConstantModel Constant(this HeaderModel m, string name) =>
        m.Constants.SingleOrDefault(c => c.Name == name) ?? throw new Xunit.Sdk.XunitException($"{m.IncludeName} has no constant {name}");

    /// <summary>Parses a synthetic snippet (written for the test, not copied from a header).</summary>
    public static HeaderModel Snippet(string text, IoctlAnnotations? annotations = null) =>
        HeaderParser.Parse("snippet.h", "linux/snippet.h", text, annotations);

    public static IEnumerable<HeaderDiagnostic> Problems(this HeaderModel m) =>
        m.Diagnostics.Where(d => d.Severity != HeaderDiagnosticSeverity.Info);

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "uapi-headers", "versions.lock")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (uapi-headers/versions.lock) above " + AppContext.BaseDirectory);
    }
}
