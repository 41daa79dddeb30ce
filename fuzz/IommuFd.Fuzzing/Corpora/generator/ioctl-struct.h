#define FUZZ_TYPE (';')
/**
 * struct fuzz_map - ioctl(FUZZ_MAP)
 * @size: sizeof(struct fuzz_map)
 * @flags: combination of enum fuzz_flags
 * @ioas_id: the IOAS
 * @__reserved: must be 0
 * @user_va: userspace pointer
 * @length: bytes to map
 * @iova: IOVA, in or out
 *
 * Maps user memory into the IOAS.
 */
struct fuzz_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define FUZZ_MAP _IO(FUZZ_TYPE, 0x85)
#define FUZZ_GET _IOR(FUZZ_TYPE, 0x10, struct fuzz_map)
#define FUZZ_SET _IOW('x', 1, __u32)
#define FUZZ_RW _IOWR(FUZZ_TYPE, 0x11, struct fuzz_map)
