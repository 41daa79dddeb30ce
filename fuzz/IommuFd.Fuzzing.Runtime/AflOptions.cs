using System.Globalization;

namespace IommuFd.Fuzzing.Runtime;

/// <summary>
/// Runtime settings. afl starts the target, so they come from environment variables
/// (<see cref="FromEnvironment"/>); every variable is documented in fuzz/README.md.
/// </summary>
public sealed record AflOptions
{
    /// <summary><c>IOMMUFD_FUZZ_MODE</c>: <c>inprocess</c> (default) or <c>supervise</c>.</summary>
    public const string ModeVariable = "IOMMUFD_FUZZ_MODE";

    /// <summary><c>IOMMUFD_FUZZ_HANDSHAKE</c>: <c>auto</c> (default), <c>options</c> or <c>classic</c>.</summary>
    public const string HandshakeVariable = "IOMMUFD_FUZZ_HANDSHAKE";

    /// <summary><c>IOMMUFD_FUZZ_TIMEOUT_MS</c>: the watchdog for one execution; 0 (default) disables it.</summary>
    public const string TimeoutVariable = "IOMMUFD_FUZZ_TIMEOUT_MS";

    /// <summary><c>IOMMUFD_FUZZ_NO_SHM_INPUT=1</c>: never ask for shared-memory test cases.</summary>
    public const string NoShmInputVariable = "IOMMUFD_FUZZ_NO_SHM_INPUT";

    /// <summary><c>IOMMUFD_FUZZ_ARTIFACTS</c>: where hangs caught by the in-process watchdog and the last-input record go.</summary>
    public const string ArtifactsVariable = "IOMMUFD_FUZZ_ARTIFACTS";

    /// <summary><c>IOMMUFD_FUZZ_DEBUG=1</c>: protocol trace and exceptions on stderr (afl shows it with AFL_DEBUG_CHILD=1).</summary>
    public const string DebugVariable = "IOMMUFD_FUZZ_DEBUG";

    /// <summary><c>IOMMUFD_FUZZ_STATS</c>: a file the fork server rewrites about once a second with <c>execs N</c> (progress for scripts; afl++ 4.04c does not update fuzzer_stats under AFL_NO_UI).</summary>
    public const string StatsVariable = "IOMMUFD_FUZZ_STATS";

    /// <summary>Fork-server mode.</summary>
    public AflMode Mode { get; init; } = AflMode.InProcess;

    /// <summary>Handshake variant.</summary>
    public AflHandshake Handshake { get; init; } = AflHandshake.Auto;

    /// <summary>Watchdog timeout; <see cref="TimeSpan.Zero"/> disables the runtime's own watchdog.</summary>
    public TimeSpan Timeout { get; init; }

    /// <summary>Whether to offer shared-memory test cases when afl provides a segment.</summary>
    public bool AllowShmInput { get; init; } = true;

    /// <summary>
    /// Directory for hang reproducers found by the in-process watchdog and for the <c>.dotnet_last_input</c>
    /// record; defaults to afl's <c>__AFL_OUT_DIR</c> when afl exports it, else none.
    /// </summary>
    public string? ArtifactsDirectory { get; init; }

    /// <summary>Writes a protocol trace and every exception to stderr.</summary>
    public bool Debug { get; init; }

    /// <summary>Progress file (see <see cref="StatsVariable"/>); null for none.</summary>
    public string? StatsFile { get; init; }

    /// <summary>The test-case file when afl runs the target with <c>@@</c> or <c>-f</c>; null means stdin or shm.</summary>
    public string? InputFile { get; init; }

    /// <summary>Reads the options from the environment.</summary>
    /// <param name="inputFile">The <c>@@</c> argument, if the harness got one.</param>
    public static AflOptions FromEnvironment(string? inputFile = null)
    {
        string? mode = Environment.GetEnvironmentVariable(ModeVariable);
        string? handshake = Environment.GetEnvironmentVariable(HandshakeVariable);
        string? timeout = Environment.GetEnvironmentVariable(TimeoutVariable);
        return new AflOptions
        {
            Mode = mode?.ToLowerInvariant() switch
            {
                null or "" or "inprocess" or "in-process" => AflMode.InProcess,
                "supervise" or "supervisor" => AflMode.Supervise,
                _ => throw new ArgumentException($"{ModeVariable}='{mode}': expected 'inprocess' or 'supervise'"),
            },
            Handshake = handshake?.ToLowerInvariant() switch
            {
                null or "" or "auto" or "v1" => AflHandshake.Auto,
                "options" or "old" => AflHandshake.Options,
                "classic" => AflHandshake.Classic,
                _ => throw new ArgumentException($"{HandshakeVariable}='{handshake}': expected 'auto', 'options' or 'classic'"),
            },
            Timeout = string.IsNullOrEmpty(timeout)
                ? TimeSpan.Zero
                : TimeSpan.FromMilliseconds(int.Parse(timeout, NumberStyles.None, CultureInfo.InvariantCulture)),
            AllowShmInput = Environment.GetEnvironmentVariable(NoShmInputVariable) != "1",
            ArtifactsDirectory = Environment.GetEnvironmentVariable(ArtifactsVariable) is { Length: > 0 } dir
                ? dir
                : Environment.GetEnvironmentVariable(AflProtocol.OutDirVariable),
            Debug = Environment.GetEnvironmentVariable(DebugVariable) == "1",
            StatsFile = Environment.GetEnvironmentVariable(StatsVariable) is { Length: > 0 } stats ? stats : null,
            InputFile = inputFile,
        };
    }
}
