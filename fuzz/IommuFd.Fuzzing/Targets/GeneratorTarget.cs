using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using IommuFd.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace IommuFd.Fuzzing.Targets;

/// <summary>
/// The Roslyn generator end to end on a mutated header: the header (bytes as Latin-1) is an AdditionalFile flagged
/// the way the MSBuild glue flags it, next to the real annotation file, and a fresh <see cref="CSharpGeneratorDriver"/>
/// runs <see cref="IommuFdGenerator"/>. A finding is an exception escaping the generator (Roslyn would report
/// CS8785 and drop all output), an IOMMUFD0000 internal error (the generator's catch-alls), a diagnostic located
/// outside the header, or generated C# that does not parse (a syntax error or badly formed XML doc, which breaks a
/// warnings-as-errors build).
/// </summary>
public sealed class GeneratorTarget : IFuzzTarget
{
    private const string HeaderPath = "/fuzz/include/linux/iommufd.h";
    private const string AnnotationsPath = "/fuzz/ioctl-annotations.txt";

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview, DocumentationMode.Diagnose);
    private static readonly AdditionalText Annotations = new MemoryText(AnnotationsPath, LoadAnnotations());
    private static readonly OptionsProvider Options = new(new Dictionary<string, Dictionary<string, string>>
    {
        [HeaderPath] = new()
        {
            ["build_metadata.AdditionalFiles.IommuFdHeader"] = "true",
            ["build_metadata.AdditionalFiles.IommuFdIncludeName"] = "linux/iommufd.h",
        },
        [AnnotationsPath] = new() { ["build_metadata.AdditionalFiles.IommuFdAnnotations"] = "true" },
    });

    private static readonly CSharpCompilation Compilation = CSharpCompilation.Create(
        "FuzzUser",
        [CSharpSyntaxTree.ParseText("namespace FuzzUser; internal static class Marker { }", ParseOptions)],
        [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

    public static string Name => "generator";

    public static string Description => "Roslyn generator end to end on a mutated header: no exception, no IOMMUFD0000, located diagnostics, generated C# parses";

    public static FuzzTargetKind Kind => FuzzTargetKind.Campaign;

    public static IReadOnlyList<InstrumentationSpec> Instrument { get; } =
    [
        new("IommuFd.Generator.dll", "IommuFd.Generator"),
        new("IommuFd.CHeaders.dll", "IommuFd.CHeaders"),
    ];

    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        string text = Encoding.Latin1.GetString(data);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new IommuFdGenerator().AsSourceGenerator()],
            [new MemoryText(HeaderPath, text), Annotations],
            ParseOptions,
            Options);
        GeneratorDriverRunResult run = driver.RunGenerators(Compilation).GetRunResult();
        GeneratorRunResult result = run.Results[0];
        if (result.Exception is not null)
        {
            throw new FuzzInvariantException($"the generator threw (Roslyn would report CS8785): {result.Exception}");
        }

        foreach (Diagnostic d in run.Diagnostics)
        {
            FuzzCheck.That(d.Id != "IOMMUFD0000", () => $"internal error: {d}");
            FileLinePositionSpan span = d.Location.GetLineSpan();
            if (span.Path == HeaderPath)
            {
                FuzzCheck.That(
                    d.Location.SourceSpan.Start >= 0 && d.Location.SourceSpan.End <= text.Length,
                    () => $"diagnostic {d.Id} at {d.Location.SourceSpan} lies outside the {text.Length}-char header");
            }
        }

        foreach (GeneratedSourceResult source in result.GeneratedSources)
        {
            SyntaxTree tree = CSharpSyntaxTree.ParseText(source.SourceText, ParseOptions, source.HintName);
            foreach (Diagnostic d in tree.GetDiagnostics())
            {
                FuzzCheck.That(
                    d.Severity != DiagnosticSeverity.Error && d.Id != "CS1570",
                    () => $"generated {source.HintName} does not parse: {d}\n{Excerpt(source.SourceText, d.Location.SourceSpan)}");
            }
        }
    }

    private static string Excerpt(SourceText text, TextSpan span)
    {
        int line = text.Lines.GetLineFromPosition(span.Start).LineNumber;
        return string.Join('\n', Enumerable.Range(Math.Max(0, line - 2), Math.Min(5, text.Lines.Count - Math.Max(0, line - 2)))
            .Select(i => $"{i + 1,5}: {text.Lines[i]}"));
    }

    private static string LoadAnnotations()
    {
        using Stream stream = typeof(GeneratorTarget).Assembly.GetManifestResourceStream("ioctl-annotations.txt")
            ?? throw new InvalidOperationException("embedded ioctl-annotations.txt is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private sealed class MemoryText(string path, string text) : AdditionalText
    {
        private readonly SourceText _text = SourceText.From(text);

        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    private sealed class OptionsProvider(Dictionary<string, Dictionary<string, string>> perFile) : AnalyzerConfigOptionsProvider
    {
        private static readonly FileOptions Empty = new([]);

        public override AnalyzerConfigOptions GlobalOptions => Empty;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            perFile.TryGetValue(textFile.Path, out var values) ? new FileOptions(values) : Empty;

        private sealed class FileOptions(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
