using IommuFd.CHeaders.Model;
using IommuFd.Generator.Diagnostics;

namespace IommuFd.Generator.Model;

/// <summary>The result of planning one header: the files to emit and the diagnostics to report.</summary>
/// <param name="Units">Files to emit, location-free (see <see cref="EmitUnit"/>).</param>
/// <param name="Diagnostics">Front-end and emitter diagnostics, located in the header.</param>
internal sealed record EmitPlan(EquatableArray<EmitUnit> Units, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>A plan with nothing to emit and the given diagnostics.</summary>
    public static EmitPlan Failed(params DiagnosticInfo[] diagnostics) => new(EquatableArray<EmitUnit>.Empty, new(diagnostics));
}
