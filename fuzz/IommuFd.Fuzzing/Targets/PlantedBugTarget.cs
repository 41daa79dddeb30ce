using IommuFd.Fuzzing.Samples;

namespace IommuFd.Fuzzing.Targets;

/// <summary>
/// Test-only target with one planted bug (<see cref="PlantedBugDecoder"/>): the campaign must find it within its
/// time budget, which proves instrumentation, runtime, afl and the script work together with coverage feedback.
/// Its reproducer in Regressions/planted/ must keep crashing; everything in Corpora/planted/ must not.
/// </summary>
public sealed class PlantedBugTarget : IFuzzTarget
{
    public static string Name => "planted";

    public static string Description => "toy ioctl decoder with a planted unchecked index (test only; the campaign must find it)";

    public static FuzzTargetKind Kind => FuzzTargetKind.PlantedBug;

    public static IReadOnlyList<InstrumentationSpec> Instrument { get; } =
        [new("IommuFd.Fuzzing.Samples.dll", "IommuFd.Fuzzing.Samples.PlantedBugDecoder")];

    public static void Fuzz(ReadOnlySpan<byte> data) => PlantedBugDecoder.Dispatch(data);
}
