namespace IommuFd.Generator;

/// <summary>
/// Tracking names of the incremental pipeline's steps (LibraryImportGenerator's convention), so tests can assert
/// which steps ran, were cached or produced unchanged output after an edit.
/// </summary>
public static class StepNames
{
    /// <summary>AdditionalFiles flagged as headers, read into <c>HeaderInput</c> values.</summary>
    public const string HeaderInputs = nameof(HeaderInputs);

    /// <summary>Headers with distinct include names (the first of duplicates).</summary>
    public const string UniqueHeaders = nameof(UniqueHeaders);

    /// <summary>The ioctl annotation file's text (collected; empty when there is none).</summary>
    public const string Annotations = nameof(Annotations);

    /// <summary>Header text → <c>HeaderModel</c> (the IommuFd.CHeaders front end).</summary>
    public const string ParseHeader = nameof(ParseHeader);

    /// <summary>Model → emit units (location-free) plus located diagnostics.</summary>
    public const string PlanHeader = nameof(PlanHeader);

    /// <summary>The located diagnostics of one header, reported in their own output.</summary>
    public const string Diagnostics = nameof(Diagnostics);

    /// <summary>The location-free emit units of one header; unchanged when an edit only moved lines.</summary>
    public const string EmitUnits = nameof(EmitUnits);

    /// <summary>One emit unit per generated file.</summary>
    public const string EmitUnit = nameof(EmitUnit);

    /// <summary>Emit unit → C# source text.</summary>
    public const string EmitSource = nameof(EmitSource);
}
