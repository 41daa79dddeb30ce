using IommuFd.CHeaders.Model;

namespace IommuFd.Cli;

/// <summary>The ABI of one header line: the parsed models of its iommufd.h and vfio.h.</summary>
/// <param name="Line">The line's name (<c>7.2</c>) or the include directory given by the user.</param>
/// <param name="Headers">The headers found, by include name (<c>linux/iommufd.h</c>).</param>
internal sealed record HeaderLineAbi(string Line, IReadOnlyList<HeaderModel> Headers);

/// <summary>
/// Renders the per-line summary (counts of structs, enums, constants, ioctls) and what changed between consecutive
/// lines (added/removed structs, enums and ioctls, structs whose size changed).
/// </summary>
internal static class AbiSummary
{
    /// <summary>Writes the summary of <paramref name="lines"/> (oldest first) to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, IReadOnlyList<HeaderLineAbi> lines)
    {
        output.WriteLine("Generated ABI per header line (x86-64 layout)");
        output.WriteLine();
        output.WriteLine($"{"line",-8} {"header",-18} {"structs",8} {"enums",6} {"consts",7} {"ioctls",7} {"diagnostics",12}");
        foreach (HeaderLineAbi line in lines)
        {
            foreach (HeaderModel header in line.Headers)
            {
                int errors = header.Diagnostics.Count(d => d.Severity == HeaderDiagnosticSeverity.Error);
                output.WriteLine(
                    $"{line.Line,-8} {header.IncludeName,-18} {header.Structs.Count,8} {header.Enums.Count,6} " +
                    $"{header.Constants.Count,7} {header.Ioctls.Count,7} {Diagnostics(header, errors),12}");
            }
        }

        for (int i = 1; i < lines.Count; i++)
        {
            output.WriteLine();
            output.WriteLine($"Changes {lines[i - 1].Line} -> {lines[i].Line}");
            WriteDelta(output, lines[i - 1], lines[i]);
        }

        HeaderLineAbi newest = lines[^1];
        output.WriteLine();
        output.WriteLine($"ioctls of {newest.Line}");
        foreach (HeaderModel header in newest.Headers)
        {
            foreach (IoctlModel ioctl in header.Ioctls)
            {
                string arg = ioctl.ArgumentKind switch
                {
                    IoctlArgumentKind.Struct => $"struct {ioctl.ArgumentStruct}",
                    IoctlArgumentKind.Value => "value",
                    _ => "none",
                };
                string min = ioctl.MinSize is int m ? $" min {m}" : string.Empty;
                output.WriteLine($"  0x{ioctl.Number:X4} {ioctl.Name,-40} {arg}{min}");
            }
        }
    }

    private static string Diagnostics(HeaderModel header, int errors) =>
        header.Diagnostics.Count == 0 ? "none" : $"{header.Diagnostics.Count} ({errors} errors)";

    private static void WriteDelta(TextWriter output, HeaderLineAbi older, HeaderLineAbi newer)
    {
        var oldStructs = older.Headers.SelectMany(h => h.Structs).GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.First());
        var newStructs = newer.Headers.SelectMany(h => h.Structs).GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.First());
        var oldEnums = older.Headers.SelectMany(h => h.Enums).Where(e => e.Name is not null).Select(e => e.Name!).ToHashSet();
        var newEnums = newer.Headers.SelectMany(h => h.Enums).Where(e => e.Name is not null).Select(e => e.Name!).ToHashSet();
        var oldIoctls = older.Headers.SelectMany(h => h.Ioctls).Select(i => i.Name).ToHashSet();
        var newIoctls = newer.Headers.SelectMany(h => h.Ioctls).Select(i => i.Name).ToHashSet();

        WriteSet(output, "structs added", newStructs.Keys.Except(oldStructs.Keys));
        WriteSet(output, "structs removed", oldStructs.Keys.Except(newStructs.Keys));
        WriteSet(
            output,
            "structs resized",
            newStructs.Values
                .Where(s => oldStructs.TryGetValue(s.Name, out StructModel? o) && o.Size != s.Size)
                .Select(s => $"{s.Name} {oldStructs[s.Name].Size}->{s.Size}"));
        WriteSet(output, "enums added", newEnums.Except(oldEnums));
        WriteSet(output, "enums removed", oldEnums.Except(newEnums));
        WriteSet(output, "ioctls added", newIoctls.Except(oldIoctls));
        WriteSet(output, "ioctls removed", oldIoctls.Except(newIoctls));
    }

    private static void WriteSet(TextWriter output, string title, IEnumerable<string> items)
    {
        string[] sorted = items.OrderBy(s => s, StringComparer.Ordinal).ToArray();
        output.WriteLine($"  {title} ({sorted.Length}){(sorted.Length == 0 ? string.Empty : ":")}");
        foreach (string item in sorted)
        {
            output.WriteLine($"    {item}");
        }
    }
}
