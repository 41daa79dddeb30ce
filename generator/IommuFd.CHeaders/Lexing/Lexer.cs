// C lexer for uapi headers.
//
// It produces tokens and, separately, comments as trivia. Line splicing (backslash-newline) is treated as
// whitespace that does not end the logical line, so a #define continued onto the next line is one directive
// (IOMMU_IOAS_CHANGE_PROCESS puts its _IO( on the continuation line). A newline inside a block comment does not end
// the logical line either, matching C where comments become one space before directives are recognised.
//
// The lexer never throws and never stops early: a character it cannot classify becomes an Unknown token plus one
// diagnostic, so later stages always see positions that point into the file.
using System.Text;
using IommuFd.CHeaders.Diagnostics;

namespace IommuFd.CHeaders.Lexing;

/// <summary>Tokens and comments of one header.</summary>
internal sealed class LexResult
{
    public LexResult(List<Token> tokens, List<CommentTrivia> comments)
    {
        Tokens = tokens;
        Comments = comments;
    }

    /// <summary>Tokens, always ending with one <see cref="TokenKind.EndOfFile"/>.</summary>
    public List<Token> Tokens { get; }

    /// <summary>Comments in file order.</summary>
    public List<CommentTrivia> Comments { get; }
}

/// <summary>Splits header text into tokens and comment trivia.</summary>
internal static class Lexer
{
    // Longest first, so "<<=" wins over "<<" over "<".
    private static readonly string[] s_punctuators =
    {
        "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "##",
        "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=",
    };

    public static LexResult Lex(string text, DiagnosticBag diagnostics)
    {
        var tokens = new List<Token>();
        var comments = new List<CommentTrivia>();
        int pos = 0, line = 1, col = 1;
        bool firstOnLine = true;
        bool reportedUnknown = false;

        void Advance(int count)
        {
            for (int i = 0; i < count && pos < text.Length; i++)
            {
                if (text[pos] == '\n')
                {
                    line++;
                    col = 1;
                }
                else
                {
                    col++;
                }

                pos++;
            }
        }

        while (pos < text.Length)
        {
            char c = text[pos];

            if (c == '\n')
            {
                Advance(1);
                firstOnLine = true;
                continue;
            }

            if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
            {
                Advance(1);
                continue;
            }

            // Line splice: backslash, optional trailing blanks (a common editing slip gcc also accepts), newline.
            if (c == '\\')
            {
                int p = pos + 1;
                while (p < text.Length && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r'))
                {
                    p++;
                }

                if (p >= text.Length || text[p] == '\n')
                {
                    Advance(p - pos + (p < text.Length ? 1 : 0));
                    continue;
                }
            }

            int startPos = pos, startLine = line, startCol = col;

            if (c == '/' && pos + 1 < text.Length && text[pos + 1] == '*')
            {
                int close = text.IndexOf("*/", pos + 2, StringComparison.Ordinal);
                int end = close < 0 ? text.Length : close + 2;
                if (close < 0)
                {
                    diagnostics.Report(DiagnosticCatalog.UnterminatedComment, diagnostics.Location(startLine, startCol, startPos, 2));
                }

                Advance(end - pos);
                comments.Add(new CommentTrivia(text.Substring(startPos, end - startPos), startPos, startLine, startCol, line, IsBlock: true));
                continue;
            }

            if (c == '/' && pos + 1 < text.Length && text[pos + 1] == '/')
            {
                int end = text.IndexOf('\n', pos);
                end = end < 0 ? text.Length : end;
                Advance(end - pos);
                comments.Add(new CommentTrivia(text.Substring(startPos, end - startPos), startPos, startLine, startCol, line, IsBlock: false));
                continue;
            }

            TokenKind kind;
            int length;
            if (IsIdentifierStart(c))
            {
                length = 1;
                while (pos + length < text.Length && IsIdentifierPart(text[pos + length]))
                {
                    length++;
                }

                kind = TokenKind.Identifier;
            }
            else if (IsDigit(c) || (c == '.' && pos + 1 < text.Length && IsDigit(text[pos + 1])))
            {
                // pp-number: digits, letters, '.', and exponent signs; the evaluator validates it.
                length = 1;
                while (pos + length < text.Length)
                {
                    char d = text[pos + length];
                    if (IsIdentifierPart(d) || d == '.')
                    {
                        length++;
                    }
                    else if ((d == '+' || d == '-') && (text[pos + length - 1] | 0x20) is 'e' or 'p')
                    {
                        length++;
                    }
                    else
                    {
                        break;
                    }
                }

                kind = TokenKind.Number;
            }
            else if (c == '\'' || c == '"')
            {
                length = ScanQuoted(text, pos, c);
                if (length < 0)
                {
                    length = -length;
                    diagnostics.Report(DiagnosticCatalog.UnterminatedLiteral, diagnostics.Location(startLine, startCol, startPos, length), c == '"' ? "String" : "Character");
                }

                kind = c == '"' ? TokenKind.StringLiteral : TokenKind.CharLiteral;
            }
            else if (IsPunctuatorChar(c))
            {
                length = 1;
                foreach (string p in s_punctuators)
                {
                    if (string.CompareOrdinal(text, pos, p, 0, p.Length) == 0)
                    {
                        length = p.Length;
                        break;
                    }
                }

                kind = TokenKind.Punctuator;
            }
            else
            {
                length = 1;
                kind = TokenKind.Unknown;

                // One report per file is enough: binary garbage would otherwise produce thousands.
                if (!reportedUnknown)
                {
                    reportedUnknown = true;
                    diagnostics.Report(DiagnosticCatalog.UnexpectedCharacter, diagnostics.Location(startLine, startCol, startPos, 1), ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            tokens.Add(new Token(kind, text.Substring(pos, length), startPos, startLine, startCol, firstOnLine));
            firstOnLine = false;
            Advance(length);
        }

        tokens.Add(new Token(TokenKind.EndOfFile, string.Empty, text.Length, line, col, FirstOnLine: true));
        return new LexResult(tokens, comments);
    }

    /// <summary>Length of the literal at <paramref name="pos"/>; negative when it runs into the end of the line.</summary>
    private static int ScanQuoted(string text, int pos, char quote)
    {
        int p = pos + 1;
        while (p < text.Length)
        {
            char c = text[p];
            if (c == '\\' && p + 1 < text.Length && text[p + 1] != '\n')
            {
                p += 2;
                continue;
            }

            if (c == quote)
            {
                return p + 1 - pos;
            }

            if (c == '\n')
            {
                break;
            }

            p++;
        }

        return -(p - pos);
    }

    public static bool IsIdentifierStart(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';

    public static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || IsDigit(c);

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private static bool IsPunctuatorChar(char c) => "#()[]{};,.:?<>=!~+-*/%&|^".IndexOf(c) >= 0;

    /// <summary>
    /// Joins tokens as written, with one space wherever the source had whitespace, comments or a line splice
    /// between them, so a continued <c>#define</c> reads as one line and <c>(';')</c> keeps its spelling.
    /// </summary>
    public static string Join(IReadOnlyList<Token> tokens)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < tokens.Count; i++)
        {
            if (i > 0 && tokens[i].Start > tokens[i - 1].End)
            {
                sb.Append(' ');
            }

            sb.Append(tokens[i].Text);
        }

        return sb.ToString();
    }
}
