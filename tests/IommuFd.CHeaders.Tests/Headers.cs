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
