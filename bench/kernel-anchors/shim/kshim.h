/* Minimal kernel-environment shims, written for this harness (not kernel code). They give the kernel's interval
 * tree, rbtree, span iterator, double span and pfn_batch sources the handful of definitions they need in user space,
 * keeping the kernel's semantics where they matter for speed: WRITE_ONCE is a volatile store, rcu_assign_pointer a
 * release store (a plain mov on x86-64), __always_inline forces inlining. */
#ifndef KSHIM_H
#define KSHIM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <limits.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#undef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#define noinline __attribute__((__noinline__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define rcu_dereference_raw(p) READ_ONCE(p)
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define type_max(t) ((t)~(t)0)
#define typeof __typeof__
#define IS_ENABLED(x) 0
#define WARN_ON(x) ({ bool __w = !!(x); unlikely(__w); })
#define lockdep_assert_held(x) do { } while (0)
#define PAGE_SIZE 4096UL
#define HPAGE_SIZE (2UL << 20)
#define GFP_KERNEL 0
#define __GFP_NOWARN 0
#define __GFP_NORETRY 0
#define kmalloc(size, flags) malloc(size)
#define kfree(p) free(p)
#define __ffs64(x) ((unsigned long)__builtin_ctzll(x))
static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1UL : 1UL << (64 - __builtin_clzl(n - 1));
}
#endif
