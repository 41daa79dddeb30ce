namespace IommuFd.Cli;

/// <summary>The iommufd command-line tool (placeholder until the ABI summary lands).</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main() => 0;
}
