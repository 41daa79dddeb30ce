using System.Diagnostics;
using IommuFd.Interop;
using IommuFd.KernelLane.Harness;
using IommuFd.KernelLane.Uapi;

namespace IommuFd.KernelLane.Checks;

/// <summary>
/// QEMU's <c>edu</c> PCI device (1234:11e8) driven through its VFIO device fd: BAR0 registers with pread/pwrite on the
/// BAR0 region, PCI config space through the config region.
/// </summary>
/// <remarks>
/// The DMA engine copies between guest memory (a bus address, which behind VT-d is an IOVA) and a 4 KiB buffer inside
/// the device at device address 0x40000. A transfer is started by writing the command register and completes on a
/// 100 ms (virtual time) timer; bit 0 of the command register reads 1 until then. The device clamps bus addresses to its
/// 28-bit DMA mask, so IOVAs used with it stay below 256 MiB. When the IOMMU blocks a transfer the device does not
/// notice: writes to memory are dropped and reads return no data from the buffer, which is how the checks observe it.
/// </remarks>
internal sealed unsafe class EduDevice
{
    public const uint VendorDevice = 0x11e8_1234; // config dword 0: device id << 16 | vendor id
    public const uint IdentValue = 0x010000ed;    // BAR0 +0x00: major 1, minor 0, magic 0xed
    public const ulong DeviceBuffer = 0x40000;    // device address of the DMA buffer
    public const int DeviceBufferSize = 4096;

    private const long RegIdent = 0x00, RegLiveness = 0x04, RegDmaSrc = 0x80, RegDmaDst = 0x88, RegDmaCount = 0x90, RegDmaCmd = 0x98;
    private const uint DmaRun = 1, DmaToRam = 2;

    private readonly int _fd;

    private EduDevice(int fd, ulong configOffset, ulong bar0Offset, ulong bar0Size)
    {
        _fd = fd;
        ConfigOffset = configOffset;
        Bar0Offset = bar0Offset;
        Bar0Size = bar0Size;
    }

    public ulong ConfigOffset { get; }

    public ulong Bar0Offset { get; }

    public ulong Bar0Size { get; }

    /// <summary>Reads the config and BAR0 region info of a bound VFIO device fd.</summary>
    public static Errno Probe(IoctlFd device, out EduDevice? edu, out vfio_region_info config, out vfio_region_info bar0)
    {
        config = Sys.Sized<vfio_region_info>();
        config.index = vfio.VFIO_PCI_CONFIG_REGION_INDEX;
        bar0 = Sys.Sized<vfio_region_info>();
        bar0.index = vfio.VFIO_PCI_BAR0_REGION_INDEX;
        edu = null;
        Errno e = Ioctl.VFIO_DEVICE_GET_REGION_INFO(device, ref config);
        if (e == Errno.OK)
        {
            e = Ioctl.VFIO_DEVICE_GET_REGION_INFO(device, ref bar0);
        }

        if (e == Errno.OK)
        {
            edu = new EduDevice(device.Value, config.offset, bar0.offset, bar0.size);
        }

        return e;
    }

    public uint ConfigRead32(long reg) => Read32(ConfigOffset, reg);

    /// <summary>Sets Memory Space and Bus Master Enable in the PCI command register (VFIO leaves them to the user).</summary>
    public void EnableBusMaster()
    {
        ushort cmd = 0;
        _ = Native.pread(_fd, &cmd, 2, (long)ConfigOffset + 4);
        cmd |= 0x6;
        _ = Native.pwrite(_fd, &cmd, 2, (long)ConfigOffset + 4);
    }

    public uint Ident => Read32(Bar0Offset, RegIdent);

    /// <summary>Writes <paramref name="value"/> to the liveness register, which reads back its complement.</summary>
    public uint Liveness(uint value)
    {
        Write32(Bar0Offset, RegLiveness, value);
        return Read32(Bar0Offset, RegLiveness);
    }

    /// <summary>Memory at <paramref name="iova"/> → device buffer.</summary>
    public bool DmaToDevice(ulong iova, uint count) => Dma(iova, DeviceBuffer, count, 0);

    /// <summary>Device buffer → memory at <paramref name="iova"/>.</summary>
    public bool DmaToMemory(ulong iova, uint count) => Dma(DeviceBuffer, iova, count, DmaToRam);

    private bool Dma(ulong src, ulong dst, uint count, uint direction)
    {
        Debug.Assert(count <= DeviceBufferSize);
        // 32-bit register writes: the addresses used here are below 4 GiB (and below the device's 28-bit mask).
        Write32(Bar0Offset, RegDmaSrc, (uint)src);
        Write32(Bar0Offset, RegDmaDst, (uint)dst);
        Write32(Bar0Offset, RegDmaCount, count);
        Write32(Bar0Offset, RegDmaCmd, DmaRun | direction);
        var sw = Stopwatch.StartNew();
        while ((Read32(Bar0Offset, RegDmaCmd) & DmaRun) != 0)
        {
            if (sw.ElapsedMilliseconds > 10_000)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    private uint Read32(ulong region, long reg)
    {
        uint v = 0xffff_ffff;
        return Native.pread(_fd, &v, 4, (long)region + reg) == 4 ? v : 0xffff_ffff;
    }

    private void Write32(ulong region, long reg, uint v) => _ = Native.pwrite(_fd, &v, 4, (long)region + reg);
}
