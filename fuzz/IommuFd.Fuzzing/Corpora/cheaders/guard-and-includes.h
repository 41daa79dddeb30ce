/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_FUZZ_H
#define _UAPI_FUZZ_H
#include <linux/types.h>
#include <linux/ioctl.h>
#ifdef __KERNEL__
struct kernel_only { int x; };
#endif
#if defined(__KERNEL__) || 0
#define HIDDEN 1
#else
#define SHOWN 2
#endif
#endif /* _UAPI_FUZZ_H */
