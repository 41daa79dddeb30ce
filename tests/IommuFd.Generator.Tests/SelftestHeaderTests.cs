using System.Reflection;
using System.Runtime.InteropServices;
using IommuFd.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace IommuFd.Generator.Tests;

/// <summary>
/// The kernel selftest header iommufd_test.h (uapi-headers/fetch --selftest) as an extra header input that depends on
/// linux/iommufd.h: its IOMMU_TEST_CMD structs, op numbers and stub, generated and compiled like the uapi headers.
/// </summary>
public sealed class SelftestHeaderTests
{
    private static List<GeneratorHarness.Header> WithUapi(params GeneratorHarness.Header[] extra) =>
        GeneratorHarness.LineHeaders("7.2").Concat(extra).ToList();

    private static readonly Lazy<Assembly> s_generated = new(() =>
    {
        GeneratorDriverRunResult result = GeneratorHarness.Run(WithUapi(GeneratorHarness.SelftestHeader()));
        return TestCompilation.Load(TestCompilation.Create(TestCompilation.Trees(GeneratorHarness.Sources(result)), "IommuFd.GeneratedSelftest")).Assembly;
    });

    [Fact]
    public void Output_compiles_clean_and_reports_no_warnings()
    {
        GeneratorDriverRunResult result = GeneratorHarness.Run(WithUapi(GeneratorHarness.SelftestHeader()));
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, TestCompilation.Describe(problems));
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        var sources = GeneratorHarness.Sources(result);
        Assert.Contains(sources, s => s.HintName == "iommufd_test.iommu_test_cmd.g.cs");
        Assert.Contains(sources, s => s.HintName == "linux.iommufd.iommu_ioas_map.g.cs");
        TestCompilation.AssertClean(TestCompilation.Create(TestCompilation.Trees(sources)));
    }

    [Fact]
    public void Test_cmd_number_sizes_ops_and_nested_payloads_match_the_kernel_7_2()
    {
        Assembly asm = s_generated.Value;
        Type Get(string name) => asm.GetType("IommuFd.Interop." + name, throwOnError: true)!;
        Type consts = Get("iommufd_test");
        Type cmd = Get("iommu_test_cmd");

        // _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32): the operands come from the iommufd.h model.
        Assert.Equal(0x3BA0u, (uint)consts.GetField("IOMMU_TEST_CMD")!.GetRawConstantValue()!);
        Assert.Equal(72, Marshal.SizeOf(cmd));
        Assert.Equal(72, (int)cmd.GetField("NativeSize")!.GetRawConstantValue()!);
        Assert.Equal(68, (int)cmd.GetField("MinSize")!.GetRawConstantValue()!); // offsetofend(last), main.c IOCTL_OP
        Assert.Equal(64, (int)Marshal.OffsetOf(cmd, "last"));

        Assert.Equal(2, (int)consts.GetField("IOMMU_TEST_OP_MOCK_DOMAIN")!.GetRawConstantValue()!);
        Assert.Equal(13, (int)consts.GetField("IOMMU_TEST_OP_DIRTY")!.GetRawConstantValue()!);
        Assert.Equal(1 << 24, Convert.ToInt64(consts.GetField("MOCK_APERTURE_START")!.GetRawConstantValue()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0xfeedbeefu, (uint)consts.GetField("IOMMU_HW_INFO_TYPE_SELFTEST")!.GetRawConstantValue()!);

        // struct { … } name; members of the anonymous union: nested types sharing offset 16.
        Type dirty = cmd.GetNestedType("_dirty_e__Struct")!;
        Assert.Equal(dirty, cmd.GetField("dirty")!.FieldType);
        Assert.Equal(48, Marshal.SizeOf(dirty));
        Assert.Equal(8, (int)Marshal.OffsetOf(dirty, "iova"));
        Assert.Equal(16, (int)Marshal.OffsetOf(cmd, "dirty"));
        Assert.Equal(16, (int)Marshal.OffsetOf(cmd, "mock_domain"));
        Assert.Equal(8, (int)Marshal.OffsetOf(cmd.GetNestedType("_mock_domain_e__Struct")!, "out_idev_id"));
        Assert.Equal(8, Marshal.SizeOf(Get("iommu_test_hw_info")));

        Type fd = Get("IoctlFd");
        Type stubs = Get("Ioctl");
        Assert.NotNull(stubs.GetMethod("IOMMU_TEST_CMD", [fd, cmd.MakeByRefType()]));
        Assert.NotNull(stubs.GetMethod("IOMMU_TEST_CMD", [fd, cmd.MakePointerType()]));
    }

    [Fact]
    public void Dependency_only_header_emits_nothing_and_the_stub_class_is_configurable()
    {
        // The kernel lane's shape: iommufd.h's types come from the referenced src/IommuFd, so it is only read.
        var uapi = new GeneratorHarness.Header(RepoPaths.Header("7.2", "iommufd.h"), "linux/iommufd.h", File.ReadAllText(RepoPaths.Header("7.2", "iommufd.h")))
        {
            Metadata = new Dictionary<string, string> { ["IommuFdEmit"] = "false" },
        };
        GeneratorDriverRunResult result = GeneratorHarness.Run([uapi, GeneratorHarness.SelftestHeader(new Dictionary<string, string> { ["IommuFdStubClass"] = "SelftestIoctl" })]);
        Assert.Empty(result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var sources = GeneratorHarness.Sources(result);
        Assert.All(sources, s => Assert.StartsWith("iommufd_test.", s.HintName, StringComparison.Ordinal));
        string stubs = sources.Single(s => s.HintName == "iommufd_test.Ioctl.g.cs").Text;
        Assert.Contains("public static unsafe partial class SelftestIoctl", stubs, StringComparison.Ordinal);
        TestCompilation.AssertClean(TestCompilation.Create(TestCompilation.Trees(sources)));
    }

    [Fact]
    public void Missing_dependency_is_reported_and_the_header_parsed_without_it()
    {
        GeneratorDriverRunResult result = GeneratorHarness.Run([GeneratorHarness.SelftestHeader()]);
        Assert.Contains(result.Diagnostics, d => d.Id == "IOMMUFD3007" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("linux/iommufd.h", StringComparison.Ordinal));
        Assert.All(result.Results, r => Assert.Null(r.Exception));
    }
}
