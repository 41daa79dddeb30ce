using System.Text;
using System.Text.RegularExpressions;

namespace IommuFd.Generator.Emit;

/// <summary>Turns kernel-doc text into XML documentation comments.</summary>
/// <remarks>
/// kernel-doc is free text with light markup (<c>&amp;struct x</c>, <c>%CONST</c>, <c>@field</c>, <c>- item</c> lists).
/// It is kept as written and XML-escaped; paragraphs (blank-line separated) become <c>&lt;para&gt;</c>. Nothing is
/// turned into <c>cref</c>s: a reference to a type a header line does not define would break the build (CS1574),
/// and uapi docs name kernel-internal things too.
/// </remarks>
internal static class DocWriter
{
    /// <summary>
    /// True when a kernel-doc summary says something beyond the declaration itself. iommufd argument structs are
    /// summarised as <c>ioctl(IOMMU_X)</c> and VFIO ioctls as their <c>_IOWR(VFIO_TYPE, VFIO_BASE + n, …)</c>
    /// definition: both are replaced by better generated text.
    /// </summary>
    public static bool IsInformative(string? summary)
    {
        if (summary is null)
        {
            return false;
        }

        string s = summary.Trim();
        return s.Length > 0
            && !s.StartsWith("_IO", StringComparison.Ordinal)
            && !(s.StartsWith("ioctl(", StringComparison.Ordinal) && s.EndsWith(")", StringComparison.Ordinal));
    }

    /// <summary>Escapes <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> for XML doc text.</summary>
    public static string Escape(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            string? repl = text[i] switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                _ => null,
            };
            if (repl is null)
            {
                sb?.Append(text[i]);
                continue;
            }

            sb ??= new StringBuilder(text, 0, i, text.Length + 16);
            sb.Append(repl);
        }

        return sb?.ToString() ?? text;
    }

    /// <summary>
    /// kernel-doc references to members (<c>@data_len</c>) become <c>&lt;c&gt;data_len&lt;/c&gt;</c>. Not crefs: the
    /// same text lands on request constants, where member names do not resolve.
    /// </summary>
    private static string Markup(string escaped) => s_memberReference.Replace(escaped, "<c>$1</c>");

    private static readonly Regex s_memberReference = new(@"(?<![\w@&;])@([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant);

    /// <summary>Escapes one line of kernel-doc text and applies its light markup.</summary>
    public static string EscapeKernelDoc(string line) => Markup(Escape(line));

    /// <summary>Writes <c>/// &lt;summary&gt;</c> with <paramref name="text"/> (one line or several).</summary>
    public static void Summary(SourceWriter w, string text) => Element(w, "summary", text);

    /// <summary>Writes a <c>&lt;remarks&gt;</c> block from kernel-doc description text; nothing when it is empty.</summary>
    /// <param name="w">The writer.</param>
    /// <param name="text">kernel-doc description (plain text, escaped here).</param>
    /// <param name="extraLine">A last paragraph of plain text (escaped here), or null.</param>
    /// <param name="leadingXml">A first paragraph of trusted XML built by the emitter (e.g. with crefs), or null.</param>
    public static void Remarks(SourceWriter w, string? text, string? extraLine = null, string? leadingXml = null)
    {
        List<string> paragraphs = Paragraphs(text);
        if (leadingXml is not null)
        {
            paragraphs.Insert(0, leadingXml);
        }

        if (extraLine is not null)
        {
            paragraphs.Add(Escape(extraLine));
        }

        if (paragraphs.Count == 0)
        {
            return;
        }

        w.WriteLine("/// <remarks>");
        foreach (string p in paragraphs)
        {
            if (paragraphs.Count == 1)
            {
                WriteLines(w, p);
            }
            else
            {
                w.WriteLine("/// <para>");
                WriteLines(w, p);
                w.WriteLine("/// </para>");
            }
        }

        w.WriteLine("/// </remarks>");
    }

    /// <summary>Writes an element whose text is already plain (it is escaped here).</summary>
    public static void Element(SourceWriter w, string element, string text)
    {
        List<string> paragraphs = Paragraphs(text);
        if (paragraphs.Count <= 1)
        {
            string single = paragraphs.Count == 0 ? string.Empty : paragraphs[0];
            if (single.IndexOf('\n') < 0)
            {
                w.WriteLine("/// <" + element + ">" + single + "</" + element + ">");
                return;
            }
        }

        w.WriteLine("/// <" + element + ">");
        for (int i = 0; i < paragraphs.Count; i++)
        {
            if (i > 0)
            {
                w.WriteLine("/// <para/>");
            }

            WriteLines(w, paragraphs[i]);
        }

        w.WriteLine("/// </" + element + ">");
    }

    /// <summary>Writes an element whose content is trusted XML (built by the emitter, e.g. with <c>&lt;c&gt;</c>).</summary>
    public static void RawElement(SourceWriter w, string element, string xml) =>
        w.WriteLine("/// <" + element + ">" + xml + "</" + element + ">");

    /// <summary>Writes a <c>&lt;param&gt;</c>.</summary>
    public static void Param(SourceWriter w, string name, string xml) =>
        w.WriteLine("/// <param name=\"" + name + "\">" + xml + "</param>");

    /// <summary><c>&lt;c&gt;text&lt;/c&gt;</c>, escaped.</summary>
    public static string Code(string text) => "<c>" + Escape(text) + "</c>";

    // Splits on blank lines, trims each line's trailing space, drops leading/trailing empties, escapes.
    private static List<string> Paragraphs(string? text)
    {
        var result = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }

        var current = new StringBuilder();
        foreach (string raw in NormalizeLineBreaks(text!).Replace("\t", "    ").Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.Trim().Length == 0)
            {
                Flush(result, current);
                continue;
            }

            if (current.Length > 0)
            {
                current.Append('\n');
            }

            current.Append(Markup(Escape(line)));
        }

        Flush(result, current);
        return result;
    }

    /// <summary>
    /// Turns every character C# treats as a line terminator (CR LF, lone CR, NEL U+0085, LS U+2028, PS U+2029) into
    /// <c>\n</c>. C does not end lines at the last four, so header text can carry them; written into a <c>///</c>
    /// comment unchanged they would end the comment and leak text into code (fuzz finding G1).
    /// </summary>
    internal static string NormalizeLineBreaks(string text)
    {
        if (text.IndexOfAny(s_lineBreaks) < 0)
        {
            return text;
        }

        return text.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\u0085', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n');
    }

    private static readonly char[] s_lineBreaks = ['\r', '\u0085', '\u2028', '\u2029'];

    private static void Flush(List<string> result, StringBuilder current)
    {
        if (current.Length > 0)
        {
            result.Add(current.ToString());
            current.Clear();
        }
    }

    private static void WriteLines(SourceWriter w, string paragraph)
    {
        foreach (string line in paragraph.Split('\n'))
        {
            w.WriteLine("/// " + line);
        }
    }
}
