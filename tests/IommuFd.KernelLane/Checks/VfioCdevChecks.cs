using IommuFd.Interop;
using IommuFd.KernelLane.Harness;
using IommuFd.KernelLane.Uapi;
using static IommuFd.Interop.Errno;
using static IommuFd.KernelLane.Harness.CheckLog;

namespace IommuFd.KernelLane.Checks;

/// <summary>
/// A real device through iommufd: the VFIO cdev of QEMU's edu device bound to a fresh context, attached, replaced and
/// detached between an IOAS and an explicit HWPT, GET_HW_INFO on the emulated VT-d, and DMA through the IOMMU,
/// including DMA to an IOVA after it was unmapped.
/// </summary>
/// <remarks>
/// Object ids are part of the expected results: a fresh context hands out the lowest free id (reference §3), so
/// bind → 1, the IOAS → 2, the automatic HWPT → 3, the explicit HWPT → 4 (the lowest free id after 3 is destroyed
/// by the replace would be 3, but the explicit HWPT is allocated before the replace).
/// </remarks>
internal static unsafe class VfioCdevChecks
{
    private const uint RW = Flags.ReadWrite;
    private const uint Fixed = Flags.FixedIova;
    private const ulong IovaA = 0x100000, IovaB = 0x200000; // below the edu's 28-bit DMA mask

    public static string CdevPath() =>
        Directory.GetFileSystemEntries("/dev/vfio/devices").Order(StringComparer.Ordinal).First();

    public static void Run(CheckLog log)
    {
        log.Group("vfio");
        using Fd ctx = Fd.Open("/dev/iommu");
        IoctlFd fd = ctx.Io;
        using Fd dev = Fd.Open(CdevPath());
        IoctlFd d = dev.Io;

        // Before a bind every device ioctl but BIND is refused.
        var info = Sys.Sized<vfio_device_info>();
        log.Errno("get_info.before_bind", EINVAL, Ioctl.VFIO_DEVICE_GET_INFO(d, ref info));

        // BIND: argsz below the 16-byte minimum, a nonzero tail (7.2 copies with copy_struct_from_user), bad fds.
        log.Errno("bind.argsz_15", EINVAL, Bind(d, ctx.Value, 15, 0, out _));
        log.Errno("bind.tail_nonzero", E2BIG, Bind(d, ctx.Value, 32, 0xff, out _));
        log.Errno("bind.iommufd_negative", EINVAL, Bind(d, -1, 24, 0, out _));
        int memfd = Native.memfd_create("not-iommufd", 0);
        log.Errno("bind.not_an_iommufd", EBADFD, Bind(d, memfd, 24, 0, out _));
        _ = Native.close(memfd);
        Errno e = Bind(d, ctx.Value, 24, 0, out uint devid);
        log.Outcome("bind", OK, "out_devid=1", e, $"out_devid={devid}");
        if (e != OK)
        {
            return;
        }

        log.Errno("bind.again", EINVAL, Bind(d, ctx.Value, 24, 0, out _));
        log.Errno("destroy.device", EBUSY, IoasChecks.Destroy(fd, devid));

        e = Ioctl.VFIO_DEVICE_GET_INFO(d, ref info);
        log.Outcome("get_info", OK, "flags=0x3 num_regions=9 num_irqs=5", e,
            $"flags={Hex(info.flags)} num_regions={info.num_regions} num_irqs={info.num_irqs}");
        e = EduDevice.Probe(d, out EduDevice? edu, out vfio_region_info cfg, out vfio_region_info bar0);
        log.Outcome("region_info", OK, "config.flags=0x3 bar0.flags=0x7 bar0.size=0x100000", e,
            $"config.flags={Hex(cfg.flags)} bar0.flags={Hex(bar0.flags)} bar0.size={Hex(bar0.size)}",
            $"config.offset={Hex(cfg.offset)} bar0.offset={Hex(bar0.offset)}");

        uint ioas = IoasChecks.Alloc(log, fd, "ioas_alloc");
        log.Value("ioas_alloc.id", 2u, ioas);
        using NativeBuffer a = Native.Anonymous(0x10000);
        using NativeBuffer b = Native.Anonymous(0x10000);
        ulong iova = IovaA;
        log.Errno("map.a", OK, IoasChecks.Map(fd, ioas, a.Address, a.Length, ref iova, Fixed | RW));
        iova = IovaB;
        log.Errno("map.b", OK, IoasChecks.Map(fd, ioas, b.Address, b.Length, ref iova, Fixed | RW));

        // ATTACH to the IOAS: classic VFIO argsz/flags checks, then an automatic HWPT.
        log.Errno("attach.argsz_short", EINVAL, Attach(d, ioas, 11, 0, out _));
        log.Errno("attach.unknown_flag", EINVAL, Attach(d, ioas, 16, 0x8000_0000, out _));
        log.Errno("attach.unknown_id", ENOENT, Attach(d, 0x7fff_0000, 16, 0, out _));
        e = Attach(d, ioas, 16, 0, out uint autoHwpt);
        log.Outcome("attach.ioas", OK, "pt_id=3", e, $"pt_id={autoHwpt}");

        // The device's reserved regions (the MSI window) and the aperture now shape the IOAS.
        log.Text("iova_ranges.attached.capacity_1", "EMSGSIZE num=2", IoasChecks.Ranges(fd, ioas, 1));
        log.Text("iova_ranges.attached", "OK num=2 [0x0-0xfedfffff] [0xfef00000-0x7fffffffff] align=0x1000",
            IoasChecks.Ranges(fd, ioas, 8));
        ulong msi = 0xfee00000;
        log.Errno("map.reserved_msi_window", EINVAL, IoasChecks.Map(fd, ioas, a.Address, 0x1000, ref msi, Fixed | RW));
        log.Errno("destroy.ioas_in_use", EBUSY, IoasChecks.Destroy(fd, ioas));
        log.Errno("destroy.attached_auto_hwpt", EBUSY, IoasChecks.Destroy(fd, autoHwpt));

        // GET_HW_INFO: Intel VT-d data.
        var vtd = default(iommu_hw_info_vtd);
        var hw = Sys.Sized<iommu_hw_info>();
        hw.dev_id = devid;
        hw.data_len = (uint)sizeof(iommu_hw_info_vtd);
        hw.data_uptr = (ulong)&vtd;
        e = Ioctl.IOMMU_GET_HW_INFO(fd, ref hw);
        log.Outcome("hw_info.vtd", OK, "out_data_type=1 data_len=24 vtd.flags=0x1 out_capabilities=0x8 out_max_pasid_log2=0", e,
            $"out_data_type={hw.out_data_type} data_len={hw.data_len} vtd.flags={Hex(vtd.flags)} out_capabilities={Hex(hw.out_capabilities)} out_max_pasid_log2={hw.out_max_pasid_log2}",
            $"cap_reg={Hex(vtd.cap_reg)} ecap_reg={Hex(vtd.ecap_reg)}");
        hw = Sys.Sized<iommu_hw_info>();
        hw.dev_id = devid;
        e = Ioctl.IOMMU_GET_HW_INFO(fd, ref hw);
        log.Outcome("hw_info.data_len_0", OK, "out_data_type=1 data_len=24", e, $"out_data_type={hw.out_data_type} data_len={hw.data_len}");
        hw = Sys.Sized<iommu_hw_info>();
        hw.dev_id = devid;
        hw.flags = 0x8000_0000;
        log.Errno("hw_info.unknown_flag", EOPNOTSUPP, Ioctl.IOMMU_GET_HW_INFO(fd, ref hw));

        // HWPT_ALLOC on the emulated VT-d: no dirty tracking, no nesting; unknown flags and ids.
        log.Errno("hwpt_alloc.dirty_tracking", EOPNOTSUPP, HwptAlloc(fd, devid, ioas, Flags.DirtyTracking, out _));
        log.Errno("hwpt_alloc.nest_parent", EOPNOTSUPP, HwptAlloc(fd, devid, ioas, Flags.NestParent, out _));
        log.Errno("hwpt_alloc.unknown_flag", EOPNOTSUPP, HwptAlloc(fd, devid, ioas, 0x8000_0000, out _));
        log.Errno("hwpt_alloc.pt_id_0", EINVAL, HwptAlloc(fd, devid, 0, 0, out _));
        log.Errno("hwpt_alloc.dev_id_unknown", ENOENT, HwptAlloc(fd, 0x7fff_0000, ioas, 0, out _));

        // The device itself.
        if (edu is null)
        {
            return;
        }

        log.Value("edu.config_id", Hex(EduDevice.VendorDevice), Hex(edu.ConfigRead32(0)));
        edu.EnableBusMaster();
        log.Value("edu.ident", Hex(EduDevice.IdentValue), Hex(edu.Ident));
        log.Value("edu.liveness", Hex(~0x1234_5678u), Hex(edu.Liveness(0x1234_5678)));

        // DMA through the automatic HWPT.
        log.Text("dma.auto_hwpt.roundtrip", "done=true match=true", RoundTrip(edu, a, seed: 3));

        // An explicit HWPT, then replace the attachment onto it: the automatic HWPT is freed.
        e = HwptAlloc(fd, devid, ioas, 0, out uint hwpt);
        log.Outcome("hwpt_alloc", OK, "out_hwpt_id=4", e, $"out_hwpt_id={hwpt}");
        e = Attach(d, hwpt, 16, 0, out uint pt);
        log.Outcome("attach.replace_to_hwpt", OK, "pt_id=4", e, $"pt_id={pt}");
        log.Errno("destroy.replaced_auto_hwpt", ENOENT, IoasChecks.Destroy(fd, autoHwpt));
        log.Text("dma.explicit_hwpt.roundtrip", "done=true match=true", RoundTrip(edu, a, seed: 11));
        log.Errno("destroy.attached_hwpt", EBUSY, IoasChecks.Destroy(fd, hwpt));
        log.Errno("destroy.ioas_with_hwpt", EBUSY, IoasChecks.Destroy(fd, ioas));

        // Detach (twice: the second is a no-op), then attach straight to the HWPT.
        log.Errno("detach", OK, Detach(d));
        log.Errno("detach.again", OK, Detach(d));
        e = Attach(d, hwpt, 16, 0, out pt);
        log.Outcome("attach.hwpt", OK, "pt_id=4", e, $"pt_id={pt}");
        log.Text("dma.hwpt_after_reattach.roundtrip", "done=true match=true", RoundTrip(edu, a, seed: 29));

        // Unmap A: the device's writes to it are dropped and its reads of it see none of A's data.
        e = IoasChecks.Unmap(fd, ioas, IovaA, 0x10000, out ulong unmapped);
        log.Outcome("unmap.a", OK, "length=0x10000", e, $"length={Hex(unmapped)}");
        a.Span.Fill(0xAA);
        bool done = edu.DmaToMemory(IovaA, 256);
        bool untouched = !a.Span.ContainsAnyExcept((byte)0xAA);
        log.Text("dma.write_to_unmapped.blocked", "done=true untouched=true", $"done={B(done)} untouched={B(untouched)}");
        Pattern(a.Span[..256], seed: 41);
        b.Span.Clear();
        done = edu.DmaToDevice(IovaA, 256) && edu.DmaToMemory(IovaB, 256);
        bool sawA = a.Span[..256].SequenceEqual(b.Span[..256]);
        log.Text("dma.read_from_unmapped.blocked", "done=true device_saw_data=false", $"done={B(done)} device_saw_data={B(sawA)}",
            $"device returned {Describe(b.Span[..256])}");

        // Remap A at the same IOVA: DMA works again.
        iova = IovaA;
        log.Errno("map.a_again", OK, IoasChecks.Map(fd, ioas, a.Address, a.Length, ref iova, Fixed | RW));
        log.Text("dma.remapped.roundtrip", "done=true match=true", RoundTrip(edu, a, seed: 53));

        log.Errno("detach.final", OK, Detach(d));
        log.Errno("destroy.hwpt", OK, IoasChecks.Destroy(fd, hwpt));
        log.Errno("destroy.ioas", OK, IoasChecks.Destroy(fd, ioas));
    }

    // ---- helpers ----

    public static Errno Bind(IoctlFd d, int iommufd, uint argsz, byte tail, out uint devid)
    {
        byte* buf = stackalloc byte[64];
        new Span<byte>(buf, 64).Clear();
        var bind = (vfio_device_bind_iommufd*)buf;
        bind->argsz = argsz;
        bind->iommufd = iommufd;
        buf[sizeof(vfio_device_bind_iommufd)] = tail;
        Errno e = Ioctl.VFIO_DEVICE_BIND_IOMMUFD(d, bind);
        devid = bind->out_devid;
        return e;
    }

    public static Errno Attach(IoctlFd d, uint ptId, uint argsz, uint flags, out uint outPtId)
    {
        // The pointer overload: the caller's argsz is part of what is being checked.
        var at = new vfio_device_attach_iommufd_pt { argsz = argsz, flags = flags, pt_id = ptId };
        Errno e = Ioctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT(d, &at);
        outPtId = at.pt_id;
        return e;
    }

    public static Errno Detach(IoctlFd d)
    {
        var dt = Sys.Sized<vfio_device_detach_iommufd_pt>();
        return Ioctl.VFIO_DEVICE_DETACH_IOMMUFD_PT(d, ref dt);
    }

    public static Errno HwptAlloc(IoctlFd fd, uint devId, uint ptId, uint flags, out uint hwpt)
    {
        var h = Sys.Sized<iommu_hwpt_alloc>();
        h.dev_id = devId;
        h.pt_id = ptId;
        h.flags = flags;
        Errno e = Ioctl.IOMMU_HWPT_ALLOC(fd, ref h);
        hwpt = h.out_hwpt_id;
        return e;
    }

    /// <summary>
    /// Memory → device → memory through the IOMMU: 2 KiB of a pattern at IOVA A, copied into the device, then back to
    /// A + 2 KiB, which must then equal the pattern.
    /// </summary>
    public static string RoundTrip(EduDevice edu, NativeBuffer buf, int seed, ulong iova = IovaA)
    {
        Span<byte> s = buf.Span;
        Pattern(s[..2048], seed);
        s.Slice(2048, 2048).Clear();
        bool done = edu.DmaToDevice(iova, 2048) && edu.DmaToMemory(iova + 2048, 2048);
        bool match = s[..2048].SequenceEqual(s.Slice(2048, 2048));
        return $"done={B(done)} match={B(match)}";
    }

    public static void Pattern(Span<byte> s, int seed)
    {
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (byte)((i * 7) + seed);
        }
    }

    private static string B(bool v) => v ? "true" : "false";

    private static string Describe(ReadOnlySpan<byte> s) =>
        !s.ContainsAnyExcept((byte)0) ? "all 0x00" : !s.ContainsAnyExcept((byte)0xff) ? "all 0xff" : $"first bytes {Convert.ToHexString(s[..8])}";
}
