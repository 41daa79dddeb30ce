// Interim uAPI definitions for the kernel lane, with the C names of linux/iommufd.h, linux/vfio.h and
// drivers/iommu/iommufd/iommufd_test.h (7.2). They are replaced by the generated IommuFd.Interop types as those land;
// the layout oracle checks the generated ones, and Layout.Verify() checks these against the sizes the reference
// inventory lists (shared/reference/kernel-iommufd.md §1.4) before any ioctl is sent.
#pragma warning disable CA1707, IDE1006, CS0649 // C names, fields written through pointers
using System.Runtime.InteropServices;

namespace IommuFd.KernelLane.Uapi;

[StructLayout(LayoutKind.Sequential)] internal struct iommu_destroy { public uint size, id; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_ioas_alloc { public uint size, flags, out_ioas_id; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_iova_range { public ulong start, last; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_ioas_iova_ranges { public uint size, ioas_id, num_iovas, __reserved; public ulong allowed_iovas, out_iova_alignment; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_ioas_allow_iovas { public uint size, ioas_id, num_iovas, __reserved; public ulong allowed_iovas; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_ioas_map { public uint size, flags, ioas_id, __reserved; public ulong user_va, length, iova; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_ioas_map_file { public uint size, flags, ioas_id; public int fd; public ulong start, length, iova; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_ioas_copy { public uint size, flags, dst_ioas_id, src_ioas_id; public ulong length, dst_iova, src_iova; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_ioas_unmap { public uint size, ioas_id; public ulong iova, length; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_option { public uint size, option_id; public ushort op, __reserved; public uint object_id; public ulong val64; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_vfio_ioas { public uint size, ioas_id; public ushort op, __reserved; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_hwpt_alloc { public uint size, flags, dev_id, pt_id, out_hwpt_id, __reserved, data_type, data_len; public ulong data_uptr; public uint fault_id, __reserved2; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_hw_info { public uint size, flags, dev_id, data_len; public ulong data_uptr; public uint out_data_type; public byte out_max_pasid_log2, __reserved0, __reserved1, __reserved2; public ulong out_capabilities; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_hw_info_vtd { public uint flags, __reserved; public ulong cap_reg, ecap_reg; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_hwpt_set_dirty_tracking { public uint size, flags, hwpt_id, __reserved; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_hwpt_get_dirty_bitmap { public uint size, hwpt_id, flags, __reserved; public ulong iova, length, page_size, data; }
[StructLayout(LayoutKind.Sequential)] internal struct iommu_fault_alloc { public uint size, flags, out_fault_id, out_fault_fd; }

// linux/vfio.h
[StructLayout(LayoutKind.Sequential)] internal struct vfio_device_bind_iommufd { public uint argsz, flags; public int iommufd; public uint out_devid; public ulong token_uuid_ptr; }
[StructLayout(LayoutKind.Sequential)] internal struct vfio_device_attach_iommufd_pt { public uint argsz, flags, pt_id, pasid; }
[StructLayout(LayoutKind.Sequential)] internal struct vfio_device_detach_iommufd_pt { public uint argsz, flags, pasid; }
[StructLayout(LayoutKind.Sequential)] internal struct vfio_device_info { public uint argsz, flags, num_regions, num_irqs, cap_offset, pad; }
[StructLayout(LayoutKind.Sequential)] internal struct vfio_region_info { public uint argsz, flags, index, cap_offset; public ulong size, offset; }
[StructLayout(LayoutKind.Sequential)] internal struct vfio_group_status { public uint argsz, flags; }
[StructLayout(LayoutKind.Sequential)] internal struct vfio_iommu_type1_info { public uint argsz, flags; public ulong iova_pgsizes; public uint cap_offset, pad; }
[StructLayout(LayoutKind.Sequential)] internal struct vfio_info_cap_header { public ushort id, version; public uint next; }
[StructLayout(LayoutKind.Sequential)] internal struct vfio_iommu_type1_dma_map { public uint argsz, flags; public ulong vaddr, iova, size; }
[StructLayout(LayoutKind.Sequential)] internal struct vfio_iommu_type1_dma_unmap { public uint argsz, flags; public ulong iova, size; }

// drivers/iommu/iommufd/iommufd_test.h: struct iommu_test_cmd is a header, a union of per-op payloads and `last`.
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal struct iommu_test_cmd
{
    [FieldOffset(0)] public uint size;
    [FieldOffset(4)] public uint op;
    [FieldOffset(8)] public uint id;
    [FieldOffset(12)] public uint __reserved;
    // mock_domain / mock_domain_flags
    [FieldOffset(16)] public uint mock_domain_out_stdev_id;
    [FieldOffset(20)] public uint mock_domain_out_hwpt_id;
    [FieldOffset(24)] public uint mock_domain_out_idev_id;
    [FieldOffset(28)] public uint mock_domain_flags_dev_flags;
    // mock_domain_replace
    [FieldOffset(16)] public uint mock_domain_replace_pt_id;
    // dirty
    [FieldOffset(16)] public uint dirty_flags;
    [FieldOffset(24)] public ulong dirty_iova;
    [FieldOffset(32)] public ulong dirty_length;
    [FieldOffset(40)] public ulong dirty_page_size;
    [FieldOffset(48)] public ulong dirty_uptr;
    [FieldOffset(56)] public ulong dirty_out_nr_dirty;
    [FieldOffset(64)] public uint last;
}

[StructLayout(LayoutKind.Sequential)] internal struct iommu_test_hw_info { public uint flags, test_reg; }
