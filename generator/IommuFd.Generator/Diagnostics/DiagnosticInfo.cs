using IommuFd.CHeaders.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace IommuFd.Generator.Diagnostics;

/// <summary>
/// A diagnostic as plain values, so it can travel through the incremental pipeline and compare by content
/// (a Roslyn <see cref="Diagnostic"/>/<see cref="Location"/> would pin syntax trees and never compare equal; roslyn#68291).
/// The Roslyn diagnostic is built only at report time, located at header file:line.
/// </summary>
/// <param name="Id">Catalogue id (<c>IOMMUFDnnnn</c>).</param>
/// <param name="Severity">Severity.</param>
/// <param name="Message">The formatted message.</param>
/// <param name="Path">The header path (the AdditionalFile's path).</param>
/// <param name="Start">0-based character offset of the span.</param>
/// <param name="Length">Span length in characters.</param>
/// <param name="Line">0-based line.</param>
/// <param name="Column">0-based column.</param>
internal sealed record DiagnosticInfo(
    string Id,
    HeaderDiagnosticSeverity Severity,
    string Message,
    string Path,
    int Start,
    int Length,
    int Line,
    int Column)
{
    /// <summary>A diagnostic at a model location (1-based line/column there).</summary>
    public static DiagnosticInfo At(string id, HeaderDiagnosticSeverity severity, string message, SourceLocation? location, string fallbackPath) =>
        location is null || location.Line <= 0
            ? new DiagnosticInfo(id, severity, message, location?.Path is { Length: > 0 } p ? p : fallbackPath, 0, 0, 0, 0)
            : new DiagnosticInfo(
                id,
                severity,
                message,
                location.Path.Length > 0 ? location.Path : fallbackPath,
                Math.Max(0, location.Start),
                Math.Max(0, location.Length),
                location.Line - 1,
                Math.Max(0, location.Column - 1));

    /// <summary>Builds the Roslyn diagnostic, located in the header with <see cref="Location.Create(string, TextSpan, LinePositionSpan)"/>.</summary>
    public Diagnostic ToDiagnostic()
    {
        var start = new LinePosition(Line, Column);
        var end = new LinePosition(Line, Column + Length);
        Location location = Location.Create(Path, new TextSpan(Start, Length), new LinePositionSpan(start, end));
        return Diagnostic.Create(DiagnosticDescriptors.Get(Id, Severity), location, Message);
    }
}
