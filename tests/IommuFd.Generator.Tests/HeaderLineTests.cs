using System.Reflection;
using System.Runtime.InteropServices;
using IommuFd.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace IommuFd.Generator.Tests;

/// <summary>The generator over each fetched header line: clean compile, no warnings, the known ABI facts.</summary>
public sealed class HeaderLineTests
{
    public static TheoryData<string> Lines => new(RepoPaths.Lines);

    [Theory]
    [MemberData(nameof(Lines))]
    public void Output_compiles_clean_and_reports_no_warnings(string line)
    {
        GeneratorDriverRunResult result = GeneratorHarness.Run(GeneratorHarness.LineHeaders(line));
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, TestCompilation.Describe(problems));
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        TestCompilation.AssertClean(TestCompilation.Create(TestCompilation.Trees(GeneratorHarness.Sources(result))));
    }

    // size / kernel minimum of every iommufd ioctl in 7.2 (shared/reference/kernel-iommufd.md §1.3, gcc-measured).
    public static TheoryData<string, string, uint, int, int> IommufdIoctls => new()
    {
        { "IOMMU_DESTROY", "iommu_destroy", 0x3B80, 8, 8 },
        { "IOMMU_IOAS_ALLOC", "iommu_ioas_alloc", 0x3B81, 12, 12 },
        { "IOMMU_IOAS_ALLOW_IOVAS", "iommu_ioas_allow_iovas", 0x3B82, 24, 24 },
        { "IOMMU_IOAS_COPY", "iommu_ioas_copy", 0x3B83, 40, 40 },
        { "IOMMU_IOAS_IOVA_RANGES", "iommu_ioas_iova_ranges", 0x3B84, 32, 32 },
        { "IOMMU_IOAS_MAP", "iommu_ioas_map", 0x3B85, 40, 40 },
        { "IOMMU_IOAS_UNMAP", "iommu_ioas_unmap", 0x3B86, 24, 24 },
        { "IOMMU_OPTION", "iommu_option", 0x3B87, 24, 24 },
        { "IOMMU_VFIO_IOAS", "iommu_vfio_ioas", 0x3B88, 12, 12 },
        { "IOMMU_HWPT_ALLOC", "iommu_hwpt_alloc", 0x3B89, 48, 24 },
        { "IOMMU_GET_HW_INFO", "iommu_hw_info", 0x3B8A, 40, 32 },
        { "IOMMU_HWPT_SET_DIRTY_TRACKING", "iommu_hwpt_set_dirty_tracking", 0x3B8B, 16, 16 },
        { "IOMMU_HWPT_GET_DIRTY_BITMAP", "iommu_hwpt_get_dirty_bitmap", 0x3B8C, 48, 48 },
        { "IOMMU_HWPT_INVALIDATE", "iommu_hwpt_invalidate", 0x3B8D, 32, 32 },
        { "IOMMU_FAULT_QUEUE_ALLOC", "iommu_fault_alloc", 0x3B8E, 16, 16 },
        { "IOMMU_IOAS_MAP_FILE", "iommu_ioas_map_file", 0x3B8F, 40, 40 },
        { "IOMMU_VIOMMU_ALLOC", "iommu_viommu_alloc", 0x3B90, 40, 24 },
        { "IOMMU_VDEVICE_ALLOC", "iommu_vdevice_alloc", 0x3B91, 24, 24 },
        { "IOMMU_IOAS_CHANGE_PROCESS", "iommu_ioas_change_process", 0x3B92, 8, 8 },
        { "IOMMU_VEVENTQ_ALLOC", "iommu_veventq_alloc", 0x3B93, 32, 28 },
        { "IOMMU_HW_QUEUE_ALLOC", "iommu_hw_queue_alloc", 0x3B94, 40, 40 },
    };

    private static readonly Lazy<Assembly> s_generated72 = new(() =>
    {
        var sources = GeneratorHarness.Sources(GeneratorHarness.Run(GeneratorHarness.LineHeaders("7.2")));
        return TestCompilation.Load(TestCompilation.Create(TestCompilation.Trees(sources), "IommuFd.Generated72")).Assembly;
    });

    [Theory]
    [MemberData(nameof(IommufdIoctls))]
    public void Iommufd_ioctl_numbers_sizes_and_minimums_match_the_kernel_7_2(string ioctl, string structName, uint number, int size, int minSize)
    {
        Assembly asm = s_generated72.Value;
        Type consts = asm.GetType("IommuFd.Interop.iommufd", throwOnError: true)!;
        Type s = asm.GetType("IommuFd.Interop." + structName, throwOnError: true)!;
        Assert.Equal(number, (uint)consts.GetField(ioctl)!.GetRawConstantValue()!);
        Assert.Equal(size, Marshal.SizeOf(s));
        Assert.Equal(size, (int)s.GetField("NativeSize")!.GetRawConstantValue()!);
        Assert.Equal(minSize, (int)s.GetField("MinSize")!.GetRawConstantValue()!);
        Type stubs = asm.GetType("IommuFd.Interop.Ioctl", throwOnError: true)!;
        Assert.NotNull(stubs.GetMethod(ioctl, [asm.GetType("IommuFd.Interop.IoctlFd")!, s.MakeByRefType()]));
        Assert.NotNull(stubs.GetMethod(ioctl, [asm.GetType("IommuFd.Interop.IoctlFd")!, s.MakePointerType()]));
    }

    [Fact]
    public void Vfio_7_2_shapes()
    {
        Assembly asm = s_generated72.Value;
        Type Get(string name) => asm.GetType("IommuFd.Interop." + name, throwOnError: true)!;

        Assert.Equal(24, Marshal.SizeOf(Get("vfio_device_bind_iommufd")));
        Assert.Equal(16, Marshal.SizeOf(Get("vfio_device_attach_iommufd_pt")));
        Assert.Equal(12, Marshal.SizeOf(Get("vfio_device_detach_iommufd_pt")));
        Assert.Equal(typeof(ulong*), Get("vfio_bitmap").GetField("data")!.FieldType);
        Assert.Equal(0x3B75u, (uint)Get("vfio").GetField("VFIO_DEVICE_FEATURE")!.GetRawConstantValue()!);
        Assert.Equal("vfio-pci", (string)Get("vfio").GetField("VFIO_DEVICE_API_PCI_STRING")!.GetRawConstantValue()!);

        // Flexible array members: a span accessor and SizeOf(count).
        Type feature = Get("vfio_device_feature");
        Assert.Equal(8, (int)feature.GetMethod("SizeOf")!.Invoke(null, [0])!);
        Assert.Equal(24, (int)feature.GetMethod("SizeOf")!.Invoke(null, [16])!);
        Assert.Equal(typeof(Span<byte>), feature.GetMethod("data")!.ReturnType);

        // Anonymous union members share an offset.
        Type dep = Get("vfio_pci_dependent_device");
        Assert.Equal(Marshal.OffsetOf(dep, "group_id"), Marshal.OffsetOf(dep, "devid"));

        // Constants written inside a struct body live on the struct too.
        Assert.NotNull(Get("vfio_device_bind_iommufd").GetField("VFIO_DEVICE_BIND_FLAG_TOKEN"));

        // Enums keep duplicates.
        Type hwInfoType = Get("iommu_hw_info_type");
        Assert.Equal(0, Convert.ToInt32(Enum.Parse(hwInfoType, "IOMMU_HW_INFO_TYPE_DEFAULT"), System.Globalization.CultureInfo.InvariantCulture));

        // Value and None stubs.
        Type fd = Get("IoctlFd");
        Type stubs = Get("Ioctl");
        Assert.NotNull(stubs.GetMethod("VFIO_CHECK_EXTENSION", [fd, typeof(nuint), typeof(int).MakeByRefType()]));
        Assert.NotNull(stubs.GetMethod("VFIO_GET_API_VERSION", [fd, typeof(int).MakeByRefType()]));
    }

    private const string Probe = """
        #pragma warning disable CS1591
        using System.Collections.Generic;
        using IommuFd.Interop;

        public static unsafe class Probe
        {
            public static string Run()
            {
                var r = new Recorder();
                IoctlFd fd = IoctlFd.InProcess(3, r);
                var lines = new List<string>();
                iommu_hwpt_alloc alloc = default;
                Ioctl.IOMMU_HWPT_ALLOC(fd, ref alloc);
                lines.Add($"0x{(ulong)r.Request:X} size={r.First}");
                vfio_device_bind_iommufd bind = default;
                Ioctl.VFIO_DEVICE_BIND_IOMMUFD(fd, ref bind);
                lines.Add($"0x{(ulong)r.Request:X} argsz={r.First}");
                byte* buffer = stackalloc byte[vfio_device_feature.SizeOf(16)];
                var feature = (vfio_device_feature*)buffer;
                feature->argsz = (uint)vfio_device_feature.SizeOf(16);
                Ioctl.VFIO_DEVICE_FEATURE(fd, feature);
                lines.Add($"0x{(ulong)r.Request:X} argsz={r.First}");
                r.Deref = false;
                r.Result = 3;
                Errno e = Ioctl.VFIO_CHECK_EXTENSION(fd, vfio.VFIO_TYPE1v2_IOMMU, out int result);
                lines.Add($"0x{(ulong)r.Request:X} arg={r.Arg} {e} result={result}");

                // Zero allocation: the stubs and the in-process seam path allocate nothing per call.
                r.Deref = true;
                r.Result = 0;
                long before = System.GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 1000; i++)
                {
                    Ioctl.IOMMU_HWPT_ALLOC(fd, ref alloc);
                    Ioctl.VFIO_DEVICE_FEATURE(fd, feature);
                }

                r.Deref = false;
                r.Result = 3;
                for (int i = 0; i < 1000; i++)
                {
                    Ioctl.VFIO_CHECK_EXTENSION(fd, 1, out result);
                }

                lines.Add($"allocated={System.GC.GetAllocatedBytesForCurrentThread() - before}");
                return string.Join("\n", lines);
            }
        }
        """;

    [Fact]
    public void Stubs_reach_the_seam_with_the_kernel_request_numbers()
    {
        var sources = GeneratorHarness.Sources(GeneratorHarness.Run(GeneratorHarness.LineHeaders("7.2")));
        string output = SeamProbe.Run(TestCompilation.Trees(sources), Probe, "Probe72");
        Assert.Equal("0x3B89 size=48\n0x3B76 argsz=24\n0x3B75 argsz=24\n0x3B65 arg=3 OK result=3\nallocated=0", output);
    }
}
