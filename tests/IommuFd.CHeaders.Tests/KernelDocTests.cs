using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Tests;

/// <summary>kernel-doc attachment on the real headers (checked by structure, not by copying comment text).</summary>
public class KernelDocTests
{
    [Fact]
    public void Iommufd_structs_fields_and_enumerators_get_their_kernel_doc()
    {
        HeaderModel m = Headers.Model("7.2", "iommufd.h");
        Assert.Single(m.DocSections);
        Assert.Equal("General ioctl format", m.DocSections[0].Title);
        Assert.Contains("ENOTTY", m.DocSections[0].Text, StringComparison.Ordinal);

        // Every ioctl argument struct and every one of its fields is documented in iommufd.h.
        foreach (IoctlModel i in m.Ioctls)
        {
            StructModel s = m.Struct(i.ArgumentStruct!);
            Assert.NotNull(s.Doc);
            Assert.All(s.Fields, f => Assert.False(string.IsNullOrEmpty(f.Doc), $"{s.Name}.{f.Name} has no doc"));
            Assert.Equal(i.Name, s.IoctlName);
            Assert.NotNull(i.Doc);
        }

        // Multi-line @member text is joined; a blank line followed by indented text continues the member.
        string dirty = m.Enumerator("IOMMU_HW_CAP_DIRTY_TRACKING").Doc!;
        Assert.Contains("IOMMU_HWPT_GET_DIRTY_BITMAP", dirty, StringComparison.Ordinal);
        Assert.DoesNotContain("@", dirty, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", dirty, StringComparison.Ordinal);

        // The plain /* block shaped like kernel-doc before this enum is honoured.
        Assert.NotNull(m.Enums.Single(e => e.Name == "iommufd_hwpt_set_dirty_tracking_flags").Doc);

        // Comments between enumerators do not become enumerator docs of the next one by position.
        Assert.NotNull(m.Enumerator("IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV").Doc); // it has an @ line of its own
        Assert.All(m.Enums.Where(e => e.Name is not null), e => Assert.NotNull(e.Doc));
    }

    [Fact]
    public void Vfio_docs_come_from_ioctl_blocks_and_trailing_comments_and_lookalikes_do_not_attach()
    {
        HeaderModel m = Headers.Model("7.2", "vfio.h");
        StructModel bind = m.Struct("vfio_device_bind_iommufd");
        Assert.NotNull(bind.Doc); // from the "VFIO_DEVICE_BIND_IOMMUFD - _IOR(…)" block
        Assert.False(string.IsNullOrEmpty(bind.Field("out_devid").Doc));
        Assert.False(string.IsNullOrEmpty(m.Struct("vfio_info_cap_header").Field("next").Doc)); // trailing /* */

        // "/** Upon VFIO_DEVICE_FEATURE_SET, …" blocks are not kernel-doc: nothing may be attached from them.
        Assert.Null(m.Struct("vfio_device_feature_bus_master").Doc);
        Assert.Null(m.Struct("vfio_device_feature_dma_buf").Doc);
        Assert.Empty(m.DocSections);
    }

    [Fact]
    public void Flag_constants_take_their_trailing_comment()
    {
        HeaderModel m = Headers.Model("7.2", "vfio.h");
        Assert.False(string.IsNullOrEmpty(m.Constant("VFIO_DEVICE_FLAGS_PCI").Doc));
        Assert.Null(m.Constant("VFIO_GROUP_FLAGS_VIABLE").Doc);
    }
}
