using IommuFd.Cli;

namespace IommuFd.Cli.Tests;

/// <summary>The CLI's main job against the repository's real header lines.</summary>
public sealed class AbiCommandTests
{
    private static (int Exit, string Output, string Error) Run(params string[] includeDirs)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = Program.RunAbi(includeDirs, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    // The indented item lines under "  title (N):" joined with commas.
    private static string Section(string output, string title)
    {
        int start = output.IndexOf(title, StringComparison.Ordinal);
        Assert.True(start >= 0, $"section '{title}' missing:\n{output}");
        string rest = output[(output.IndexOf('\n', start) + 1)..];
        var items = new List<string>();
        foreach (string line in rest.Split('\n'))
        {
            if (!line.StartsWith("    ", StringComparison.Ordinal))
            {
                break;
            }

            items.Add(line.Trim());
        }

        return string.Join(",", items);
    }

    [Fact]
    public void Summary_CountsEveryLine_AndReportsNoErrors()
    {
        (int exit, string output, string error) = Run();

        Assert.True(exit == 0, error);
        // line, header, structs, enums, ..., ioctls (reference counts of the three Debian lines).
        Assert.Matches(@"6\.1\s+linux/vfio\.h\s+42\s+5\s+\d+\s+30", output);
        Assert.Matches(@"6\.12\s+linux/iommufd\.h\s+21\s+18\s+\d+\s+15", output);
        Assert.Matches(@"7\.2\s+linux/iommufd\.h\s+37\s+23\s+\d+\s+21", output);
        Assert.Matches(@"7\.2\s+linux/vfio\.h\s+51\s+6\s+\d+\s+34", output);
    }

    [Fact]
    public void Delta_612To72_NamesTheSixNewIoctlsAndTheCdevGrowth()
    {
        (_, string output, _) = Run();
        string delta = output[output.IndexOf("Changes 6.12 -> 7.2", StringComparison.Ordinal)..];

        Assert.Equal(
            "IOMMU_HW_QUEUE_ALLOC,IOMMU_IOAS_CHANGE_PROCESS,IOMMU_IOAS_MAP_FILE,IOMMU_VDEVICE_ALLOC,IOMMU_VEVENTQ_ALLOC,IOMMU_VIOMMU_ALLOC",
            Section(delta, "ioctls added"));
        string resized = Section(delta, "structs resized");
        Assert.Contains("vfio_device_bind_iommufd 16->24", resized);
        Assert.Contains("vfio_device_attach_iommufd_pt 12->16", resized);
        Assert.Contains("vfio_device_detach_iommufd_pt 8->12", resized);
        Assert.Equal(16 + 2, Section(delta, "structs added").Split(',').Length);
    }

    [Fact]
    public void Include_MissingDirectory_IsAUsageError()
    {
        (int exit, _, string error) = Run("/nonexistent/include");
        Assert.Equal(2, exit);
        Assert.Contains("does not exist", error);
    }

    [Fact]
    public void Include_Directory_SummarisesOnlyThatDirectory()
    {
        string root = HeaderSets.FindRepoRoot()!;
        (int exit, string output, _) = Run(Path.Combine(root, "uapi-headers", "6.12"));
        Assert.Equal(0, exit);
        Assert.Matches(@"linux/iommufd\.h\s+21\s+18\s+\d+\s+15", output);
        Assert.DoesNotContain("Changes", output);
    }
}
