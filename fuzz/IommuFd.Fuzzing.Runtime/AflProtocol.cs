namespace IommuFd.Fuzzing.Runtime;

/// <summary>
/// Constants of the AFL/AFL++ fork-server protocol, written from its description (afl++ <c>include/types.h</c>):
/// fds, environment variables, the three handshakes and the wait-status words.
/// </summary>
public static class AflProtocol
{
    /// <summary>Control pipe, afl → target: one u32 per execution (1 when afl killed the previous child on timeout).</summary>
    public const int ControlFd = 198;

    /// <summary>Status pipe, target → afl: handshake words, then a pid and a wait status per execution.</summary>
    public const int StatusFd = 199;

    /// <summary>SysV id of the coverage map.</summary>
    public const string ShmIdVariable = "__AFL_SHM_ID";

    /// <summary>SysV id of the shared-memory test-case buffer: a u32 length followed by the bytes.</summary>
    public const string ShmFuzzIdVariable = "__AFL_SHM_FUZZ_ID";

    /// <summary>The afl output directory (exported by afl++ 5.x only).</summary>
    public const string OutDirVariable = "__AFL_OUT_DIR";

    /// <summary>afl's largest test case (<c>MAX_FILE</c>), 1 MiB.</summary>
    public const int MaxInputLength = 1 << 20;

    // ---- AFL++ v1 handshake (afl++ >= 4.20c, unchanged in 5.x) -------------------------------------------------

    /// <summary>v1 hello: "AFL" plus protocol version 1, as a little-endian u32. afl answers with its complement.</summary>
    public const uint V1Hello = 0x41464C00 | 1;

    /// <summary>v1 option: a u32 map size follows.</summary>
    public const uint V1OptionMapSize = 0x1;

    /// <summary>v1 option: the target reads test cases from shared memory.</summary>
    public const uint V1OptionShmFuzz = 0x2;

    /// <summary>v1 error word prefix; the low 16 bits carry the error code.</summary>
    public const uint V1Error = 0xEFFE0000;

    // ---- AFL++ option word (before 4.20c; 5.x still accepts it with a warning) ----------------------------------

    /// <summary>Marks the hello as an option word.</summary>
    public const uint OptionsEnabled = 0x80000001;

    /// <summary>Option word: the map size is encoded as <c>(size - 1) &lt;&lt; 1</c> in bits 1-23.</summary>
    public const uint OptionsMapSize = 0x40000000;

    /// <summary>Option word: shared-memory test cases; afl acknowledges with <c>OptionsEnabled | OptionsShmFuzz</c>.</summary>
    public const uint OptionsShmFuzz = 0x01000000;

    /// <summary>Option-word error prefix; the code goes in bits 8-23.</summary>
    public const uint OptionsError = 0xF800008F;

    /// <summary>Error code: attaching a shared-memory segment failed (<c>FS_ERROR_SHMAT</c>).</summary>
    public const uint ErrorShmat = 8;

    // ---- wait statuses -----------------------------------------------------------------------------------------

    /// <summary>Status for a clean run: "exited with code 0".</summary>
    public const uint StatusOk = 0;

    /// <summary>
    /// Status for a crash: "killed by SIGABRT". A real signal number, because afl++ does not count SIGINT/SIGTERM
    /// (which SharpFuzz's status 2 would mean) as crashes in some modes.
    /// </summary>
    public const uint StatusCrash = 6;

    /// <summary>Status for "killed by SIGKILL" (a hang the watchdog or afl ended).</summary>
    public const uint StatusKilled = 9;

    /// <summary>Encodes the map size for the option word.</summary>
    public static uint EncodeOptionsMapSize(int mapSize) => OptionsMapSize | (((uint)(mapSize - 1) << 1) & 0x00FFFFFE);
}

/// <summary>Which fork-server handshake the target speaks. afl does not announce its version.</summary>
public enum AflHandshake
{
    /// <summary>
    /// AFL++ v1 hello; if afl (&lt; 4.20c) does not answer with the complement, the word it sent is the first run
    /// request and the runtime continues with the classic protocol (no shared-memory test cases).
    /// </summary>
    Auto,

    /// <summary>The pre-4.20c option word (map size, shared-memory test cases). Needed for shm test cases on 4.04c; 5.x accepts it.</summary>
    Options,

    /// <summary>The classic 4-byte hello without options (any afl, including AFL 2.x).</summary>
    Classic,
}

/// <summary>How the fork server runs the target.</summary>
public enum AflMode
{
    /// <summary>The fuzzing process runs the target itself: fastest; a hang or hard crash ends the campaign (input kept).</summary>
    InProcess,

    /// <summary>A supervisor talks to afl and runs the target in a worker process that is restarted after hangs and hard crashes.</summary>
    Supervise,
}
