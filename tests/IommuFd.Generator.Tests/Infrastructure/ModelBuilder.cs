using IommuFd.CHeaders.Model;

namespace IommuFd.Generator.Tests.Infrastructure;

/// <summary>Hand-built models: emitter tests that do not depend on the C front end.</summary>
internal static class ModelBuilder
{
    public const string Path = "/headers/linux/mini.h";

    public static SourceLocation At(int line) => new(Path, line, 1, line * 10, 4);

    public static FieldModel U32(string name, int offset, string? doc = null, int group = 0, string cType = "__u32") =>
        new(name, cType, FieldKind.Integer, 4, false, null, offset, 4, 0, group, null, doc, At(offset + 100));

    public static FieldModel U64(string name, int offset, string? doc = null) =>
        new(name, "__aligned_u64", FieldKind.Integer, 8, false, null, offset, 8, 0, 0, null, doc, At(offset + 100));

    public static FieldModel S32(string name, int offset) =>
        new(name, "__s32", FieldKind.Integer, 4, true, null, offset, 4, 0, 0, null, null, At(offset + 100));

    public static FieldModel Array(string name, string cType, int elementSize, int offset, int length) =>
        new(name, cType, FieldKind.Integer, elementSize, false, null, offset, elementSize * Math.Max(length, 0), length, 0, null, null, At(offset + 100));

    public static FieldModel Nested(string name, string structName, int offset, int size, int length = 0) =>
        new(name, "struct " + structName, FieldKind.Struct, size, false, structName, offset, length < 0 ? 0 : size * Math.Max(1, length), length, 0, null, null, At(offset + 100));

    public static FieldModel Pointer(string name, int offset) =>
        new(name, "__u64 *", FieldKind.Pointer, 8, false, null, offset, 8, 0, 0, null, "one bit per page", At(offset + 100));

    public static StructModel Struct(string name, int size, int align, params FieldModel[] fields) =>
        new(name, false, size, align, new(fields), EquatableArray<string>.Empty, null, null, At(size));

    public static ConstantModel Define(string name, ConstantType type, long value, string expression, string? containing = null, string? stringValue = null) =>
        new(name, type, value, stringValue, expression, containing, null, At(500));

    public static IoctlModel Ioctl(string name, int nr, IoctlArgumentKind kind, string? arg, int? minSize = null) =>
        new(name, IoctlDirection.None, 0x3B, nr, null, (ulong)(0x3B00 | nr), kind, arg, minSize, null, "_IO(';', " + nr + ")", null, At(600 + nr));

    /// <summary>
    /// A small header exercising every emitter path: size/argsz structs, anonymous union, fixed array, flexible array,
    /// nested struct, pointer member, keyword-named field, named/anonymous enums, string/negative/struct-body defines,
    /// Struct/Value/None ioctls.
    /// </summary>
    public static HeaderModel Mini()
    {
        var ioasMap = Struct(
            "iommu_ioas_map", 40, 8,
            U32("size", 0, "sizeof(struct iommu_ioas_map)"), U32("flags", 4, "Combination of enum iommufd_ioas_map_flags"), U32("ioas_id", 8),
            U32("__reserved", 12, "Must be 0"), U64("user_va", 16), U64("length", 24), U64("iova", 32, "IOVA the mapping was placed at. <in/out> & more"))
            with { Doc = new DocComment("ioctl(IOMMU_IOAS_MAP)", "Set an IOVA mapping from a user pointer.\n\nSecond paragraph with <angle> & ampersand."), IoctlName = "IOMMU_IOAS_MAP" };
        var hwInfo = Struct(
            "iommu_hw_info", 16, 4,
            U32("size", 0), U32("in_data_type", 4, "input", group: 1), U32("out_data_type", 4, "output", group: 1),
            Array("__reserved", "__u8", 1, 8, 3), Array("idr", "__u32", 4, 12, 1) with { Size = 4 });
        var irqSet = Struct(
            "vfio_irq_set", 20, 4,
            U32("argsz", 0), U32("flags", 4), U32("index", 8), U32("start", 12), U32("count", 16), Array("data", "__u8", 1, 20, -1))
            with { Constants = new(["VFIO_IRQ_SET_DATA_NONE"]) };
        var header = Struct("vfio_info_cap_header", 8, 4, new FieldModel("id", "__u16", FieldKind.Integer, 2, false, null, 0, 2, 0, 0, null, null, At(1)), new FieldModel("version", "__u16", FieldKind.Integer, 2, false, null, 2, 2, 0, 0, null, null, At(2)), U32("next", 4));
        var sparse = Struct(
            "vfio_region_info_cap_sparse_mmap", 16, 8,
            Nested("header", "vfio_info_cap_header", 0, 8), U32("nr_areas", 8), U32("reserved", 12), Nested("areas", "vfio_iova_range", 16, 16, -1));
        var range = Struct("vfio_iova_range", 16, 8, U64("start", 0), U64("end", 8));
        var bitmap = Struct("vfio_bitmap", 24, 8, new FieldModel("pgsize", "__u64", FieldKind.Integer, 8, false, null, 0, 8, 0, 0, null, null, At(1)), new FieldModel("size", "__u64", FieldKind.Integer, 8, false, null, 8, 8, 0, 0, null, null, At(2)), Pointer("data", 16));
        var keywords = Struct("kw", 12, 4, U32("in", 0), S32("base", 4), U32("object", 8));
        var padded = Struct("vfio_eeh_pe_op_like", 24, 8, U32("argsz", 0), U32("flags", 4), U32("op", 8), new FieldModel("value", "__u64", FieldKind.Integer, 8, false, null, 16, 8, 0, 0, null, null, At(3)));

        var flags = new EnumModel(
            "iommufd_ioas_map_flags",
            new([
                new EnumeratorModel("IOMMU_IOAS_MAP_FIXED_IOVA", 1, "1 << 0", "If clear the kernel will compute an appropriate IOVA", At(10)),
                new EnumeratorModel("IOMMU_IOAS_MAP_WRITEABLE", 2, "1 << 1", null, At(11)),
            ]),
            new DocComment("Flags for map and copy", string.Empty),
            At(9));
        var dup = new EnumModel(
            "iommu_hw_info_type",
            new([new EnumeratorModel("IOMMU_HW_INFO_TYPE_NONE", 0, null, null, At(20)), new EnumeratorModel("IOMMU_HW_INFO_TYPE_DEFAULT", 0, "IOMMU_HW_INFO_TYPE_NONE", null, At(21)), new EnumeratorModel("IOMMU_HW_INFO_TYPE_BIG", 0x80000000L, "1U << 31", null, At(22))]),
            null,
            At(19));
        var anon = new EnumModel(
            null,
            new([new EnumeratorModel("IOMMUFD_CMD_BASE", 0x80, "0x80", null, At(30)), new EnumeratorModel("IOMMUFD_CMD_DESTROY", 0x80, "IOMMUFD_CMD_BASE", null, At(31))]),
            null,
            At(29));

        return new HeaderModel(
            Path,
            "linux/mini.h",
            new([ioasMap, hwInfo, irqSet, header, sparse, range, bitmap, keywords, padded]),
            new([flags, dup, anon]),
            new([
                Define("IOMMUFD_TYPE", ConstantType.Int, 59, "(';')"),
                Define("VFIO_DEVICE_API_PCI_STRING", ConstantType.String, 0, "\"vfio-pci\"", stringValue: "vfio-pci"),
                Define("VFIO_PCI_DEVID_NOT_OWNED", ConstantType.Int, -1, "-1"),
                Define("VFIO_IRQ_SET_DATA_NONE", ConstantType.UInt, 1, "(1 << 0)", containing: "vfio_irq_set"),
                Define("BIG_U64", ConstantType.ULong, unchecked((long)0xFFFFFFFFFFFFFFFFUL), "(~0ULL)"),
                Define("IOMMU_IOAS_MAP", ConstantType.UInt, 0x3B85, "_IO(';', 0x85)"),
            ]),
            new([
                Ioctl("IOMMU_IOAS_MAP", 0x85, IoctlArgumentKind.Struct, "iommu_ioas_map", 40) with { MinSizeField = "iova", Doc = new DocComment("Map user memory <into> an IOAS", string.Empty) },
                Ioctl("IOMMU_GET_HW_INFO", 0x8a, IoctlArgumentKind.Struct, "iommu_hw_info", 12),
                Ioctl("VFIO_DEVICE_SET_IRQS", 110, IoctlArgumentKind.Struct, "vfio_irq_set"),
                Ioctl("VFIO_CHECK_EXTENSION", 101, IoctlArgumentKind.Value, null),
                Ioctl("VFIO_GET_API_VERSION", 100, IoctlArgumentKind.None, null),
                Ioctl("VFIO_EEH_PE_OP", 121, IoctlArgumentKind.Struct, "vfio_eeh_pe_op_like"),
            ]),
            new([new DocSection("General ioctl format", "Every ioctl takes one extensible argument struct.\n\n - ENOTTY: <unknown> & more", At(12))]),
            new([new HeaderDiagnostic("IOMMUFD1234", HeaderDiagnosticSeverity.Warning, "something skipped", new SourceLocation(Path, 42, 5, 400, 7))]));
    }
}
