// kernel-doc reader (Documentation/doc-guide/kernel-doc.rst, the parts uapi headers use).
//
// A block is "/**", a first line naming what it documents, optional continuation of that line, "@name: text"
// member lines (continuation lines are joined; a blank line followed by an indented line continues the member, as in
// iommufd_hw_capabilities), then free description text. Heads understood:
//   struct|union|enum NAME [- summary]      DOC: title      NAME - summary     (VFIO: NAME - _IOR(type, nr, arg))
// vfio.h also has "/**" blocks that are not kernel-doc ("/** Upon VFIO_DEVICE_FEATURE_SET, …"): their first line
// matches no head, so they are ignored rather than attached to a neighbour. Plain "/*" blocks are read too, but only
// when their head names a struct/union/enum or an ioctl signature: iommufd.h documents
// iommufd_hwpt_set_dirty_tracking_flags and vfio.h documents VFIO_DEVICE_BIND_IOMMUFD that way.
using System.Text;
using System.Text.RegularExpressions;
using IommuFd.CHeaders.Lexing;

namespace IommuFd.CHeaders.KernelDoc;

/// <summary>Parses comments into kernel-doc blocks.</summary>
internal static class KernelDocReader
{
    private static readonly Regex s_docHead = new(@"^DOC:\s*(?<title>.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex s_tagHead = new(@"^(?<kind>struct|union|enum)\s+(?<name>[A-Za-z_]\w*)\s*(?:-+\s*(?<summary>.*))?$", RegexOptions.CultureInvariant);
    private static readonly Regex s_identHead = new(@"^(?<name>[A-Za-z_]\w*)\s*(?:\(\))?\s+-+\s*(?<summary>.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex s_param = new(@"^@(?<name>[A-Za-z_]\w*|\.\.\.)\s*:\s*(?<text>.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex s_ioctl = new(@"ioctl\((?<name>[A-Za-z_]\w*)\)", RegexOptions.CultureInvariant);
    private static readonly Regex s_signature = new(@"^(?<macro>_IO|_IOR|_IOW|_IOWR)\s*\((?<args>.*)\)\s*$", RegexOptions.CultureInvariant);

    public static List<KernelDocBlock> ReadAll(IEnumerable<CommentTrivia> comments)
    {
        var blocks = new List<KernelDocBlock>();
        foreach (CommentTrivia c in comments)
        {
            if (c.IsBlock && TryRead(c) is { } b)
            {
                blocks.Add(b);
            }
        }

        return blocks;
    }

    /// <summary>The comment's lines without the leading " * ", trailing blanks removed.</summary>
    public static List<string> Lines(CommentTrivia comment)
    {
        string body = comment.Body;
        if (comment.IsDocStyle && body.StartsWith("*", StringComparison.Ordinal))
        {
            body = body.Substring(1);
        }

        var lines = new List<string>();
        foreach (string raw in body.Split('\n'))
        {
            string line = raw.TrimEnd();
            string t = line.TrimStart();
            if (t.StartsWith("*", StringComparison.Ordinal))
            {
                line = t.Substring(1);
                if (line.StartsWith(" ", StringComparison.Ordinal))
                {
                    line = line.Substring(1);
                }
            }
            else
            {
                line = t;
            }

            lines.Add(line.Replace('\t', ' ').TrimEnd());
        }

        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        while (lines.Count > 0 && lines[lines.Count - 1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    /// <summary>Whitespace runs collapsed to single spaces.</summary>
    public static string Collapse(string text) => Regex.Replace(text, @"\s+", " ").Trim();

    /// <summary>Plain comment text (trailing member comments, comments before a #define).</summary>
    public static string PlainText(CommentTrivia comment) => Collapse(string.Join(" ", Lines(comment)));

    public static KernelDocBlock? TryRead(CommentTrivia comment)
    {
        List<string> lines = Lines(comment);
        if (lines.Count == 0)
        {
            return null;
        }

        string head = lines[0].Trim();
        KernelDocKind kind;
        string name, summary;
        Match m;
        if ((m = s_docHead.Match(head)).Success)
        {
            kind = KernelDocKind.DocSection;
            name = m.Groups["title"].Value.Trim();
            summary = string.Empty;
        }
        else if ((m = s_tagHead.Match(head)).Success)
        {
            kind = m.Groups["kind"].Value == "enum" ? KernelDocKind.Enum : KernelDocKind.Aggregate;
            name = m.Groups["name"].Value;
            summary = m.Groups["summary"].Value;
        }
        else if ((m = s_identHead.Match(head)).Success)
        {
            kind = KernelDocKind.Identifier;
            name = m.Groups["name"].Value;
            summary = m.Groups["summary"].Value;
        }
        else
        {
            return null;
        }

        // A plain "/*" block is only trusted when it clearly has kernel-doc shape.
        if (!comment.IsDocStyle && kind is KernelDocKind.DocSection)
        {
            return null;
        }

        int i = 1;
        if (kind != KernelDocKind.DocSection)
        {
            // The head may continue on following lines until a blank line or the first @member.
            while (i < lines.Count && lines[i].Trim().Length > 0 && !lines[i].TrimStart().StartsWith("@", StringComparison.Ordinal))
            {
                // A VFIO signature "_IOWR(type, nr,\n struct x)" ends with its closing parenthesis; the next line
                // is description even without a blank line in between (VFIO_IOMMU_DIRTY_PAGES).
                if (summary.TrimStart().StartsWith("_IO", StringComparison.Ordinal) && summary.Count(c => c == '(') == summary.Count(c => c == ')'))
                {
                    break;
                }

                summary += " " + lines[i].Trim();
                i++;
            }
        }

        summary = Collapse(summary);
        var parameters = new List<(string, string)>();
        var description = new StringBuilder();
        string? current = null;
        var currentText = new StringBuilder();

        void Flush()
        {
            if (current is not null)
            {
                parameters.Add((current, Collapse(currentText.ToString())));
                current = null;
                currentText.Clear();
            }
        }

        for (; i < lines.Count; i++)
        {
            string line = lines[i];
            string t = line.Trim();
            Match p = kind == KernelDocKind.DocSection ? Match.Empty : s_param.Match(t);
            if (p.Success && description.Length == 0)
            {
                Flush();
                current = p.Groups["name"].Value;
                currentText.Append(p.Groups["text"].Value);
                continue;
            }

            if (current is not null)
            {
                if (t.Length > 0)
                {
                    currentText.Append(' ').Append(t);
                    continue;
                }

                // Blank line: the member text continues if the next non-blank line is indented or another @member.
                int j = i + 1;
                while (j < lines.Count && lines[j].Trim().Length == 0)
                {
                    j++;
                }

                if (j < lines.Count && (lines[j].StartsWith(" ", StringComparison.Ordinal) || lines[j].TrimStart().StartsWith("@", StringComparison.Ordinal)))
                {
                    continue;
                }

                Flush();
                continue;
            }

            description.Append(line).Append('\n');
        }

        Flush();
        if (kind == KernelDocKind.Identifier && !comment.IsDocStyle && !s_signature.IsMatch(summary))
        {
            return null;
        }

        string desc = Regex.Replace(description.ToString().Trim('\n', ' '), @"\n{3,}", "\n\n");
        string? ioctl = null, macro = null, argument = null;
        if (kind == KernelDocKind.Aggregate && s_ioctl.Match(summary) is { Success: true } im)
        {
            ioctl = im.Groups["name"].Value;
        }

        if (kind == KernelDocKind.Identifier && s_signature.Match(summary) is { Success: true } sm)
        {
            macro = sm.Groups["macro"].Value;
            string[] args = sm.Groups["args"].Value.Split(',');
            if (args.Length >= 3)
            {
                argument = Collapse(string.Join(",", args.Skip(2)));
            }
        }

        return new KernelDocBlock(comment, kind, name, summary, kind == KernelDocKind.DocSection ? string.Join("\n", lines.Skip(1)).Trim('\n') : desc, parameters)
        {
            IoctlName = ioctl,
            SignatureMacro = macro,
            SignatureArgument = argument,
        };
    }
}
