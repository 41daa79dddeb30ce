struct fuzz_range {
	__aligned_u64 start;
	__aligned_u64 last;
};
struct fuzz_ranges {
	__u32 size;
	__u32 num_ranges;
	struct fuzz_range ranges[] __counted_by(num_ranges);
};
struct fuzz_old {
	__u32 count;
	__u64 data[0];
};
