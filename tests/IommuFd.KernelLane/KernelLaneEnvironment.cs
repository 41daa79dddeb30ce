namespace IommuFd.KernelLane;

/// <summary>Decides whether this process runs inside the kernel lane guest.</summary>
internal static class KernelLaneEnvironment
{
    /// <summary>
    /// Null inside the guest; otherwise why the checks cannot run here. The guest's /init sets
    /// <c>IOMMUFD_KERNEL_LANE=1</c> after binding the test device; the checks also need /dev/iommu and a VFIO cdev,
    /// and they mutate kernel state (DMA, VFIO binding), so they never run on a developer machine by accident.
    /// </summary>
    public static string? SkipReason
    {
        get
        {
            if (Environment.GetEnvironmentVariable("IOMMUFD_KERNEL_LANE") != "1")
            {
                return "the kernel lane checks run only inside the qemu guest started by tests/kernel-vm/run " +
                       "(IOMMUFD_KERNEL_LANE=1 is not set)";
            }

            if (!File.Exists("/dev/iommu"))
            {
                return "/dev/iommu does not exist (kernel without CONFIG_IOMMUFD)";
            }

            if (!Directory.Exists("/dev/vfio/devices") || Directory.GetFileSystemEntries("/dev/vfio/devices").Length == 0)
            {
                return "no VFIO cdev under /dev/vfio/devices (no device bound to vfio-pci, or CONFIG_VFIO_DEVICE_CDEV off)";
            }

            return null;
        }
    }
}
