using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace IommuFd.Generator.Tests.Infrastructure;

/// <summary>An AdditionalFile held in memory.</summary>
internal sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>Per-file metadata, as the MSBuild glue's generated editorconfig would provide it.</summary>
internal sealed class TestOptionsProvider(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> perFile) : AnalyzerConfigOptionsProvider
{
    private static readonly TestOptions s_empty = new(new Dictionary<string, string>());

    public override AnalyzerConfigOptions GlobalOptions => s_empty;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => s_empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        perFile.TryGetValue(textFile.Path, out var values) ? new TestOptions(values) : s_empty;

    private sealed class TestOptions(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}

/// <summary>Builds generator drivers over header files the way the MSBuild glue presents them.</summary>
internal static class GeneratorHarness
{
    /// <summary>A header input: path, include name, text.</summary>
    internal sealed record Header(string Path, string IncludeName, string Text)
    {
        /// <summary>More item metadata (e.g. <c>IommuFdDependsOn</c>, <c>IommuFdEmit</c>, <c>IommuFdStubClass</c>), without the prefix.</summary>
        public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    }

    /// <summary>The selftest header (uapi-headers/7.2-selftest/iommufd_test.h) with its dependency on linux/iommufd.h.</summary>
    public static Header SelftestHeader(IReadOnlyDictionary<string, string>? more = null)
    {
        string path = RepoPaths.SelftestHeader;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["IommuFdDependsOn"] = "linux/iommufd.h" };
        foreach (var kv in more ?? new Dictionary<string, string>())
        {
            metadata[kv.Key] = kv.Value;
        }

        return new Header(path, "iommufd_test.h", File.ReadAllText(path)) { Metadata = metadata };
    }

    /// <summary>The headers of a fetched line (6.1 has only vfio.h).</summary>
    public static List<Header> LineHeaders(string line)
    {
        var headers = new List<Header>();
        foreach (string file in new[] { "iommufd.h", "vfio.h" })
        {
            string path = RepoPaths.Header(line, file);
            if (File.Exists(path))
            {
                headers.Add(new Header(path, "linux/" + file, File.ReadAllText(path)));
            }
        }

        Assert.True(headers.Count > 0, $"header line {line} is not fetched: run uapi-headers/fetch {line}");
        return headers;
    }

    /// <summary>The AdditionalTexts and options for <paramref name="headers"/> (+ the annotation file when present).</summary>
    public static (ImmutableArray<AdditionalText> Texts, TestOptionsProvider Options) Inputs(IEnumerable<Header> headers, bool withAnnotations = true)
    {
        var texts = ImmutableArray.CreateBuilder<AdditionalText>();
        var options = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (Header h in headers)
        {
            texts.Add(new InMemoryAdditionalText(h.Path, h.Text));
            var values = new Dictionary<string, string>
            {
                ["build_metadata.AdditionalFiles.IommuFdHeader"] = "true",
                ["build_metadata.AdditionalFiles.IommuFdIncludeName"] = h.IncludeName,
            };
            foreach (var kv in h.Metadata ?? new Dictionary<string, string>())
            {
                values["build_metadata.AdditionalFiles." + kv.Key] = kv.Value;
            }

            options[h.Path] = values;
        }

        if (withAnnotations && RepoPaths.Annotations is { } annotations)
        {
            texts.Add(new InMemoryAdditionalText(annotations, File.ReadAllText(annotations)));
            options[annotations] = new Dictionary<string, string> { ["build_metadata.AdditionalFiles.IommuFdAnnotations"] = "true" };
        }

        return (texts.ToImmutable(), new TestOptionsProvider(options));
    }

    /// <summary>A driver with step tracking on.</summary>
    public static GeneratorDriver CreateDriver(ImmutableArray<AdditionalText> texts, AnalyzerConfigOptionsProvider options) =>
        CSharpGeneratorDriver.Create(
            [new IommuFdGenerator().AsSourceGenerator()],
            texts,
            TestCompilation.ParseOptions,
            options,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>A small C# compilation standing in for the user's project (the generator ignores it).</summary>
    public static CSharpCompilation UserCompilation(string source = "namespace User; /// <summary>x</summary>\npublic static class Marker { }") =>
        CSharpCompilation.Create(
            "User",
            [CSharpSyntaxTree.ParseText(source, TestCompilation.ParseOptions, "User.cs")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

    /// <summary>Runs the generator once over <paramref name="headers"/>.</summary>
    public static GeneratorDriverRunResult Run(IEnumerable<Header> headers, bool withAnnotations = true)
    {
        var (texts, options) = Inputs(headers, withAnnotations);
        GeneratorDriver driver = CreateDriver(texts, options).RunGenerators(UserCompilation());
        return driver.GetRunResult();
    }

    /// <summary>The generated (hint, text) pairs of a run.</summary>
    public static List<(string HintName, string Text)> Sources(GeneratorDriverRunResult result) =>
        result.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();
}
