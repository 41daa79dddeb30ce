// Public entry point of the C header front end: text in, value model out, never an exception.
//
// Stages (one folder each): Lexing → Preprocessing → Parsing → Layout (+ SymbolTable for constant folding) →
// KernelDoc + Annotations, assembled by ModelBuilder. Problems in the input are located diagnostics in the model;
// an exception that escapes a stage becomes IOMMUFD0000 at the token being processed and the model keeps what was
// built so far.
using IommuFd.CHeaders.Annotations;
using IommuFd.CHeaders.Diagnostics;
using IommuFd.CHeaders.Layout;
using IommuFd.CHeaders.Lexing;
using IommuFd.CHeaders.Model;
using IommuFd.CHeaders.Parsing;
using IommuFd.CHeaders.Preprocessing;

namespace IommuFd.CHeaders;

/// <summary>Parses one uapi header into a <see cref="HeaderModel"/>.</summary>
public static class HeaderParser
{
    /// <summary>
    /// Test-only fault injection: called with the stage or declaration being processed, so tests can prove that an
    /// exception anywhere becomes IOMMUFD0000 instead of escaping. AsyncLocal so parallel tests do not see each
    /// other's hooks; null (a single field read per stage) in production.
    /// </summary>
    internal static readonly AsyncLocal<Action<string>?> FaultInjection = new();

    internal static void Checkpoint(string what) => FaultInjection.Value?.Invoke(what);

    /// <summary>
    /// Parses <paramref name="text"/>. Never throws: anything the front end cannot handle is a located diagnostic
    /// in <see cref="HeaderModel.Diagnostics"/>.
    /// </summary>
    /// <param name="path">Path of the header, used in every location (e.g. the AdditionalFile path).</param>
    /// <param name="includeName">The name C code includes it by, e.g. <c>linux/iommufd.h</c>; selects annotation lines.</param>
    /// <param name="text">Header content.</param>
    /// <param name="annotations">The ioctl annotation file (argument structs and minimum sizes), if any.</param>
    /// <returns>The header model.</returns>
    public static HeaderModel Parse(string path, string includeName, string text, IoctlAnnotations? annotations = null) =>
        Parse(path, includeName, text, annotations, Array.Empty<HeaderModel>());

    /// <summary>
    /// Parses <paramref name="text"/> with the models of headers it includes: their structs can be embedded by value
    /// and their constants, enumerators and ioctl numbers used in expressions (the front end never reads included
    /// files itself). Never throws.
    /// </summary>
    /// <param name="path">Path of the header, used in every location.</param>
    /// <param name="includeName">The name C code includes it by, e.g. <c>linux/vfio.h</c>.</param>
    /// <param name="text">Header content.</param>
    /// <param name="annotations">The ioctl annotation file, if any.</param>
    /// <param name="dependencies">Models of included headers, e.g. the <c>linux/iommufd.h</c> model.</param>
    /// <returns>The header model.</returns>
    public static HeaderModel Parse(string path, string includeName, string text, IoctlAnnotations? annotations, IReadOnlyList<HeaderModel> dependencies)
    {
        path ??= string.Empty;
        includeName ??= string.Empty;
        text ??= string.Empty;
        var bag = new DiagnosticBag(path);
        string stage = "lexing";
        Token current = default;
        try
        {
            Checkpoint(stage);
            LexResult lex = Lexer.Lex(text, bag);
            stage = "preprocessing";
            Checkpoint(stage);
            PreprocessResult pp = Preprocessor.Run(lex, bag);
            stage = "parsing";
            Checkpoint(stage);
            ParseResult parse = Parser.Parse(pp.Code, bag, t => current = t, pp.Macros);
            DropConditionalAggregates(pp, parse, bag);
            stage = "computing layouts";
            Checkpoint(stage);
            var layout = new LayoutEngine(parse, bag, dependencies, pp.PackChanges);
            var symbols = new SymbolTable(pp.Macros, parse, layout, dependencies);
            layout.SetContext(symbols);
            stage = "building the model";
            Checkpoint(stage);
            return new ModelBuilder(path, includeName, bag, lex, pp, parse, layout, symbols, annotations ?? IoctlAnnotations.Empty).Build();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SourceLocation at = current.Text is null ? bag.Location(1, 1, 0, 0) : bag.Location(current.Line, current.Column, current.Start, current.Length);
            bag.Report(DiagnosticCatalog.InternalError, at, stage, ex.GetType().Name + ": " + ex.Message);
            return new HeaderModel(path, includeName, EquatableArray<StructModel>.Empty, EquatableArray<EnumModel>.Empty, EquatableArray<ConstantModel>.Empty, EquatableArray<IoctlModel>.Empty, EquatableArray<DocSection>.Empty, bag.Items.ToEquatableArray());
        }
    }

    /// <summary>
    /// A struct whose body holds a condition on an unknown macro (typically endianness bit-field order from a header
    /// that is not read) may have the wrong members: leave it out with an error instead of guessing.
    /// </summary>
    private static void DropConditionalAggregates(PreprocessResult pp, ParseResult parse, DiagnosticBag bag)
    {
        foreach ((Token at, string macro) in pp.UnknownConditions)
        {
            foreach (AggregateSyntax a in parse.Aggregates)
            {
                if (at.Start > a.BodyStart && at.Start < a.BodyEnd && !a.HasErrors)
                {
                    a.HasErrors = true;
                    bag.Report(DiagnosticCatalog.ConditionalMembers, bag.Location(a.NameToken.Line, a.NameToken.Column, a.NameToken.Start, a.NameToken.Length), a.Name, macro);
                }
            }
        }
    }

    /// <summary>
    /// Reads and parses a header file. Convenience for the CLI and tests; the Roslyn generator uses
    /// <see cref="Parse(string, string, string, IoctlAnnotations?)"/> with AdditionalText content.
    /// </summary>
    /// <param name="path">Header file path.</param>
    /// <param name="includeName">Include name, e.g. <c>linux/vfio.h</c>.</param>
    /// <param name="annotations">Ioctl annotations, if any.</param>
    /// <returns>The header model.</returns>
    public static HeaderModel ParseFile(string path, string includeName, IoctlAnnotations? annotations = null) =>
        Parse(path, includeName, File.ReadAllText(path), annotations);
}
