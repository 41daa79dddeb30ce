using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Tests;

/// <summary>Parsing a header together with the models of headers it includes.</summary>
public class DependencyTests
{
    [Fact]
    public void Included_structs_constants_and_enumerators_are_usable()
    {
        HeaderModel basis = HeaderParser.Parse("a.h", "linux/a.h", """
            #define SNIP_COUNT 3
            enum { SNIP_BASE_NR = 0x40 };
            struct snip_range { __aligned_u64 start; __aligned_u64 last; };
            """);
        const string User = """
            #include <linux/a.h>
            struct snip_user { __u32 n; struct snip_range ranges[SNIP_COUNT]; };
            #define SNIP_USER_IOCTL _IO(';', SNIP_BASE_NR + 1)
            """;

        HeaderModel alone = HeaderParser.Parse("b.h", "linux/b.h", User);
        Assert.Empty(alone.Structs);
        Assert.Contains(alone.Diagnostics, d => d.Id == "IOMMUFD2004");

        HeaderModel together = HeaderParser.Parse("b.h", "linux/b.h", User, null, new[] { basis });
        Assert.DoesNotContain(together.Diagnostics, d => d.Severity == HeaderDiagnosticSeverity.Error);
        StructModel s = together.Struct("snip_user");
        Assert.Equal((8, 48, 3), (s.Field("ranges").Offset, s.Field("ranges").Size, s.Field("ranges").ArrayLength));
        Assert.Equal((56, 8), (s.Size, s.Alignment));
        Assert.Equal((ulong)0x3B41, together.Ioctl("SNIP_USER_IOCTL").Number);
        Assert.DoesNotContain(together.Structs, x => x.Name == "snip_range"); // belongs to the included header's model
    }

    [Fact]
    public void Vfio_parsed_with_iommufd_is_unchanged_today()
    {
        // vfio.h does not use iommufd.h types yet; adding the dependency must not change its model.
        HeaderModel iommufd = Headers.Model("7.2", "iommufd.h");
        HeaderModel vfio = HeaderParser.Parse(Headers.HeaderPath("7.2", "vfio.h"), "linux/vfio.h", Headers.Text("7.2", "vfio.h"), Headers.Annotations, new[] { iommufd });
        Assert.Equal(Headers.Model("7.2", "vfio.h"), vfio);
    }
}
