using IommuFd.CHeaders.Annotations;
using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Tests;

/// <summary>The ioctl annotation file: syntax, unknown names, precedence over kernel-doc.</summary>
public class AnnotationTests
{
    private const string Header = """
        /**
         * struct snip_arg - ioctl(SNIP_OP)
         * @size: size
         * @flags: flags
         * @out_id: output
         */
        struct snip_arg { __u32 size; __u32 flags; __u32 out_id; __u32 __reserved; };
        struct snip_other { __u32 size; __u64 value; };
        #define SNIP_OP _IO(';', 0x80)
        #define SNIP_OTHER _IO(';', 0x81)
        """;

    [Fact]
    public void Repository_annotation_file_parses_cleanly_and_every_line_is_used_by_the_newest_headers()
    {
        IoctlAnnotations a = Headers.Annotations;
        Assert.Empty(a.Diagnostics);
        Assert.Equal(21, a.For("linux/iommufd.h").Count());
        foreach (IoctlAnnotation e in a.Entries)
        {
            HeaderModel m = e.IncludeName == Headers.SelftestIncludeName ? Headers.SelftestModel : Headers.Model("7.2", e.IncludeName.Substring("linux/".Length));
            Assert.DoesNotContain(m.Diagnostics, d => d.Location.Path == a.Path && d.Location.Line == e.Location.Line && d.Id != "IOMMUFD9005");
            IoctlModel i = m.Ioctl(e.Ioctl);
            Assert.Equal((e.Argument, e.ArgumentStruct), (i.ArgumentKind, i.ArgumentStruct));
        }
    }

    [Fact]
    public void Min_size_is_offsetofend_of_the_named_field()
    {
        var a = IoctlAnnotations.Parse("ann.txt", "linux/snippet.h SNIP_OP snip_arg flags\nlinux/snippet.h SNIP_OTHER snip_other value\n");
        HeaderModel m = Headers.Snippet(Header, a);
        Assert.Equal((8, "flags"), (m.Ioctl("SNIP_OP").MinSize, m.Ioctl("SNIP_OP").MinSizeField));
        Assert.Equal((16, "snip_other"), (m.Ioctl("SNIP_OTHER").MinSize, m.Ioctl("SNIP_OTHER").ArgumentStruct)); // value @8 after padding
        Assert.Empty(m.Problems());
    }

    [Fact]
    public void Annotation_overrides_kernel_doc_and_says_so()
    {
        var a = IoctlAnnotations.Parse("ann.txt", "linux/snippet.h SNIP_OP snip_other size\n");
        HeaderModel m = Headers.Snippet(Header, a);
        Assert.Equal("snip_other", m.Ioctl("SNIP_OP").ArgumentStruct);
        HeaderDiagnostic d = Assert.Single(m.Diagnostics, x => x.Id == "IOMMUFD9005");
        Assert.Equal(("ann.txt", 1), (d.Location.Path, d.Location.Line));
    }

    [Fact]
    public void Unknown_names_are_diagnostics_with_suggestions()
    {
        var a = IoctlAnnotations.Parse("ann.txt", """
            # comment line
            linux/snippet.h SNIP_NOPE snip_arg flags
            linux/snippet.h SNIP_OP snip_ar flags
            linux/snippet.h SNIP_OTHER snip_other valeu
            linux/other.h SNIP_OP snip_arg flags
            """);
        HeaderModel m = Headers.Snippet(Header, a);
        Assert.Equal(HeaderDiagnosticSeverity.Info, Assert.Single(m.Diagnostics, d => d.Id == "IOMMUFD9002").Severity);
        HeaderDiagnostic s = Assert.Single(m.Diagnostics, d => d.Id == "IOMMUFD9003");
        Assert.Equal((3, HeaderDiagnosticSeverity.Warning), (s.Location.Line, s.Severity));
        Assert.Contains("did you mean 'snip_arg'", s.Message, StringComparison.Ordinal);
        HeaderDiagnostic f = Assert.Single(m.Diagnostics, d => d.Id == "IOMMUFD9004");
        Assert.Equal(4, f.Location.Line);
        Assert.Contains("did you mean 'value'", f.Message, StringComparison.Ordinal);
        Assert.Null(m.Ioctl("SNIP_OTHER").MinSize);
        Assert.Equal("snip_arg", m.Ioctl("SNIP_OP").ArgumentStruct); // a bad annotation falls back to kernel-doc
    }

    [Theory]
    [InlineData("linux/snippet.h SNIP_OP snip_arg", 1)]
    [InlineData("snippet SNIP_OP snip_arg flags", 1)]
    [InlineData("linux/snippet.h SNIP-OP snip_arg flags", 1)]
    [InlineData("linux/snippet.h SNIP_OP none flags", 1)]
    [InlineData("linux/snippet.h SNIP_OP snip_arg flags\nlinux/snippet.h SNIP_OP snip_arg size", 2)]
    public void Malformed_annotation_lines_are_located(string text, int line)
    {
        var a = IoctlAnnotations.Parse("ann.txt", text);
        HeaderDiagnostic d = Assert.Single(a.Diagnostics);
        Assert.Equal(("ann.txt", line), (d.Location.Path, d.Location.Line));
        Assert.Contains(d, Headers.Snippet(Header, a).Diagnostics);
    }

    [Fact]
    public void Value_and_none_arguments()
    {
        var a = IoctlAnnotations.Parse("ann.txt", "linux/snippet.h SNIP_OP value -\nlinux/snippet.h SNIP_OTHER none -\n");
        HeaderModel m = Headers.Snippet(Header, a);
        Assert.Equal((IoctlArgumentKind.Value, (string?)null, (int?)null), (m.Ioctl("SNIP_OP").ArgumentKind, m.Ioctl("SNIP_OP").ArgumentStruct, m.Ioctl("SNIP_OP").MinSize));
        Assert.Equal(IoctlArgumentKind.None, m.Ioctl("SNIP_OTHER").ArgumentKind);
    }
}
