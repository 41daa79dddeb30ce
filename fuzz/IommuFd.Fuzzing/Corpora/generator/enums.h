enum {
	FUZZ_CMD_BASE = 0x80,
	FUZZ_CMD_DESTROY = FUZZ_CMD_BASE,
	FUZZ_CMD_ALLOC,
	FUZZ_CMD_MAP = 0x85,
};
enum fuzz_flags {
	FUZZ_WRITE = 1 << 0,
	FUZZ_READ = 1 << 1, /* trailing doc */
	FUZZ_FIXED = (1U << 2),
	FUZZ_NR,
};
