using System.Collections.Concurrent;
using System.Reflection;
using DiagnosticCatalog = IommuFd.CHeaders.Diagnostics.DiagnosticCatalog;
using IommuFd.CHeaders.Model;
using Microsoft.CodeAnalysis;

namespace IommuFd.Generator.Diagnostics;

/// <summary>
/// The one diagnostic catalogue of the header → C# pipeline. Prefix <c>IOMMUFD</c>, ranges reserved per area:
/// <list type="bullet">
/// <item><c>IOMMUFD0000</c>: internal error (any exception, with its inner-exception chain; never a crashed build).</item>
/// <item><c>IOMMUFD1xxx</c>: C front end (lexer, preprocessor, parser) — owned by IommuFd.CHeaders.</item>
/// <item><c>IOMMUFD2xxx</c>: layout engine — owned by IommuFd.CHeaders.</item>
/// <item><c>IOMMUFD3xxx</c>: C# emitter — defined here.</item>
/// <item><c>IOMMUFD9xxx</c>: options and the ioctl annotation file — owned by IommuFd.CHeaders.</item>
/// </list>
/// </summary>
/// <remarks>
/// Front-end diagnostics arrive as values (<see cref="HeaderDiagnostic"/>) with an id and a formatted message; their
/// descriptors are made here on first use (the message format is <c>{0}</c>), so the catalogue needs no change when
/// the parser adds an id. Messages say what was skipped and what to do.
/// </remarks>
internal static class DiagnosticDescriptors
{
    /// <summary>Diagnostic category of every IOMMUFD diagnostic.</summary>
    public const string Category = "IommuFd.Generator";

    /// <summary>IOMMUFD0000: the generator failed internally. Format: <c>IommuFd.Generator failed on {header}: {exception chain}</c>.</summary>
    public const string InternalError = "IOMMUFD0000";

    /// <summary>IOMMUFD3001: an ioctl's argument struct is not defined in the header. Only a <c>void*</c> stub is emitted.</summary>
    public const string UnknownArgumentStruct = "IOMMUFD3001";

    /// <summary>IOMMUFD3002: a name is defined twice in the header's constants class; the later one is skipped.</summary>
    public const string DuplicateName = "IOMMUFD3002";

    /// <summary>IOMMUFD3003: a member has the same name as its struct (illegal in C#); it is emitted with a <c>_</c> suffix.</summary>
    public const string MemberNamedLikeType = "IOMMUFD3003";

    /// <summary>IOMMUFD3004: a member's struct type is not defined in the header; it is emitted as raw bytes.</summary>
    public const string UnknownFieldStruct = "IOMMUFD3004";

    /// <summary>IOMMUFD3005: a type cannot be emitted at all (e.g. an integer width C# has no type for); it is skipped.</summary>
    public const string UnsupportedType = "IOMMUFD3005";

    /// <summary>IOMMUFD3006: two headers have the same include name (the same header added twice); the first is used.</summary>
    public const string DuplicateFile = "IOMMUFD3006";

    /// <summary>
    /// IOMMUFD3007: a header's <c>IommuFdDependsOn</c> names an include name that is not an input without dependencies
    /// of its own; the header is parsed without it (its uses of that header's names are then reported by the front end).
    /// </summary>
    public const string MissingDependency = "IOMMUFD3007";

    private static readonly ConcurrentDictionary<(string, HeaderDiagnosticSeverity), DiagnosticDescriptor> s_cache = new();

    // Titles of the front end's ids come from its own catalogue (IommuFd.CHeaders DiagnosticCatalog), so there is
    // one list of ids and titles; read once by reflection over its public static descriptor fields.
    private static readonly Lazy<Dictionary<string, string>> s_frontEndTitles = new(() =>
        typeof(DiagnosticCatalog)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetValue(null))
            .OfType<CHeaders.Diagnostics.DiagnosticDescriptor>()
            .GroupBy(d => d.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Title, StringComparer.Ordinal));

    /// <summary>The descriptor for <paramref name="id"/> at <paramref name="severity"/>.</summary>
    public static DiagnosticDescriptor Get(string id, HeaderDiagnosticSeverity severity) =>
        s_cache.GetOrAdd((id, severity), static key => Create(key.Item1, key.Item2));

    private static DiagnosticDescriptor Create(string id, HeaderDiagnosticSeverity severity) =>
        new(
            id,
            Title(id),
            "{0}",
            Category,
            severity switch
            {
                HeaderDiagnosticSeverity.Error => DiagnosticSeverity.Error,
                HeaderDiagnosticSeverity.Warning => DiagnosticSeverity.Warning,
                _ => DiagnosticSeverity.Info,
            },
            isEnabledByDefault: true);

    private static string Title(string id)
    {
        if (id == InternalError)
        {
            return "IommuFd.Generator internal error";
        }

        if (id.StartsWith("IOMMUFD3", StringComparison.Ordinal))
        {
            return "C# code could not be emitted as the header describes";
        }

        if (s_frontEndTitles.Value.TryGetValue(id, out string? title))
        {
            return title;
        }

        char area = id.Length == "IOMMUFD0000".Length ? id[7] : '?';
        return area switch
        {
            '1' => "C header could not be parsed",
            '2' => "C layout could not be computed",
            '3' => "C# code could not be emitted as the header describes",
            '9' => "Generator option or ioctl annotation problem",
            _ => "IommuFd header problem",
        };
    }
}
