namespace IommuFd.CHeaders.Model;

/// <summary>A C enum. Anonymous enums (the iommufd command list, VFIO index lists) have a null name.</summary>
/// <param name="Name">Tag name, or null for <c>enum { … }</c>.</param>
/// <param name="Enumerators">Enumerators in order, values resolved (implicit previous+1, references, shifts).</param>
/// <param name="Doc">kernel-doc of the enum, if any.</param>
/// <param name="Location">Where the enum is declared.</param>
public sealed record EnumModel(
    string? Name,
    EquatableArray<EnumeratorModel> Enumerators,
    DocComment? Doc,
    SourceLocation Location);

/// <summary>One enumerator. Values may repeat (<c>IOMMU_HW_INFO_TYPE_NONE = IOMMU_HW_INFO_TYPE_DEFAULT</c>).</summary>
/// <param name="Name">C name.</param>
/// <param name="Value">Folded value (C enum constants are <c>int</c>-ranged or, as a GNU extension, wider).</param>
/// <param name="Expression">The initializer as written, or null when implicit.</param>
/// <param name="Doc">kernel-doc <c>@NAME:</c> text or trailing comment, if any.</param>
/// <param name="Location">Where the enumerator is declared.</param>
public sealed record EnumeratorModel(
    string Name,
    long Value,
    string? Expression,
    string? Doc,
    SourceLocation Location);
