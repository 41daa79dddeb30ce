using System;

namespace IommuFd.Interop;

/// <summary>
/// Records the C spelling of a generated declaration: the C type of a member (<c>__aligned_u64</c>,
/// <c>__u8[3]</c>), the tag of a type (<c>struct iommu_ioas_map</c>) or the full <c>#define</c> of a constant
/// (TerraFX/ClangSharp convention).
/// </summary>
/// <remarks>
/// Metadata only: nothing reads it at run time. Tools (the layout oracle, the CLI's ABI summary) use it to map C#
/// back to the header without re-parsing it.
/// </remarks>
/// <param name="name">The C spelling.</param>
[AttributeUsage(
    AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Field | AttributeTargets.Parameter |
    AttributeTargets.ReturnValue | AttributeTargets.Property,
    AllowMultiple = false,
    Inherited = true)]
public sealed class NativeTypeNameAttribute(string name) : Attribute
{
    /// <summary>The C spelling.</summary>
    public string Name { get; } = name;
}
