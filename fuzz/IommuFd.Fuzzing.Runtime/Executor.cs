using System.Diagnostics;
using System.IO.MemoryMappedFiles;

namespace IommuFd.Fuzzing.Runtime;

/// <summary>
/// Runs one test case through the target and turns the outcome into a wait status: an escaped exception is a
/// crash (<see cref="AflProtocol.StatusCrash"/>). Owns the in-process watchdog and the last-input record.
/// </summary>
internal sealed unsafe class Executor : IDisposable
{
    private readonly FuzzAction _action;
    private readonly AflOptions _options;
    private readonly Watchdog? _watchdog;
    private readonly LastInputRecord? _lastInput;
    private bool _first = true;

    public Executor(FuzzAction action, AflOptions options, bool armWatchdog, bool recordLastInput)
    {
        _action = action;
        _options = options;
        if (armWatchdog && options.Timeout > TimeSpan.Zero)
        {
            _watchdog = new Watchdog(options.Timeout, options.ArtifactsDirectory);
        }

        if (recordLastInput && options.ArtifactsDirectory is not null)
        {
            _lastInput = LastInputRecord.TryOpen(Path.Combine(options.ArtifactsDirectory, LastInputRecord.FileName));
        }
    }

    /// <summary>Runs <paramref name="input"/> and returns the wait status to report to afl.</summary>
    public uint Run(ReadOnlySpan<byte> input)
    {
        _lastInput?.Record(input);
        if (_first)
        {
            // The first execution also runs one-time code (static constructors, lazy caches, JIT-time paths): run
            // it, wipe the map, and run it again, so afl's calibration sees the trace every later run produces.
            _first = false;
            RunOnce(input);
            Coverage.Clear();
        }

        return RunOnce(input);
    }

    private uint RunOnce(ReadOnlySpan<byte> input)
    {
        Coverage.Prev = 0;
        _watchdog?.Arm(input);
        try
        {
            _action(input);
            return AflProtocol.StatusOk;
        }
        catch (Exception e)
        {
            if (_options.Debug)
            {
                Console.Error.WriteLine($"[fuzz] target threw: {e}");
            }

            return AflProtocol.StatusCrash;
        }
        finally
        {
            _watchdog?.Disarm();
        }
    }

    public void Dispose()
    {
        _watchdog?.Dispose();
        _lastInput?.Dispose();
    }
}

/// <summary>
/// In-process hang watchdog. afl's own timeout kills the pid we reported - in in-process mode that is the fuzzing
/// process itself, and the test case (in shared memory) would be lost. This thread fires a little earlier: it saves
/// the input as <c>dotnet_hangs/hang-*</c> in the artifacts directory, says so on stderr and kills the process.
/// afl then stops ("unable to communicate with fork server"); the campaign script reports the saved reproducer.
/// Supervisor mode does not need it: afl kills the worker and the supervisor restarts it.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly long _timeoutTicks;
    private readonly string? _directory;
    private readonly Thread _thread;
    private readonly byte[] _input = new byte[AflProtocol.MaxInputLength];
    private int _inputLength;
    private long _startedAt;   // Stopwatch timestamp of the running execution; 0 when idle.
    private volatile bool _disposed;

    public Watchdog(TimeSpan timeout, string? directory)
    {
        _timeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _directory = directory;
        _thread = new Thread(Watch) { IsBackground = true, Name = "fuzz watchdog" };
        _thread.Start();
    }

    /// <summary>Starts timing an execution of <paramref name="input"/>.</summary>
    public void Arm(ReadOnlySpan<byte> input)
    {
        // One memcpy per execution: the input must outlive the hang for the reproducer.
        input.CopyTo(_input);
        _inputLength = input.Length;
        Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());
    }

    /// <summary>Stops timing.</summary>
    public void Disarm() => Volatile.Write(ref _startedAt, 0);

    private void Watch()
    {
        int pollMs = (int)Math.Clamp(_timeoutTicks * 1000 / Stopwatch.Frequency / 4, 1, 250);
        while (!_disposed)
        {
            Thread.Sleep(pollMs);
            long started = Volatile.Read(ref _startedAt);
            if (started != 0 && Stopwatch.GetTimestamp() - started > _timeoutTicks)
            {
                Fire();
            }
        }
    }

    private void Fire()
    {
        string where = "(no artifacts directory: set IOMMUFD_FUZZ_ARTIFACTS)";
        if (_directory is not null)
        {
            string dir = Path.Combine(_directory, "dotnet_hangs");
            Directory.CreateDirectory(dir);
            where = Path.Combine(dir, $"hang-{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{Environment.ProcessId}");
            File.WriteAllBytes(where, _input.AsSpan(0, _inputLength).ToArray());
        }

        Console.Error.WriteLine($"[fuzz] watchdog: execution exceeded {_timeoutTicks * 1000 / Stopwatch.Frequency} ms; input saved to {where}");
        LibC.Kill(Environment.ProcessId, LibC.SIGKILL);
    }

    public void Dispose() => _disposed = true;
}

/// <summary>
/// The current input, kept in a <c>MAP_SHARED</c> file mapping: the page cache survives SIGKILL, FailFast and stack
/// overflows, so after an in-process campaign dies the culprit is in <c>.dotnet_last_input</c> (u32 length, then the
/// bytes). Costs one memcpy per execution.
/// </summary>
internal sealed unsafe class LastInputRecord : IDisposable
{
    public const string FileName = ".dotnet_last_input";

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;

    private LastInputRecord(MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer)
    {
        _file = file;
        _view = view;
        _pointer = pointer;
    }

    public static LastInputRecord? TryOpen(string path)
    {
        try
        {
            var file = MemoryMappedFile.CreateFromFile(path, FileMode.Create, null, sizeof(uint) + AflProtocol.MaxInputLength);
            var view = file.CreateViewAccessor();
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new LastInputRecord(file, view, pointer);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Record(ReadOnlySpan<byte> input)
    {
        *(uint*)_pointer = (uint)input.Length;
        input.CopyTo(new Span<byte>(_pointer + sizeof(uint), AflProtocol.MaxInputLength));
    }

    /// <summary>Reads a record file back (for triage tools and tests).</summary>
    public static byte[] Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int length = (int)Math.Min(BitConverter.ToUInt32(bytes, 0), (uint)(bytes.Length - sizeof(uint)));
        return bytes.AsSpan(sizeof(uint), length).ToArray();
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
