namespace IommuFd.CHeaders.Model;

/// <summary>Severity of a header diagnostic; maps 1:1 onto Roslyn's DiagnosticSeverity in the generator.</summary>
public enum HeaderDiagnosticSeverity
{
    /// <summary>Informational.</summary>
    Info,

    /// <summary>Something was skipped; the rest of the header still generates.</summary>
    Warning,

    /// <summary>The header cannot be generated correctly.</summary>
    Error,
}

/// <summary>
/// A diagnostic about header content, as values. The generator turns it into a Roslyn Diagnostic located at
/// <see cref="Location"/> in the AdditionalFile. Ids come from <c>DiagnosticCatalog</c> (prefix IOMMUFD).
/// </summary>
/// <param name="Id">Catalogue id, e.g. <c>IOMMUFD1001</c>.</param>
/// <param name="Severity">Severity.</param>
/// <param name="Message">The formatted, actionable message.</param>
/// <param name="Location">Header file:line:column.</param>
public sealed record HeaderDiagnostic(
    string Id,
    HeaderDiagnosticSeverity Severity,
    string Message,
    SourceLocation Location);
