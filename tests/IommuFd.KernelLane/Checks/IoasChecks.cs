using System.Text;
using IommuFd.Interop;
using IommuFd.KernelLane.Harness;
using IommuFd.KernelLane.Uapi;
using static IommuFd.Interop.Errno;
using static IommuFd.KernelLane.Harness.CheckLog;

namespace IommuFd.KernelLane.Checks;

/// <summary>
/// IOAS semantics on a context with no device (reference §4): alloc, IOVA_RANGES, MAP (fixed, automatic, file),
/// overlap, UNMAP (exact, split, nothing, all), COPY, ALLOW_IOVAS, OPTION and DESTROY.
/// </summary>
/// <remarks>
/// Automatic IOVAs are made deterministic by choosing the user VA's alignment: the allocator aligns to
/// min(roundup_pow_of_two(length), lowest set bit of the hint), capped at HPAGE_SIZE on THP kernels (§4.4).
/// </remarks>
internal static unsafe class IoasChecks
{
    private const uint RW = Flags.ReadWrite;
    private const uint Fixed = Flags.FixedIova;

    public static void Run(CheckLog log)
    {
        log.Group("ioas");
        using Fd ctx = Fd.Open("/dev/iommu");
        IoctlFd fd = ctx.Io;

        uint ioas = Alloc(log, fd, "alloc");

        // IOVA_RANGES on a fresh IOAS: one range [0, U64_MAX], alignment 1. Capacity 0 → EMSGSIZE with the count.
        var r0 = Sys.Sized<iommu_ioas_iova_ranges>();
        r0.ioas_id = ioas;
        Errno e = Ioctl.IOMMU_IOAS_IOVA_RANGES(fd, ref r0);
        log.Outcome("iova_ranges.fresh.capacity_0", EMSGSIZE, "", e, "", $"num_iovas={r0.num_iovas}");
        log.Value("iova_ranges.fresh.capacity_0.count", 1u, r0.num_iovas);
        log.Text("iova_ranges.fresh", "OK num=1 [0x0-0xffffffffffffffff] align=0x1", Ranges(fd, ioas, 4));

        // MAP with a fixed IOVA.
        using NativeBuffer big = Native.Anonymous(1 << 20);
        ulong iova = 0x100000;
        e = Map(fd, ioas, big.Address, big.Length, ref iova, Fixed | RW);
        log.Outcome("map.fixed", OK, "iova=0x100000", e, $"iova={Hex(iova)}");

        // MAP with a kernel-chosen IOVA: a 64 KiB buffer whose VA is 64 KiB- but not 128 KiB-aligned → alignment 64 KiB;
        // the first 64 KiB-aligned hole at or above PAGE_SIZE is 0x10000.
        using NativeBuffer window = Native.Anonymous(4 << 20);
        ulong va64k = AlignedNotTwice(window.Address, 0x10000);
        ulong auto = 0;
        e = Map(fd, ioas, va64k, 0x10000, ref auto, RW);
        log.Outcome("map.auto", OK, "iova=0x10000", e, $"iova={Hex(auto)}", $"user_va={Hex(va64k)}");

        // MAP_FILE on a memfd: the hint is the file offset (0) → alignment roundup_pow_of_two(64 KiB); [0x1000,0xffff]
        // has no 64 KiB-aligned start, [0x20000, 0xfffff] does.
        int memfd = Native.memfd_create("kernel-lane", 0);
        _ = Native.ftruncate(memfd, 0x10000);
        var mf = Sys.Sized<iommu_ioas_map_file>();
        mf.ioas_id = ioas;
        mf.fd = memfd;
        mf.length = 0x10000;
        mf.flags = RW;
        e = Ioctl.IOMMU_IOAS_MAP_FILE(fd, ref mf);
        log.Outcome("map_file.memfd", OK, "iova=0x20000", e, $"iova={Hex(mf.iova)}");

        // Overlapping fixed map.
        ulong overlap = 0x180000;
        e = Map(fd, ioas, big.Address, 0x1000, ref overlap, Fixed | RW);
        log.Errno("map.fixed_overlap", EEXIST, e);

        // MAP without READABLE|WRITEABLE.
        ulong none = 0x400000;
        log.Errno("map.no_access_flags", EINVAL, Map(fd, ioas, big.Address, 0x1000, ref none, Fixed));

        // UNMAP: splitting an area, nothing, exact.
        log.Errno("unmap.split", ENOENT, Unmap(fd, ioas, 0x100000, 0x80000, out _));
        log.Errno("unmap.nothing", ENOENT, Unmap(fd, ioas, 0x400000, 0x1000, out _));
        e = Unmap(fd, ioas, 0x10000, 0x10000, out ulong unmapped);
        log.Outcome("unmap.exact", OK, "length=0x10000", e, $"length={Hex(unmapped)}");
        log.Errno("unmap.length_0", EINVAL, Unmap(fd, ioas, 0x100000, 0, out _));

        // COPY into a second IOAS: the whole area, a sub-range, and a source range that is not fully mapped.
        uint ioas2 = Alloc(log, fd, "alloc_second");
        e = Copy(fd, ioas2, ioas, 0x100000, 0x100000, 0x200000, out ulong dst);
        log.Outcome("copy.whole_area", OK, "dst_iova=0x200000", e, $"dst_iova={Hex(dst)}");
        e = Copy(fd, ioas2, ioas, 0x140000, 0x1000, 0x400000, out dst);
        log.Outcome("copy.sub_range", OK, "dst_iova=0x400000", e, $"dst_iova={Hex(dst)}");
        log.Errno("copy.src_not_mapped", ENOENT, Copy(fd, ioas2, ioas, 0x300000, 0x1000, 0x500000, out _));
        log.Errno("copy.dst_overlap", EEXIST, Copy(fd, ioas2, ioas, 0x100000, 0x1000, 0x200000, out _));

        // ALLOW_IOVAS on the second IOAS: automatic maps land inside the allowed range.
        log.Errno("allow_iovas.set", OK, Allow(fd, ioas2, (0x1000_0000, 0x1fff_ffff)));
        ulong inAllowed = 0;
        e = Map(fd, ioas2, big.Address, 0x1000, ref inAllowed, RW);
        log.Outcome("allow_iovas.auto_map_inside", OK, "iova=0x10000000", e, $"iova={Hex(inAllowed)}");
        log.Errno("allow_iovas.start_eq_last", EINVAL, Allow(fd, ioas2, (0x3000_0000, 0x3000_0000)));
        log.Errno("allow_iovas.overlapping", EINVAL, Allow(fd, ioas2, (0x3000_0000, 0x3fff_ffff), (0x3800_0000, 0x4fff_ffff)));
        log.Errno("allow_iovas.clear", OK, Allow(fd, ioas2));

        // OPTION.
        e = Option(fd, Flags.RlimitMode, Flags.OpGet, 0, 0, out ulong v);
        log.Outcome("option.rlimit_mode.get", OK, "val64=0", e, $"val64={v}");
        log.Errno("option.rlimit_mode.set_busy", EBUSY, Option(fd, Flags.RlimitMode, Flags.OpSet, 0, 1, out _));
        log.Errno("option.rlimit_mode.object_id", EOPNOTSUPP, Option(fd, Flags.RlimitMode, Flags.OpGet, ioas, 0, out _));
        e = Option(fd, Flags.HugePages, Flags.OpGet, ioas, 0, out v);
        log.Outcome("option.huge_pages.get", OK, "val64=1", e, $"val64={v}");
        log.Errno("option.huge_pages.set_2", EINVAL, Option(fd, Flags.HugePages, Flags.OpSet, ioas, 2, out _));
        log.Errno("option.huge_pages.object_0", ENOENT, Option(fd, Flags.HugePages, Flags.OpGet, 0, 0, out _));
        log.Errno("option.unknown_option", EOPNOTSUPP, Option(fd, 99, Flags.OpGet, 0, 0, out _));
        log.Errno("option.unknown_op", EOPNOTSUPP, Option(fd, Flags.HugePages, 7, ioas, 0, out _));

        // UNMAP all: the 1 MiB fixed area and the 64 KiB file area remain; then an empty IOAS unmaps 0 bytes, OK.
        e = Unmap(fd, ioas, 0, ulong.MaxValue, out unmapped);
        log.Outcome("unmap.all", OK, "length=0x110000", e, $"length={Hex(unmapped)}");
        e = Unmap(fd, ioas, 0, ulong.MaxValue, out unmapped);
        log.Outcome("unmap.all_empty", OK, "length=0x0", e, $"length={Hex(unmapped)}");

        // DESTROY: unknown id, an IOAS with mappings (allowed), the same id again.
        log.Errno("destroy.unknown", ENOENT, Destroy(fd, 0x7fff_0000));
        log.Errno("destroy.id_0", ENOENT, Destroy(fd, 0));
        log.Errno("destroy.with_mappings", OK, Destroy(fd, ioas2));
        log.Errno("destroy.ioas", OK, Destroy(fd, ioas));
        log.Errno("destroy.again", ENOENT, Destroy(fd, ioas));
        _ = Native.close(memfd);

        Edges(log, fd, big);
    }

    /// <summary>Edge rules of MAP/UNMAP/MAP_FILE/automatic allocation and the compat IOAS pointer (reference §4).</summary>
    private static void Edges(CheckLog log, IoctlFd fd, NativeBuffer buf)
    {
        // Ids are reused lowest-first: both IOASes above are destroyed, so this one is 1 again.
        uint ioas = Alloc(log, fd, "alloc_reuses_lowest_id");
        log.Value("alloc_reuses_lowest_id.id", 1u, ioas);

        // With no domain the alignment is 1 byte. The automatic allocator ORs the hint's page offset into the aligned
        // hole start: a hole starting at 0x1126 and a VA at page offset 1 give 0x1127 (not 0x1126 + 1 rounded).
        ulong iova = 0;
        log.Errno("map.fixed_at_0_odd_length", OK, Map(fd, ioas, buf.Address, 0x1126, ref iova, Flags.FixedIova | Flags.ReadWrite));
        ulong auto = 0;
        Errno e = Map(fd, ioas, buf.Address + 1, 1, ref auto, Flags.ReadWrite);
        log.Outcome("map.auto_page_offset_ored", OK, "iova=0x1127", e, $"iova={Hex(auto)}");

        // Overflow rules: iova or length >= ULONG_MAX.
        ulong top = ulong.MaxValue;
        log.Errno("map.iova_u64_max", EOVERFLOW, Map(fd, ioas, buf.Address, 0x1000, ref top, Flags.FixedIova | Flags.ReadWrite));
        log.Errno("unmap.length_u64_max_not_all", EOVERFLOW, Unmap(fd, ioas, 1, ulong.MaxValue, out _));

        // MAP_FILE: a bad fd, a zero length.
        var mf = new iommu_ioas_map_file { ioas_id = ioas, fd = -1, length = 0x1000, flags = Flags.ReadWrite };
        log.Errno("map_file.bad_fd", EBADF, Ioctl.IOMMU_IOAS_MAP_FILE(fd, ref mf));
        int memfd = Native.memfd_create("kernel-lane-edges", 0);
        _ = Native.ftruncate(memfd, 0x1000);
        mf = new iommu_ioas_map_file { ioas_id = ioas, fd = memfd, length = 0, flags = Flags.ReadWrite };
        log.Errno("map_file.length_0", EINVAL, Ioctl.IOMMU_IOAS_MAP_FILE(fd, ref mf));
        _ = Native.close(memfd);

        // Automatic allocation confined to a 4 KiB allowed range cannot place 8 KiB.
        log.Errno("allow_iovas.small", OK, Allow(fd, ioas, (0x1000_0000, 0x1000_0fff)));
        ulong none = 0;
        log.Errno("map.auto_no_space", ENOSPC, Map(fd, ioas, buf.Address, 0x2000, ref none, Flags.ReadWrite));

        // IOMMU_VFIO_IOAS on a native context: nothing set, a bad id, set, get, clear.
        log.Text("vfio_ioas.get_unset", "ENODEV", VfioIoas(fd, (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_GET, 0));
        log.Text("vfio_ioas.set_unknown_id", "ENOENT", VfioIoas(fd, (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_SET, 0x7fff_0000));
        log.Text("vfio_ioas.set", "OK ioas_id=1", VfioIoas(fd, (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_SET, ioas));
        log.Text("vfio_ioas.get", "OK ioas_id=1", VfioIoas(fd, (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_GET, 0));
        log.Text("vfio_ioas.clear", "OK ioas_id=0", VfioIoas(fd, (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_CLEAR, 0));
        log.Text("vfio_ioas.get_after_clear", "ENODEV", VfioIoas(fd, (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_GET, 0));
        log.Errno("edges.destroy", OK, Destroy(fd, ioas));
    }

    private static string VfioIoas(IoctlFd fd, ushort op, uint id)
    {
        var v = new iommu_vfio_ioas { op = op, ioas_id = id };
        Errno e = Ioctl.IOMMU_VFIO_IOAS(fd, ref v);
        return e == OK ? $"OK ioas_id={v.ioas_id}" : Show(e);
    }

    // ---- helpers shared with the device checks ----

    public static uint Alloc(CheckLog log, IoctlFd fd, string name)
    {
        var a = Sys.Sized<iommu_ioas_alloc>();
        Errno e = Ioctl.IOMMU_IOAS_ALLOC(fd, ref a);
        log.Errno(name, OK, e, $"ioas_id={a.out_ioas_id}");
        return e == OK ? a.out_ioas_id : throw new InvalidOperationException($"IOMMU_IOAS_ALLOC failed: {e}");
    }

    public static Errno Map(IoctlFd fd, uint ioas, ulong va, long length, ref ulong iova, uint flags)
    {
        var m = Sys.Sized<iommu_ioas_map>();
        m.ioas_id = ioas;
        m.user_va = va;
        m.length = (ulong)length;
        m.iova = iova;
        m.flags = flags;
        Errno e = Ioctl.IOMMU_IOAS_MAP(fd, ref m);
        iova = m.iova;
        return e;
    }

    public static Errno Unmap(IoctlFd fd, uint ioas, ulong iova, ulong length, out ulong unmapped)
    {
        var u = Sys.Sized<iommu_ioas_unmap>();
        u.ioas_id = ioas;
        u.iova = iova;
        u.length = length;
        Errno e = Ioctl.IOMMU_IOAS_UNMAP(fd, ref u);
        unmapped = u.length;
        return e;
    }

    public static Errno Destroy(IoctlFd fd, uint id)
    {
        var d = Sys.Sized<iommu_destroy>();
        d.id = id;
        return Ioctl.IOMMU_DESTROY(fd, ref d);
    }

    public static Errno Option(IoctlFd fd, uint option, ushort op, uint objectId, ulong value, out ulong result)
    {
        var o = Sys.Sized<iommu_option>();
        o.option_id = option;
        o.op = op;
        o.object_id = objectId;
        o.val64 = value;
        Errno e = Ioctl.IOMMU_OPTION(fd, ref o);
        result = o.val64;
        return e;
    }

    /// <summary>IOVA_RANGES as canonical text: <c>OK num=2 [0x0-0xfedfffff] [...] align=0x1000</c>, or the errno.</summary>
    public static string Ranges(IoctlFd fd, uint ioas, uint capacity)
    {
        var ranges = stackalloc iommu_iova_range[(int)capacity];
        var r = Sys.Sized<iommu_ioas_iova_ranges>();
        r.ioas_id = ioas;
        r.num_iovas = capacity;
        r.allowed_iovas = (ulong)ranges;
        Errno e = Ioctl.IOMMU_IOAS_IOVA_RANGES(fd, ref r);
        if (e != OK)
        {
            return Show(e) + $" num={r.num_iovas}";
        }

        var sb = new StringBuilder($"OK num={r.num_iovas}");
        for (int i = 0; i < r.num_iovas && i < capacity; i++)
        {
            sb.Append($" [{Hex(ranges[i].start)}-{Hex(ranges[i].last)}]");
        }

        return sb.Append($" align={Hex(r.out_iova_alignment)}").ToString();
    }

    private static Errno Copy(IoctlFd fd, uint dstIoas, uint srcIoas, ulong srcIova, ulong length, ulong dstIova, out ulong outDst)
    {
        var c = Sys.Sized<iommu_ioas_copy>();
        c.dst_ioas_id = dstIoas;
        c.src_ioas_id = srcIoas;
        c.src_iova = srcIova;
        c.length = length;
        c.dst_iova = dstIova;
        c.flags = Fixed | RW;
        Errno e = Ioctl.IOMMU_IOAS_COPY(fd, ref c);
        outDst = c.dst_iova;
        return e;
    }

    private static Errno Allow(IoctlFd fd, uint ioas, params (ulong Start, ulong Last)[] ranges)
    {
        var buf = stackalloc iommu_iova_range[Math.Max(1, ranges.Length)];
        for (int i = 0; i < ranges.Length; i++)
        {
            buf[i] = new iommu_iova_range { start = ranges[i].Start, last = ranges[i].Last };
        }

        var a = Sys.Sized<iommu_ioas_allow_iovas>();
        a.ioas_id = ioas;
        a.num_iovas = (uint)ranges.Length;
        a.allowed_iovas = (ulong)buf;
        return Ioctl.IOMMU_IOAS_ALLOW_IOVAS(fd, ref a);
    }

    /// <summary>An address inside [base, base + 4 MiB) aligned to <paramref name="align"/> but not to twice that.</summary>
    private static ulong AlignedNotTwice(ulong baseAddress, ulong align)
    {
        ulong a = (baseAddress + align - 1) & ~(align - 1);
        return (a & align) != 0 ? a : a + align;
    }
}
