namespace IommuFd.CHeaders.Model;

/// <summary>The direction bits of an ioctl request (the <c>_IO*</c> macro used).</summary>
public enum IoctlDirection
{
    /// <summary><c>_IO</c>: no size or direction encoded (every iommufd and VFIO ioctl).</summary>
    None,

    /// <summary><c>_IOR</c>.</summary>
    Read,

    /// <summary><c>_IOW</c>.</summary>
    Write,

    /// <summary><c>_IOWR</c>.</summary>
    ReadWrite,
}

/// <summary>How the third <c>ioctl()</c> argument is passed.</summary>
public enum IoctlArgumentKind
{
    /// <summary>A pointer to <see cref="IoctlModel.ArgumentStruct"/> whose first u32 is <c>size</c> (iommufd) or <c>argsz</c> (VFIO).</summary>
    Struct,

    /// <summary>An integer passed by value (<c>VFIO_CHECK_EXTENSION</c>, <c>VFIO_SET_IOMMU</c>) or a pointer to a scalar.</summary>
    Value,

    /// <summary>No argument (<c>VFIO_GET_API_VERSION</c>, <c>VFIO_DEVICE_RESET</c>).</summary>
    None,
}

/// <summary>An ioctl request macro, folded at generation time with the generic Linux <c>_IOC</c> encoding.</summary>
/// <param name="Name">Macro name, e.g. <c>IOMMU_IOAS_MAP</c>.</param>
/// <param name="Direction">Which <c>_IO*</c> macro defines it.</param>
/// <param name="Type">The type byte (<c>';'</c> = 0x3B).</param>
/// <param name="Nr">The number byte.</param>
/// <param name="SizeTypeText">For <c>_IOR/_IOW/_IOWR</c>: the size argument as written; otherwise null.</param>
/// <param name="Number">The folded request value (generic encoding: x86, arm64, riscv; not alpha/mips/powerpc/sparc).</param>
/// <param name="ArgumentKind">How the argument is passed.</param>
/// <param name="ArgumentStruct">The argument struct's tag name when <see cref="ArgumentKind"/> is Struct.</param>
/// <param name="MinSize">The kernel's minimum accepted size (offsetofend of the last required field), if known.</param>
/// <param name="MinSizeField">The field the minimum size ends at, as named in the annotation file, if any.</param>
/// <param name="Definition">The macro's replacement list as written (single-spaced).</param>
/// <param name="Doc">kernel-doc or comment describing the ioctl, if any.</param>
/// <param name="Location">Where the macro is defined.</param>
public sealed record IoctlModel(
    string Name,
    IoctlDirection Direction,
    int Type,
    int Nr,
    string? SizeTypeText,
    ulong Number,
    IoctlArgumentKind ArgumentKind,
    string? ArgumentStruct,
    int? MinSize,
    string? MinSizeField,
    string Definition,
    DocComment? Doc,
    SourceLocation Location)
{
    /// <summary>
    /// For <see cref="IoctlArgumentKind.Value"/> arguments: the scalar type the comment names in
    /// <c>_IOW(type, nr, T)</c> (<c>__u32</c>, <c>__s32</c>, <c>char</c>), else null. Whether the value itself or a
    /// pointer to it is passed is not stated by the header (VFIO_SET_IOMMU passes the value, VFIO_GROUP_SET_CONTAINER
    /// a pointer to an __s32, VFIO_GROUP_GET_DEVICE_FD a string). Added as an init-only property so the positional
    /// constructor stays unchanged.
    /// </summary>
    public string? ArgumentType { get; init; }
}
