using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Diagnostics;

/// <summary>
/// Collects located diagnostics for one header. Every stage reports through it, so a location is always built the
/// same way: 1-based line and column from the token or comment, plus its character span for Roslyn.
/// </summary>
internal sealed class DiagnosticBag
{
    private readonly List<HeaderDiagnostic> _items = new();
    private readonly HashSet<HeaderDiagnostic> _seen = new();

    public DiagnosticBag(string path) => Path = path;

    /// <summary>The header path used in every location.</summary>
    public string Path { get; }

    public IReadOnlyList<HeaderDiagnostic> Items => _items;

    public bool HasErrors => _items.Any(d => d.Severity == HeaderDiagnosticSeverity.Error);

    public SourceLocation Location(int line, int column, int start, int length) =>
        new(Path, Math.Max(1, line), Math.Max(1, column), Math.Max(0, start), Math.Max(0, length));

    public void Report(DiagnosticDescriptor descriptor, SourceLocation location, params object?[] args)
    {
        HeaderDiagnostic d = descriptor.Create(location, args);

        // The same fact can be found twice (e.g. an unknown macro referenced by two ioctls): report it once.
        if (_seen.Add(d))
        {
            _items.Add(d);
        }
    }

    public void Add(HeaderDiagnostic diagnostic)
    {
        if (_seen.Add(diagnostic))
        {
            _items.Add(diagnostic);
        }
    }
}
