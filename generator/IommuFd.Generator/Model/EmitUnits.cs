using IommuFd.CHeaders.Model;

namespace IommuFd.Generator.Model;

/// <summary>
/// One generated file's worth of input: the unit the emit step works on. Units carry no source locations, so a
/// header edit that only moves lines (a comment, blank lines) yields equal units and the emit step stays cached.
/// </summary>
/// <remarks>
/// Like every pipeline value these are records of strings, numbers and <see cref="EquatableArray{T}"/>: value equality
/// end to end (System.Text.Json generator's model rule), and no Roslyn types.
/// </remarks>
/// <param name="HintName">The generated file's hint name, e.g. <c>linux.iommufd.iommu_ioas_map.g.cs</c>.</param>
/// <param name="IncludeName">The header's include name, e.g. <c>linux/iommufd.h</c>.</param>
internal abstract record EmitUnit(string HintName, string IncludeName);

/// <summary>A struct or union, with the constants written in its body and the ioctls that take it.</summary>
/// <param name="HintName">Hint name.</param>
/// <param name="IncludeName">Include name.</param>
/// <param name="Struct">The struct, locations blanked, field names already made legal.</param>
/// <param name="Constants">The <c>#define</c>s written inside the struct body.</param>
/// <param name="Ioctls">The ioctls whose argument this struct is.</param>
internal sealed record StructUnit(
    string HintName,
    string IncludeName,
    StructModel Struct,
    EquatableArray<ConstantModel> Constants,
    EquatableArray<IoctlUse> Ioctls)
    : EmitUnit(HintName, IncludeName);

/// <summary>An ioctl that takes a struct, as far as the struct's own file needs to know.</summary>
/// <param name="Name">The ioctl macro name.</param>
/// <param name="MinSize">The kernel's minimum accepted size, if known.</param>
/// <param name="MinSizeField">The last field the minimum covers, if known.</param>
internal sealed record IoctlUse(string Name, int? MinSize, string? MinSizeField);

/// <summary>A named C enum.</summary>
/// <param name="HintName">Hint name.</param>
/// <param name="IncludeName">Include name.</param>
/// <param name="Enum">The enum, locations blanked.</param>
internal sealed record EnumUnit(string HintName, string IncludeName, EnumModel Enum)
    : EmitUnit(HintName, IncludeName);

/// <summary>The header's static constants class: anonymous-enum enumerators, <c>#define</c>s, ioctl numbers, DOC sections.</summary>
/// <param name="HintName">Hint name.</param>
/// <param name="IncludeName">Include name.</param>
/// <param name="ClassName">The class name (<c>iommufd</c>, <c>vfio</c>).</param>
/// <param name="Enumerators">Enumerators of anonymous enums, duplicates removed.</param>
/// <param name="Constants">Folded <c>#define</c>s, duplicates and ioctl macros removed.</param>
/// <param name="Ioctls">Ioctl request numbers.</param>
/// <param name="DocSections">kernel-doc <c>DOC:</c> sections, emitted as the class remarks.</param>
internal sealed record ConstantsUnit(
    string HintName,
    string IncludeName,
    string ClassName,
    EquatableArray<EnumeratorModel> Enumerators,
    EquatableArray<ConstantModel> Constants,
    EquatableArray<IoctlModel> Ioctls,
    EquatableArray<DocSection> DocSections)
    : EmitUnit(HintName, IncludeName);

/// <summary>The header's part of the static <c>Ioctl</c> stub class.</summary>
/// <param name="HintName">Hint name.</param>
/// <param name="IncludeName">Include name.</param>
/// <param name="ClassName">The header's constants class, where the request numbers live.</param>
/// <param name="Stubs">One entry per ioctl.</param>
internal sealed record IoctlUnit(string HintName, string IncludeName, string ClassName, EquatableArray<IoctlStub> Stubs)
    : EmitUnit(HintName, IncludeName)
{
    /// <summary>The stub class (<c>Ioctl</c> unless the header's <c>IommuFdStubClass</c> metadata names another).</summary>
    public string StubClass { get; init; } = Emit.CSharpNames.StubClass;
}

/// <summary>What the stub emitter needs for one ioctl.</summary>
/// <param name="Ioctl">The ioctl, location blanked.</param>
/// <param name="StructKnown">For struct arguments: whether the struct is generated (otherwise only a <c>void*</c> stub is emitted).</param>
/// <param name="SizeField">The leading <c>__u32</c> member the typed stub fills with <c>sizeof</c> (<c>size</c> or <c>argsz</c>), or null.</param>
internal sealed record IoctlStub(IoctlModel Ioctl, bool StructKnown, string? SizeField);
