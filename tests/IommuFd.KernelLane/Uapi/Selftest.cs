// drivers/iommu/iommufd/iommufd_test.h (linux-source-7.2 7.2.13): the IOMMU_TEST_CMD interface of CONFIG_IOMMUFD_TEST
// kernels. Everything else the lane uses comes from the generated IommuFd.Interop bindings. These few definitions are
// written by hand until the generator reads iommufd_test.h (extracted by tests/kernel-vm/fetch-source --test-header
// to $IOMMUFD_CACHE/linux-source-7.2/<ver>/iommufd_test.h) and the layout oracle checks them; they are nested in
// Selftest so that the generated iommu_test_cmd, once it exists, cannot clash with them.
#pragma warning disable CA1707, IDE1006, CS0649 // C names; fields written through pointers
using System.Runtime.InteropServices;

namespace IommuFd.KernelLane.Uapi;

internal static class Selftest
{
    /// <summary>_IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32).</summary>
    public const uint IOMMU_TEST_CMD = 0x3BA0;

    /// <summary>offsetofend(struct iommu_test_cmd, last): the kernel's minimum size for IOMMU_TEST_CMD.</summary>
    public const int IOMMU_TEST_CMD_MinSize = 68;

    // enum { IOMMU_TEST_OP_ADD_RESERVED = 1, IOMMU_TEST_OP_MOCK_DOMAIN, ... }
    public const uint IOMMU_TEST_OP_MOCK_DOMAIN = 2;
    public const uint IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE = 10;
    public const uint IOMMU_TEST_OP_DIRTY = 13;

    public const ulong MOCK_APERTURE_START = 1UL << 24;
    public const uint IOMMU_HW_INFO_TYPE_SELFTEST = 0xfeedbeef;
    public const uint IOMMU_HW_INFO_SELFTEST_REGVAL = 0xdeadbeef;

    /// <summary>struct iommu_test_cmd: a header, a union of per-op payloads (the ones the lane uses) and <c>last</c>.</summary>
    [StructLayout(LayoutKind.Explicit, Size = NativeSize)]
    public struct iommu_test_cmd
    {
        public const int NativeSize = 72;

        [FieldOffset(0)] public uint size;
        [FieldOffset(4)] public uint op;
        [FieldOffset(8)] public uint id;
        [FieldOffset(12)] public uint __reserved;

        // union member mock_domain
        [FieldOffset(16)] public uint mock_domain_out_stdev_id;
        [FieldOffset(20)] public uint mock_domain_out_hwpt_id;
        [FieldOffset(24)] public uint mock_domain_out_idev_id;

        // union member mock_domain_replace
        [FieldOffset(16)] public uint mock_domain_replace_pt_id;

        // union member dirty
        [FieldOffset(16)] public uint dirty_flags;
        [FieldOffset(24)] public ulong dirty_iova;
        [FieldOffset(32)] public ulong dirty_length;
        [FieldOffset(40)] public ulong dirty_page_size;
        [FieldOffset(48)] public ulong dirty_uptr;
        [FieldOffset(56)] public ulong dirty_out_nr_dirty;

        [FieldOffset(64)] public uint last;
    }

    /// <summary>struct iommu_test_hw_info: the mock device's GET_HW_INFO data.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct iommu_test_hw_info
    {
        public uint flags;
        public uint test_reg;
    }
}
