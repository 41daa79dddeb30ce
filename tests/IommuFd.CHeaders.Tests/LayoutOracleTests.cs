using IommuFd.CHeaders.Model;
using IommuFd.CHeaders.Oracle;

namespace IommuFd.CHeaders.Tests;

/// <summary>
/// The C compiler is the oracle for layouts, constants, enumerators and ioctl numbers: the model is rendered as
/// _Static_asserts and gcc compiles them against the same fetched headers, for every header line.
/// </summary>
public class LayoutOracleTests
{
    public static IEnumerable<object[]> Lines => Headers.Lines.Select(l => new object[] { l });

    [Theory]
    [MemberData(nameof(Lines))]
    public void Gcc_agrees_with_every_model_fact(string line)
    {
        string source = LayoutOracleWriter.Write(Headers.ModelsOf(line));
        (int exit, string errors) = LayoutOracleGcc.Compile(line, source);
        Assert.True(exit == 0, $"gcc rejected the {line} oracle:\n{errors}");
    }

    [Fact]
    public void Gcc_agrees_with_every_model_fact_of_the_selftest_header()
    {
        // iommufd_test.h includes <linux/iommufd.h>: gcc reads it from the 7.2 line, the front end uses its model.
        HeaderModel selftest = Headers.SelftestModel;
        Assert.DoesNotContain(selftest.Diagnostics, d => d.Severity == HeaderDiagnosticSeverity.Error);
        (int exit, string errors) = CompileSelftest(LayoutOracleWriter.Write(new[] { Headers.Model("7.2", "iommufd.h"), selftest }));
        Assert.True(exit == 0, $"gcc rejected the selftest oracle:\n{errors}");
    }

    [Fact]
    public void Gcc_rejects_a_wrong_fact_inside_an_unnamed_member_type_of_the_selftest_header()
    {
        HeaderModel selftest = MutateField(Headers.SelftestModel, "iommu_test_cmd", "dirty", f => f with
        {
            UnnamedType = f.UnnamedType! with { Fields = f.UnnamedType.Fields.Select(x => x.Name == "iova" ? x with { Offset = 4 } : x).ToEquatableArray() },
        });
        (int exit, string errors) = CompileSelftest(LayoutOracleWriter.Write(new[] { selftest }));
        Assert.NotEqual(0, exit);
        Assert.Contains("offsetof iommu_test_cmd.dirty.iova", errors, StringComparison.Ordinal);
        Assert.Equal(1, errors.Split('\n').Count(l => l.Contains("static assertion failed", StringComparison.Ordinal)));
    }

    [Fact]
    public void Oracle_covers_every_fact_of_the_selftest_header()
    {
        HeaderModel selftest = Headers.SelftestModel;
        Assert.Equal(new List<string>(), MissingFacts(new[] { selftest }, LayoutOracleWriter.Write(new[] { selftest })));
        Assert.Contains(selftest.Struct("iommu_test_cmd").Fields, f => f.UnnamedType is not null);
        Assert.Equal((0x3BA0UL, 68, 72), (selftest.Ioctl("IOMMU_TEST_CMD").Number, selftest.Ioctl("IOMMU_TEST_CMD").MinSize, selftest.Struct("iommu_test_cmd").Size));
    }

    private static (int ExitCode, string Errors) CompileSelftest(string source) =>
        LayoutOracleGcc.CompileWith(
            new[] { "-fsyntax-only", "-nostdinc", "-std=gnu11", "-D__EXPORTED_HEADERS__", "-I", Headers.LineDirectory("7.2"), "-I", Path.GetDirectoryName(Headers.SelftestPath)!, "-x", "c", "-" },
            source);

    public static IEnumerable<object[]> Mutations => new[]
    {
        new object[] { "field offset", "offsetof iommu_hw_info.out_data_type" },
        new object[] { "struct size", "sizeof vfio_eeh_pe_op" },
        new object[] { "alignment", "alignof iommu_hwpt_set_dirty_tracking" },
        new object[] { "field size", "sizeof iommu_hw_info.__reserved" },
        new object[] { "signedness", "signedness iommu_ioas_map_file.fd" },
        new object[] { "field type", "type vfio_bitmap.data is __u32 *" },
        new object[] { "enumerator", "enumerator IOMMU_HW_INFO_TYPE_DEFAULT" },
        new object[] { "constant", "constant VFIO_PCI_DEVID_NOT_OWNED" },
        new object[] { "constant type", "type of constant VFIO_REGION_TYPE_PCI_VENDOR_TYPE is unsigned int" },
        new object[] { "ioctl", "ioctl IOMMU_IOAS_CHANGE_PROCESS" },
        new object[] { "min size", "min size IOMMU_HWPT_ALLOC (offsetofend iommu_hwpt_alloc.__reserved)" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void Gcc_rejects_a_model_with_one_wrong_fact(string what, string expectedAssert)
    {
        HeaderModel iommufd = Headers.Model("7.2", "iommufd.h"), vfio = Headers.Model("7.2", "vfio.h");
        switch (what)
        {
            case "field offset": iommufd = MutateField(iommufd, "iommu_hw_info", "out_data_type", f => f with { Offset = f.Offset + 4 }); break;
            case "struct size": vfio = MutateStruct(vfio, "vfio_eeh_pe_op", s => s with { Size = 36 }); break; // the i386 answer
            case "alignment": iommufd = MutateStruct(iommufd, "iommu_hwpt_set_dirty_tracking", s => s with { Alignment = 8 }); break;
            case "field size": iommufd = MutateField(iommufd, "iommu_hw_info", "__reserved", f => f with { Size = 4 }); break;
            case "signedness": iommufd = MutateField(iommufd, "iommu_ioas_map_file", "fd", f => f with { IsSigned = false }); break;
            case "field type": vfio = MutateField(vfio, "vfio_bitmap", "data", f => f with { CType = "__u32 *" }); break;
            case "enumerator":
                iommufd = iommufd with
                {
                    Enums = iommufd.Enums.Select(e => e with { Enumerators = e.Enumerators.Select(x => x.Name == "IOMMU_HW_INFO_TYPE_DEFAULT" ? x with { Value = 1 } : x).ToEquatableArray() }).ToEquatableArray(),
                };
                break;
            case "constant": vfio = vfio with { Constants = vfio.Constants.Select(c => c.Name == "VFIO_PCI_DEVID_NOT_OWNED" ? c with { Value = 0xFFFFFFFF } : c).ToEquatableArray() }; break;
            case "constant type": vfio = vfio with { Constants = vfio.Constants.Select(c => c.Name == "VFIO_REGION_TYPE_PCI_VENDOR_TYPE" ? c with { Type = ConstantType.UInt } : c).ToEquatableArray() }; break;
            case "min size": iommufd = iommufd with { Ioctls = iommufd.Ioctls.Select(i => i.Name == "IOMMU_HWPT_ALLOC" ? i with { MinSize = 48 } : i).ToEquatableArray() }; break;
            case "ioctl": iommufd = iommufd with { Ioctls = iommufd.Ioctls.Select(i => i.Name == "IOMMU_IOAS_CHANGE_PROCESS" ? i with { Number = i.Number | (8UL << 16) } : i).ToEquatableArray() }; break;
        }

        (int exit, string errors) = LayoutOracleGcc.Compile("7.2", LayoutOracleWriter.Write(new[] { iommufd, vfio }));
        Assert.NotEqual(0, exit);
        Assert.Contains(expectedAssert, errors, StringComparison.Ordinal);
        Assert.Equal(1, errors.Split('\n').Count(l => l.Contains("static assertion failed", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void Oracle_covers_every_struct_field_constant_enumerator_and_ioctl(string line)
    {
        IReadOnlyList<HeaderModel> models = Headers.ModelsOf(line);
        Assert.Empty(MissingFacts(models, LayoutOracleWriter.Write(models)));
        Assert.True(models.Sum(m => m.Structs.Count) > 0 && models.Sum(m => m.Ioctls.Count) > 0);
    }

    /// <summary>Every model fact the oracle must assert, as a fragment of its source; returns the absent ones.</summary>
    private static List<string> MissingFacts(IEnumerable<HeaderModel> models, string source)
    {
        var missing = new List<string>();
        void Need(string fragment)
        {
            if (!source.Contains(fragment, StringComparison.Ordinal))
            {
                missing.Add(fragment);
            }
        }

        void NeedStruct(StructModel s, string type)
        {
            Need($"sizeof({type}) == {s.Size}");
            Need($"_Alignof({type}) == {s.Alignment}");
            foreach (FieldModel f in s.Fields)
            {
                Need($"__builtin_offsetof({type}, {f.Name}) == {f.Offset}");
                Need(f.IsFlexibleArray ? $"sizeof((({type} *)0)->{f.Name}[0]) == {f.ElementSize}" : $"sizeof((({type} *)0)->{f.Name}) == {f.Size}");
                Need($"__typeof__((({type} *)0)->{f.Name}");
                if (f.UnnamedType is { } nested)
                {
                    // An unnamed member type is spelled through __typeof__ of the member (element 0 for arrays).
                    NeedStruct(nested, $"__typeof__((({type} *)0)->{f.Name}{(f.ArrayLength != 0 ? "[0]" : string.Empty)})");
                }
            }
        }

        foreach (HeaderModel m in models)
        {
            foreach (StructModel s in m.Structs)
            {
                NeedStruct(s, (s.IsUnion ? "union " : "struct ") + s.Name);
            }

            foreach (EnumeratorModel x in m.Enums.SelectMany(e => e.Enumerators))
            {
                Need($"((long long)({x.Name})) == ");
            }

            foreach (ConstantModel c in m.Constants)
            {
                Need(c.Type == ConstantType.String ? $"sizeof({c.Name}) == " : $"({c.Name}) == ");
            }

            foreach (IoctlModel i in m.Ioctls)
            {
                Need($"((unsigned long)({i.Name})) == 0x{i.Number:X}UL");
                if (i.MinSize is not null)
                {
                    Need($"sizeof(((struct {i.ArgumentStruct} *)0)->{i.MinSizeField}) == {i.MinSize}");
                }
            }
        }

        return missing;
    }

    private static HeaderModel MutateStruct(HeaderModel m, string name, Func<StructModel, StructModel> change) =>
        m with { Structs = m.Structs.Select(s => s.Name == name ? change(s) : s).ToEquatableArray() };

    private static HeaderModel MutateField(HeaderModel m, string structName, string field, Func<FieldModel, FieldModel> change) =>
        MutateStruct(m, structName, s => s with { Fields = s.Fields.Select(f => f.Name == field ? change(f) : f).ToEquatableArray() });
}
