namespace IommuFd.CHeaders.Lexing;

/// <summary>
/// One token with its position. <see cref="FirstOnLine"/> is what the preprocessor uses to find directive lines:
/// a backslash-newline or a newline inside a block comment does not start a new line, exactly as in C translation
/// phases 2 and 3.
/// </summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Start, int Line, int Column, bool FirstOnLine)
{
    public int Length => Text.Length;

    public int End => Start + Text.Length;

    public bool Is(string punctuatorOrIdentifier) =>
        (Kind == TokenKind.Punctuator || Kind == TokenKind.Identifier) && Text == punctuatorOrIdentifier;

    public bool IsIdentifier => Kind == TokenKind.Identifier;

    /// <summary>
    /// The macros this token came out of (C's "hide set"): a macro's name in its own expansion is not expanded
    /// again, or <c>#define F }F</c> followed by <c>F</c> would expand forever (fuzz finding C2). Null for tokens
    /// read from the file.
    /// </summary>
    public MacroHideSet? Hidden { get; init; }

    public override string ToString() => Kind == TokenKind.EndOfFile ? "end of file" : Text;
}

/// <summary>
/// A comment kept as trivia (not a token) so the kernel-doc reader and the trailing-comment attachment can look it
/// up by position.
/// </summary>
/// <param name="Text">The whole comment including its delimiters.</param>
/// <param name="Start">0-based offset of the first character.</param>
/// <param name="Line">Line of the first character.</param>
/// <param name="Column">Column of the first character.</param>
/// <param name="EndLine">Line of the last character.</param>
/// <param name="IsBlock">True for <c>/* */</c>, false for <c>//</c>.</param>
internal sealed record CommentTrivia(string Text, int Start, int Line, int Column, int EndLine, bool IsBlock)
{
    public int End => Start + Text.Length;

    /// <summary>True for <c>/** … */</c> (kernel-doc style opener); <c>/**/</c> is an empty plain comment.</summary>
    public bool IsDocStyle => IsBlock && Text.StartsWith("/**", StringComparison.Ordinal) && !Text.StartsWith("/**/", StringComparison.Ordinal);

    /// <summary>The comment text without <c>/*</c>, <c>*/</c> or <c>//</c>.</summary>
    public string Body
    {
        get
        {
            if (!IsBlock)
            {
                return Text.Substring(2);
            }

            int end = Text.EndsWith("*/", StringComparison.Ordinal) && Text.Length >= 4 ? Text.Length - 2 : Text.Length;
            return Text.Substring(2, Math.Max(0, end - 2));
        }
    }
}

/// <summary>An immutable set of macro names, as a short linked list (expansion chains are a few macros deep).</summary>
internal sealed class MacroHideSet
{
    private MacroHideSet(string name, MacroHideSet? next)
    {
        Name = name;
        Next = next;
    }

    public string Name { get; }

    public MacroHideSet? Next { get; }

    /// <summary><paramref name="set"/> ∪ {<paramref name="name"/>}.</summary>
    public static MacroHideSet Add(MacroHideSet? set, string name) => Contains(set, name) ? set! : new MacroHideSet(name, set);

    /// <summary>True when <paramref name="name"/> is in <paramref name="set"/>.</summary>
    public static bool Contains(MacroHideSet? set, string name)
    {
        for (MacroHideSet? s = set; s is not null; s = s.Next)
        {
            if (s.Name == name)
            {
                return true;
            }
        }

        return false;
    }
}
