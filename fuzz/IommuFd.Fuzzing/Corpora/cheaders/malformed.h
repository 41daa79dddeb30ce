struct broken {
	__u32 a
	__u64 b[;
#define UNTERMINATED (1 <<
/* never closed
