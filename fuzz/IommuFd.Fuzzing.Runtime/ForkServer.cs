namespace IommuFd.Fuzzing.Runtime;

/// <summary>The persistent fork-server loop (in-process and worker side) and the single-run mode.</summary>
internal static unsafe class ForkServer
{
    /// <summary>In-process persistent mode: this process reports its own pid and runs every test case itself.</summary>
    public static int RunInProcess(FuzzAction action, AflOptions options)
    {
        if (!TryAttach(options, out TestCaseSource? source, out bool offerShm))
        {
            return 1;
        }

        if (!Handshake.TryPerform(options.Handshake, offerShm, out HandshakeResult handshake))
        {
            return 0;
        }

        Trace(options, $"handshake {options.Handshake}: shm input {handshake.UseShmInput}, pending request {handshake.PendingRequest?.ToString() ?? "none"}");
        if (!handshake.UseShmInput)
        {
            source = TestCaseSource.FromFileOrStdin(options.InputFile);
        }

        using var executor = new Executor(action, options, armWatchdog: true, recordLastInput: true);
        var progress = new ProgressFile(options.StatsFile);
        Loop(executor, source!, AflProtocol.ControlFd, AflProtocol.StatusFd, (uint)Environment.ProcessId, handshake.PendingRequest, progress);
        progress.Write();
        return 0;
    }

    /// <summary>Worker of a supervisor: fds 198/199 are the supervisor's pipes and the handshake is already done.</summary>
    public static int RunWorker(FuzzAction action, AflOptions options, string sourceKind)
    {
        // Die with the supervisor; and if it died before prctl took effect, leave now.
        LibC.Prctl(LibC.PR_SET_PDEATHSIG, LibC.SIGKILL, 0, 0, 0);
        if (Environment.GetEnvironmentVariable(AflFuzzer.WorkerParentVariable) is { } parent
            && parent != LibC.GetPPid().ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return 0;
        }

        byte* map = LibC.AttachSharedMemory(Environment.GetEnvironmentVariable(AflProtocol.ShmIdVariable));
        if (map != null)
        {
            Coverage.Map = map;
        }

        TestCaseSource source;
        if (sourceKind == "shm")
        {
            byte* shm = LibC.AttachSharedMemory(Environment.GetEnvironmentVariable(AflProtocol.ShmFuzzIdVariable));
            if (shm == null)
            {
                Console.Error.WriteLine("[fuzz] worker: cannot attach the shared-memory test-case buffer");
                return 1;
            }

            source = TestCaseSource.FromSharedMemory(shm);
        }
        else
        {
            source = TestCaseSource.FromFileOrStdin(options.InputFile);
        }

        using var executor = new Executor(action, options, armWatchdog: false, recordLastInput: false);

        // Tell the supervisor that start-up is over, so its watchdog times test cases, not runtime start-up.
        if (!LibC.TryWriteU32(AflProtocol.StatusFd, Supervisor.WorkerReady))
        {
            return 0;
        }

        while (LibC.TryReadU32(AflProtocol.ControlFd, out _))
        {
            uint status = executor.Run(source.Next());
            if (!LibC.TryWriteU32(AflProtocol.StatusFd, status))
            {
                break;
            }
        }

        return 0;
    }

    /// <summary>
    /// One execution without a fork server (afl-showmap on a single file, <c>AFL_NO_FORKSRV=1</c>): afl judges the
    /// process's own exit, so an exception becomes SIGABRT and a hang is left to afl or the watchdog.
    /// </summary>
    public static int RunSingle(FuzzAction action, AflOptions options)
    {
        byte* map = LibC.AttachSharedMemory(Environment.GetEnvironmentVariable(AflProtocol.ShmIdVariable));
        if (map != null)
        {
            Coverage.Map = map;
        }

        var source = TestCaseSource.FromFileOrStdin(options.InputFile);
        ReadOnlySpan<byte> input = source.Next();
        using var watchdog = options.Timeout > TimeSpan.Zero ? new Watchdog(options.Timeout, options.ArtifactsDirectory) : null;
        watchdog?.Arm(input);
        Coverage.Prev = 0;
        try
        {
            action(input);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            Console.Error.Flush();
            LibC.Abort();
        }

        watchdog?.Disarm();
        return 0;
    }

    /// <summary>
    /// The per-execution exchange: read a request (a u32: 1 if afl killed the previous child), report a pid, run,
    /// report the wait status. Ends when afl closes the control pipe.
    /// </summary>
    internal static void Loop(Executor executor, TestCaseSource source, int controlFd, int statusFd, uint pid, uint? pending, ProgressFile progress)
    {
        while (true)
        {
            if (pending is null && !LibC.TryReadU32(controlFd, out _))
            {
                return;
            }

            pending = null;
            if (!LibC.TryWriteU32(statusFd, pid))
            {
                return;
            }

            uint status = executor.Run(source.Next());
            if (!LibC.TryWriteU32(statusFd, status))
            {
                return;
            }

            progress.Count();
        }
    }

    /// <summary>
    /// Attaches the coverage map (reporting a failure to afl as the handshake error word) and, when afl offers it
    /// and the options allow it, the shared-memory test-case buffer.
    /// </summary>
    internal static bool TryAttach(AflOptions options, out TestCaseSource? shmSource, out bool offerShm)
    {
        shmSource = null;
        offerShm = false;
        byte* map = LibC.AttachSharedMemory(Environment.GetEnvironmentVariable(AflProtocol.ShmIdVariable));
        if (map == null)
        {
            Console.Error.WriteLine($"[fuzz] cannot attach the coverage map {AflProtocol.ShmIdVariable}='{Environment.GetEnvironmentVariable(AflProtocol.ShmIdVariable)}'");
            Handshake.ReportError(options.Handshake, AflProtocol.ErrorShmat);
            return false;
        }

        Coverage.Map = map;
        if (options.AllowShmInput && options.InputFile is null)
        {
            byte* shm = LibC.AttachSharedMemory(Environment.GetEnvironmentVariable(AflProtocol.ShmFuzzIdVariable));
            if (shm != null)
            {
                shmSource = TestCaseSource.FromSharedMemory(shm);
                offerShm = true;
            }
        }

        return true;
    }

    internal static void Trace(AflOptions options, string message)
    {
        if (options.Debug)
        {
            Console.Error.WriteLine($"[fuzz] {message}");
        }
    }
}
