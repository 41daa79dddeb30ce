using IommuFd.Interop;

namespace IommuFd.KernelLane.Uapi;

/// <summary>
/// The generated flag enums as the <c>uint</c>/<c>ushort</c> the struct fields take (the enums are <c>int</c>-based, as in C).
/// </summary>
internal static class Flags
{
    public const uint FixedIova = (uint)iommufd_ioas_map_flags.IOMMU_IOAS_MAP_FIXED_IOVA;
    public const uint ReadWrite = (uint)(iommufd_ioas_map_flags.IOMMU_IOAS_MAP_READABLE | iommufd_ioas_map_flags.IOMMU_IOAS_MAP_WRITEABLE);
    public const uint RlimitMode = (uint)iommufd_option.IOMMU_OPTION_RLIMIT_MODE;
    public const uint HugePages = (uint)iommufd_option.IOMMU_OPTION_HUGE_PAGES;
    public const ushort OpSet = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_SET;
    public const ushort OpGet = (ushort)iommufd_option_ops.IOMMU_OPTION_OP_GET;
    public const uint NestParent = (uint)iommufd_hwpt_alloc_flags.IOMMU_HWPT_ALLOC_NEST_PARENT;
    public const uint DirtyTracking = (uint)iommufd_hwpt_alloc_flags.IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
    public const uint DirtyTrackingEnable = (uint)iommufd_hwpt_set_dirty_tracking_flags.IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
    public const ulong CapDirtyTracking = (ulong)iommufd_hw_capabilities.IOMMU_HW_CAP_DIRTY_TRACKING;

    /// <summary>A flag bit no uAPI version defines, for unknown-flag checks.</summary>
    public const uint Unknown = 0x8000_0000;
}
