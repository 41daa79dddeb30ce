/*
 * C anchor for the seam benchmark: the same ioctl() the seam sends, issued from C in a tight loop so that the
 * P/Invoke transition is paid once per batch, not per call. SeamBenchmarks divides by the batch size.
 * Built at bench time by bench/native/build.sh (gcc -O2 -shared).
 */
#include <sys/ioctl.h>

int ioctl_anchor_loop(int fd, unsigned long request, void *arg, int count)
{
    int failures = 0;
    for (int i = 0; i < count; i++)
        failures += ioctl(fd, request, arg) < 0;
    return failures;
}
