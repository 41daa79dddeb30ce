// The ioctl annotation file: facts the headers do not state, taken from the kernel's dispatch tables.
//
// Format (uapi-headers/ioctl-annotations.txt), one ioctl per line, '#' starts a comment:
//   <include name> <ioctl macro> <argument> <min-size field>
//     include name    the header the ioctl is defined in, as included: linux/iommufd.h, linux/vfio.h
//     argument        a struct tag (iommu_hwpt_alloc), or 'value' (an integer passed by value / pointer to a scalar),
//                     or 'none' (no argument)
//     min-size field  the last field counted in the kernel's minimum size (main.c IOCTL_OP "last" member, or the
//                     VFIO handler's minsz); the front end turns it into offsetofend from the computed layout, so no
//                     size is ever written here. '-' when the kernel checks no minimum beyond the struct.
// One file serves every header line: an annotation for an ioctl an older header lacks is reported as Info only.
using IommuFd.CHeaders.Diagnostics;
using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Annotations;

/// <summary>One annotation line.</summary>
/// <param name="IncludeName">Header the ioctl belongs to (<c>linux/iommufd.h</c>).</param>
/// <param name="Ioctl">Ioctl macro name.</param>
/// <param name="Argument">How the argument is passed.</param>
/// <param name="ArgumentStruct">Struct tag when <paramref name="Argument"/> is Struct.</param>
/// <param name="MinSizeField">Last field of the kernel's minimum size, or null.</param>
/// <param name="Location">Where the line is in the annotation file.</param>
public sealed record IoctlAnnotation(
    string IncludeName,
    string Ioctl,
    IoctlArgumentKind Argument,
    string? ArgumentStruct,
    string? MinSizeField,
    SourceLocation Location);

/// <summary>A parsed ioctl annotation file.</summary>
public sealed class IoctlAnnotations
{
    private IoctlAnnotations(string path, IReadOnlyList<IoctlAnnotation> entries, IReadOnlyList<HeaderDiagnostic> diagnostics)
    {
        Path = path;
        Entries = entries;
        Diagnostics = diagnostics;
    }

    /// <summary>Path of the annotation file (used in locations).</summary>
    public string Path { get; }

    /// <summary>Entries in file order.</summary>
    public IReadOnlyList<IoctlAnnotation> Entries { get; }

    /// <summary>Syntax problems in the file itself, located in the file.</summary>
    public IReadOnlyList<HeaderDiagnostic> Diagnostics { get; }

    /// <summary>An empty annotation set.</summary>
    public static IoctlAnnotations Empty { get; } = new(string.Empty, Array.Empty<IoctlAnnotation>(), Array.Empty<HeaderDiagnostic>());

    /// <summary>Reads and parses <paramref name="path"/>.</summary>
    /// <param name="path">The annotation file.</param>
    /// <returns>The parsed annotations.</returns>
    public static IoctlAnnotations Load(string path) => Parse(path, File.ReadAllText(path));

    /// <summary>Parses annotation text; never throws, malformed lines become diagnostics.</summary>
    /// <param name="path">Path used in locations.</param>
    /// <param name="text">File content.</param>
    /// <returns>The parsed annotations.</returns>
    public static IoctlAnnotations Parse(string path, string text)
    {
        var bag = new DiagnosticBag(path);
        var entries = new List<IoctlAnnotation>();
        var seen = new HashSet<(string, string)>();
        string[] lines = (text ?? string.Empty).Split('\n');
        int offset = 0;
        for (int n = 0; n < lines.Length; n++)
        {
            string raw = lines[n];
            int lineStart = offset;
            offset += raw.Length + 1;
            int hash = raw.IndexOf('#');
            string content = (hash >= 0 ? raw.Substring(0, hash) : raw).Trim();
            if (content.Length == 0)
            {
                continue;
            }

            int indent = raw.Length - raw.TrimStart().Length;
            SourceLocation loc = bag.Location(n + 1, indent + 1, lineStart + indent, content.Length);
            string[] cols = content.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length != 4)
            {
                bag.Report(DiagnosticCatalog.AnnotationSyntax, loc, $"expected 4 columns (header ioctl argument min-size-field), found {cols.Length}");
                continue;
            }

            if (!cols[0].EndsWith(".h", StringComparison.Ordinal) || !IsIdentifier(cols[1]) || !(IsIdentifier(cols[2])) || !(cols[3] == "-" || IsIdentifier(cols[3])))
            {
                bag.Report(DiagnosticCatalog.AnnotationSyntax, loc, $"'{content}' is not '<header.h> <IOCTL> <struct|value|none> <field|->'");
                continue;
            }

            IoctlArgumentKind kind = cols[2] switch { "value" => IoctlArgumentKind.Value, "none" => IoctlArgumentKind.None, _ => IoctlArgumentKind.Struct };
            string? field = cols[3] == "-" ? null : cols[3];
            if (kind != IoctlArgumentKind.Struct && field is not null)
            {
                bag.Report(DiagnosticCatalog.AnnotationSyntax, loc, $"'{cols[1]}' has no argument struct, so it cannot name a min-size field");
                continue;
            }

            if (!seen.Add((cols[0], cols[1])))
            {
                bag.Report(DiagnosticCatalog.AnnotationDuplicate, loc, cols[1], cols[0]);
                continue;
            }

            entries.Add(new IoctlAnnotation(cols[0], cols[1], kind, kind == IoctlArgumentKind.Struct ? cols[2] : null, field, loc));
        }

        return new IoctlAnnotations(path, entries, bag.Items.ToArray());
    }

    /// <summary>The entries for one header.</summary>
    /// <param name="includeName">Include name, e.g. <c>linux/vfio.h</c>.</param>
    /// <returns>Entries for that header in file order.</returns>
    public IEnumerable<IoctlAnnotation> For(string includeName) => Entries.Where(e => e.IncludeName == includeName);

    private static bool IsIdentifier(string s) =>
        s.Length > 0 && Lexing.Lexer.IsIdentifierStart(s[0]) && s.All(Lexing.Lexer.IsIdentifierPart);
}
