using System.Text;
using IommuFd.CHeaders;
using IommuFd.CHeaders.Annotations;
using IommuFd.CHeaders.Model;

namespace IommuFd.Fuzzing.Targets;

/// <summary>
/// The C header front end (lexer, preprocessor, parser, layout engine, kernel-doc, annotations) on arbitrary bytes.
/// Its contract: never an exception, every problem a diagnostic located inside the file. A finding is an escaping
/// exception, an IOMMUFD0000 internal error (the front end's catch-all turns exceptions into that diagnostic, so
/// the target must look for it), a location outside the input, or a model that differs between two parses.
/// </summary>
/// <remarks>
/// Bytes map to characters one to one (Latin-1), so every mutation afl makes is a one-character edit. The header is
/// parsed as <c>linux/iommufd.h</c> against the real annotation file, so the ioctl/struct pairing paths run too.
/// </remarks>
public sealed class HeaderParserTarget : IFuzzTarget
{
    private const string Path = "fuzz.h";
    private const string IncludeName = "linux/iommufd.h";

    private static readonly IoctlAnnotations Annotations = LoadAnnotations();

    public static string Name => "cheaders";

    public static string Description => "C header parser + layout engine on arbitrary bytes: no exception, no IOMMUFD0000, located diagnostics, deterministic";

    public static FuzzTargetKind Kind => FuzzTargetKind.Campaign;

    public static IReadOnlyList<InstrumentationSpec> Instrument { get; } = [new("IommuFd.CHeaders.dll", "IommuFd.CHeaders")];

    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        string text = Encoding.Latin1.GetString(data);
        HeaderModel model = HeaderParser.Parse(Path, IncludeName, text, Annotations);
        CheckModel(model, text, Path, Annotations.Path);

        // Determinism: a second parse of the same text must give an equal model (the generator's caching relies on it).
        HeaderModel again = HeaderParser.Parse(Path, IncludeName, text, Annotations);
        FuzzCheck.That(model.Equals(again), () => "two parses of the same header produced different models");
    }

    /// <summary>The front end's contract on one model (shared with the generator target).</summary>
    internal static void CheckModel(HeaderModel model, string text, string path, string annotationsPath)
    {
        int lines = 1;
        foreach (char c in text)
        {
            if (c == '\n')
            {
                lines++;
            }
        }

        foreach (HeaderDiagnostic d in model.Diagnostics)
        {
            FuzzCheck.That(d.Id != "IOMMUFD0000", () => $"internal error: {d.Message} at {d.Location}");
            if (d.Location.Path != path)
            {
                FuzzCheck.That(d.Location.Path == annotationsPath, () => $"diagnostic {d.Id} located in unknown file {d.Location.Path}");
                continue;
            }

            SourceLocation at = d.Location;
            FuzzCheck.That(
                at.Line >= 1 && at.Line <= lines && at.Column >= 1 && at.Start >= 0 && at.Length >= 0 && at.Start + at.Length <= text.Length,
                () => $"diagnostic {d.Id} '{d.Message}' at {at} lies outside the {lines}-line, {text.Length}-char input");
        }
    }

    private static IoctlAnnotations LoadAnnotations()
    {
        using Stream stream = typeof(HeaderParserTarget).Assembly.GetManifestResourceStream("ioctl-annotations.txt")
            ?? throw new InvalidOperationException("embedded ioctl-annotations.txt is missing");
        using var reader = new StreamReader(stream);
        return IoctlAnnotations.Parse("uapi-headers/ioctl-annotations.txt", reader.ReadToEnd());
    }
}
