namespace IommuFd.CHeaders.Model;

/// <summary>
/// A C struct or union with its x86-64 (LP64) layout, computed by the layout engine and checked against gcc by the
/// layout oracle.
/// </summary>
/// <param name="Name">C tag name, e.g. <c>iommu_ioas_map</c>.</param>
/// <param name="IsUnion">True for <c>union x { … }</c>.</param>
/// <param name="Size">sizeof, in bytes (a flexible array member adds nothing).</param>
/// <param name="Alignment">alignof, in bytes.</param>
/// <param name="Fields">
/// Members in declaration order with byte offsets relative to this struct. Members of anonymous unions and
/// structs are flattened into this list (as C lets code name them directly) with
/// <see cref="FieldModel.AnonymousGroup"/> telling which anonymous aggregate they came from.
/// </param>
/// <param name="Constants">Names of <c>#define</c>s written inside the body (their values are in <see cref="HeaderModel.Constants"/>).</param>
/// <param name="Doc">kernel-doc of the struct, if any.</param>
/// <param name="IoctlName">The ioctl this struct is the argument of, from a <c>struct x - ioctl(NAME)</c> kernel-doc line, if any.</param>
/// <param name="Location">Where the struct is declared.</param>
public sealed record StructModel(
    string Name,
    bool IsUnion,
    int Size,
    int Alignment,
    EquatableArray<FieldModel> Fields,
    EquatableArray<string> Constants,
    DocComment? Doc,
    string? IoctlName,
    SourceLocation Location);

/// <summary>What kind of storage a field's element type is.</summary>
public enum FieldKind
{
    /// <summary>A fixed-width integer (<c>__u32</c>, <c>__aligned_u64</c>, <c>int</c>, …).</summary>
    Integer,

    /// <summary>A named struct or union (<see cref="FieldModel.StructName"/>).</summary>
    Struct,

    /// <summary>A data pointer (<c>__u64 *data</c>): host pointer width.</summary>
    Pointer,
}

/// <summary>One member of a struct or union, after layout.</summary>
/// <param name="Name">C member name (may start with <c>__</c>).</param>
/// <param name="CType">The C type as written, normalised to single spaces (e.g. <c>__aligned_u64</c>, <c>struct vfio_bitmap</c>, <c>__u64 *</c>).</param>
/// <param name="Kind">Kind of the element type.</param>
/// <param name="ElementSize">Size of one element in bytes.</param>
/// <param name="IsSigned">For integers: signed (<c>__s32</c>, <c>int</c>).</param>
/// <param name="StructName">For <see cref="FieldKind.Struct"/>: the tag name; for pointers to integers: null.</param>
/// <param name="Offset">Byte offset from the start of the containing (named) struct.</param>
/// <param name="Size">Total size in bytes (element size × count; 0 for a flexible array member).</param>
/// <param name="ArrayLength">0 for a scalar, N for <c>x[N]</c>, -1 for a flexible array member <c>x[]</c>.</param>
/// <param name="AnonymousGroup">0 for a direct member; otherwise a 1-based id shared by the members of one anonymous union/struct.</param>
/// <param name="CountedBy">The member named by a <c>__counted_by(x)</c> attribute, if any.</param>
/// <param name="Doc">The kernel-doc <c>@name:</c> text, or a trailing comment, if any.</param>
/// <param name="Location">Where the member is declared.</param>
public sealed record FieldModel(
    string Name,
    string CType,
    FieldKind Kind,
    int ElementSize,
    bool IsSigned,
    string? StructName,
    int Offset,
    int Size,
    int ArrayLength,
    int AnonymousGroup,
    string? CountedBy,
    string? Doc,
    SourceLocation Location)
{
    /// <summary>True for a flexible array member <c>T name[]</c>.</summary>
    public bool IsFlexibleArray => ArrayLength < 0;

    /// <summary>
    /// For a member declared with an unnamed struct or union type (<c>struct { __u32 a; } name;</c>, e.g. the per-op
    /// payloads in <c>iommu_test_cmd</c>'s anonymous union): that type's layout, with an empty
    /// <see cref="StructModel.Name"/> and offsets relative to the member. Then <see cref="Kind"/> is
    /// <see cref="FieldKind.Struct"/>, <see cref="StructName"/> is null and <see cref="CType"/> is <c>struct {...}</c> or
    /// <c>union {...}</c>. Null for every other member. Added after the first model version as an init-only property
    /// so the positional constructor stays unchanged.
    /// </summary>
    public StructModel? UnnamedType { get; init; }
}
