using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace IommuFd.Fuzzing.Runtime;

/// <summary>
/// Supervisor mode: this process speaks the fork-server protocol with afl but runs no target code. A worker - the
/// same command line, started with <c>posix_spawn</c>, its fds 198/199 replaced by our pipes - runs the test cases.
/// We report the <b>worker's</b> pid, so afl's timeout kill lands on the worker; when the worker dies (a hang killed by
/// afl or by our watchdog, FailFast, stack overflow, access violation) we reap it, forward its real wait status and
/// start a new worker for the next request. The campaign survives everything short of killing the supervisor.
/// </summary>
/// <remarks>
/// The supervisor reaps with <c>waitpid</c> directly, so it gets the kernel's status word (no <c>128+signo</c>
/// exit-code translation); it never uses <see cref="System.Diagnostics.Process"/>, whose SIGCHLD handling would
/// race with that.
/// </remarks>
internal static unsafe class Supervisor
{
    /// <summary>The word a worker writes once it is ready for its first request ("RDY!").</summary>
    internal const uint WorkerReady = 0x21594452;

    /// <summary>How long a worker may take to start (runtime start-up, assembly loading) before it counts as dead.</summary>
    private const int WorkerStartupMs = 60_000;

    public static int Run(AflOptions options)
    {
        if (!ForkServer.TryAttach(options, out _, out bool offerShm))
        {
            return 1;
        }

        if (!Handshake.TryPerform(options.Handshake, offerShm, out HandshakeResult handshake))
        {
            return 0;
        }

        ForkServer.Trace(options, $"supervisor handshake {options.Handshake}: shm input {handshake.UseShmInput}");
        string sourceKind = handshake.UseShmInput ? "shm" : options.InputFile is not null ? "file" : "stdin";
        int watchdogMs = options.Timeout > TimeSpan.Zero ? (int)options.Timeout.TotalMilliseconds : -1;
        WorkerProcess? worker = null;
        uint? pending = handshake.PendingRequest;
        var progress = new ProgressFile(options.StatsFile);
        try
        {
            while (true)
            {
                uint request;
                if (pending is { } p)
                {
                    request = p;
                    pending = null;
                }
                else if (!LibC.TryReadU32(AflProtocol.ControlFd, out request))
                {
                    progress.Write();
                    return 0;   // afl is gone
                }

                if (request != 0 && worker is not null)
                {
                    // afl killed the previous child on timeout (possibly after it answered): start clean.
                    worker.KillAndReap();
                    worker = null;
                }

                worker ??= WorkerProcess.Start(sourceKind, options);
                if (!worker.TrySend())
                {
                    // The idle worker died between requests (e.g. a late kill): replace it, then run.
                    worker.KillAndReap();
                    worker = WorkerProcess.Start(sourceKind, options);
                    if (!worker.TrySend())
                    {
                        Console.Error.WriteLine("[fuzz] supervisor: a fresh worker does not accept requests");
                        return 1;
                    }
                }

                if (!LibC.TryWriteU32(AflProtocol.StatusFd, (uint)worker.Pid))
                {
                    return 0;
                }

                uint status;
                switch (worker.TryReceive(watchdogMs, out status))
                {
                    case WorkerReply.Status:
                        break;
                    case WorkerReply.TimedOut:
                        ForkServer.Trace(options, $"supervisor watchdog: worker {worker.Pid} exceeded {watchdogMs} ms");
                        status = worker.KillAndReap();
                        worker = null;
                        break;
                    default:
                        status = worker.KillAndReap();
                        worker = null;
                        ForkServer.Trace(options, $"supervisor: worker died with wait status 0x{status:x}");
                        if (!LibC.WaitStatusIsSignaled(status))
                        {
                            status = AflProtocol.StatusCrash;   // it exited mid-run without answering: a crash
                        }

                        break;
                }

                if (!LibC.TryWriteU32(AflProtocol.StatusFd, status))
                {
                    return 0;
                }

                progress.Count();
            }
        }
        finally
        {
            worker?.KillAndReap();
        }
    }

    private enum WorkerReply
    {
        Status,
        Died,
        TimedOut,
    }

    /// <summary>One worker process and the supervisor's ends of its two pipes.</summary>
    private sealed class WorkerProcess
    {
        private readonly int _controlWrite;
        private readonly int _statusRead;
        private bool _reaped;

        private WorkerProcess(int pid, int controlWrite, int statusRead)
        {
            Pid = pid;
            _controlWrite = controlWrite;
            _statusRead = statusRead;
        }

        public int Pid { get; }

        public static WorkerProcess Start(string sourceKind, AflOptions options)
        {
            int* control = stackalloc int[2];
            int* status = stackalloc int[2];
            if (LibC.Pipe2(control, LibC.O_CLOEXEC) != 0 || LibC.Pipe2(status, LibC.O_CLOEXEC) != 0)
            {
                throw new IOException($"pipe2 failed: errno {Marshal.GetLastPInvokeError()}");
            }

            string[] argv = ReadOwnCommandLine();
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                environment[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
            }

            environment[AflFuzzer.WorkerVariable] = sourceKind;
            environment[AflFuzzer.WorkerParentVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            string path = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");

            int pid = Spawn(path, argv, environment.Select(kv => $"{kv.Key}={kv.Value}"), control[0], status[1]);
            LibC.Close(control[0]);
            LibC.Close(status[1]);
            ForkServer.Trace(options, $"supervisor: started worker {pid}");
            var worker = new WorkerProcess(pid, control[1], status[0]);
            if (worker.TryReceive(WorkerStartupMs, out uint ready) != WorkerReply.Status || ready != WorkerReady)
            {
                // It died or hung while starting: the next TrySend/TryReceive sees a dead pipe and reports it.
                ForkServer.Trace(options, $"supervisor: worker {pid} did not report ready");
            }

            return worker;
        }

        public bool TrySend() => LibC.TryWriteU32(_controlWrite, 0);

        public WorkerReply TryReceive(int timeoutMs, out uint status)
        {
            status = 0;
            if (timeoutMs > 0)
            {
                var poll = new LibC.PollFd { Fd = _statusRead, Events = LibC.POLLIN };
                int ready;
                do
                {
                    ready = LibC.Poll(&poll, 1, timeoutMs);
                }
                while (ready < 0 && Marshal.GetLastPInvokeError() == LibC.EINTR);

                if (ready == 0)
                {
                    return WorkerReply.TimedOut;
                }
            }

            return LibC.TryReadU32(_statusRead, out status) ? WorkerReply.Status : WorkerReply.Died;
        }

        /// <summary>Kills the worker (if still alive), reaps it and closes the pipes; returns its wait status.</summary>
        public uint KillAndReap()
        {
            int status = 0;
            if (!_reaped)
            {
                _reaped = true;
                LibC.Kill(Pid, LibC.SIGKILL);
                while (LibC.WaitPid(Pid, &status, 0) < 0 && Marshal.GetLastPInvokeError() == LibC.EINTR)
                {
                }

                LibC.Close(_controlWrite);
                LibC.Close(_statusRead);
            }

            return (uint)status;
        }

        private static string[] ReadOwnCommandLine()
        {
            // /proc/self/cmdline is argv exactly as exec'd (apphost or "dotnet app.dll ...").
            string text = Encoding.UTF8.GetString(File.ReadAllBytes("/proc/self/cmdline"));
            return text.TrimEnd('\0').Split('\0');
        }

        private static int Spawn(string path, string[] argv, IEnumerable<string> environment, int controlRead, int statusWrite)
        {
            var allocations = new List<nint>();
            byte* actions = (byte*)NativeMemory.AllocZeroed(LibC.SpawnFileActionsSize);
            try
            {
                byte** nativeArgv = ToNative(argv, allocations);
                byte** nativeEnv = ToNative(environment.ToArray(), allocations);
                byte* nativePath = (byte*)Marshal.StringToCoTaskMemUTF8(path);
                allocations.Add((nint)nativePath);
                LibC.PosixSpawnFileActionsInit(actions);
                LibC.PosixSpawnFileActionsAddDup2(actions, controlRead, AflProtocol.ControlFd);
                LibC.PosixSpawnFileActionsAddDup2(actions, statusWrite, AflProtocol.StatusFd);
                int pid;
                int error = LibC.PosixSpawn(&pid, nativePath, actions, null, nativeArgv, nativeEnv);
                LibC.PosixSpawnFileActionsDestroy(actions);
                if (error != 0)
                {
                    throw new IOException($"posix_spawn({path}) failed: errno {error}");
                }

                return pid;
            }
            finally
            {
                foreach (nint p in allocations)
                {
                    Marshal.FreeCoTaskMem(p);
                }

                NativeMemory.Free(actions);
            }
        }

        private static byte** ToNative(string[] strings, List<nint> allocations)
        {
            byte** array = (byte**)Marshal.AllocCoTaskMem((strings.Length + 1) * sizeof(nint));
            allocations.Add((nint)array);
            for (int i = 0; i < strings.Length; i++)
            {
                nint s = Marshal.StringToCoTaskMemUTF8(strings[i]);
                allocations.Add(s);
                array[i] = (byte*)s;
            }

            array[strings.Length] = null;
            return array;
        }
    }
}
