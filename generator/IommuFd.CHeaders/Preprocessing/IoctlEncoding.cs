// The generic Linux ioctl request encoding (include/uapi/asm-generic/ioctl.h), used by x86, arm64 and riscv:
//   bits 0-7 nr, 8-15 type, 16-29 size, 30-31 direction (_IOC_NONE 0, _IOC_WRITE 1, _IOC_READ 2).
// alpha, mips, powerpc and sparc use other widths and values; the SDK targets the generic ones only.
using IommuFd.CHeaders.Lexing;
using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Preprocessing;

/// <summary>A folded <c>_IO/_IOR/_IOW/_IOWR/_IOC</c> invocation.</summary>
internal readonly record struct IoctlEncoding(IoctlDirection Direction, int Type, int Nr, long Size, string? SizeTypeText, ulong Number)
{
    /// <summary>C type of an _IO/_IOC expression: unsigned int, or wider if an _IOC argument is.</summary>
    public ConstantType ResultType { get; init; } = ConstantType.UInt;

    public const int NrBits = 8, TypeBits = 8, SizeBits = 14;

    /// <summary>Folds <paramref name="callee"/>(args) using <paramref name="context"/> for names and sizeof.</summary>
    public static IoctlEncoding Fold(Token callee, List<(int Start, int End)> args, IReadOnlyList<Token> tokens, IEvaluationContext context, int depth)
    {
        int expected = callee.Text switch { "_IO" => 2, "_IOC" => 4, _ => 3 };
        if (args.Count != expected)
        {
            throw new EvalException($"'{callee.Text}' takes {expected} arguments but has {args.Count}", callee);
        }

        IoctlDirection direction;
        ConstantType resultType = ConstantType.UInt;
        long size = 0;
        string? sizeText = null;
        int argBase = 0;
        switch (callee.Text)
        {
            case "_IO":
                direction = IoctlDirection.None;
                break;
            case "_IOC":
            {
                long dir = ConstantEvaluator.Evaluate(tokens, args[0].Start, args[0].End, context, depth).Bits;
                direction = dir switch
                {
                    0 => IoctlDirection.None,
                    1 => IoctlDirection.Write,
                    2 => IoctlDirection.Read,
                    3 => IoctlDirection.ReadWrite,
                    _ => throw new EvalException($"ioctl direction {dir} is outside 0..3", callee),
                };
                CValue sizeValue = ConstantEvaluator.Evaluate(tokens, args[3].Start, args[3].End, context, depth);
                size = sizeValue.Bits;
                resultType = CValue.Common(ConstantType.UInt, sizeValue.Type);
                argBase = 1;
                break;
            }

            default:
            {
                direction = callee.Text switch { "_IOR" => IoctlDirection.Read, "_IOW" => IoctlDirection.Write, _ => IoctlDirection.ReadWrite };
                var typeTokens = new List<Token>();
                for (int i = args[2].Start; i < args[2].End; i++)
                {
                    typeTokens.Add(tokens[i]);
                }

                sizeText = Lexer.Join(typeTokens);
                size = context.SizeOf(typeTokens, typeTokens.Count > 0 ? typeTokens[0] : callee);
                break;
            }
        }

        long type = ConstantEvaluator.Evaluate(tokens, args[argBase].Start, args[argBase].End, context, depth).Bits;
        long nr = ConstantEvaluator.Evaluate(tokens, args[argBase + 1].Start, args[argBase + 1].End, context, depth).Bits;
        if (type is < 0 or > 255)
        {
            throw new EvalException($"ioctl type {type} does not fit in {TypeBits} bits", callee);
        }

        if (nr is < 0 or > 255)
        {
            throw new EvalException($"ioctl number {nr} does not fit in {NrBits} bits", callee);
        }

        if (size < 0 || size >= 1 << SizeBits)
        {
            throw new EvalException($"ioctl argument size {size} does not fit in {SizeBits} bits", callee);
        }

        ulong dirBits = direction switch
        {
            IoctlDirection.None => 0,
            IoctlDirection.Write => 1,
            IoctlDirection.Read => 2,
            _ => 3,
        };
        ulong number = (dirBits << 30) | ((ulong)size << 16) | ((ulong)type << 8) | (ulong)nr;
        return new IoctlEncoding(direction, (int)type, (int)nr, size, sizeText, number) { ResultType = resultType };
    }
}
