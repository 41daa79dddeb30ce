using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuFd.Generator.Pipeline;

/// <summary>One header the build selected, as values: path, include name and full text.</summary>
/// <remarks>
/// The text is copied into a string so the pipeline compares inputs by content; <see cref="AdditionalText"/> and
/// <c>SourceText</c> compare by reference and must not flow past the first step.
/// </remarks>
/// <param name="Path">The AdditionalFile path (diagnostics point here).</param>
/// <param name="IncludeName">The name C code includes it by (<c>linux/iommufd.h</c>), from item metadata or the file name.</param>
/// <param name="Text">The header text.</param>
internal sealed record HeaderInput(string Path, string IncludeName, string Text)
{
    /// <summary>Item metadata that marks an AdditionalFile as a header to generate from (<c>true</c>).</summary>
    public const string HeaderMetadata = "build_metadata.AdditionalFiles.IommuFdHeader";

    /// <summary>Item metadata with the include name (<c>linux/iommufd.h</c>); defaults to <c>linux/</c> + file name.</summary>
    public const string IncludeNameMetadata = "build_metadata.AdditionalFiles.IommuFdIncludeName";

    /// <summary>Item metadata that marks the ioctl annotation file (<c>true</c>).</summary>
    public const string AnnotationsMetadata = "build_metadata.AdditionalFiles.IommuFdAnnotations";

    /// <summary>True when <paramref name="options"/> carry <paramref name="key"/> = <c>true</c>.</summary>
    public static bool IsFlagged(AnalyzerConfigOptions options, string key) =>
        options.TryGetValue(key, out string? value) && string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads a flagged header; null for any other AdditionalFile (or one that cannot be read).</summary>
    public static HeaderInput? TryCreate(AdditionalText file, AnalyzerConfigOptions options, CancellationToken cancellationToken)
    {
        if (!file.Path.EndsWith(".h", StringComparison.OrdinalIgnoreCase) || !IsFlagged(options, HeaderMetadata))
        {
            return null;
        }

        string? text = file.GetText(cancellationToken)?.ToString();
        if (text is null)
        {
            return null;
        }

        string includeName = options.TryGetValue(IncludeNameMetadata, out string? name) && !string.IsNullOrWhiteSpace(name)
            ? name!.Trim()
            : "linux/" + System.IO.Path.GetFileName(file.Path);
        return new HeaderInput(file.Path, includeName, text);
    }
}
