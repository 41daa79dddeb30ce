#define VFIO_TYPE (';')
#define VFIO_BASE 100
struct vfio_info_cap_header {
	__u16	id;
	__u16	version;
	__u32	next;
};
struct vfio_device_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_DEVICE_FLAGS_RESET	(1 << 0)
#define VFIO_DEVICE_FLAGS_PCI	(1 << 1)
	__u32	num_regions;
	__u32	num_irqs;
	__u32   cap_offset;
	__u32   pad;
};
#define VFIO_DEVICE_GET_INFO		_IO(VFIO_TYPE, VFIO_BASE + 7)
