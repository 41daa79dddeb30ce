using System.Text;
using Mono.Cecil.Cil;

namespace IommuFd.Fuzzing.Instrument;

/// <summary>
/// Collects afl dictionary tokens from IL: string literals (keywords a parser matches) and 32/64-bit integer
/// constants that feed a comparison (command numbers, magic values, sizes). afl cannot guess a 4-byte value byte by
/// byte without comparison feedback, which .NET code does not give it; a token hands it over whole.
/// </summary>
internal sealed class DictionaryHarvester
{
    /// <summary>afl uses at most 256 tokens deterministically; more are only tried at random.</summary>
    private const int MaxTokens = 256;

    private const int MaxTokenLength = 32;

    private readonly List<byte[]> _tokens = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public void Harvest(MethodBody body)
    {
        // Compiler-generated members (record ToString/PrintMembers, equality) only hold formatting literals.
        if (body.Method.CustomAttributes.Any(a => a.AttributeType.Name == "CompilerGeneratedAttribute"))
        {
            return;
        }

        // A string switch compares ComputeStringHash results with hash constants: useless as tokens (the strings
        // themselves are loaded for the equality checks and are harvested).
        bool stringSwitch = body.Instructions.Any(i => i.Operand is Mono.Cecil.MethodReference { Name: "ComputeStringHash" });
        foreach (Instruction instruction in body.Instructions)
        {
            switch (instruction.OpCode.Code)
            {
                case Code.Ldstr when instruction.Operand is string { Length: >= 2 and <= MaxTokenLength } text && IsToken(text):
                    Add(Encoding.ASCII.GetBytes(text));
                    break;
                case Code.Ldc_I4 when !stringSwitch && instruction.Operand is int value && FeedsComparison(instruction) && Math.Abs((long)value) >= 256:
                    Add(BitConverter.GetBytes(value));
                    break;
                case Code.Ldc_I8 when !stringSwitch && instruction.Operand is long value && FeedsComparison(instruction) && Math.Abs((decimal)value) >= 65536:
                    Add(BitConverter.GetBytes(value));
                    break;
            }
        }
    }

    /// <summary>Writes the tokens in afl's dictionary format; returns how many.</summary>
    public int Write(string path)
    {
        var text = new StringBuilder("# harvested by fuzz-instrument from string literals and compared constants\n");
        for (int i = 0; i < _tokens.Count; i++)
        {
            text.Append("auto_").Append(i).Append("=\"");
            foreach (byte b in _tokens[i])
            {
                if (b is >= 0x20 and < 0x7F && b != '"' && b != '\\')
                {
                    text.Append((char)b);
                }
                else
                {
                    text.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            text.Append("\"\n");
        }

        File.WriteAllText(path, text.ToString());
        return _tokens.Count;
    }

    private void Add(byte[] token)
    {
        if (_tokens.Count < MaxTokens && _seen.Add(Convert.ToHexString(token)))
        {
            _tokens.Add(token);
        }
    }

    // Keywords and punctuation a parser matches: printable ASCII without spaces (messages have spaces).
    private static bool IsToken(string text)
    {
        foreach (char c in text)
        {
            if (c is <= ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    // A constant whose value is compared: the next instruction (or the one after a conversion) branches on it.
    private static bool FeedsComparison(Instruction constant)
    {
        Instruction? next = constant.Next;
        if (next is { OpCode.Code: Code.Conv_U8 or Code.Conv_I8 or Code.Conv_U4 or Code.Conv_I4 })
        {
            next = next.Next;
        }

        return next is not null && (next.OpCode.FlowControl == FlowControl.Cond_Branch
            || next.OpCode.Code is Code.Ceq or Code.Cgt or Code.Cgt_Un or Code.Clt or Code.Clt_Un or Code.Sub);
    }
}
