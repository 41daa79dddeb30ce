struct fuzz_info {
	__u32 argsz;
	__u32 flags;
	union {
		__u64 value;
		struct {
			__u16 lo;
			__u16 hi;
		} parts;
	};
	__u8 bytes[6];
	__u32 tail : 4;
	__u32 rest : 28;
};
union fuzz_any {
	__u8 b;
	__u64 q;
} __attribute__((packed));
