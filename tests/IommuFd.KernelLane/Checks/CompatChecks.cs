using System.Runtime.InteropServices;
using System.Text;
using IommuFd.Interop;
using IommuFd.KernelLane.Harness;
using IommuFd.KernelLane.Uapi;
using static IommuFd.Interop.Errno;
using static IommuFd.KernelLane.Harness.CheckLog;

namespace IommuFd.KernelLane.Checks;

/// <summary>
/// The VFIO container API on /dev/vfio/vfio, which CONFIG_IOMMUFD_VFIO_CONTAINER backs with iommufd (reference §7):
/// API version, extensions, SET_IOMMU, the GET_INFO capability chain, MAP_DMA/UNMAP_DMA, and the group's device
/// doing DMA through the compat IOAS.
/// </summary>
internal static unsafe class CompatChecks
{
    private const uint RW = vfio.VFIO_DMA_MAP_FLAG_READ | vfio.VFIO_DMA_MAP_FLAG_WRITE;
    private const uint UnmapAll = 2; // VFIO_DMA_UNMAP_FLAG_ALL
    private const ulong Iova = 0x100000;

    public static void Run(CheckLog log)
    {
        log.Group("compat");
        using Fd container = Fd.Open("/dev/vfio/vfio");
        IoctlFd c = container.Io;

        Errno e = Ioctl.VFIO_GET_API_VERSION(c, out int version);
        log.Outcome("api_version", OK, "version=0", e, $"version={version}");
        log.Text("check_extension", "TYPE1=1 TYPE1v2=1 UNMAP_ALL=1 NOIOMMU=0",
            $"TYPE1={Ext(c, vfio.VFIO_TYPE1_IOMMU)} TYPE1v2={Ext(c, vfio.VFIO_TYPE1v2_IOMMU)} UNMAP_ALL={Ext(c, vfio.VFIO_UNMAP_ALL)} NOIOMMU={Ext(c, vfio.VFIO_NOIOMMU_IOMMU)}");

        // Without a compat IOAS (no group joined yet) the container has nothing to act on.
        log.Errno("set_iommu.no_ioas", ENODEV, Ioctl.VFIO_SET_IOMMU(c, vfio.VFIO_TYPE1v2_IOMMU, out _));
        var info = Sys.Sized<vfio_iommu_type1_info>();
        log.Errno("get_info.no_ioas", ENODEV, Ioctl.VFIO_IOMMU_GET_INFO(c, ref info));
        using NativeBuffer buf = Native.Anonymous(0x10000);
        log.Errno("map_dma.no_ioas", ENODEV, MapDma(c, buf.Address, Iova, 0x2000));

        // The group of the test device.
        string bdf = Environment.GetEnvironmentVariable("IOMMUFD_KERNEL_LANE_DEVICE") ?? "0000:01:00.0";
        string group = Path.GetFileName(new FileInfo($"/sys/bus/pci/devices/{bdf}/iommu_group").LinkTarget ?? "");
        using Fd grp = Fd.Open($"/dev/vfio/{group}");
        var status = Sys.Sized<vfio_group_status>();
        e = Ioctl.VFIO_GROUP_GET_STATUS(grp.Io, ref status);
        log.Outcome("group_status", OK, "flags=0x1", e, $"flags={Hex(status.flags)}", $"group {group}");
        int cfd = container.Value;
        e = Ioctl.VFIO_GROUP_SET_CONTAINER(grp.Io, (nuint)(&cfd), out _);
        log.Errno("group_set_container", OK, e);
        status = Sys.Sized<vfio_group_status>();
        e = Ioctl.VFIO_GROUP_GET_STATUS(grp.Io, ref status);
        log.Outcome("group_status.container_set", OK, "flags=0x3", e, $"flags={Hex(status.flags)}");

        // The container is an iommufd context: the auto-created compat IOAS is visible through IOMMU_VFIO_IOAS.
        var vi = Sys.Sized<iommu_vfio_ioas>();
        vi.op = (ushort)iommufd_vfio_ioas_op.IOMMU_VFIO_IOAS_GET;
        e = Ioctl.IOMMU_VFIO_IOAS(c, ref vi);
        log.Outcome("vfio_ioas.get", OK, "ioas_id=1", e, $"ioas_id={vi.ioas_id}");

        log.Errno("set_iommu.noiommu", EINVAL, Ioctl.VFIO_SET_IOMMU(c, vfio.VFIO_NOIOMMU_IOMMU, out _));
        log.Errno("set_iommu.type1v2", OK, Ioctl.VFIO_SET_IOMMU(c, vfio.VFIO_TYPE1v2_IOMMU, out _));

        // GET_INFO: too small for the capability chain → argsz tells the size needed and cap_offset stays 0.
        info = Sys.Sized<vfio_iommu_type1_info>();
        e = Ioctl.VFIO_IOMMU_GET_INFO(c, ref info);
        log.Outcome("get_info.no_room_for_caps", OK, "flags=0x3 cap_offset=0 argsz=72", e,
            $"flags={Hex(info.flags)} cap_offset={info.cap_offset} argsz={info.argsz}");
        info = default;
        info.argsz = 15;
        log.Errno("get_info.argsz_15", EINVAL, Ioctl.VFIO_IOMMU_GET_INFO(c, &info));
        log.Text("get_info.caps.no_device", "OK flags=0x3 iova_pgsizes=0xfffffffffffff000 dma_avail=0xffffffff iova_range=[0x0-0xffffffffffffffff]",
            GetInfoText(c));

        // MAP_DMA before the device is attached (no domain yet: nothing is pinned).
        log.Errno("map_dma", OK, MapDma(c, buf.Address, Iova, 0x2000));
        log.Errno("map_dma.overlap", EEXIST, MapDma(c, buf.Address, Iova + 0x1000, 0x1000));
        var bad = new vfio_iommu_type1_dma_map { argsz = 31, flags = RW, vaddr = buf.Address, iova = 0x400000, size = 0x1000 };
        log.Errno("map_dma.argsz_31", EINVAL, Ioctl.VFIO_IOMMU_MAP_DMA(c, &bad)); // pointer overload: keeps argsz

        // The device through the group: opening it attaches it to the compat IOAS.
        byte[] name = Encoding.ASCII.GetBytes(bdf + "\0");
        int devFd;
        fixed (byte* p = name)
        {
            e = Ioctl.VFIO_GROUP_GET_DEVICE_FD(grp.Io, (nuint)p, out devFd);
        }

        log.Errno("group_get_device_fd", OK, e);
        if (e == OK)
        {
            using Fd dev = Fd.Adopt(devFd);
            log.Text("get_info.caps.device_attached", "OK flags=0x3 iova_pgsizes=0x40201000 dma_avail=0xffffffff iova_range=[0x0-0xfedfffff],[0xfef00000-0x7fffffffff]",
                GetInfoText(c));
            if (EduDevice.Probe(dev.Io, out EduDevice? edu, out _, out _) == OK && edu is not null)
            {
                edu.EnableBusMaster();
                log.Text("dma.roundtrip", "done=true match=true", VfioCdevChecks.RoundTrip(edu, buf, seed: 67, iova: Iova));
            }
        }

        // UNMAP_DMA: nothing (0 bytes, success, unlike IOAS_UNMAP), a partial area (v2: no splitting), exact, ALL.
        e = UnmapDma(c, 0x800000, 0x1000, 0, out ulong size);
        log.Outcome("unmap_dma.nothing", OK, "size=0x0", e, $"size={Hex(size)}");
        log.Errno("unmap_dma.partial", ENOENT, UnmapDma(c, Iova, 0x1000, 0, out _));
        e = UnmapDma(c, Iova, 0x2000, 0, out size);
        log.Outcome("unmap_dma.exact", OK, "size=0x2000", e, $"size={Hex(size)}");
        log.Errno("unmap_dma.all_with_iova", EINVAL, UnmapDma(c, Iova, 0, UnmapAll, out _));
        _ = MapDma(c, buf.Address, Iova, 0x4000);
        e = UnmapDma(c, 0, 0, UnmapAll, out size);
        log.Outcome("unmap_dma.all", OK, "size=0x4000", e, $"size={Hex(size)}");

        log.Errno("group_unset_container", OK, Ioctl.VFIO_GROUP_UNSET_CONTAINER(grp.Io, out _));
    }

    private static int Ext(IoctlFd c, uint ext) => Ioctl.VFIO_CHECK_EXTENSION(c, ext, out int r) == OK ? r : -1;

    private static Errno MapDma(IoctlFd c, ulong vaddr, ulong iova, ulong size)
    {
        var m = Sys.Sized<vfio_iommu_type1_dma_map>();
        m.flags = RW;
        m.vaddr = vaddr;
        m.iova = iova;
        m.size = size;
        return Ioctl.VFIO_IOMMU_MAP_DMA(c, ref m);
    }

    private static Errno UnmapDma(IoctlFd c, ulong iova, ulong size, uint flags, out ulong unmapped)
    {
        var u = Sys.Sized<vfio_iommu_type1_dma_unmap>();
        u.iova = iova;
        u.size = size;
        u.flags = flags;
        Errno e = Ioctl.VFIO_IOMMU_UNMAP_DMA(c, ref u);
        unmapped = u.size;
        return e;
    }

    /// <summary>
    /// GET_INFO with room for the capability chain, walked from <c>cap_offset</c> along <c>next</c> into canonical text
    /// (chain order: vfio_compat.c fills DMA_AVAIL, then IOVA_RANGE).
    /// </summary>
    private static string GetInfoText(IoctlFd c)
    {
        const int Room = 1024;
        byte* buf = stackalloc byte[Room];
        new Span<byte>(buf, Room).Clear();
        var info = (vfio_iommu_type1_info*)buf;
        info->argsz = Room;
        Errno e = Ioctl.VFIO_IOMMU_GET_INFO(c, info);
        if (e != OK)
        {
            return Show(e);
        }

        var sb = new StringBuilder($"OK flags={Hex(info->flags)} iova_pgsizes={Hex(info->iova_pgsizes)}");
        uint off = info->cap_offset;
        for (int guard = 0; off != 0 && off + 8 <= Room && guard < 16; guard++)
        {
            var h = (vfio_info_cap_header*)(buf + off);
            switch (h->id)
            {
                case vfio.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE:
                    uint n = *(uint*)(buf + off + 8);
                    sb.Append(" iova_range=");
                    for (uint i = 0; i < n && off + 16 + ((i + 1) * 16) <= Room; i++)
                    {
                        var r = (iommu_iova_range*)(buf + off + 16 + (i * 16));
                        sb.Append(i == 0 ? "" : ",").Append($"[{Hex(r->start)}-{Hex(r->last)}]");
                    }

                    break;
                case vfio.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL:
                    sb.Append($" dma_avail={Hex(*(uint*)(buf + off + 8))}");
                    break;
                default:
                    sb.Append($" cap{h->id}");
                    break;
            }

            off = h->next;
        }

        return sb.ToString();
    }
}
