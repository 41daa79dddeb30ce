namespace IommuFd.Fuzzing;

/// <summary>
/// A fuzz target in SharpFuzz's shape: <c>static void Fuzz(ReadOnlySpan&lt;byte&gt; data)</c>, which converts to both
/// this project's <c>FuzzAction</c> and SharpFuzz's <c>ReadOnlySpanAction</c>. One target per file under Targets/.
/// The seed corpus is <c>Corpora/&lt;Name&gt;/</c>, past crashes <c>Regressions/&lt;Name&gt;/</c>, the dictionary
/// <c>Dictionaries/&lt;Name&gt;.dict</c> (optional).
/// </summary>
/// <remarks>
/// Rules for <see cref="Fuzz"/>: deterministic; single-threaded; reset any state it touches at the start of every call
/// (persistent mode runs millions of inputs in one process, and leaked state reads as instability); an escaping
/// exception means "bug found", so validate inputs by returning, never by throwing.
/// </remarks>
public interface IFuzzTarget
{
    /// <summary>Command-line name, also the corpus and dictionary name.</summary>
    static abstract string Name { get; }

    /// <summary>One line: what the target drives and what counts as a bug.</summary>
    static abstract string Description { get; }

    /// <summary>How the campaign treats the target.</summary>
    static abstract FuzzTargetKind Kind { get; }

    /// <summary>Assemblies to instrument, each with the type-name prefixes to cover.</summary>
    static abstract IReadOnlyList<InstrumentationSpec> Instrument { get; }

    /// <summary>Runs one input; an exception is a finding.</summary>
    static abstract void Fuzz(ReadOnlySpan<byte> data);
}

/// <summary>How the campaign treats a target.</summary>
public enum FuzzTargetKind
{
    /// <summary>Fuzzed in campaigns; any crash or hang fails the run.</summary>
    Campaign,

    /// <summary>Test-only target with a planted bug: fuzzed in campaigns, which fail if the bug is <b>not</b> found.</summary>
    PlantedBug,

    /// <summary>Protocol self-test only: never fuzzed in campaigns.</summary>
    SelfTest,
}

/// <summary>An assembly (file name in the harness output) and the type-name prefixes to instrument in it.</summary>
public sealed record InstrumentationSpec(string AssemblyFile, params string[] Prefixes)
{
    /// <summary>The campaign script's notation: <c>File.dll:Prefix1,Prefix2</c>.</summary>
    public override string ToString() => $"{AssemblyFile}:{string.Join(",", Prefixes)}";
}
