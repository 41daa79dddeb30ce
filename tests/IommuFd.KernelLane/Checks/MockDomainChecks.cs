using System.Numerics;
using IommuFd.Interop;
using IommuFd.KernelLane.Harness;
using IommuFd.KernelLane.Uapi;
using static IommuFd.Interop.Errno;
using static IommuFd.KernelLane.Harness.CheckLog;

namespace IommuFd.KernelLane.Checks;

/// <summary>
/// The selftest mock IOMMU through IOMMU_TEST_CMD (CONFIG_IOMMUFD_TEST, reference §6): mock domain and device, a
/// dirty-tracking HWPT (which the emulated VT-d refuses), SET_DIRTY_TRACKING, dirty bits set by the test op and read
/// back with GET_DIRTY_BITMAP (clearing and NO_CLEAR).
/// </summary>
/// <remarks>
/// HUGE_PAGES is switched off on the IOAS before any domain exists, as the selftest's dirty fixture does, so the mock
/// maps every 2 KiB page separately and dirty bits come back exactly as set (a large mock PTE would report its whole
/// range dirty). Ids in a fresh context: IOAS 1; MOCK_DOMAIN allocates the selftest object (2), binds the mock device
/// (3) and attaches it, creating an automatic HWPT (4); the dirty HWPT is 5.
/// </remarks>
internal static unsafe class MockDomainChecks
{
    private const uint RW = Flags.ReadWrite;
    private const uint NoClear = 1; // IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR
    private const ulong Length = 2 << 20, PageSize = 4096;

    public static void Run(CheckLog log)
    {
        log.Group("mock");
        using Fd ctx = Fd.Open("/dev/iommu");
        IoctlFd fd = ctx.Io;

        uint ioas = IoasChecks.Alloc(log, fd, "ioas_alloc");
        log.Errno("option.huge_pages_off", OK, IoasChecks.Option(fd, Flags.HugePages, Flags.OpSet, ioas, 0, out _));

        var md = Sys.Sized<iommu_test_cmd>();
        md.op = iommufd_test.IOMMU_TEST_OP_MOCK_DOMAIN;
        md.id = ioas;
        Errno e = SelftestIoctl.IOMMU_TEST_CMD(fd, ref md);
        log.Outcome("mock_domain", OK, "out_stdev_id=2 out_idev_id=3 out_hwpt_id=4", e,
            $"out_stdev_id={md.mock_domain.out_stdev_id} out_idev_id={md.mock_domain.out_idev_id} out_hwpt_id={md.mock_domain.out_hwpt_id}");
        if (e != OK)
        {
            return;
        }

        uint stdev = md.mock_domain.out_stdev_id, idev = md.mock_domain.out_idev_id, autoHwpt = md.mock_domain.out_hwpt_id;

        // GET_HW_INFO on the mock device: the selftest type and register value, dirty tracking capability.
        var ti = default(iommu_test_hw_info);
        var hw = Sys.Sized<iommu_hw_info>();
        hw.dev_id = idev;
        hw.data_len = (uint)sizeof(iommu_test_hw_info);
        hw.data_uptr = (ulong)&ti;
        e = Ioctl.IOMMU_GET_HW_INFO(fd, ref hw);
        log.Outcome("hw_info", OK,
            $"out_data_type={Hex(iommufd_test.IOMMU_HW_INFO_TYPE_SELFTEST)} data_len=8 test_reg={Hex(iommufd_test.IOMMU_HW_INFO_SELFTEST_REGVAL)} dirty_capability=true", e,
            $"out_data_type={Hex(hw.out_data_type)} data_len={hw.data_len} test_reg={Hex(ti.test_reg)} dirty_capability={((hw.out_capabilities & Flags.CapDirtyTracking) != 0 ? "true" : "false")}",
            $"out_capabilities={Hex(hw.out_capabilities)}");

        // A dirty-tracking HWPT on the mock (the emulated VT-d refuses the same flag), and the mock device moved onto it.
        e = VfioCdevChecks.HwptAlloc(fd, idev, ioas, Flags.DirtyTracking, out uint dirtyHwpt);
        log.Outcome("hwpt_alloc.dirty_tracking", OK, "out_hwpt_id=5", e, $"out_hwpt_id={dirtyHwpt}");
        var rep = Sys.Sized<iommu_test_cmd>();
        rep.op = iommufd_test.IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
        rep.id = stdev;
        rep.mock_domain_replace.pt_id = dirtyHwpt;
        log.Errno("mock_domain_replace", OK, SelftestIoctl.IOMMU_TEST_CMD(fd, ref rep));
        log.Errno("destroy.replaced_auto_hwpt", ENOENT, IoasChecks.Destroy(fd, autoHwpt));

        using NativeBuffer mem = Native.Anonymous((long)Length);
        ulong iova = iommufd_test.MOCK_APERTURE_START;
        e = IoasChecks.Map(fd, ioas, mem.Address, (long)Length, ref iova, Flags.FixedIova | RW);
        log.Outcome("map", OK, "iova=0x1000000", e, $"iova={Hex(iova)}");
        ulong outside = 0x1000;
        log.Errno("map.outside_aperture", EINVAL,
            IoasChecks.Map(fd, ioas, mem.Address, 0x1000, ref outside, Flags.FixedIova | RW));

        ulong[] bitmap = new ulong[Length / PageSize / 64];
        log.Text("dirty.tracking_off.read", "OK bits=0", ReadDirty(fd, dirtyHwpt, bitmap, 0));
        log.Errno("dirty.mark_while_off", EINVAL, Mark(fd, dirtyHwpt, out _));

        log.Errno("set_dirty_tracking.enable", OK, SetDirty(fd, dirtyHwpt, Flags.DirtyTrackingEnable));
        e = Mark(fd, dirtyHwpt, out ulong marked);
        log.Outcome("dirty.mark_every_4th_page", OK, "out_nr_dirty=128", e, $"out_nr_dirty={marked}");
        log.Text("get_dirty_bitmap", "OK bits=128 word0=0x1111111111111111", ReadDirty(fd, dirtyHwpt, bitmap, 0));
        log.Text("get_dirty_bitmap.after_clear", "OK bits=0", ReadDirty(fd, dirtyHwpt, bitmap, 0));

        _ = Mark(fd, dirtyHwpt, out _);
        log.Text("get_dirty_bitmap.no_clear", "OK bits=128 word0=0x1111111111111111", ReadDirty(fd, dirtyHwpt, bitmap, NoClear));
        log.Text("get_dirty_bitmap.no_clear_kept", "OK bits=128 word0=0x1111111111111111", ReadDirty(fd, dirtyHwpt, bitmap, 0));
        log.Text("get_dirty_bitmap.cleared", "OK bits=0", ReadDirty(fd, dirtyHwpt, bitmap, 0));

        log.Text("get_dirty_bitmap.page_size_0", "EINVAL", ReadDirty(fd, dirtyHwpt, bitmap, 0, pageSize: 0));
        log.Text("get_dirty_bitmap.misaligned_iova", "EINVAL", ReadDirty(fd, dirtyHwpt, bitmap, 0, iovaOffset: 0x800));
        log.Text("get_dirty_bitmap.not_a_hwpt", "ENOENT", ReadDirty(fd, ioas, bitmap, 0));
        log.Errno("set_dirty_tracking.not_a_hwpt", ENOENT, SetDirty(fd, ioas, Flags.DirtyTrackingEnable));
        log.Errno("set_dirty_tracking.unknown_flag", EOPNOTSUPP, SetDirty(fd, dirtyHwpt, 0x8000_0000));
        log.Errno("set_dirty_tracking.disable", OK, SetDirty(fd, dirtyHwpt, 0));

        e = IoasChecks.Unmap(fd, ioas, 0, ulong.MaxValue, out ulong unmapped);
        log.Outcome("unmap.all", OK, "length=0x200000", e, $"length={Hex(unmapped)}");
        log.Errno("destroy.hwpt_in_use", EBUSY, IoasChecks.Destroy(fd, dirtyHwpt));
        log.Errno("destroy.stdev", OK, IoasChecks.Destroy(fd, stdev));
        log.Errno("destroy.dirty_hwpt", OK, IoasChecks.Destroy(fd, dirtyHwpt));
        log.Errno("destroy.ioas", OK, IoasChecks.Destroy(fd, ioas));
    }

    private static Errno Mark(IoctlFd fd, uint hwpt, out ulong marked)
    {
        ulong[] bits = new ulong[Length / PageSize / 64];
        for (ulong i = 0; i < Length / PageSize; i += 4)
        {
            bits[i / 64] |= 1UL << (int)(i % 64);
        }

        fixed (ulong* p = bits)
        {
            var c = Sys.Sized<iommu_test_cmd>();
            c.op = iommufd_test.IOMMU_TEST_OP_DIRTY;
            c.id = hwpt;
            c.dirty.iova = iommufd_test.MOCK_APERTURE_START;
            c.dirty.length = Length;
            c.dirty.page_size = PageSize;
            c.dirty.uptr = (ulong)p;
            Errno e = SelftestIoctl.IOMMU_TEST_CMD(fd, ref c);
            marked = c.dirty.out_nr_dirty;
            return e;
        }
    }

    private static Errno SetDirty(IoctlFd fd, uint hwpt, uint flags)
    {
        var s = Sys.Sized<iommu_hwpt_set_dirty_tracking>();
        s.hwpt_id = hwpt;
        s.flags = flags;
        return Ioctl.IOMMU_HWPT_SET_DIRTY_TRACKING(fd, ref s);
    }

    /// <summary>GET_DIRTY_BITMAP over the whole mapping as canonical text: <c>OK bits=N word0=0x…</c> or the errno.</summary>
    private static string ReadDirty(IoctlFd fd, uint hwpt, ulong[] bitmap, uint flags, ulong pageSize = PageSize, ulong iovaOffset = 0)
    {
        Array.Clear(bitmap);
        fixed (ulong* p = bitmap)
        {
            var g = Sys.Sized<iommu_hwpt_get_dirty_bitmap>();
            g.hwpt_id = hwpt;
            g.flags = flags;
            g.iova = iommufd_test.MOCK_APERTURE_START + iovaOffset;
            g.length = Length;
            g.page_size = pageSize;
            g.data = (ulong)p;
            Errno e = Ioctl.IOMMU_HWPT_GET_DIRTY_BITMAP(fd, ref g);
            if (e != OK)
            {
                return Show(e);
            }
        }

        int bits = bitmap.Sum(BitOperations.PopCount);
        return bits == 0 ? "OK bits=0" : $"OK bits={bits} word0={Hex(bitmap[0])}";
    }
}
