using System.Diagnostics;
using System.Text.Json;
using IommuFd.Generator.Tests.Infrastructure;

namespace IommuFd.Generator.Tests;

/// <summary>
/// The MSBuild glue (<c>generator/IommuFd.Generator/build/*.props|targets</c>) as src/IommuFd consumes it: which
/// AdditionalFiles the header selection produces per property combination. Runs only the glue's target on the real
/// project (no restore, no compile), so each case costs well under a second.
/// </summary>
public sealed class BuildGlueTests
{
    private static (int ExitCode, string Output) MSBuild(params string[] properties)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (string arg in new[] { "msbuild", Path.Combine(RepoPaths.Root, "src", "IommuFd", "IommuFd.csproj"), "-nologo", "-nodeReuse:false", "-t:IommuFdAddHeaders", "-getItem:AdditionalFiles", "-getItem:CompilerVisibleItemMetadata" })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (string p in properties)
        {
            psi.ArgumentList.Add("-p:" + p);
        }

        // No MSBuild server or reusable nodes: nothing of ours outlives the test.
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using Process process = Process.Start(psi)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "msbuild did not finish");
        return (process.ExitCode, stdout + stderr.Result);
    }

    private static List<(string Path, string? Header, string? IncludeName, string? Annotations)> AdditionalFiles(string output)
    {
        using JsonDocument doc = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]);
        return doc.RootElement.GetProperty("Items").GetProperty("AdditionalFiles").EnumerateArray()
            .Select(e => (
                e.GetProperty("FullPath").GetString()!,
                e.TryGetProperty("IommuFdHeader", out var h) ? h.GetString() : null,
                e.TryGetProperty("IommuFdIncludeName", out var n) ? n.GetString() : null,
                e.TryGetProperty("IommuFdAnnotations", out var a) ? a.GetString() : null))
            .ToList();
    }

    private static string Header(string line, string file) => Path.GetFullPath(RepoPaths.Header(line, file));

    [Fact]
    public void Selftest_header_is_opt_in_with_its_dependency_and_the_uapi_headers_can_be_dependency_only()
    {
        // The public SDK never has it.
        var (code, output) = MSBuild();
        Assert.True(code == 0, output);
        Assert.DoesNotContain(AdditionalFiles(output), f => f.Path.EndsWith("iommufd_test.h", StringComparison.Ordinal));

        // The kernel lane's settings (tests/IommuFd.KernelLane.csproj).
        (code, output) = MSBuild("IommuFdSelftestHeader=true", "IommuFdEmitUapiHeaders=false", "IommuFdSelftestStubClass=SelftestIoctl");
        Assert.True(code == 0, output);
        using JsonDocument doc = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]);
        var items = doc.RootElement.GetProperty("Items").GetProperty("AdditionalFiles").EnumerateArray().ToList();
        string? Meta(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() : null;
        JsonElement selftest = items.Single(e => Meta(e, "IommuFdIncludeName") == "iommufd_test.h");
        Assert.Equal(Path.GetFullPath(RepoPaths.SelftestHeader), Meta(selftest, "FullPath"));
        Assert.Equal(("true", "linux/iommufd.h", "SelftestIoctl"), (Meta(selftest, "IommuFdHeader"), Meta(selftest, "IommuFdDependsOn"), Meta(selftest, "IommuFdStubClass")));
        JsonElement uapi = items.Single(e => Meta(e, "IommuFdIncludeName") == "linux/iommufd.h");
        Assert.Equal("false", Meta(uapi, "IommuFdEmit"));
        Assert.DoesNotContain(items, e => Meta(e, "IommuFdIncludeName") == "linux/vfio.h");

        var visible = doc.RootElement.GetProperty("Items").GetProperty("CompilerVisibleItemMetadata").EnumerateArray()
            .Select(e => e.GetProperty("MetadataName").GetString()).ToList();
        Assert.Contains("IommuFdDependsOn", visible);
        Assert.Contains("IommuFdEmit", visible);
        Assert.Contains("IommuFdStubClass", visible);
    }

    [Fact]
    public void Default_selects_the_7_2_headers_and_the_annotation_file()
    {
        var (code, output) = MSBuild();
        Assert.True(code == 0, output);
        var files = AdditionalFiles(output);
        Assert.Contains((Header("7.2", "iommufd.h"), "true", "linux/iommufd.h", (string?)null), files);
        Assert.Contains((Header("7.2", "vfio.h"), "true", "linux/vfio.h", (string?)null), files);
        Assert.Contains(files, f => f.Annotations == "true" && f.Path.EndsWith("ioctl-annotations.txt", StringComparison.Ordinal));

        using JsonDocument doc = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]);
        var visible = doc.RootElement.GetProperty("Items").GetProperty("CompilerVisibleItemMetadata").EnumerateArray()
            .Select(e => e.GetProperty("MetadataName").GetString()).ToList();
        Assert.Contains("IommuFdHeader", visible);
        Assert.Contains("IommuFdIncludeName", visible);
        Assert.Contains("IommuFdAnnotations", visible);
    }

    [Fact]
    public void Line_6_1_has_only_vfio_h()
    {
        var (code, output) = MSBuild("IommuFdHeaderLine=6.1");
        Assert.True(code == 0, output);
        var headers = AdditionalFiles(output).Where(f => f.Header == "true").Select(f => f.Path).ToList();
        Assert.Equal([Header("6.1", "vfio.h")], headers);
    }

    [Fact]
    public void IncludeDir_overrides_the_line_with_or_without_a_trailing_slash()
    {
        string dir = Path.Combine(RepoPaths.Root, "uapi-headers", "6.12");
        foreach (string given in new[] { dir, dir + "/" })
        {
            var (code, output) = MSBuild("IommuFdIncludeDir=" + given);
            Assert.True(code == 0, output);
            var headers = AdditionalFiles(output).Where(f => f.Header == "true").Select(f => f.Path).Order(StringComparer.Ordinal).ToList();
            Assert.Equal([Header("6.12", "iommufd.h"), Header("6.12", "vfio.h")], headers);
        }
    }

    [Fact]
    public void Missing_include_dir_fails_with_IOMMUFD3900()
    {
        var (code, output) = MSBuild("IommuFdIncludeDir=/nonexistent/include");
        Assert.NotEqual(0, code);
        Assert.Contains("IOMMUFD3900", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_line_is_fetched_once_before_generation()
    {
        // A headers root whose fetch script is a stand-in that copies the real line and logs its arguments.
        string root = Path.Combine(Path.GetTempPath(), "iommufd-glue-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            string log = Path.Combine(root, "fetch.log");
            File.WriteAllText(
                Path.Combine(root, "fetch"),
                $"#!/usr/bin/env bash\necho \"$*\" >> '{log}'\ncp -r '{Path.Combine(RepoPaths.Root, "uapi-headers")}'/\"$1\" '{root}'/\"$1\"\n");
            for (int i = 0; i < 2; i++)
            {
                var (code, output) = MSBuild("IommuFdHeadersRoot=" + root + "/", "IommuFdHeaderLine=6.12");
                Assert.True(code == 0, output);
                Assert.Equal(2, AdditionalFiles(output).Count(f => f.Header == "true"));
            }

            Assert.Equal(["6.12"], File.ReadAllLines(log));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
