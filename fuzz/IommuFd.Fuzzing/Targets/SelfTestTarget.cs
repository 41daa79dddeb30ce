using IommuFd.Fuzzing.Samples;

namespace IommuFd.Fuzzing.Targets;

/// <summary>
/// Runtime self-test: the first input byte selects a managed crash ('C'), a hang ('H'), a hard crash ('F'), a
/// self-kill ('K') or plain branches (anything else). Driven by the fake-afl protocol tests; never in campaigns.
/// </summary>
public sealed class SelfTestTarget : IFuzzTarget
{
    public static string Name => "selftest";

    public static string Description => "runtime protocol self-test (crash/hang/hard-crash switches); not fuzzed";

    public static FuzzTargetKind Kind => FuzzTargetKind.SelfTest;

    public static IReadOnlyList<InstrumentationSpec> Instrument { get; } =
        [new("IommuFd.Fuzzing.Samples.dll", "IommuFd.Fuzzing.Samples.SelfTestBehaviours")];

    public static void Fuzz(ReadOnlySpan<byte> data) => SelfTestBehaviours.Run(data);
}
