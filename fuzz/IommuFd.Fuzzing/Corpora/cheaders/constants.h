#define FUZZ_TYPE (';')
#define FUZZ_BASE 0x80
#define FUZZ_NEXT (FUZZ_BASE + 1)
#define FUZZ_BIT(n) (1U << (n))
#define FUZZ_FLAG_A FUZZ_BIT(3)
#define FUZZ_WIDE 1ULL << 40
#define FUZZ_ALL (~0U)
#define FUZZ_NEG -1
#define FUZZ_CHAR 'x'
