using IommuFd.CHeaders.Model;
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
    /// <summary>
    /// Item metadata: include names (<c>;</c>-separated) of headers this one includes and uses, e.g.
    /// <c>linux/iommufd.h</c> for the selftest header <c>iommufd_test.h</c>. Their models are passed to the front end.
    /// One level: a dependency must itself have no dependencies.
    /// </summary>
    public const string DependsOnMetadata = "build_metadata.AdditionalFiles.IommuFdDependsOn";

    /// <summary>
    /// Item metadata: <c>false</c> reads the header only as a dependency of others (nothing is emitted for it, e.g.
    /// because a referenced assembly already has its types). Default <c>true</c>.
    /// </summary>
    public const string EmitMetadata = "build_metadata.AdditionalFiles.IommuFdEmit";

    /// <summary>
    /// Item metadata: the class the header's ioctl stubs go into (default <see cref="IommuFd.Generator.Emit.CSharpNames.StubClass"/>,
    /// <c>Ioctl</c>). A project that references an assembly with generated stubs needs another name: a second
    /// <c>IommuFd.Interop.Ioctl</c> in source would hide the referenced one.
    /// </summary>
    public const string StubClassMetadata = "build_metadata.AdditionalFiles.IommuFdStubClass";

    /// <summary>Include names of the headers this one depends on (see <see cref="DependsOnMetadata"/>).</summary>
    public EquatableArray<string> DependsOn { get; init; } = EquatableArray<string>.Empty;

    /// <summary>False when the header is read only as a dependency (see <see cref="EmitMetadata"/>).</summary>
    public bool Emit { get; init; } = true;

    /// <summary>The stub class name (see <see cref="StubClassMetadata"/>).</summary>
    public string StubClass { get; init; } = Generator.Emit.CSharpNames.StubClass;

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
        string[] depends = options.TryGetValue(DependsOnMetadata, out string? d) && d is not null
            ? d.Split([';', ','], StringSplitOptions.RemoveEmptyEntries).Select(x => x.Trim()).Where(x => x.Length > 0).Distinct(StringComparer.Ordinal).ToArray()
            : [];
        bool emit = !(options.TryGetValue(EmitMetadata, out string? e) && string.Equals(e?.Trim(), "false", StringComparison.OrdinalIgnoreCase));
        string stubClass = options.TryGetValue(StubClassMetadata, out string? c) && !string.IsNullOrWhiteSpace(c)
            ? Generator.Emit.CSharpNames.ValidName(c!.Trim())
            : Generator.Emit.CSharpNames.StubClass;
        return new HeaderInput(file.Path, includeName, text) { DependsOn = depends.ToEquatableArray(), Emit = emit, StubClass = stubClass };
    }
}
