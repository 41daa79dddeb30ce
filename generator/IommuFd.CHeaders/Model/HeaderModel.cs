namespace IommuFd.CHeaders.Model;

/// <summary>
/// Everything the generator needs from one uapi header, as plain values (no Roslyn types), so that the incremental
/// pipeline can compare models by content and skip emission when nothing that matters changed.
/// </summary>
/// <param name="Path">Path of the header as given to the parser (used in diagnostics).</param>
/// <param name="IncludeName">The name C code includes it by, e.g. <c>linux/iommufd.h</c>.</param>
/// <param name="Structs">Every struct and union with a body, in declaration order, with its computed layout.</param>
/// <param name="Enums">Every enum, named and anonymous, in declaration order.</param>
/// <param name="Constants">Every object-like <c>#define</c> that folds to a value (including ones inside struct bodies).</param>
/// <param name="Ioctls">Every <c>_IO/_IOR/_IOW/_IOWR</c> macro, folded, with its argument pairing.</param>
/// <param name="DocSections">kernel-doc <c>DOC:</c> sections.</param>
/// <param name="Diagnostics">Everything the front end could not handle, located at header file:line.</param>
public sealed record HeaderModel(
    string Path,
    string IncludeName,
    EquatableArray<StructModel> Structs,
    EquatableArray<EnumModel> Enums,
    EquatableArray<ConstantModel> Constants,
    EquatableArray<IoctlModel> Ioctls,
    EquatableArray<DocSection> DocSections,
    EquatableArray<HeaderDiagnostic> Diagnostics)
{
    /// <summary>
    /// <c>#include</c> targets as written (<c>linux/ioctl.h</c>), recorded but not followed. Added after the first
    /// model version as an init-only property so the positional constructor stays unchanged.
    /// </summary>
    public EquatableArray<string> Includes { get; init; } = EquatableArray<string>.Empty;
}

/// <summary>A position in a header: 1-based line and column, plus the 0-based character span for Roslyn locations.</summary>
public sealed record SourceLocation(string Path, int Line, int Column, int Start, int Length);

/// <summary>kernel-doc attached to a declaration: the one-line summary and the free text after the member list.</summary>
public sealed record DocComment(string Summary, string Description);

/// <summary>A kernel-doc <c>DOC: title</c> section.</summary>
public sealed record DocSection(string Title, string Text, SourceLocation Location);
