// Declaration syntax produced by the parser and consumed by the layout engine. Internal and mutable on purpose:
// only the model (generator/IommuFd.CHeaders/Model) is public and value-equatable.
using IommuFd.CHeaders.Lexing;
using IommuFd.CHeaders.Preprocessing;

namespace IommuFd.CHeaders.Parsing;

/// <summary>A struct or union with a body (named or anonymous).</summary>
internal sealed class AggregateSyntax
{
    public string? Name { get; set; }

    public bool IsUnion { get; set; }

    /// <summary>The <c>struct</c>/<c>union</c> keyword.</summary>
    public Token Keyword { get; set; }

    /// <summary>The tag name, or the keyword for an anonymous aggregate.</summary>
    public Token NameToken { get; set; }

    public List<MemberSyntax> Members { get; } = new();

    /// <summary>Offset of '{' and just past '}', to find <c>#define</c>s written inside the body.</summary>
    public int BodyStart { get; set; }

    public int BodyEnd { get; set; }

    /// <summary><c>__attribute__((packed))</c> on the aggregate.</summary>
    public bool Packed { get; set; }

    /// <summary><c>__attribute__((aligned(n)))</c> on the aggregate, 0 if none.</summary>
    public int AlignAttribute { get; set; }

    /// <summary><c>aligned(expr)</c> whose argument is not a literal: evaluated during layout.</summary>
    public List<Token>? AlignExpression { get; set; }

    /// <summary>A member failed to parse: the layout would be wrong, so the aggregate is left out of the model.</summary>
    public bool HasErrors { get; set; }
}

/// <summary>The type part of a member declaration.</summary>
internal sealed class TypeSyntax
{
    public TypeSyntax(string text, Token token)
    {
        Text = text;
        Token = token;
    }

    /// <summary>Normalised spelling (<c>__u32</c>, <c>struct vfio_bitmap</c>, <c>unsigned int</c>).</summary>
    public string Text { get; }

    public Token Token { get; }

    public BuiltinType? Builtin { get; set; }

    /// <summary>For <c>struct x</c>/<c>union x</c>: the tag.</summary>
    public string? Tag { get; set; }

    /// <summary>
    /// For a member declared with an unnamed struct/union type (<c>struct { … } name;</c>): its body, laid out as
    /// the member's own nested type.
    /// </summary>
    public AggregateSyntax? Unnamed { get; set; }

    /// <summary>For <c>enum x</c> members: treated as int.</summary>
    public bool IsEnum { get; set; }

    /// <summary>Pointer levels contributed by a pointer typedef (<c>typedef __u64 *ptr_t</c>).</summary>
    public int TypedefPointerDepth { get; set; }

    /// <summary>The dimension contributed by an array typedef (<c>typedef __u8 guid_t[16]</c>), if any.</summary>
    public List<Token>? ImpliedDimension { get; set; }
}

/// <summary>One <c>typedef</c> name.</summary>
internal sealed class TypedefSyntax
{
    public TypedefSyntax(Token name, TypeSyntax target, int pointerDepth, List<Token>? dimension, string? unsupported)
    {
        Name = name;
        Target = target;
        PointerDepth = pointerDepth;
        Dimension = dimension;
        Unsupported = unsupported;
    }

    public Token Name { get; }

    /// <summary>The type the name stands for (before pointers and the array dimension).</summary>
    public TypeSyntax Target { get; }

    public int PointerDepth { get; }

    public List<Token>? Dimension { get; }

    /// <summary>Why uses of this typedef cannot be modelled, or null.</summary>
    public string? Unsupported { get; }
}

/// <summary>One member: a named field or an anonymous struct/union whose members belong to the parent.</summary>
internal sealed class MemberSyntax
{
    public AggregateSyntax? Anonymous { get; set; }

    public TypeSyntax? Type { get; set; }

    public string Name { get; set; } = string.Empty;

    public Token NameToken { get; set; }

    public int PointerDepth { get; set; }

    /// <summary>
    /// Array dimensions, each a copy of the tokens between the brackets (empty for <c>[]</c>). Copies, not index
    /// ranges: macro expansion splices tokens into the parser's list after earlier members were read.
    /// </summary>
    public List<List<Token>> Dimensions { get; } = new();

    public string? CountedBy { get; set; }

    public int AlignAttribute { get; set; }

    /// <summary><c>aligned(expr)</c> whose argument is not a literal: evaluated during layout.</summary>
    public List<Token>? AlignExpression { get; set; }

    /// <summary>The ';' ending the declaration, for trailing-comment lookup.</summary>
    public Token End { get; set; }
}

/// <summary>An enum with a body.</summary>
internal sealed class EnumSyntax
{
    public string? Name { get; set; }

    public Token Keyword { get; set; }

    public Token NameToken { get; set; }

    public List<EnumeratorSyntax> Enumerators { get; } = new();
}

/// <summary>One enumerator and its initializer tokens (null when implicit).</summary>
internal sealed class EnumeratorSyntax
{
    public Token Name { get; set; }

    public List<Token>? Initializer { get; set; }

    /// <summary>The ',' or '}' after the enumerator, for trailing-comment lookup.</summary>
    public Token End { get; set; }
}

/// <summary>Everything the parser found, in declaration order.</summary>
internal sealed class ParseResult
{
    /// <summary>Named aggregates with bodies, including ones defined inside other aggregates (C gives them file scope).</summary>
    public List<AggregateSyntax> Aggregates { get; } = new();

    public List<EnumSyntax> Enums { get; } = new();

    /// <summary>Typedef names in declaration order (a redefinition replaces the earlier one).</summary>
    public Dictionary<string, TypedefSyntax> Typedefs { get; } = new(StringComparer.Ordinal);

    /// <summary>Macros expanded inside declarations (types, attributes): they are not constants.</summary>
    public HashSet<string> ExpandedMacros { get; } = new(StringComparer.Ordinal);
}
