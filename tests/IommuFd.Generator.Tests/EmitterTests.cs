using System.Runtime.InteropServices;
using IommuFd.CHeaders.Model;
using IommuFd.Generator.Emit;
using IommuFd.Generator.Model;
using IommuFd.Generator.Tests.Infrastructure;

namespace IommuFd.Generator.Tests;

/// <summary>Emitter tests over a hand-built model (no C front end involved).</summary>
public sealed class EmitterTests
{
    internal static List<(string HintName, string Text)> EmitAll(HeaderModel model)
    {
        EmitPlan plan = EmitPlanner.Plan(model);
        return plan.Units.Select(u => (u.HintName, Emitter.Emit(u))).ToList();
    }

    [Fact]
    public void Mini_header_compiles_clean()
    {
        var sources = EmitAll(ModelBuilder.Mini());
        TestCompilation.AssertClean(TestCompilation.Create(TestCompilation.Trees(sources)));
    }

    [Fact]
    public void Hint_names_follow_the_header()
    {
        var hints = EmitAll(ModelBuilder.Mini()).Select(s => s.HintName).ToList();
        Assert.Contains("linux.mini.g.cs", hints);
        Assert.Contains("linux.mini.Ioctl.g.cs", hints);
        Assert.Contains("linux.mini.iommu_ioas_map.g.cs", hints);
        Assert.Contains("linux.mini.iommufd_ioas_map_flags.g.cs", hints);
        Assert.Equal(hints.Count, hints.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Layout_matches_the_model()
    {
        HeaderModel model = ModelBuilder.Mini();
        var (asm, alc) = TestCompilation.Load(TestCompilation.Create(TestCompilation.Trees(EmitAll(model))));
        try
        {
            foreach (StructModel s in model.Structs)
            {
                Type t = asm.GetType("IommuFd.Interop." + s.Name, throwOnError: true)!;
                Assert.Equal(s.Size, Marshal.SizeOf(t));
                Assert.Equal(s.Size, (int)t.GetField("NativeSize")!.GetRawConstantValue()!);
                foreach (FieldModel f in s.Fields.Where(f => !f.IsFlexibleArray))
                {
                    // Metadata names carry no @ escape: 'in', 'base' and 'object' are found as written.
                    Assert.Equal(f.Offset, (int)Marshal.OffsetOf(t, f.Name));
                }
            }

            Type map = asm.GetType("IommuFd.Interop.iommu_ioas_map")!;
            Assert.Equal(40, (int)map.GetField("MinSize")!.GetRawConstantValue()!);
            Type consts = asm.GetType("IommuFd.Interop.mini")!;
            Assert.Equal(0x3B85u, (uint)consts.GetField("IOMMU_IOAS_MAP")!.GetRawConstantValue()!);
            Assert.Equal("vfio-pci", (string)consts.GetField("VFIO_DEVICE_API_PCI_STRING")!.GetRawConstantValue()!);
            Assert.Equal(-1, (int)consts.GetField("VFIO_PCI_DEVID_NOT_OWNED")!.GetRawConstantValue()!);
            Assert.Equal(0x80, (int)consts.GetField("IOMMUFD_CMD_DESTROY")!.GetRawConstantValue()!);
            Assert.Equal(1u, (uint)asm.GetType("IommuFd.Interop.vfio_irq_set")!.GetField("VFIO_IRQ_SET_DATA_NONE")!.GetRawConstantValue()!);
            Assert.Equal(typeof(uint), Enum.GetUnderlyingType(asm.GetType("IommuFd.Interop.iommu_hw_info_type")!));
            Assert.True(asm.GetType("IommuFd.Interop.vfio_bitmap")!.GetField("data")!.FieldType.IsPointer);
        }
        finally
        {
            alc.Unload();
        }
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
                IoctlFd fd = IoctlFd.InProcess(5, r);
                var lines = new List<string>();

                iommu_ioas_map m = default;
                m.size = 3;
                Errno e = Ioctl.IOMMU_IOAS_MAP(fd, ref m);
                lines.Add($"ref {e} fd={r.Fd} req=0x{(ulong)r.Request:X} size={r.First} field={m.size}");

                m.size = 24;
                e = Ioctl.IOMMU_IOAS_MAP(fd, &m);
                lines.Add($"ptr {e} size={r.First} same={(r.Arg == (nint)(&m))}");

                vfio_irq_set s = default;
                e = Ioctl.VFIO_DEVICE_SET_IRQS(fd, ref s);
                lines.Add($"argsz {e} req=0x{(ulong)r.Request:X} argsz={r.First}");

                vfio_eeh_pe_op_like op = default;
                e = Ioctl.VFIO_EEH_PE_OP(fd, ref op);
                lines.Add($"argsz2 argsz={r.First}");

                r.Deref = false;
                r.Result = 1;
                e = Ioctl.VFIO_CHECK_EXTENSION(fd, 7, out int result);
                lines.Add($"value {e} req=0x{(ulong)r.Request:X} arg={r.Arg} result={result}");

                r.Result = 0;
                e = Ioctl.VFIO_GET_API_VERSION(fd, out result);
                lines.Add($"none {e} req=0x{(ulong)r.Request:X} arg={r.Arg} result={result}");

                r.Deref = true;
                r.Result = -22;
                e = Ioctl.IOMMU_IOAS_MAP(fd, ref m);
                lines.Add($"errno {e} calls={r.Calls}");

                byte[] buffer = new byte[vfio_irq_set.SizeOf(3)];
                ref vfio_irq_set h = ref System.Runtime.InteropServices.MemoryMarshal.AsRef<vfio_irq_set>(new System.Span<byte>(buffer));
                h.data(3)[2] = 9;
                lines.Add($"flex size={buffer.Length} byte22={buffer[22]}");
                return string.Join("\n", lines);
            }
        }
        """;

    [Fact]
    public void Stubs_fill_size_and_send_the_request_through_the_seam()
    {
        string output = SeamProbe.Run(TestCompilation.Trees(EmitAll(ModelBuilder.Mini())), Probe);
        Assert.Equal(
            """
            ref OK fd=5 req=0x3B85 size=40 field=40
            ptr OK size=24 same=True
            argsz OK req=0x3B6E argsz=20
            argsz2 argsz=24
            value OK req=0x3B65 arg=7 result=1
            none OK req=0x3B64 arg=0 result=0
            errno EINVAL calls=7
            flex size=23 byte22=9
            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            output);
    }

    [Fact]
    public void Planner_locates_front_end_diagnostics_and_reports_emitter_problems()
    {
        HeaderModel model = ModelBuilder.Mini();
        model = model with
        {
            Ioctls = new(model.Ioctls.Append(ModelBuilder.Ioctl("VFIO_MISSING", 0x77, IoctlArgumentKind.Struct, "no_such_struct")).ToArray()),
            Structs = new(model.Structs.Append(ModelBuilder.Struct("selfish", 4, 4, ModelBuilder.U32("selfish", 0))).ToArray()),
        };
        EmitPlan plan = EmitPlanner.Plan(model);

        var front = Assert.Single(plan.Diagnostics, d => d.Id == "IOMMUFD1234");
        Assert.Equal((41, 4, 400, 7), (front.Line, front.Column, front.Start, front.Length));
        var missing = Assert.Single(plan.Diagnostics, d => d.Id == "IOMMUFD3001");
        Assert.Equal(600 + 0x77 - 1, missing.Line);
        Assert.Single(plan.Diagnostics, d => d.Id == "IOMMUFD3003");

        var sources = plan.Units.Select(u => (u.HintName, Emitter.Emit(u)));
        TestCompilation.AssertClean(TestCompilation.Create(TestCompilation.Trees(sources)));
    }

    [Fact]
    public void Empty_model_emits_only_the_constants_class()
    {
        var model = new HeaderModel(ModelBuilder.Path, "linux/empty.h", EquatableArray<StructModel>.Empty, EquatableArray<EnumModel>.Empty, EquatableArray<ConstantModel>.Empty, EquatableArray<IoctlModel>.Empty, EquatableArray<DocSection>.Empty, EquatableArray<HeaderDiagnostic>.Empty);
        var sources = EmitAll(model);
        Assert.Equal(["linux.empty.g.cs"], sources.Select(s => s.HintName));
        TestCompilation.AssertClean(TestCompilation.Create(TestCompilation.Trees(sources)));
    }
}
