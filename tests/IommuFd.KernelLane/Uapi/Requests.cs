// Interim request numbers and flag values (see Structs.cs). iommufd: _IO(';', 0x80 + n); VFIO: _IO(';', 100 + n).
#pragma warning disable CA1707, IDE1006 // C names
namespace IommuFd.KernelLane.Uapi;

internal static class Req
{
    public const nuint IOMMU_DESTROY = 0x3B80;
    public const nuint IOMMU_IOAS_ALLOC = 0x3B81;
    public const nuint IOMMU_IOAS_ALLOW_IOVAS = 0x3B82;
    public const nuint IOMMU_IOAS_COPY = 0x3B83;
    public const nuint IOMMU_IOAS_IOVA_RANGES = 0x3B84;
    public const nuint IOMMU_IOAS_MAP = 0x3B85;
    public const nuint IOMMU_IOAS_UNMAP = 0x3B86;
    public const nuint IOMMU_OPTION = 0x3B87;
    public const nuint IOMMU_VFIO_IOAS = 0x3B88;
    public const nuint IOMMU_HWPT_ALLOC = 0x3B89;
    public const nuint IOMMU_GET_HW_INFO = 0x3B8A;
    public const nuint IOMMU_HWPT_SET_DIRTY_TRACKING = 0x3B8B;
    public const nuint IOMMU_HWPT_GET_DIRTY_BITMAP = 0x3B8C;
    public const nuint IOMMU_HWPT_INVALIDATE = 0x3B8D;
    public const nuint IOMMU_FAULT_QUEUE_ALLOC = 0x3B8E;
    public const nuint IOMMU_IOAS_MAP_FILE = 0x3B8F;
    public const nuint IOMMU_VIOMMU_ALLOC = 0x3B90;
    public const nuint IOMMU_VDEVICE_ALLOC = 0x3B91;
    public const nuint IOMMU_IOAS_CHANGE_PROCESS = 0x3B92;
    public const nuint IOMMU_VEVENTQ_ALLOC = 0x3B93;
    public const nuint IOMMU_HW_QUEUE_ALLOC = 0x3B94;
    public const nuint IOMMU_TEST_CMD = 0x3BA0;

    public const nuint VFIO_GET_API_VERSION = 0x3B64;
    public const nuint VFIO_CHECK_EXTENSION = 0x3B65;
    public const nuint VFIO_SET_IOMMU = 0x3B66;
    public const nuint VFIO_GROUP_GET_STATUS = 0x3B67;
    public const nuint VFIO_GROUP_SET_CONTAINER = 0x3B68;
    public const nuint VFIO_GROUP_UNSET_CONTAINER = 0x3B69;
    public const nuint VFIO_GROUP_GET_DEVICE_FD = 0x3B6A;
    public const nuint VFIO_DEVICE_GET_INFO = 0x3B6B;
    public const nuint VFIO_DEVICE_GET_REGION_INFO = 0x3B6C;
    public const nuint VFIO_IOMMU_GET_INFO = 0x3B70;
    public const nuint VFIO_IOMMU_MAP_DMA = 0x3B71;
    public const nuint VFIO_IOMMU_UNMAP_DMA = 0x3B72;
    public const nuint VFIO_DEVICE_BIND_IOMMUFD = 0x3B76;
    public const nuint VFIO_DEVICE_ATTACH_IOMMUFD_PT = 0x3B77;
    public const nuint VFIO_DEVICE_DETACH_IOMMUFD_PT = 0x3B78;
}

internal static class K
{
    public const uint IOMMU_IOAS_MAP_FIXED_IOVA = 1, IOMMU_IOAS_MAP_WRITEABLE = 2, IOMMU_IOAS_MAP_READABLE = 4;
    public const uint IOMMU_OPTION_RLIMIT_MODE = 0, IOMMU_OPTION_HUGE_PAGES = 1;
    public const ushort IOMMU_OPTION_OP_SET = 0, IOMMU_OPTION_OP_GET = 1;
    public const ushort IOMMU_VFIO_IOAS_GET = 0, IOMMU_VFIO_IOAS_SET = 1, IOMMU_VFIO_IOAS_CLEAR = 2;
    public const uint IOMMU_HWPT_ALLOC_NEST_PARENT = 1, IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 2;
    public const uint IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1;
    public const uint IOMMU_HW_INFO_TYPE_INTEL_VTD = 1;
    public const ulong IOMMU_HW_CAP_DIRTY_TRACKING = 1;

    public const uint VFIO_TYPE1_IOMMU = 1, VFIO_TYPE1v2_IOMMU = 3, VFIO_NOIOMMU_IOMMU = 8, VFIO_UNMAP_ALL = 9;
    public const uint VFIO_GROUP_FLAGS_VIABLE = 1;
    public const uint VFIO_DEVICE_FLAGS_RESET = 1, VFIO_DEVICE_FLAGS_PCI = 2;
    public const uint VFIO_PCI_BAR0_REGION_INDEX = 0, VFIO_PCI_CONFIG_REGION_INDEX = 7;
    public const uint VFIO_IOMMU_INFO_PGSIZES = 1, VFIO_IOMMU_INFO_CAPS = 2;
    public const ushort VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL = 3;
    public const uint VFIO_DMA_MAP_FLAG_READ = 1, VFIO_DMA_MAP_FLAG_WRITE = 2;

    // iommufd_test.h
    public const uint IOMMU_TEST_OP_MOCK_DOMAIN = 2, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE = 10, IOMMU_TEST_OP_DIRTY = 13;
    public const ulong MOCK_APERTURE_START = 1UL << 24, MOCK_APERTURE_LAST = (1UL << 31) - 1;
    public const uint MOCK_PAGE_SIZE = 2048;
    public const uint IOMMU_HW_INFO_TYPE_SELFTEST = 0xfeedbeef, IOMMU_HW_INFO_SELFTEST_REGVAL = 0xdeadbeef;
}
