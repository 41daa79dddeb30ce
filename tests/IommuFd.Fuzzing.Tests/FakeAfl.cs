using System.Collections;
using System.Runtime.InteropServices;
using IommuFd.Fuzzing.Runtime;

namespace IommuFd.Fuzzing.Tests;

/// <summary>Which afl the fake plays: they differ in the handshakes they understand.</summary>
internal enum AflServer
{
    /// <summary>afl++ ≥ 4.20c and 5.x: the v1 hello/complement exchange; also accepts the older option word.</summary>
    V1,

    /// <summary>afl++ 4.04c (Debian bookworm): the option word; any other hello is classic.</summary>
    Options,

    /// <summary>Classic AFL: no options at all, no shared-memory test cases.</summary>
    Classic,
}

internal enum Verdict
{
    Ok,
    Crash,
    Hang,

    /// <summary>The fork server stopped answering ("Unable to communicate with fork server").</summary>
    ServerDied,
}

/// <summary>One execution as afl judged it.</summary>
internal sealed record FakeRun(Verdict Verdict, uint Status, int Pid, HashSet<int> Edges);

/// <summary>
/// A stand-in for afl-fuzz, written from the protocol: SysV coverage map and test-case segments, a
/// <c>.cur_input</c> file as stdin, fds 198/199 through <c>posix_spawn</c>, the server side of the three handshakes,
/// per-run request/pid/status, and afl's timeout rule (SIGKILL the reported pid, then still demand a status).
/// </summary>
internal sealed unsafe class FakeAfl : IDisposable
{
    private const int IPC_PRIVATE = 0;
    private const int IPC_CREAT = 0x200;
    private const int IPC_EXCL = 0x400;
    private const int IPC_RMID = 0;

    private readonly AflServer _server;
    private readonly int _timeoutMs;
    private readonly string _inputFile;
    private readonly string _logFile;
    private readonly bool _useFileArgument;
    private readonly int _mapId;
    private readonly byte* _map;
    private readonly int _fuzzId = -1;
    private readonly byte* _fuzz;
    private int _controlWrite = -1;
    private int _statusRead = -1;
    private uint _wasKilled;
    private bool _exited;

    public FakeAfl(
        TempDirectory temp,
        AflServer server,
        bool offerShm = true,
        int timeoutMs = 10_000,
        bool useFileArgument = false)
    {
        _server = server;
        _timeoutMs = timeoutMs;
        _useFileArgument = useFileArgument;
        _inputFile = temp.Combine($".cur_input-{Guid.NewGuid():N}");
        _logFile = temp.Combine($"target-{Guid.NewGuid():N}.log");
        File.WriteAllBytes(_inputFile, []);
        // Each segment is marked for removal as soon as we are attached: Linux still lets the target attach it by id,
        // and the kernel frees it when the last process detaches, so even a killed test run leaks nothing.
        _mapId = ShmGet(IPC_PRIVATE, Coverage.MapSize, IPC_CREAT | IPC_EXCL | 0x180);
        _map = (byte*)ShmAt(_mapId, 0, 0);
        ShmCtl(_mapId, IPC_RMID, 0);
        if (offerShm && server != AflServer.Classic)
        {
            _fuzzId = ShmGet(IPC_PRIVATE, AflProtocol.MaxInputLength + 4, IPC_CREAT | IPC_EXCL | 0x180);
            _fuzz = (byte*)ShmAt(_fuzzId, 0, 0);
            ShmCtl(_fuzzId, IPC_RMID, 0);
        }

        Environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            string key = (string)entry.Key;
            if (!key.StartsWith("IOMMUFD_FUZZ", StringComparison.Ordinal) && !key.StartsWith("__AFL", StringComparison.Ordinal))
            {
                Environment[key] = (string?)entry.Value ?? string.Empty;
            }
        }

        Environment[AflProtocol.ShmIdVariable] = _mapId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (_fuzz != null)
        {
            Environment[AflProtocol.ShmFuzzIdVariable] = _fuzzId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The target's environment (afl's variables already set); adjust before <see cref="Start"/>.</summary>
    public Dictionary<string, string> Environment { get; }

    public int TargetPid { get; private set; }

    public uint Hello { get; private set; }

    public bool ShmInput { get; private set; }

    public uint? AnnouncedMapSize { get; private set; }

    public string Log => File.Exists(_logFile) ? File.ReadAllText(_logFile) : string.Empty;

    /// <summary>Starts the target with the fork-server fds (or without them) and, with them, does the handshake.</summary>
    /// <returns>False when the target reported an error word or died instead of saying hello.</returns>
    public bool Start(string program, string[] arguments, bool forkServerFds = true)
    {
        var args = new List<string> { program };
        args.AddRange(arguments);
        if (_useFileArgument)
        {
            args.Add(_inputFile);
        }

        int* control = stackalloc int[2];
        int* status = stackalloc int[2];
        Check(Pipe2(control, 0x80000) == 0, "pipe2");
        Check(Pipe2(status, 0x80000) == 0, "pipe2");
        using var stdin = File.OpenHandle(_inputFile, FileMode.Open, FileAccess.Read);
        using var log = File.OpenHandle(_logFile, FileMode.Create, FileAccess.Write);
        var dup2 = new List<(int From, int To)>
        {
            ((int)stdin.DangerousGetHandle(), 0),
            ((int)log.DangerousGetHandle(), 1),
            ((int)log.DangerousGetHandle(), 2),
        };
        if (forkServerFds)
        {
            dup2.Add((control[0], AflProtocol.ControlFd));
            dup2.Add((status[1], AflProtocol.StatusFd));
        }

        TargetPid = Spawn(program, args, Environment.Select(kv => $"{kv.Key}={kv.Value}"), dup2);
        LibC.Close(control[0]);
        LibC.Close(status[1]);
        _controlWrite = control[1];
        _statusRead = status[0];
        if (!forkServerFds)
        {
            return true;
        }

        if (!TryRead(20_000, out uint hello))
        {
            return false;
        }

        Hello = hello;
        if ((hello & 0xFFFF0000) == AflProtocol.V1Error || (hello & AflProtocol.OptionsError) == AflProtocol.OptionsError)
        {
            return false;
        }

        bool v1 = _server == AflServer.V1 && (hello & 0xFFFFFF00) == 0x41464C00 && (hello & 0xFF) == 1;
        bool options = !v1 && _server != AflServer.Classic && (hello & AflProtocol.OptionsEnabled) == AflProtocol.OptionsEnabled;
        if (v1)
        {
            Write(~hello);
            Check(TryRead(5000, out uint flags), "v1 options");
            if ((flags & AflProtocol.V1OptionMapSize) != 0)
            {
                Check(TryRead(5000, out uint size), "v1 map size");
                AnnouncedMapSize = size;
            }

            if ((flags & AflProtocol.V1OptionShmFuzz) != 0)
            {
                Check(_fuzz != null, "target asked for shm test cases that were not offered");
                ShmInput = true;
            }

            Check(TryRead(5000, out uint trailer) && trailer == hello, "v1 handshake must end with the hello repeated");
        }
        else if (options)
        {
            if ((hello & AflProtocol.OptionsMapSize) != 0)
            {
                AnnouncedMapSize = ((hello >> 1) & 0x7FFFFF) + 1;
            }

            if ((hello & AflProtocol.OptionsShmFuzz) != 0)
            {
                Check(_fuzz != null, "target asked for shm test cases that were not offered");   // afl FATALs here
                ShmInput = true;
                Write(AflProtocol.OptionsEnabled | AflProtocol.OptionsShmFuzz);
            }
        }

        return true;
    }

    /// <summary>Runs one input the way afl-fuzz does.</summary>
    public FakeRun Run(ReadOnlySpan<byte> input)
    {
        SetInput(input);
        if (!LibC.TryWriteU32(_controlWrite, _wasKilled))
        {
            return Died();
        }

        _wasKilled = 0;
        if (!TryRead(10_000, out uint pid) || pid == 0)
        {
            return Died();
        }

        if (TryRead(_timeoutMs, out uint status, out bool timedOut))
        {
            return new FakeRun(LibC.WaitStatusIsSignaled(status) ? Verdict.Crash : Verdict.Ok, status, (int)pid, Edges());
        }

        if (!timedOut)
        {
            return Died();
        }

        // afl: kill the child it was told about, then insist on a status word.
        LibC.Kill((int)pid, LibC.SIGKILL);
        _wasKilled = 1;
        return TryRead(5000, out status)
            ? new FakeRun(Verdict.Hang, status, (int)pid, Edges())
            : Died();
    }

    /// <summary>Clears the map and places the test case where the target reads it (shm or <c>.cur_input</c>).</summary>
    public void SetInput(ReadOnlySpan<byte> input)
    {
        new Span<byte>(_map, Coverage.MapSize).Clear();
        if (ShmInput)
        {
            *(uint*)_fuzz = (uint)input.Length;
            input.CopyTo(new Span<byte>(_fuzz + 4, AflProtocol.MaxInputLength));
        }
        else
        {
            File.WriteAllBytes(_inputFile, input.ToArray());
        }
    }

    /// <summary>Waits for the target process to exit; returns its wait status.</summary>
    public int WaitForExit(int timeoutMs = 20_000)
    {
        int status = 0;
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (DateTime.UtcNow < deadline)
        {
            if (LibC.WaitPid(TargetPid, &status, LibC.WNOHANG) == TargetPid)
            {
                _exited = true;
                return status;
            }

            Thread.Sleep(10);
        }

        throw new TimeoutException($"target {TargetPid} did not exit; log:\n{Log}");
    }

    public HashSet<int> Edges()
    {
        var edges = new HashSet<int>();
        for (int i = 0; i < Coverage.MapSize; i++)
        {
            if (_map[i] != 0)
            {
                edges.Add(i);
            }
        }

        return edges;
    }

    public void Dispose()
    {
        if (_controlWrite >= 0)
        {
            LibC.Close(_controlWrite);   // a well-behaved fork server exits on EOF
        }

        if (TargetPid > 0 && !_exited)
        {
            int status;
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (LibC.WaitPid(TargetPid, &status, LibC.WNOHANG) == 0 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }

            if (LibC.WaitPid(TargetPid, &status, LibC.WNOHANG) == 0)
            {
                LibC.Kill(TargetPid, LibC.SIGKILL);
                LibC.WaitPid(TargetPid, &status, 0);
            }
        }

        if (_statusRead >= 0)
        {
            LibC.Close(_statusRead);
        }

        ShmDt((nint)_map);
        if (_fuzz != null)
        {
            ShmDt((nint)_fuzz);
        }
    }

    private FakeRun Died() => new(Verdict.ServerDied, 0, 0, []);

    private void Write(uint value) => Check(LibC.TryWriteU32(_controlWrite, value), "write to the control pipe");

    private bool TryRead(int timeoutMs, out uint value) => TryRead(timeoutMs, out value, out _);

    private bool TryRead(int timeoutMs, out uint value, out bool timedOut)
    {
        value = 0;
        var poll = new LibC.PollFd { Fd = _statusRead, Events = LibC.POLLIN };
        int ready;
        do
        {
            ready = LibC.Poll(&poll, 1, timeoutMs);
        }
        while (ready < 0 && Marshal.GetLastPInvokeError() == LibC.EINTR);
        timedOut = ready == 0;
        return ready > 0 && LibC.TryReadU32(_statusRead, out value);
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"fake afl: {what} failed");
        }
    }

    private static int Spawn(string program, List<string> argv, IEnumerable<string> environment, List<(int From, int To)> dup2)
    {
        var allocations = new List<nint>();
        byte* actions = (byte*)NativeMemory.AllocZeroed(LibC.SpawnFileActionsSize);
        try
        {
            byte** nativeArgv = ToNative(argv, allocations);
            byte** nativeEnv = ToNative(environment.ToList(), allocations);
            nint path = Marshal.StringToCoTaskMemUTF8(program);
            allocations.Add(path);
            LibC.PosixSpawnFileActionsInit(actions);

            // The actions run in order: a source that is also a later target (the test host may well have fds 198 or
            // 199 open) would be overwritten first. Copy every source above all targets before mapping.
            var copies = new List<int>();
            foreach ((int from, int to) in dup2)
            {
                int high = Fcntl(from, F_DUPFD_CLOEXEC, 1000);
                Check(high >= 1000, "fcntl(F_DUPFD_CLOEXEC)");
                copies.Add(high);
                LibC.PosixSpawnFileActionsAddDup2(actions, high, to);
            }

            int pid;
            int error = LibC.PosixSpawn(&pid, (byte*)path, actions, null, nativeArgv, nativeEnv);
            LibC.PosixSpawnFileActionsDestroy(actions);
            copies.ForEach(fd => LibC.Close(fd));
            Check(error == 0, $"posix_spawn {program} (errno {error})");
            return pid;
        }
        finally
        {
            allocations.ForEach(Marshal.FreeCoTaskMem);
            NativeMemory.Free(actions);
        }
    }

    private static byte** ToNative(List<string> strings, List<nint> allocations)
    {
        byte** array = (byte**)Marshal.AllocCoTaskMem((strings.Count + 1) * sizeof(nint));
        allocations.Add((nint)array);
        for (int i = 0; i < strings.Count; i++)
        {
            nint s = Marshal.StringToCoTaskMemUTF8(strings[i]);
            allocations.Add(s);
            array[i] = (byte*)s;
        }

        array[strings.Count] = null;
        return array;
    }

    [DllImport("libc", EntryPoint = "shmget", SetLastError = true)]
    private static extern int ShmGet(int key, nint size, int flags);

    [DllImport("libc", EntryPoint = "shmat", SetLastError = true)]
    private static extern nint ShmAt(int id, nint address, int flags);

    [DllImport("libc", EntryPoint = "shmdt", SetLastError = true)]
    private static extern int ShmDt(nint address);

    [DllImport("libc", EntryPoint = "shmctl", SetLastError = true)]
    private static extern int ShmCtl(int id, int command, nint buffer);

    private const int F_DUPFD_CLOEXEC = 1030;

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, int argument);

    [DllImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static extern int Pipe2(int* fds, int flags);
}
