using IommuFd.CHeaders.Lexing;

namespace IommuFd.CHeaders.KernelDoc;

/// <summary>What a kernel-doc block documents, from its first line.</summary>
internal enum KernelDocKind
{
    /// <summary><c>struct name - summary</c> or <c>union name - summary</c>.</summary>
    Aggregate,

    /// <summary><c>enum name - summary</c>.</summary>
    Enum,

    /// <summary><c>DOC: title</c>.</summary>
    DocSection,

    /// <summary><c>NAME - summary</c>: a macro, ioctl or function (VFIO writes <c>VFIO_X - _IOR(…, struct y)</c>).</summary>
    Identifier,
}

/// <summary>One parsed kernel-doc comment.</summary>
internal sealed class KernelDocBlock
{
    public KernelDocBlock(CommentTrivia comment, KernelDocKind kind, string name, string summary, string description, List<(string Name, string Text)> parameters)
    {
        Comment = comment;
        Kind = kind;
        Name = name;
        Summary = summary;
        Description = description;
        Parameters = parameters;
    }

    public CommentTrivia Comment { get; }

    public KernelDocKind Kind { get; }

    /// <summary>Tag, identifier or DOC title.</summary>
    public string Name { get; }

    /// <summary>The text after <c> - </c> on the first line(s), single-spaced.</summary>
    public string Summary { get; }

    /// <summary>Free text after the <c>@name:</c> lines, paragraphs separated by blank lines.</summary>
    public string Description { get; }

    /// <summary><c>@name:</c> entries in order, continuation lines joined with single spaces.</summary>
    public List<(string Name, string Text)> Parameters { get; }

    /// <summary>For <c>struct x - ioctl(NAME)</c>: NAME.</summary>
    public string? IoctlName { get; init; }

    /// <summary>For <c>NAME - _IOx(type, nr[, arg])</c>: the macro used (<c>_IOR</c>).</summary>
    public string? SignatureMacro { get; init; }

    /// <summary>For <c>NAME - _IOx(type, nr, arg)</c>: the third argument as written (<c>struct vfio_device_info</c>, <c>__u32</c>).</summary>
    public string? SignatureArgument { get; init; }

    public string? Parameter(string name)
    {
        foreach ((string n, string t) in Parameters)
        {
            if (n == name)
            {
                return t;
            }
        }

        return null;
    }
}
