#define FUZZ_LONG \
	_IOWR(';', 0x90, \
	      struct fuzz_destroy)
#define FUZZ_EXPR ((1 << 4) | \
		   (1 << 5))
