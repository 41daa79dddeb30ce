using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using IommuFd.CHeaders;
using IommuFd.CHeaders.Annotations;
using IommuFd.CHeaders.Model;
using IommuFd.Generator;
using IommuFd.Generator.Emit;
using IommuFd.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace IommuFd.Benchmarks.Interop;

/// <summary>
/// Full generation of linux/iommufd.h + linux/vfio.h (7.2): what a build (or an IDE keystroke in a header) costs.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="Parse"/> is the baseline: the CHeaders front end alone (lex, preprocess, parse, layout, kernel-doc).</item>
/// <item><see cref="ParseAndEmit"/> adds planning and text emission, so the ratio is the emitter's share.</item>
/// <item><see cref="DriverColdRun"/> is a fresh GeneratorDriver (what a command-line build pays), including Roslyn's
/// pipeline bookkeeping and parsing the generated text into syntax trees.</item>
/// <item><see cref="DriverWarmRunCSharpEdit"/> re-runs a warm driver on a new compilation (what every C# keystroke
/// pays): every step is cached, so it should be microseconds and allocate almost nothing.</item>
/// </list>
/// </remarks>
[MemoryDiagnoser]
public class GenerationBenchmarks
{
    private string _iommufdPath = string.Empty;
    private string _vfioPath = string.Empty;
    private string _iommufd = string.Empty;
    private string _vfio = string.Empty;
    private IoctlAnnotations? _annotations;
    private ImmutableArray<AdditionalText> _texts;
    private BenchOptions _options = null!;
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warm = null!;
    private int _edit;

    /// <summary>Reads the 7.2 headers and the annotation file and warms a driver.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string root = FindRoot();
        _iommufdPath = Path.Combine(root, "uapi-headers", "7.2", "linux", "iommufd.h");
        _vfioPath = Path.Combine(root, "uapi-headers", "7.2", "linux", "vfio.h");
        _iommufd = File.ReadAllText(_iommufdPath);
        _vfio = File.ReadAllText(_vfioPath);
        string annotationsPath = Path.Combine(root, "uapi-headers", "ioctl-annotations.txt");
        string annotationsText = File.Exists(annotationsPath) ? File.ReadAllText(annotationsPath) : string.Empty;
        _annotations = IoctlAnnotations.Parse(annotationsPath, annotationsText);

        _texts = [new BenchText(_iommufdPath, _iommufd), new BenchText(_vfioPath, _vfio), new BenchText(annotationsPath, annotationsText)];
        _options = new BenchOptions(new Dictionary<string, Dictionary<string, string>>
        {
            [_iommufdPath] = new() { ["build_metadata.AdditionalFiles.IommuFdHeader"] = "true", ["build_metadata.AdditionalFiles.IommuFdIncludeName"] = "linux/iommufd.h" },
            [_vfioPath] = new() { ["build_metadata.AdditionalFiles.IommuFdHeader"] = "true", ["build_metadata.AdditionalFiles.IommuFdIncludeName"] = "linux/vfio.h" },
            [annotationsPath] = new() { ["build_metadata.AdditionalFiles.IommuFdAnnotations"] = "true" },
        });
        _compilation = NewCompilation(0);
        _edited = NewCompilation(1);
        _warm = CreateDriver().RunGenerators(_compilation);
    }

    /// <summary>Front end only.</summary>
    [Benchmark(Baseline = true)]
    public int Parse()
    {
        HeaderModel a = HeaderParser.Parse(_iommufdPath, "linux/iommufd.h", _iommufd, _annotations);
        HeaderModel b = HeaderParser.Parse(_vfioPath, "linux/vfio.h", _vfio, _annotations);
        return a.Structs.Count + b.Structs.Count;
    }

    /// <summary>Front end, planning and emission of every file's text.</summary>
    [Benchmark]
    public int ParseAndEmit()
    {
        int chars = 0;
        foreach (HeaderModel model in new[]
        {
            HeaderParser.Parse(_iommufdPath, "linux/iommufd.h", _iommufd, _annotations),
            HeaderParser.Parse(_vfioPath, "linux/vfio.h", _vfio, _annotations),
        })
        {
            foreach (EmitUnit unit in EmitPlanner.Plan(model).Units)
            {
                chars += Emitter.Emit(unit).Length;
            }
        }

        return chars;
    }

    /// <summary>A fresh driver over both headers: the command-line build's cost.</summary>
    [Benchmark]
    public int DriverColdRun() =>
        CreateDriver().RunGenerators(_compilation).GetRunResult().GeneratedTrees.Length;

    /// <summary>A warm driver after a C# edit: every step cached.</summary>
    [Benchmark]
    public int DriverWarmRunCSharpEdit()
    {
        // Two prebuilt compilations alternate, so the measurement is the driver's, not compilation construction.
        _warm = _warm.RunGenerators((++_edit & 1) == 0 ? _compilation : _edited);
        return _warm.GetRunResult().GeneratedTrees.Length;
    }

    private GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create([new IommuFdGenerator().AsSourceGenerator()], _texts, CSharpParseOptions.Default, _options);

    private static CSharpCompilation NewCompilation(int variant) =>
        CSharpCompilation.Create(
            "Bench",
            [CSharpSyntaxTree.ParseText(variant == 0 ? "class A { }" : "class B { }")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)]);

    private static string FindRoot()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "IommuFdSdk.sln")))
                {
                    return d.FullName;
                }
            }
        }

        throw new InvalidOperationException("repository root (IommuFdSdk.sln) not found; run from inside the repository");
    }

    private sealed class BenchText(string path, string text) : AdditionalText
    {
        private readonly SourceText _text = SourceText.From(text);

        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    private sealed class BenchOptions(Dictionary<string, Dictionary<string, string>> perFile) : AnalyzerConfigOptionsProvider
    {
        private static readonly Values s_empty = new(new Dictionary<string, string>());

        public override AnalyzerConfigOptions GlobalOptions => s_empty;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => s_empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            perFile.TryGetValue(textFile.Path, out var v) ? new Values(v) : s_empty;

        private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
