// The one catalogue of front-end diagnostics. Ranges are reserved per area so that ids never move:
//   IOMMUFD0000       internal error (an exception escaped a front-end stage; always a bug in the front end)
//   IOMMUFD1xxx       lexer (10xx), preprocessor (11xx), parser (12xx), kernel-doc (13xx)
//   IOMMUFD2xxx       layout engine
//   IOMMUFD3xxx       reserved for the Roslyn emitter (generator/IommuFd.Generator); never used here
//   IOMMUFD9xxx       ioctl annotation file and options
// Messages are composite format strings; every argument is a plain string so the model stays value-equatable.
using System.Globalization;
using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Diagnostics;

/// <summary>One catalogue entry: id, default severity, short title and message format.</summary>
/// <param name="Id">Catalogue id, e.g. <c>IOMMUFD1001</c>.</param>
/// <param name="Severity">Severity reported for this id.</param>
/// <param name="Title">One-line title (Roslyn descriptor title).</param>
/// <param name="MessageFormat">Composite format string for the message.</param>
public sealed record DiagnosticDescriptor(string Id, HeaderDiagnosticSeverity Severity, string Title, string MessageFormat)
{
    /// <summary>Formats the message and places it at <paramref name="location"/>.</summary>
    /// <param name="location">Where the problem is.</param>
    /// <param name="args">Message arguments.</param>
    /// <returns>The located diagnostic.</returns>
    public HeaderDiagnostic Create(SourceLocation location, params object?[] args) =>
        new(Id, Severity, string.Format(CultureInfo.InvariantCulture, MessageFormat, args), location);
}

/// <summary>All diagnostics the C header front end can report.</summary>
public static class DiagnosticCatalog
{
    /// <summary>An unexpected exception inside the front end; reported at the token being processed.</summary>
    public static readonly DiagnosticDescriptor InternalError = new(
        "IOMMUFD0000", HeaderDiagnosticSeverity.Error, "Internal error in the C header front end",
        "Internal error while {0}: {1}. The rest of the header was skipped; please report this with the header.");

    // ---- 10xx lexer ----

    /// <summary>A block comment without <c>*/</c>.</summary>
    public static readonly DiagnosticDescriptor UnterminatedComment = new(
        "IOMMUFD1001", HeaderDiagnosticSeverity.Error, "Unterminated comment", "Block comment is not terminated before the end of the file");

    /// <summary>A string or character literal without its closing quote on the same line.</summary>
    public static readonly DiagnosticDescriptor UnterminatedLiteral = new(
        "IOMMUFD1002", HeaderDiagnosticSeverity.Error, "Unterminated literal", "{0} literal is not terminated on its line");

    /// <summary>A character that cannot start any C token.</summary>
    public static readonly DiagnosticDescriptor UnexpectedCharacter = new(
        "IOMMUFD1003", HeaderDiagnosticSeverity.Error, "Unexpected character", "Unexpected character U+{0} in header");

    // ---- 11xx preprocessor ----

    /// <summary>A directive the mini preprocessor does not implement.</summary>
    public static readonly DiagnosticDescriptor UnknownDirective = new(
        "IOMMUFD1101", HeaderDiagnosticSeverity.Warning, "Unsupported directive", "Preprocessor directive '#{0}' is not supported and was ignored");

    /// <summary><c>#else</c>/<c>#elif</c>/<c>#endif</c> without <c>#if</c>, or <c>#if</c> without <c>#endif</c>.</summary>
    public static readonly DiagnosticDescriptor UnbalancedConditional = new(
        "IOMMUFD1102", HeaderDiagnosticSeverity.Error, "Unbalanced conditional", "{0}");

    /// <summary>A malformed <c>#define</c>, <c>#include</c> or <c>#if</c> line.</summary>
    public static readonly DiagnosticDescriptor MalformedDirective = new(
        "IOMMUFD1103", HeaderDiagnosticSeverity.Error, "Malformed directive", "Malformed '#{0}': {1}");

    /// <summary>An object-like macro whose replacement list is not a constant expression.</summary>
    public static readonly DiagnosticDescriptor MacroNotFoldable = new(
        "IOMMUFD1104", HeaderDiagnosticSeverity.Warning, "Macro not folded", "Macro '{0}' was not turned into a constant: {1}");

    /// <summary>A function-like macro other than the ioctl encoders; nothing is generated for it.</summary>
    public static readonly DiagnosticDescriptor FunctionLikeMacroSkipped = new(
        "IOMMUFD1105", HeaderDiagnosticSeverity.Info, "Function-like macro skipped", "Function-like macro '{0}' has no C# counterpart and was skipped");

    /// <summary><c>#error</c> reached in an active section.</summary>
    public static readonly DiagnosticDescriptor ErrorDirective = new(
        "IOMMUFD1106", HeaderDiagnosticSeverity.Error, "#error directive", "#error {0}");

    /// <summary>A macro redefined with a different value.</summary>
    public static readonly DiagnosticDescriptor MacroRedefined = new(
        "IOMMUFD1107", HeaderDiagnosticSeverity.Warning, "Macro redefined", "Macro '{0}' is redefined; the last definition wins");

    /// <summary>An ioctl macro whose arguments cannot be folded.</summary>
    public static readonly DiagnosticDescriptor IoctlNotFoldable = new(
        "IOMMUFD1108", HeaderDiagnosticSeverity.Error, "Ioctl not folded", "Ioctl macro '{0}' could not be folded: {1}");

    /// <summary>Nesting deeper than the front end's guard (hostile or corrupted input).</summary>
    public static readonly DiagnosticDescriptor NestingTooDeep = new(
        "IOMMUFD1109", HeaderDiagnosticSeverity.Error, "Nesting too deep", "{0} nests deeper than {1} levels; the construct was skipped");

    /// <summary>A condition on a macro the header neither defines nor is known to leave undefined.</summary>
    public static readonly DiagnosticDescriptor ConditionOnUnknownMacro = new(
        "IOMMUFD1110", HeaderDiagnosticSeverity.Warning, "Condition on unknown macro",
        "Condition depends on '{0}', which is not defined here (included headers are not read); the branch for '{0}' undefined was taken");

    /// <summary>Struct members under such a condition: the layout cannot be trusted.</summary>
    public static readonly DiagnosticDescriptor ConditionalMembers = new(
        "IOMMUFD1111", HeaderDiagnosticSeverity.Error, "Members under an unknown condition",
        "'{0}' has members under a condition on '{1}', which the front end cannot evaluate; it was left out rather than laid out wrongly");

    /// <summary>An object-like macro in a declaration expands too often (self-reference through other macros).</summary>
    public static readonly DiagnosticDescriptor MacroExpansionLimit = new(
        "IOMMUFD1112", HeaderDiagnosticSeverity.Error, "Macro expansion limit", "Expanding '{0}' in a declaration exceeded {1} expansions");

    // ---- 12xx parser ----

    /// <summary>A token the declaration parser did not expect.</summary>
    public static readonly DiagnosticDescriptor UnexpectedToken = new(
        "IOMMUFD1201", HeaderDiagnosticSeverity.Error, "Unexpected token", "Expected {0} but found '{1}'");

    /// <summary>A type name that is neither built in nor declared in the header.</summary>
    public static readonly DiagnosticDescriptor UnknownType = new(
        "IOMMUFD1202", HeaderDiagnosticSeverity.Error, "Unknown type", "Unknown type '{0}' in declaration of '{1}'");

    /// <summary>A top-level declaration the front end does not model (typedef, function prototype, variable).</summary>
    public static readonly DiagnosticDescriptor DeclarationSkipped = new(
        "IOMMUFD1203", HeaderDiagnosticSeverity.Warning, "Declaration skipped", "Declaration starting with '{0}' is not a struct, union or enum and was skipped");

    /// <summary>An enumerator initializer that does not fold.</summary>
    public static readonly DiagnosticDescriptor EnumeratorNotFoldable = new(
        "IOMMUFD1204", HeaderDiagnosticSeverity.Error, "Enumerator not folded", "Value of enumerator '{0}' could not be folded: {1}");

    /// <summary>A struct or union member the model cannot represent.</summary>
    public static readonly DiagnosticDescriptor UnsupportedMember = new(
        "IOMMUFD1205", HeaderDiagnosticSeverity.Error, "Unsupported member", "Member '{0}' of '{1}' is not supported: {2}");

    /// <summary>A struct, union or enum tag defined twice.</summary>
    public static readonly DiagnosticDescriptor DuplicateTag = new(
        "IOMMUFD1206", HeaderDiagnosticSeverity.Error, "Duplicate tag", "'{0}' is defined more than once; the first definition is kept");

    /// <summary>An attribute the front end does not understand; it is ignored.</summary>
    public static readonly DiagnosticDescriptor UnknownAttribute = new(
        "IOMMUFD1207", HeaderDiagnosticSeverity.Warning, "Unknown attribute", "Attribute '{0}' is not understood and was ignored; the layout may differ from the compiler's");

    // ---- 13xx kernel-doc ----

    /// <summary>kernel-doc names an ioctl the header does not define (e.g. a typo in the comment).</summary>
    public static readonly DiagnosticDescriptor KernelDocUnknownIoctl = new(
        "IOMMUFD1301", HeaderDiagnosticSeverity.Info, "kernel-doc names an unknown ioctl", "kernel-doc of '{0}' names ioctl '{1}', which this header does not define");

    /// <summary>kernel-doc names an argument struct the header does not define.</summary>
    public static readonly DiagnosticDescriptor KernelDocUnknownStruct = new(
        "IOMMUFD1302", HeaderDiagnosticSeverity.Info, "kernel-doc names an unknown struct", "kernel-doc of ioctl '{0}' names argument 'struct {1}', which this header does not define");

    /// <summary>An ioctl whose argument neither kernel-doc nor the annotation file describes.</summary>
    public static readonly DiagnosticDescriptor IoctlArgumentUnknown = new(
        "IOMMUFD1303", HeaderDiagnosticSeverity.Warning, "Ioctl argument unknown", "The argument of ioctl '{0}' is described neither by kernel-doc nor by the ioctl annotation file; it is treated as having no argument");

    // ---- 2xxx layout ----

    /// <summary>A struct that contains itself, directly or through members.</summary>
    public static readonly DiagnosticDescriptor RecursiveLayout = new(
        "IOMMUFD2001", HeaderDiagnosticSeverity.Error, "Recursive layout", "'{0}' contains itself; its layout cannot be computed");

    /// <summary>An array length that is not a positive constant.</summary>
    public static readonly DiagnosticDescriptor BadArrayLength = new(
        "IOMMUFD2002", HeaderDiagnosticSeverity.Error, "Bad array length", "Array length of '{0}' is not a usable constant: {1}");

    /// <summary>A flexible array member that is not the last member.</summary>
    public static readonly DiagnosticDescriptor FlexibleArrayNotLast = new(
        "IOMMUFD2003", HeaderDiagnosticSeverity.Error, "Flexible array not last", "Flexible array member '{0}' must be the last member of '{1}'");

    /// <summary>A struct or union used by value before (or without) its definition.</summary>
    public static readonly DiagnosticDescriptor IncompleteType = new(
        "IOMMUFD2004", HeaderDiagnosticSeverity.Error, "Incomplete type", "'{0}' is used by value in '{1}' but has no usable definition in this header");

    /// <summary>A size or offset that overflows the layout engine's range.</summary>
    public static readonly DiagnosticDescriptor LayoutOverflow = new(
        "IOMMUFD2005", HeaderDiagnosticSeverity.Error, "Layout overflow", "Layout of '{0}' exceeds the supported size");

    // ---- 9xxx annotations / options ----

    /// <summary>A malformed line in the ioctl annotation file.</summary>
    public static readonly DiagnosticDescriptor AnnotationSyntax = new(
        "IOMMUFD9001", HeaderDiagnosticSeverity.Error, "Malformed ioctl annotation", "Malformed ioctl annotation line: {0}");

    /// <summary>An annotation for an ioctl the header does not define (expected for older header lines).</summary>
    public static readonly DiagnosticDescriptor AnnotationUnknownIoctl = new(
        "IOMMUFD9002", HeaderDiagnosticSeverity.Info, "Annotation for unknown ioctl", "Ioctl annotation names '{0}', which {1} does not define (an older header line?)");

    /// <summary>An annotation naming a struct the header does not define.</summary>
    public static readonly DiagnosticDescriptor AnnotationUnknownStruct = new(
        "IOMMUFD9003", HeaderDiagnosticSeverity.Warning, "Annotation names unknown struct", "Ioctl annotation for '{0}' names 'struct {1}', which the header does not define{2}");

    /// <summary>An annotation naming a field its struct does not have.</summary>
    public static readonly DiagnosticDescriptor AnnotationUnknownField = new(
        "IOMMUFD9004", HeaderDiagnosticSeverity.Warning, "Annotation names unknown field", "Ioctl annotation for '{0}' names field '{1}', which 'struct {2}' does not have{3}");

    /// <summary>kernel-doc and the annotation file disagree about an ioctl's argument; the annotation wins.</summary>
    public static readonly DiagnosticDescriptor AnnotationConflict = new(
        "IOMMUFD9005", HeaderDiagnosticSeverity.Info, "Annotation overrides kernel-doc", "Ioctl '{0}': kernel-doc says the argument is '{1}', the annotation file says '{2}'; the annotation file is used");

    /// <summary>The same ioctl annotated twice for one header.</summary>
    public static readonly DiagnosticDescriptor AnnotationDuplicate = new(
        "IOMMUFD9006", HeaderDiagnosticSeverity.Warning, "Duplicate ioctl annotation", "Ioctl '{0}' is annotated more than once for {1}; the first line is used");

    /// <summary>Every descriptor, for documentation and tests.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(DiagnosticCatalog)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToArray();
}
