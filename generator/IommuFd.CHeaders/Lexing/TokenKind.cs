namespace IommuFd.CHeaders.Lexing;

/// <summary>The lexical classes the front end distinguishes (a C lexer reduced to what uapi headers contain).</summary>
internal enum TokenKind
{
    /// <summary>Identifier or keyword (<c>struct</c>, <c>__u32</c>, <c>_IO</c>).</summary>
    Identifier,

    /// <summary>A pp-number: <c>0x80</c>, <c>1U</c>, <c>100</c>.</summary>
    Number,

    /// <summary>A character literal: <c>';'</c>.</summary>
    CharLiteral,

    /// <summary>A string literal: <c>"vfio-pci"</c>.</summary>
    StringLiteral,

    /// <summary>An operator or punctuator, possibly multi-character (<c>&lt;&lt;</c>).</summary>
    Punctuator,

    /// <summary>A character that cannot start a token (reported once, then kept so positions stay intact).</summary>
    Unknown,

    /// <summary>End of input.</summary>
    EndOfFile,
}
