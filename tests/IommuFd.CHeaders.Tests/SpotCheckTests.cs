using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Tests;

/// <summary>Spot checks against the gcc-probed layouts and kernel facts of shared/reference/kernel-iommufd.md §1.3-§1.6.</summary>
public class SpotCheckTests
{
    [Theory]
    [InlineData("6.12")]
    [InlineData("7.2")]
    public void Iommu_hw_info_union_sits_at_24_and_struct_is_40(string line)
    {
        StructModel s = Headers.Model(line, "iommufd.h").Struct("iommu_hw_info");
        Assert.Equal((40, 8), (s.Size, s.Alignment));
        Assert.Equal(24, s.Field("out_data_type").Offset);
        Assert.Equal(28, s.Field("out_max_pasid_log2").Offset);
        FieldModel reserved = s.Field("__reserved");
        Assert.Equal((29, 3, 3, 1), (reserved.Offset, reserved.Size, reserved.ArrayLength, reserved.ElementSize));
        Assert.Equal(32, s.Field("out_capabilities").Offset);
        if (line == "7.2")
        {
            FieldModel input = s.Field("in_data_type"), output = s.Field("out_data_type");
            Assert.Equal(input.Offset, output.Offset);
            Assert.NotEqual(0, input.AnonymousGroup);
            Assert.Equal(input.AnonymousGroup, output.AnonymousGroup);
        }
        else
        {
            Assert.Equal(0, s.Field("out_data_type").AnonymousGroup);
        }
    }

    [Theory]
    [InlineData("iommu_hwpt_alloc", 48, 8, "data_uptr", 32)]
    [InlineData("iommu_hwpt_set_dirty_tracking", 16, 4, "__reserved", 12)]
    [InlineData("iommu_veventq_alloc", 32, 4, "out_veventq_fd", 24)]
    [InlineData("iommu_hw_info_arm_smmuv3", 40, 4, "aidr", 36)]
    [InlineData("iommu_hw_info_tegra241_cmdqv", 8, 4, "__reserved", 7)]
    [InlineData("iommu_hwpt_pgfault", 40, 8, "cookie", 36)]
    [InlineData("iommu_option", 24, 8, "val64", 16)]
    [InlineData("iommu_vdevice_alloc", 24, 8, "virt_id", 16)]
    public void Iommufd_72_layouts(string name, int size, int align, string field, int offset)
    {
        StructModel s = Headers.Model("7.2", "iommufd.h").Struct(name);
        Assert.Equal((size, align, offset), (s.Size, s.Alignment, s.Field(field).Offset));
    }

    [Fact]
    public void No_iommufd_struct_has_implicit_padding()
    {
        foreach (StructModel s in Headers.Model("7.2", "iommufd.h").Structs)
        {
            int end = 0;
            foreach (FieldModel f in s.Fields.Where(f => f.AnonymousGroup == 0 || f == s.Fields.First(x => x.AnonymousGroup == f.AnonymousGroup)))
            {
                Assert.True(f.Offset == end, $"{s.Name}.{f.Name} at {f.Offset}, previous member ended at {end}");
                end = f.Offset + f.Size;
            }

            Assert.Equal(s.Size, end);
        }
    }

    [Theory]
    [InlineData("6.1")]
    [InlineData("6.12")]
    [InlineData("7.2")]
    public void Plain_u64_leaves_x86_64_padding_in_vfio(string line)
    {
        HeaderModel m = Headers.Model(line, "vfio.h");
        StructModel mig = m.Struct("vfio_iommu_type1_info_cap_migration");
        Assert.Equal(12, mig.Field("flags").Offset + mig.Field("flags").Size);
        Assert.Equal(16, mig.Field("pgsize_bitmap").Offset); // 4 bytes of padding at 12
        Assert.Equal(32, mig.Size);

        StructModel eeh = m.Struct("vfio_eeh_pe_op");
        Assert.Equal(16, eeh.Field("err").Offset); // union { struct vfio_eeh_pe_err err; } aligned to 8
        Assert.Equal(FieldKind.Struct, eeh.Field("err").Kind);
        Assert.Equal("vfio_eeh_pe_err", eeh.Field("err").StructName);
        Assert.NotEqual(0, eeh.Field("err").AnonymousGroup);
        Assert.Equal(40, eeh.Size);
    }

    [Fact]
    public void Vfio_cdev_structs_grow_from_612_to_72()
    {
        HeaderModel old = Headers.Model("6.12", "vfio.h"), now = Headers.Model("7.2", "vfio.h");
        Assert.Equal((16, 24), (old.Struct("vfio_device_bind_iommufd").Size, now.Struct("vfio_device_bind_iommufd").Size));
        Assert.Equal((12, 16), (old.Struct("vfio_device_attach_iommufd_pt").Size, now.Struct("vfio_device_attach_iommufd_pt").Size));
        Assert.Equal((8, 12), (old.Struct("vfio_device_detach_iommufd_pt").Size, now.Struct("vfio_device_detach_iommufd_pt").Size));
        Assert.Equal(16, now.Struct("vfio_device_bind_iommufd").Field("token_uuid_ptr").Offset);
        Assert.Equal(24, now.Struct("vfio_device_feature_dma_logging_control").Size);
        Assert.Equal(32, now.Struct("vfio_device_feature_dma_logging_report").Size);
    }

    [Theory]
    [InlineData("6.12", 15)]
    [InlineData("7.2", 21)]
    public void Iommufd_ioctls_are_0x3B80_onwards_without_size_bits(string line, int count)
    {
        HeaderModel m = Headers.Model(line, "iommufd.h");
        var numbers = m.Ioctls.Select(i => i.Number).OrderBy(n => n).ToList();
        Assert.Equal(Enumerable.Range(0x3B80, count).Select(n => (ulong)n), numbers);
        Assert.All(m.Ioctls, i => Assert.Equal((IoctlDirection.None, 0x3B, null), (i.Direction, i.Type, i.SizeTypeText)));
        Assert.All(m.Ioctls, i => Assert.Equal(IoctlArgumentKind.Struct, i.ArgumentKind));
        Assert.Equal((ulong)0x3B89, m.Ioctl("IOMMU_HWPT_ALLOC").Number);
        Assert.Equal("iommu_hw_info", m.Ioctl("IOMMU_GET_HW_INFO").ArgumentStruct);
    }

    [Theory]
    [InlineData("6.1")]
    [InlineData("6.12")]
    [InlineData("7.2")]
    public void Vfio_ioctls_are_0x3B64_plus_n(string line)
    {
        HeaderModel m = Headers.Model(line, "vfio.h");
        int @base = (int)m.Constant("VFIO_BASE").Value;
        Assert.Equal(100, @base);
        foreach (IoctlModel i in m.Ioctls)
        {
            Assert.Equal((ulong)(0x3B00 + i.Nr), i.Number);
            Assert.InRange(i.Nr, 100, 121);
        }

        Assert.Equal((ulong)0x3B64, m.Ioctl("VFIO_GET_API_VERSION").Number);
        Assert.Equal((ulong)0x3B70, m.Ioctl("VFIO_IOMMU_GET_INFO").Number);
        Assert.Equal((ulong)0x3B70, m.Ioctl("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO").Number); // same nr, different fd type
        Assert.Equal((ulong)0x3B75, m.Ioctl("VFIO_DEVICE_FEATURE").Number);
    }

    [Theory]
    [InlineData("IOMMU_DESTROY", 8)]
    [InlineData("IOMMU_IOAS_ALLOC", 12)]
    [InlineData("IOMMU_IOAS_COPY", 40)]
    [InlineData("IOMMU_HWPT_ALLOC", 24)]
    [InlineData("IOMMU_GET_HW_INFO", 32)]
    [InlineData("IOMMU_VIOMMU_ALLOC", 24)]
    [InlineData("IOMMU_VEVENTQ_ALLOC", 28)]
    [InlineData("IOMMU_IOAS_CHANGE_PROCESS", 8)]
    [InlineData("IOMMU_HW_QUEUE_ALLOC", 40)]
    public void Iommufd_min_sizes_match_the_kernel(string ioctl, int min)
    {
        IoctlModel i = Headers.Model("7.2", "iommufd.h").Ioctl(ioctl);
        Assert.Equal(min, i.MinSize);
        StructModel s = Headers.Model("7.2", "iommufd.h").Struct(i.ArgumentStruct!);
        FieldModel last = s.Field(i.MinSizeField!);
        Assert.Equal(last.Offset + last.Size, i.MinSize); // offsetofend, not a copied number
    }

    [Fact]
    public void Iommufd_612_min_sizes_equal_72_for_shared_ioctls()
    {
        HeaderModel old = Headers.Model("6.12", "iommufd.h"), now = Headers.Model("7.2", "iommufd.h");
        Assert.All(old.Ioctls, i => Assert.Equal(now.Ioctl(i.Name).MinSize, i.MinSize));
        Assert.All(now.Ioctls, i => Assert.NotNull(i.MinSize));
    }

    [Theory]
    [InlineData("6.12")]
    [InlineData("7.2")]
    public void Vfio_cdev_min_sizes(string line)
    {
        HeaderModel m = Headers.Model(line, "vfio.h");
        Assert.Equal((16, "out_devid"), (m.Ioctl("VFIO_DEVICE_BIND_IOMMUFD").MinSize, m.Ioctl("VFIO_DEVICE_BIND_IOMMUFD").MinSizeField));
        Assert.Equal((12, "pt_id"), (m.Ioctl("VFIO_DEVICE_ATTACH_IOMMUFD_PT").MinSize, m.Ioctl("VFIO_DEVICE_ATTACH_IOMMUFD_PT").MinSizeField));
        Assert.Equal((8, "flags"), (m.Ioctl("VFIO_DEVICE_DETACH_IOMMUFD_PT").MinSize, m.Ioctl("VFIO_DEVICE_DETACH_IOMMUFD_PT").MinSizeField));
    }

    [Fact]
    public void Vfio_argument_kinds_follow_the_ioctl_comments()
    {
        HeaderModel m = Headers.Model("7.2", "vfio.h");
        Assert.Equal((IoctlArgumentKind.Struct, "vfio_device_info"), (m.Ioctl("VFIO_DEVICE_GET_INFO").ArgumentKind, m.Ioctl("VFIO_DEVICE_GET_INFO").ArgumentStruct));
        Assert.Equal((IoctlArgumentKind.None, (string?)null), (m.Ioctl("VFIO_GET_API_VERSION").ArgumentKind, m.Ioctl("VFIO_GET_API_VERSION").ArgumentStruct));
        Assert.Equal(IoctlArgumentKind.None, m.Ioctl("VFIO_DEVICE_RESET").ArgumentKind);
        Assert.Equal(IoctlArgumentKind.Value, m.Ioctl("VFIO_CHECK_EXTENSION").ArgumentKind); // _IOW(…, __u32)
        Assert.Equal(IoctlArgumentKind.Value, m.Ioctl("VFIO_SET_IOMMU").ArgumentKind); // _IOW(…, __s32)
        Assert.Equal(IoctlArgumentKind.Value, m.Ioctl("VFIO_GROUP_GET_DEVICE_FD").ArgumentKind); // _IOW(…, char)
        Assert.Equal(("__u32", "__s32", "char"), (m.Ioctl("VFIO_CHECK_EXTENSION").ArgumentType, m.Ioctl("VFIO_SET_IOMMU").ArgumentType, m.Ioctl("VFIO_GROUP_GET_DEVICE_FD").ArgumentType));
        Assert.Null(m.Ioctl("VFIO_DEVICE_GET_INFO").ArgumentType);
        Assert.Equal("vfio_iommu_type1_dirty_bitmap", m.Ioctl("VFIO_IOMMU_DIRTY_PAGES").ArgumentStruct); // signature spans two lines
        Assert.Equal("vfio_device_bind_iommufd", m.Ioctl("VFIO_DEVICE_BIND_IOMMUFD").ArgumentStruct); // plain /* block
        Assert.Equal("vfio_iommu_type1_info", m.Ioctl("VFIO_IOMMU_GET_INFO").ArgumentStruct); // comment names a non-existent struct; annotation
        Assert.Equal("vfio_precopy_info", m.Ioctl("VFIO_MIG_GET_PRECOPY_INFO").ArgumentStruct); // comment says _IO; annotation
        Assert.Equal(m.Ioctl("VFIO_IOMMU_SPAPR_REGISTER_MEMORY").ArgumentStruct, m.Ioctl("VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY").ArgumentStruct);
        Assert.Equal("VFIO_DEVICE_GET_INFO", m.Struct("vfio_device_info").IoctlName);
    }

    [Fact]
    public void Vfio_flag_defines_inside_structs_know_their_struct()
    {
        HeaderModel m = Headers.Model("7.2", "vfio.h");
        Assert.Equal("vfio_device_info", m.Constant("VFIO_DEVICE_FLAGS_CDX").ContainingStruct);
        Assert.Contains("VFIO_DEVICE_FLAGS_CDX", m.Struct("vfio_device_info").Constants);
        Assert.Equal("vfio_pci_dependent_device", m.Constant("VFIO_PCI_DEVID_NOT_OWNED").ContainingStruct); // inside the anonymous union
        Assert.Equal((ConstantType.Int, -1L), (m.Constant("VFIO_PCI_DEVID_NOT_OWNED").Type, m.Constant("VFIO_PCI_DEVID_NOT_OWNED").Value));
        Assert.Null(m.Constant("VFIO_TYPE1_IOMMU").ContainingStruct);
        Assert.Equal((ConstantType.Int, (long)';'), (m.Constant("VFIO_TYPE").Type, m.Constant("VFIO_TYPE").Value));
        Assert.Equal((ConstantType.String, "vfio-pci"), (m.Constant("VFIO_DEVICE_API_PCI_STRING").Type, m.Constant("VFIO_DEVICE_API_PCI_STRING").StringValue));
        Assert.Equal((ConstantType.Int, int.MinValue), (m.Constant("VFIO_REGION_TYPE_PCI_VENDOR_TYPE").Type, m.Constant("VFIO_REGION_TYPE_PCI_VENDOR_TYPE").Value));
        Assert.Equal(7, m.Constant("VFIO_DEVICE_STATE_MASK").Value);
    }

    [Fact]
    public void Type1_nesting_rename_is_visible_between_lines()
    {
        Assert.Equal(6, Headers.Model("6.12", "vfio.h").Constant("VFIO_TYPE1_NESTING_IOMMU").Value);
        Assert.Equal(6, Headers.Model("7.2", "vfio.h").Constant("__VFIO_RESERVED_TYPE1_NESTING_IOMMU").Value);
        Assert.DoesNotContain(Headers.Model("7.2", "vfio.h").Constants, c => c.Name == "VFIO_TYPE1_NESTING_IOMMU");
    }
}
