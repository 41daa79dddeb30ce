using IommuFd.CHeaders.Model;
using IommuFd.Generator.Diagnostics;

namespace IommuFd.Generator.Pipeline;

/// <summary>What the parse step produced for one header: a model, or the internal error that prevented one.</summary>
/// <param name="Path">The header path.</param>
/// <param name="Model">The model, or null when the front end threw.</param>
/// <param name="Failure">IOMMUFD0000 with the exception chain, when <see cref="Model"/> is null.</param>
internal sealed record ParseOutcome(string Path, HeaderModel? Model, DiagnosticInfo? Failure)
{
    /// <summary>False when the header is read only as a dependency: nothing is emitted, only its errors are reported.</summary>
    public bool Emit { get; init; } = true;

    /// <summary>The class the header's ioctl stubs go into.</summary>
    public string StubClass { get; init; } = IommuFd.Generator.Emit.CSharpNames.StubClass;

    /// <summary>Problems with the header's dependencies (IOMMUFD3007), reported with its plan.</summary>
    public EquatableArray<DiagnosticInfo> DependencyDiagnostics { get; init; } = EquatableArray<DiagnosticInfo>.Empty;
}
