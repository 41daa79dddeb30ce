using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Tests;

/// <summary>Per-header counts must match the independent inventory (shared/reference/kernel-iommufd.md §1.2).</summary>
public class CountsTests
{
    // line, header, structs, enums, anonymous enums, enumerators, #define lines, ioctls, anonymous unions, flexible arrays
    public static IEnumerable<object[]> Inventory => new[]
    {
        new object[] { "6.12", "iommufd.h", 21, 18, 1, 52, 17, 15, 0, 0 },
        new object[] { "7.2", "iommufd.h", 37, 23, 1, 77, 23, 21, 1, 0 },
        new object[] { "6.1", "vfio.h", 42, 5, 4, 28, 162, 30, 2, 8 },
        new object[] { "6.12", "vfio.h", 49, 6, 5, 33, 180, 34, 3, 8 },
        new object[] { "7.2", "vfio.h", 51, 6, 5, 34, 186, 34, 3, 9 },
    };

    [Theory]
    [MemberData(nameof(Inventory))]
    public void Counts_match_reference_inventory(string line, string header, int structs, int enums, int anonymousEnums, int enumerators, int defines, int ioctls, int anonymousUnions, int flexibleArrays)
    {
        HeaderModel m = Headers.Model(line, header);

        Assert.Equal(structs, m.Structs.Count);
        Assert.Equal(enums, m.Enums.Count);
        Assert.Equal(anonymousEnums, m.Enums.Count(e => e.Name is null));
        Assert.Equal(enumerators, m.Enums.Sum(e => e.Enumerators.Count));
        Assert.Equal(ioctls, m.Ioctls.Count);
        Assert.Equal(anonymousUnions, m.Structs.Sum(s => s.Fields.Select(f => f.AnonymousGroup).Where(g => g != 0).Distinct().Count()));
        Assert.Equal(flexibleArrays, m.Structs.Sum(s => s.Fields.Count(f => f.IsFlexibleArray)));

        // The inventory's #define count includes the include guard and function-like macros, which are not
        // constants; every other #define must be a constant or an ioctl.
        int functionLike = m.Diagnostics.Count(d => d.Id == "IOMMUFD1105");
        Assert.Equal(defines, m.Constants.Count + m.Ioctls.Count + functionLike + 1);
    }

    [Theory]
    [MemberData(nameof(Headers.AllHeaders), MemberType = typeof(Headers))]
    public void Real_headers_parse_without_warnings_or_errors(string line, string header)
    {
        HeaderModel m = Headers.Model(line, header);
        Assert.Empty(m.Problems().Select(d => $"{d.Id} {d.Location.Line}:{d.Location.Column} {d.Message}"));
        Assert.Equal(new[] { "linux/ioctl.h", "linux/types.h" }, m.Includes.Where(i => i != "linux/stddef.h").OrderBy(i => i, StringComparer.Ordinal));
    }

    [Fact]
    public void Iommufd_72_adds_the_reference_delta_over_612()
    {
        var old = Headers.Model("6.12", "iommufd.h");
        var now = Headers.Model("7.2", "iommufd.h");
        var added = now.Structs.Select(s => s.Name).Except(old.Structs.Select(s => s.Name)).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(
            new[]
            {
                "iommu_hw_info_amd", "iommu_hw_info_arm_smmuv3", "iommu_hw_info_tegra241_cmdqv", "iommu_hw_queue_alloc",
                "iommu_hwpt_amd_guest", "iommu_hwpt_arm_smmuv3", "iommu_ioas_change_process", "iommu_ioas_map_file",
                "iommu_vdevice_alloc", "iommu_vevent_arm_smmuv3", "iommu_vevent_tegra241_cmdqv", "iommu_veventq_alloc",
                "iommu_viommu_alloc", "iommu_viommu_arm_smmuv3_invalidate", "iommu_viommu_tegra241_cmdqv", "iommufd_vevent_header",
            },
            added);
        var addedEnums = now.Enums.Select(e => e.Name).Except(old.Enums.Select(e => e.Name)).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(new[] { "iommu_hw_queue_type", "iommu_veventq_flag", "iommu_veventq_type", "iommu_viommu_type", "iommufd_hw_info_flags" }, addedEnums);
    }
}
