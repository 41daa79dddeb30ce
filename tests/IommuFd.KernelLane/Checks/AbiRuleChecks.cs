using System.Runtime.InteropServices;
using IommuFd.Interop;
using IommuFd.KernelLane.Harness;
using IommuFd.KernelLane.Uapi;
using static IommuFd.Interop.Errno;

namespace IommuFd.KernelLane.Checks;

/// <summary>
/// The extensible-struct rules of iommufd's dispatcher (reference §2.1–2.3) for every iommufd ioctl, the selftest's
/// <c>cmd_length</c>/<c>cmd_fail</c> pattern extended to all 22 requests of a 7.2 test kernel.
/// </summary>
/// <remarks>
/// Every row runs on its own fresh <c>/dev/iommu</c> context, so results never depend on objects earlier rows created
/// (IOAS_ALLOC and FAULT_QUEUE_ALLOC succeed with a zeroed argument; OPTION's RLIMIT_MODE SET needs an empty context).
/// The argument is a zeroed buffer of <c>sizeof + 8</c> bytes. Cases:
/// <list type="bullet">
/// <item><c>min_minus_1</c>: size = min − 1 → EINVAL.</item>
/// <item><c>exact_zeroed</c>: size = sizeof, all zero → what the handler does with zeroed input (listed per row).</item>
/// <item><c>tail_zero</c>: size = sizeof + 1, the extra byte 0 → the same as <c>exact_zeroed</c>.</item>
/// <item><c>tail_nonzero</c>: size = sizeof + 1, the extra byte 0xFF → E2BIG.</item>
/// <item><c>bad_pointer</c>: the argument pointer is unmapped → EFAULT (the size read comes before everything else).</item>
/// <item><c>wrong_encoding</c>: the request with _IOWR direction and size bits → ENOTTY (the full word is compared).</item>
/// <item><c>unknown_flag</c> / <c>reserved_nonzero</c>: bit 31 of flags / a nonzero reserved field → EOPNOTSUPP.</item>
/// <item><c>reserved_unchecked</c>: a reserved field the kernel does not validate (HWPT_ALLOC __reserved2,
/// SET_DIRTY_TRACKING __reserved, VIOMMU_ALLOC __reserved) → the zeroed outcome.</item>
/// </list>
/// </remarks>
internal static unsafe class AbiRuleChecks
{
    /// <summary>One iommufd ioctl: its request, struct size, minimum size and zeroed-argument outcome.</summary>
    private sealed record Row(
        string Name, nuint Request, int Size, int MinSize, Errno ExactZeroed,
        int FlagsOffset = -1, int ReservedOffset = -1, int ReservedWidth = 4, int OutFdOffset = -1,
        Errno UnknownFlag = EOPNOTSUPP, int UncheckedReservedOffset = -1);

    // Request numbers, sizes and minimum sizes come from the generated bindings (struct NativeSize/MinSize, the folded
    // request constants); IOMMU_TEST_CMD from iommufd_test.h (generated: IommuFdSelftestHeader). Zeroed outcomes: id 0 never exists
    // (ENOENT); MAP/COPY/MAP_FILE without READABLE|WRITEABLE are EINVAL before any lookup; type 0 is *_TYPE_DEFAULT,
    // refused with EOPNOTSUPP; VFIO_IOAS op 0 is GET, ENODEV without a compat IOAS; OPTION 0/0 is RLIMIT_MODE SET 0 on
    // an empty context (root): OK; CHANGE_PROCESS with no IOAS has nothing to move: OK.
    private static readonly Row[] s_rows =
    [
        new("IOMMU_DESTROY", iommufd.IOMMU_DESTROY, iommu_destroy.NativeSize, iommu_destroy.MinSize, ENOENT),
        new("IOMMU_IOAS_ALLOC", iommufd.IOMMU_IOAS_ALLOC, iommu_ioas_alloc.NativeSize, iommu_ioas_alloc.MinSize, OK,
            FlagsOffset: Off<iommu_ioas_alloc>("flags")),
        new("IOMMU_IOAS_ALLOW_IOVAS", iommufd.IOMMU_IOAS_ALLOW_IOVAS, iommu_ioas_allow_iovas.NativeSize, iommu_ioas_allow_iovas.MinSize, ENOENT,
            ReservedOffset: Off<iommu_ioas_allow_iovas>("__reserved")),
        new("IOMMU_IOAS_COPY", iommufd.IOMMU_IOAS_COPY, iommu_ioas_copy.NativeSize, iommu_ioas_copy.MinSize, EINVAL,
            FlagsOffset: Off<iommu_ioas_copy>("flags")),
        new("IOMMU_IOAS_IOVA_RANGES", iommufd.IOMMU_IOAS_IOVA_RANGES, iommu_ioas_iova_ranges.NativeSize, iommu_ioas_iova_ranges.MinSize, ENOENT,
            ReservedOffset: Off<iommu_ioas_iova_ranges>("__reserved")),
        new("IOMMU_IOAS_MAP", iommufd.IOMMU_IOAS_MAP, iommu_ioas_map.NativeSize, iommu_ioas_map.MinSize, EINVAL,
            FlagsOffset: Off<iommu_ioas_map>("flags"), ReservedOffset: Off<iommu_ioas_map>("__reserved")),
        new("IOMMU_IOAS_UNMAP", iommufd.IOMMU_IOAS_UNMAP, iommu_ioas_unmap.NativeSize, iommu_ioas_unmap.MinSize, ENOENT),
        new("IOMMU_OPTION", iommufd.IOMMU_OPTION, iommu_option.NativeSize, iommu_option.MinSize, OK,
            ReservedOffset: Off<iommu_option>("__reserved"), ReservedWidth: 2),
        new("IOMMU_VFIO_IOAS", iommufd.IOMMU_VFIO_IOAS, iommu_vfio_ioas.NativeSize, iommu_vfio_ioas.MinSize, ENODEV,
            ReservedOffset: Off<iommu_vfio_ioas>("__reserved"), ReservedWidth: 2),
        // HWPT_ALLOC validates flags only after looking up dev_id and pt_id (hw_pagetable.c: the paging/nested
        // allocators check them), so with dev_id 0 an unknown flag still gives ENOENT; the device checks cover the
        // EOPNOTSUPP case with a real device.
        new("IOMMU_HWPT_ALLOC", iommufd.IOMMU_HWPT_ALLOC, iommu_hwpt_alloc.NativeSize, iommu_hwpt_alloc.MinSize, ENOENT,
            FlagsOffset: Off<iommu_hwpt_alloc>("flags"), ReservedOffset: Off<iommu_hwpt_alloc>("__reserved"), UnknownFlag: ENOENT,
            UncheckedReservedOffset: Off<iommu_hwpt_alloc>("__reserved2")),
        new("IOMMU_GET_HW_INFO", iommufd.IOMMU_GET_HW_INFO, iommu_hw_info.NativeSize, iommu_hw_info.MinSize, ENOENT,
            FlagsOffset: Off<iommu_hw_info>("flags"), ReservedOffset: Off<iommu_hw_info>("__reserved"), ReservedWidth: 1),
        new("IOMMU_HWPT_SET_DIRTY_TRACKING", iommufd.IOMMU_HWPT_SET_DIRTY_TRACKING, iommu_hwpt_set_dirty_tracking.NativeSize,
            iommu_hwpt_set_dirty_tracking.MinSize, ENOENT, FlagsOffset: Off<iommu_hwpt_set_dirty_tracking>("flags"),
            UncheckedReservedOffset: Off<iommu_hwpt_set_dirty_tracking>("__reserved")),
        new("IOMMU_HWPT_GET_DIRTY_BITMAP", iommufd.IOMMU_HWPT_GET_DIRTY_BITMAP, iommu_hwpt_get_dirty_bitmap.NativeSize,
            iommu_hwpt_get_dirty_bitmap.MinSize, ENOENT,
            FlagsOffset: Off<iommu_hwpt_get_dirty_bitmap>("flags"), ReservedOffset: Off<iommu_hwpt_get_dirty_bitmap>("__reserved")),
        new("IOMMU_HWPT_INVALIDATE", iommufd.IOMMU_HWPT_INVALIDATE, iommu_hwpt_invalidate.NativeSize, iommu_hwpt_invalidate.MinSize, ENOENT,
            ReservedOffset: Off<iommu_hwpt_invalidate>("__reserved")),
        new("IOMMU_FAULT_QUEUE_ALLOC", iommufd.IOMMU_FAULT_QUEUE_ALLOC, iommu_fault_alloc.NativeSize, iommu_fault_alloc.MinSize, OK,
            FlagsOffset: Off<iommu_fault_alloc>("flags"), OutFdOffset: Off<iommu_fault_alloc>("out_fault_fd")),
        new("IOMMU_IOAS_MAP_FILE", iommufd.IOMMU_IOAS_MAP_FILE, iommu_ioas_map_file.NativeSize, iommu_ioas_map_file.MinSize, EINVAL,
            FlagsOffset: Off<iommu_ioas_map_file>("flags")),
        new("IOMMU_VIOMMU_ALLOC", iommufd.IOMMU_VIOMMU_ALLOC, iommu_viommu_alloc.NativeSize, iommu_viommu_alloc.MinSize, EOPNOTSUPP,
            FlagsOffset: Off<iommu_viommu_alloc>("flags"), UncheckedReservedOffset: Off<iommu_viommu_alloc>("__reserved")),
        new("IOMMU_VDEVICE_ALLOC", iommufd.IOMMU_VDEVICE_ALLOC, iommu_vdevice_alloc.NativeSize, iommu_vdevice_alloc.MinSize, ENOENT),
        new("IOMMU_IOAS_CHANGE_PROCESS", iommufd.IOMMU_IOAS_CHANGE_PROCESS, iommu_ioas_change_process.NativeSize,
            iommu_ioas_change_process.MinSize, OK, ReservedOffset: Off<iommu_ioas_change_process>("__reserved")),
        new("IOMMU_VEVENTQ_ALLOC", iommufd.IOMMU_VEVENTQ_ALLOC, iommu_veventq_alloc.NativeSize, iommu_veventq_alloc.MinSize, EOPNOTSUPP,
            FlagsOffset: Off<iommu_veventq_alloc>("flags"), ReservedOffset: Off<iommu_veventq_alloc>("__reserved")),
        new("IOMMU_HW_QUEUE_ALLOC", iommufd.IOMMU_HW_QUEUE_ALLOC, iommu_hw_queue_alloc.NativeSize, iommu_hw_queue_alloc.MinSize, EOPNOTSUPP,
            FlagsOffset: Off<iommu_hw_queue_alloc>("flags")),
        new("IOMMU_TEST_CMD", iommufd_test.IOMMU_TEST_CMD, iommu_test_cmd.NativeSize, iommu_test_cmd.MinSize, EOPNOTSUPP),
    ];

    private static int Off<T>(string field) => (int)Marshal.OffsetOf<T>(field);

    /// <summary>Number of iommufd requests covered (the 7.2 table plus IOMMU_TEST_CMD).</summary>
    public static int RequestCount => s_rows.Length;

    public static void Run(CheckLog log)
    {
        log.Group("abi");
        byte* buf = stackalloc byte[128];
        foreach (Row row in s_rows)
        {
            using Fd ctx = Fd.Open("/dev/iommu");
            IoctlFd fd = ctx.Io;

            log.Errno($"{row.Name}.min_minus_1", EINVAL, Send(row, fd, buf, out _, row.MinSize - 1), $"size={row.MinSize - 1}");

            Errno exact = Send(row, fd, buf, out _, row.Size);
            log.Errno($"{row.Name}.exact_zeroed", row.ExactZeroed, exact, $"size={row.Size}");

            Errno zeroTail = Send(row, fd, buf, out _, row.Size + 1);
            log.Errno($"{row.Name}.tail_zero", row.ExactZeroed, zeroTail, $"size={row.Size + 1}, extra byte 0x00");

            Errno nonzeroTail = Send(row, fd, buf, out _, row.Size + 1, tail: 0xFF);
            log.Errno($"{row.Name}.tail_nonzero", E2BIG, nonzeroTail, $"size={row.Size + 1}, extra byte 0xff");

            // Page 0 is never mapped: the kernel's get_user of `size` faults.
            log.Errno($"{row.Name}.bad_pointer", EFAULT, fd.Ioctl(row.Request, (void*)16));

            nuint iowr = (3u << 30) | ((nuint)row.Size << 16) | row.Request;
            log.Errno($"{row.Name}.wrong_encoding", ENOTTY, Send(row, fd, buf, out _, row.Size, request: iowr), $"request=0x{iowr:x}");

            if (row.FlagsOffset >= 0)
            {
                log.Errno($"{row.Name}.unknown_flag", row.UnknownFlag,
                    Send(row, fd, buf, out _, row.Size, patch: (row.FlagsOffset, 4, 0x8000_0000u)), "flags bit 31");
            }

            if (row.ReservedOffset >= 0)
            {
                log.Errno($"{row.Name}.reserved_nonzero", EOPNOTSUPP,
                    Send(row, fd, buf, out _, row.Size, patch: (row.ReservedOffset, row.ReservedWidth, 1u)),
                    $"__reserved at {row.ReservedOffset} = 1");
            }

            // Reserved fields today's kernel does not validate (reference §2.3): the zeroed outcome, unchanged.
            if (row.UncheckedReservedOffset >= 0)
            {
                log.Errno($"{row.Name}.reserved_unchecked", row.ExactZeroed,
                    Send(row, fd, buf, out _, row.Size, patch: (row.UncheckedReservedOffset, 4, 1u)),
                    $"reserved field at {row.UncheckedReservedOffset} = 1 is not validated");
            }
        }

        // Request numbers outside the table reach the VFIO compat handler, which answers ENOTTY (selftest cmd_fail).
        using (Fd ctx = Fd.Open("/dev/iommu"))
        {
            var d = new iommu_destroy { size = iommu_destroy.NativeSize };
            log.Errno("nr_0x7f.enotty", ENOTTY, ctx.Io.Ioctl(0x3B7F, &d));
            log.Errno("nr_0x95.enotty", ENOTTY, ctx.Io.Ioctl(0x3B95, &d));
        }
    }

    /// <summary>Builds the argument (zeroes, size field, optional patch and tail byte) and sends it.</summary>
    private static Errno Send(
        Row row, IoctlFd fd, byte* buf, out int result, int size, byte tail = 0, nuint request = 0,
        (int Offset, int Width, uint Value)? patch = null)
    {
        new Span<byte>(buf, 128).Clear();
        *(uint*)buf = (uint)size;
        if (patch is { } p)
        {
            switch (p.Width)
            {
                case 1: buf[p.Offset] = (byte)p.Value; break;
                case 2: *(ushort*)(buf + p.Offset) = (ushort)p.Value; break;
                default: *(uint*)(buf + p.Offset) = p.Value; break;
            }
        }

        buf[row.Size] = tail;
        Errno e = fd.Ioctl(request == 0 ? row.Request : request, buf, out result);
        if (e == OK && row.OutFdOffset >= 0)
        {
            int outFd = *(int*)(buf + row.OutFdOffset);
            if (outFd > 2)
            {
                _ = Native.close(outFd);
            }
        }

        return e;
    }
}
