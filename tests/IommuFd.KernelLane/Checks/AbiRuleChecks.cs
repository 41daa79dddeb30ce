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
/// </list>
/// </remarks>
internal static unsafe class AbiRuleChecks
{
    /// <summary>One iommufd ioctl: its request, struct size, minimum size and zeroed-argument outcome.</summary>
    private sealed record Row(
        string Name, nuint Request, int Size, int MinSize, Errno ExactZeroed,
        int FlagsOffset = -1, int ReservedOffset = -1, int ReservedWidth = 4, int OutFdOffset = -1,
        Errno UnknownFlag = EOPNOTSUPP);

    // Sizes and minimums: reference §1.3 (7.2, x86-64) and the kernel's IOCTL_OP table; IOMMU_TEST_CMD: iommufd_test.h.
    // Zeroed outcomes: id 0 never exists (ENOENT); MAP/COPY/MAP_FILE without READABLE|WRITEABLE are EINVAL before any
    // lookup; type 0 is *_TYPE_DEFAULT, refused with EOPNOTSUPP; VFIO_IOAS op 0 is GET, ENODEV without a compat IOAS;
    // OPTION 0/0 is RLIMIT_MODE SET 0 on an empty context (root): OK; CHANGE_PROCESS with no IOAS has nothing to move.
    private static readonly Row[] s_rows =
    [
        new("IOMMU_DESTROY", Req.IOMMU_DESTROY, 8, 8, ENOENT),
        new("IOMMU_IOAS_ALLOC", Req.IOMMU_IOAS_ALLOC, 12, 12, OK, FlagsOffset: 4),
        new("IOMMU_IOAS_ALLOW_IOVAS", Req.IOMMU_IOAS_ALLOW_IOVAS, 24, 24, ENOENT, ReservedOffset: 12),
        new("IOMMU_IOAS_COPY", Req.IOMMU_IOAS_COPY, 40, 40, EINVAL, FlagsOffset: 4),
        new("IOMMU_IOAS_IOVA_RANGES", Req.IOMMU_IOAS_IOVA_RANGES, 32, 32, ENOENT, ReservedOffset: 12),
        new("IOMMU_IOAS_MAP", Req.IOMMU_IOAS_MAP, 40, 40, EINVAL, FlagsOffset: 4, ReservedOffset: 12),
        new("IOMMU_IOAS_UNMAP", Req.IOMMU_IOAS_UNMAP, 24, 24, ENOENT),
        new("IOMMU_OPTION", Req.IOMMU_OPTION, 24, 24, OK, ReservedOffset: 10, ReservedWidth: 2),
        new("IOMMU_VFIO_IOAS", Req.IOMMU_VFIO_IOAS, 12, 12, ENODEV, ReservedOffset: 10, ReservedWidth: 2),
        // HWPT_ALLOC validates flags only after looking up dev_id and pt_id (hw_pagetable.c: the paging/nested
        // allocators check them), so with dev_id 0 an unknown flag still gives ENOENT; the device checks cover the
        // EOPNOTSUPP case with a real device.
        new("IOMMU_HWPT_ALLOC", Req.IOMMU_HWPT_ALLOC, 48, 24, ENOENT, FlagsOffset: 4, ReservedOffset: 20, UnknownFlag: ENOENT),
        new("IOMMU_GET_HW_INFO", Req.IOMMU_GET_HW_INFO, 40, 32, ENOENT, FlagsOffset: 4, ReservedOffset: 29, ReservedWidth: 1),
        new("IOMMU_HWPT_SET_DIRTY_TRACKING", Req.IOMMU_HWPT_SET_DIRTY_TRACKING, 16, 16, ENOENT, FlagsOffset: 4),
        new("IOMMU_HWPT_GET_DIRTY_BITMAP", Req.IOMMU_HWPT_GET_DIRTY_BITMAP, 48, 48, ENOENT, FlagsOffset: 8, ReservedOffset: 12),
        new("IOMMU_HWPT_INVALIDATE", Req.IOMMU_HWPT_INVALIDATE, 32, 32, ENOENT, ReservedOffset: 28),
        new("IOMMU_FAULT_QUEUE_ALLOC", Req.IOMMU_FAULT_QUEUE_ALLOC, 16, 16, OK, FlagsOffset: 4, OutFdOffset: 12),
        new("IOMMU_IOAS_MAP_FILE", Req.IOMMU_IOAS_MAP_FILE, 40, 40, EINVAL, FlagsOffset: 4),
        new("IOMMU_VIOMMU_ALLOC", Req.IOMMU_VIOMMU_ALLOC, 40, 24, EOPNOTSUPP, FlagsOffset: 4),
        new("IOMMU_VDEVICE_ALLOC", Req.IOMMU_VDEVICE_ALLOC, 24, 24, ENOENT),
        new("IOMMU_IOAS_CHANGE_PROCESS", Req.IOMMU_IOAS_CHANGE_PROCESS, 8, 8, OK, ReservedOffset: 4),
        new("IOMMU_VEVENTQ_ALLOC", Req.IOMMU_VEVENTQ_ALLOC, 32, 28, EOPNOTSUPP, FlagsOffset: 4, ReservedOffset: 28),
        new("IOMMU_HW_QUEUE_ALLOC", Req.IOMMU_HW_QUEUE_ALLOC, 40, 40, EOPNOTSUPP, FlagsOffset: 4),
        new("IOMMU_TEST_CMD", Req.IOMMU_TEST_CMD, 72, 68, EOPNOTSUPP),
    ];

    /// <summary>Number of iommufd requests covered (the 7.2 table plus IOMMU_TEST_CMD).</summary>
    public static int RequestCount => s_rows.Length;

    public static void Run(CheckLog log)
    {
        log.Group("abi");
        byte* buf = stackalloc byte[128];
        foreach (Row row in s_rows)
        {
            using Fd iommufd = Fd.Open("/dev/iommu");
            IoctlFd fd = iommufd.Io;

            log.Errno($"{row.Name}.min_minus_1", EINVAL, Send(row, fd, buf, out _, row.MinSize - 1), $"size={row.MinSize - 1}");

            Errno exact = Send(row, fd, buf, out _, row.Size);
            log.Errno($"{row.Name}.exact_zeroed", row.ExactZeroed, exact, $"size={row.Size}");

            Errno zeroTail = Send(row, fd, buf, out _, row.Size + 1);
            log.Errno($"{row.Name}.tail_zero", row.ExactZeroed, zeroTail, $"size={row.Size + 1}, extra byte 0x00");

            Errno nonzeroTail = Send(row, fd, buf, out _, row.Size + 1, tail: 0xFF);
            log.Errno($"{row.Name}.tail_nonzero", E2BIG, nonzeroTail, $"size={row.Size + 1}, extra byte 0xff");

            // Page 0 is never mapped: the kernel's get_user of `size` faults.
            log.Errno($"{row.Name}.bad_pointer", EFAULT, Sys.CallRaw(fd, row.Request, (void*)16));

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
        }

        // Request numbers outside the table reach the VFIO compat handler, which answers ENOTTY (selftest cmd_fail).
        using (Fd iommufd = Fd.Open("/dev/iommu"))
        {
            iommu_destroy d = Sys.Sized<iommu_destroy>();
            log.Errno("nr_0x7f.enotty", ENOTTY, Sys.Call(iommufd.Io, 0x3B7F, ref d));
            log.Errno("nr_0x95.enotty", ENOTTY, Sys.Call(iommufd.Io, 0x3B95, ref d));
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
