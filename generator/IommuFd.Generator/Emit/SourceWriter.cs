using System.Globalization;
using System.Text;

namespace IommuFd.Generator.Emit;

/// <summary>
/// An indenting text writer for generated C#, after dotnet/runtime's <c>Common/src/SourceGenerators/SourceWriter.cs</c>.
/// </summary>
/// <remarks>
/// Generators should emit strings rather than syntax trees (runtime source-generator guidelines, Roslyn cookbook):
/// it is several times faster than <c>SyntaxFactory</c> + <c>NormalizeWhitespace</c> and the output is exactly what
/// the baselines show. Lines always end in <c>\n</c>, whatever the host, so baselines and the line-ending check in
/// the tests are stable across machines.
/// </remarks>
internal sealed class SourceWriter
{
    private const int IndentSize = 4;
    private readonly StringBuilder _sb = new();
    private int _indent;

    /// <summary>Current indentation level.</summary>
    public int Indentation
    {
        get => _indent;
        set => _indent = value < 0 ? 0 : value;
    }

    private static readonly char[] s_csharpOnlyLineBreaks = ['\r', '\u0085', '\u2028', '\u2029'];

    /// <summary>Writes one line at the current indentation; an empty string writes an empty line (no trailing spaces).</summary>
    public void WriteLine(string text)
    {
        if (text.Length > 0)
        {
            _sb.Append(' ', _indent * IndentSize);
            int start = _sb.Length;
            _sb.Append(text);
            if (text.IndexOfAny(s_csharpOnlyLineBreaks) >= 0)
            {
                // Last line of defence for fuzz finding G1: a character C# ends lines at but C does not (lone CR,
                // NEL, LS, PS) inside header text would end a `///` comment early and leak the rest into code.
                // Doc text is split properly by DocWriter; anything that still carries one is flattened to a space.
                foreach (char c in s_csharpOnlyLineBreaks)
                {
                    _sb.Replace(c, ' ', start, _sb.Length - start);
                }
            }
        }

        _sb.Append('\n');
    }

    /// <summary>Writes an empty line.</summary>
    public void WriteLine() => _sb.Append('\n');

    /// <summary>Writes a formatted line with the invariant culture (no locale-specific minus signs or digits).</summary>
    public void WriteLineInvariant(string format, params object?[] args) =>
        WriteLine(string.Format(CultureInfo.InvariantCulture, format, args));

    /// <summary>Writes <c>{</c> and indents.</summary>
    public void OpenBlock()
    {
        WriteLine("{");
        _indent++;
    }

    /// <summary>Unindents and writes <c>}</c> (plus <paramref name="suffix"/>, e.g. <c>;</c>).</summary>
    public void CloseBlock(string suffix = "")
    {
        Indentation--;
        WriteLine("}" + suffix);
    }

    /// <inheritdoc/>
    public override string ToString() => _sb.ToString();
}
