using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace IommuFd.Generator.Tests.Infrastructure;

/// <summary>
/// Compiles generated code the way src/IommuFd does (unsafe, nullable, docs on, warnings as errors), together with
/// the real seam sources, and reports problems with numbered source (CsWin32's <c>AssertNoDiagnostics</c>).
/// </summary>
internal static class TestCompilation
{
    /// <summary>Parse options: latest C#, documentation comments checked (CS1591 etc. are real warnings).</summary>
    public static readonly CSharpParseOptions ParseOptions =
        new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    // The real Libc.cs needs the LibraryImport generator; the tests never reach the kernel path, so a stand-in
    // with the same shape keeps IoctlFd.cs compiling unchanged.
    private const string FakeLibc = """
        namespace IommuFd.Interop;
        internal static unsafe class Libc
        {
            internal static int ioctl(int fd, nuint request, void* arg) => -1;
        }
        """;

    /// <summary>The seam files compiled with every test compilation (real sources, plus the fake libc).</summary>
    public static IEnumerable<SyntaxTree> SeamTrees()
    {
        foreach (string file in new[] { "IoctlFd.cs", "Errno.cs", "IIoctlTarget.cs", "NativeTypeNameAttribute.cs" })
        {
            string path = RepoPaths.Interop(file);
            yield return CSharpSyntaxTree.ParseText(File.ReadAllText(path), ParseOptions, path);
        }

        yield return CSharpSyntaxTree.ParseText(FakeLibc, ParseOptions, "FakeLibc.cs");
        yield return CSharpSyntaxTree.ParseText("global using System;\nglobal using System.Runtime.InteropServices;\n", ParseOptions, "GlobalUsings.cs");
    }

    /// <summary>A compilation of <paramref name="trees"/> plus the seam, as a library.</summary>
    public static CSharpCompilation Create(IEnumerable<SyntaxTree> trees, string name = "IommuFd.Generated") =>
        CSharpCompilation.Create(
            name,
            SeamTrees().Concat(trees),
            s_references.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: true,
                nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error,
                warningLevel: 9999,
                deterministic: true));

    /// <summary>Trees from (hint, text) pairs, as the driver would add them.</summary>
    public static IEnumerable<SyntaxTree> Trees(IEnumerable<(string HintName, string Text)> sources) =>
        sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.HintName));

    /// <summary>
    /// Asserts the compilation has no diagnostics at all (warnings are errors), that it emits, and that every
    /// generated tree uses one line ending.
    /// </summary>
    public static void AssertClean(Compilation compilation)
    {
        var problems = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning || d.IsWarningAsError).ToList();
        if (problems.Count == 0)
        {
            var result = compilation.Emit(Stream.Null);
            problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        }

        if (problems.Count > 0)
        {
            Assert.Fail("generated code does not compile clean:\n" + Describe(problems));
        }

        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            string text = tree.ToString();
            bool crlf = text.Contains("\r\n", StringComparison.Ordinal);
            bool lf = text.Replace("\r\n", string.Empty, StringComparison.Ordinal).Contains('\n', StringComparison.Ordinal);
            if (tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
            {
                Assert.False(crlf && lf, "mixed line endings in " + tree.FilePath);
                Assert.False(crlf, "generated code must use \\n line endings: " + tree.FilePath);
            }
        }
    }

    /// <summary>Emits to memory and loads the assembly into a collectible context.</summary>
    public static (Assembly Assembly, AssemblyLoadContext Context) Load(Compilation compilation)
    {
        using var ms = new MemoryStream();
        var result = compilation.Emit(ms);
        Assert.True(result.Success, Describe(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        ms.Position = 0;
        var alc = new AssemblyLoadContext("generated-" + Guid.NewGuid().ToString("N"), isCollectible: true);
        return (alc.LoadFromStream(ms), alc);
    }

    /// <summary>Diagnostics with the offending lines, numbered, for readable failures.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics)
    {
        var sb = new System.Text.StringBuilder();
        foreach (Diagnostic d in diagnostics.Take(40))
        {
            sb.AppendLine(d.ToString());
            if (d.Location.IsInSource)
            {
                var lines = d.Location.SourceTree!.GetText().Lines;
                int line = d.Location.GetLineSpan().StartLinePosition.Line;
                for (int i = Math.Max(0, line - 2); i <= Math.Min(lines.Count - 1, line + 2); i++)
                {
                    sb.Append(i == line ? ">> " : "   ").Append((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(5)).Append(": ").AppendLine(lines[i].ToString());
                }
            }
        }

        return sb.ToString();
    }
}
