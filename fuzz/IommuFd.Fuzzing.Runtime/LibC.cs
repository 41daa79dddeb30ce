using System.Runtime.InteropServices;

namespace IommuFd.Fuzzing.Runtime;

/// <summary>
/// The few libc calls the runtime needs. Raw file descriptors on purpose: afl hands us fds 198/199 and SysV
/// segments, and the hot loop must not allocate or go through <see cref="Stream"/> buffering.
/// </summary>
internal static unsafe partial class LibC
{
    public const int EINTR = 4;
    public const int SIGKILL = 9;
    public const int SIGABRT = 6;
    public const int F_GETFD = 1;
    public const int O_CLOEXEC = 0x80000;
    public const int PR_SET_PDEATHSIG = 1;
    public const short POLLIN = 0x1;
    public const int WNOHANG = 1;

    private const string Lib = "libc";

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buffer, nint count, long offset);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Lib, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Lib, EntryPoint = "shmat", SetLastError = true)]
    public static partial nint ShmAt(int id, nint address, int flags);

    [LibraryImport(Lib, EntryPoint = "shmdt", SetLastError = true)]
    public static partial int ShmDt(nint address);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport(Lib, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, int* status, int options);

    [LibraryImport(Lib, EntryPoint = "getppid")]
    public static partial int GetPPid();

    [LibraryImport(Lib, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib, EntryPoint = "abort")]
    public static partial void Abort();

    [LibraryImport(Lib, EntryPoint = "_exit")]
    public static partial void Exit(int status);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_init")]
    public static partial int PosixSpawnFileActionsInit(byte* actions);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static partial int PosixSpawnFileActionsAddDup2(byte* actions, int fd, int newFd);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_destroy")]
    public static partial int PosixSpawnFileActionsDestroy(byte* actions);

    [LibraryImport(Lib, EntryPoint = "posix_spawn")]
    public static partial int PosixSpawn(int* pid, byte* path, byte* fileActions, byte* attributes, byte** argv, byte** envp);

    /// <summary>glibc's <c>posix_spawn_file_actions_t</c> is 80 bytes on x86-64/arm64; we reserve more.</summary>
    public const int SpawnFileActionsSize = 256;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>True when <paramref name="fd"/> is an open descriptor in this process.</summary>
    public static bool IsOpen(int fd) => Fcntl(fd, F_GETFD, 0) != -1;

    /// <summary>Reads exactly four bytes (little endian, host order). False on end of file or error.</summary>
    public static bool TryReadU32(int fd, out uint value)
    {
        uint v = 0;
        int got = 0;
        while (got < sizeof(uint))
        {
            nint n = Read(fd, (byte*)&v + got, sizeof(uint) - got);
            if (n > 0)
            {
                got += (int)n;
                continue;
            }

            if (n < 0 && Marshal.GetLastPInvokeError() == EINTR)
            {
                continue;
            }

            value = 0;
            return false;
        }

        value = v;
        return true;
    }

    /// <summary>Writes exactly four bytes. False when the reader is gone.</summary>
    public static bool TryWriteU32(int fd, uint value)
    {
        int done = 0;
        while (done < sizeof(uint))
        {
            nint n = Write(fd, (byte*)&value + done, sizeof(uint) - done);
            if (n > 0)
            {
                done += (int)n;
                continue;
            }

            if (n < 0 && Marshal.GetLastPInvokeError() == EINTR)
            {
                continue;
            }

            return false;
        }

        return true;
    }

    /// <summary>Reads a whole file from offset 0 with <c>pread</c>, ignoring (and not moving) the shared file offset.</summary>
    public static int PReadAll(int fd, Span<byte> buffer)
    {
        int total = 0;
        fixed (byte* p = buffer)
        {
            while (total < buffer.Length)
            {
                nint n = PRead(fd, p + total, buffer.Length - total, total);
                if (n > 0)
                {
                    total += (int)n;
                    continue;
                }

                if (n < 0 && Marshal.GetLastPInvokeError() == EINTR)
                {
                    continue;
                }

                break;
            }
        }

        return total;
    }

    /// <summary>Attaches a SysV shared-memory segment given its id as decimal text; null when that is not possible.</summary>
    public static byte* AttachSharedMemory(string? idText)
    {
        // USEMMAP builds of afl pass a POSIX shm name instead of a number: never shmat() something that is not an id.
        if (idText is null || !int.TryParse(idText, System.Globalization.NumberStyles.None, null, out int id))
        {
            return null;
        }

        nint address = ShmAt(id, 0, 0);
        return address == -1 ? null : (byte*)address;
    }

    /// <summary>Whether a <c>waitpid</c> status says "terminated by a signal".</summary>
    public static bool WaitStatusIsSignaled(uint status) => (status & 0x7f) != 0 && (status & 0x7f) != 0x7f;
}
