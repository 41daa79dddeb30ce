using IommuFd.Fuzzing.Runtime;
using IommuFd.Fuzzing.Targets;

namespace IommuFd.Fuzzing;

/// <summary>A registered target, with its static members captured.</summary>
public sealed record FuzzTargetInfo(
    string Name,
    string Description,
    FuzzTargetKind Kind,
    IReadOnlyList<InstrumentationSpec> Instrument,
    FuzzAction Fuzz)
{
    /// <summary>Captures the static members of <typeparamref name="T"/>.</summary>
    public static FuzzTargetInfo Create<T>()
        where T : IFuzzTarget
        => new(T.Name, T.Description, T.Kind, T.Instrument, T.Fuzz);
}

/// <summary>The registry of fuzz targets: add one line per new target.</summary>
public static class FuzzTargets
{
    /// <summary>Every target, in campaign order.</summary>
    public static IReadOnlyList<FuzzTargetInfo> All { get; } =
    [
        FuzzTargetInfo.Create<PlantedBugTarget>(),
        FuzzTargetInfo.Create<HeaderParserTarget>(),
        FuzzTargetInfo.Create<UnsafeCoreTarget>(),
        FuzzTargetInfo.Create<GeneratorTarget>(),
        FuzzTargetInfo.Create<SelfTestTarget>(),

        // Slot: the in-process iommufd's ioctl dispatcher (src/IommuFd.Simulator) becomes a target here when it
        // exists - see Targets/IoctlDispatcherTarget.md for the planned input format and invariants.
    ];

    /// <summary>Finds a target by name (ordinal, case-insensitive).</summary>
    public static FuzzTargetInfo? Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}
