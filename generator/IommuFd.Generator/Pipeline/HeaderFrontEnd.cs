using System.Collections.Immutable;
using IommuFd.CHeaders;
using IommuFd.Generator.Diagnostics;
using IommuFd.CHeaders.Annotations;
using IommuFd.CHeaders.Model;

namespace IommuFd.Generator.Pipeline;

/// <summary>The parse step: header text → <see cref="HeaderModel"/> through the Roslyn-free IommuFd.CHeaders front end.</summary>
internal static class HeaderFrontEnd
{
    /// <summary>Parses <paramref name="input"/>; any exception becomes an IOMMUFD0000 outcome instead of escaping.</summary>
    /// <remarks>
    /// The annotation file is parsed here, per header, rather than in its own step: <see cref="IoctlAnnotations"/> is
    /// not value-equatable, so it must not be a pipeline value, and parsing a few dozen lines costs nothing next
    /// to the header.
    /// </remarks>
    public static ParseOutcome Parse(HeaderInput input, AnnotationsInput? annotations, CancellationToken cancellationToken) =>
        Parse(input, annotations, ImmutableArray<HeaderModel>.Empty, cancellationToken);

    /// <summary>
    /// Parses <paramref name="input"/> with the models of the headers its <see cref="HeaderInput.DependsOn"/> names,
    /// picked from <paramref name="available"/> (the models of the headers without dependencies). A missing one is
    /// IOMMUFD3007 and the header is parsed without it.
    /// </summary>
    public static ParseOutcome Parse(HeaderInput input, AnnotationsInput? annotations, ImmutableArray<HeaderModel> available, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var dependencies = new List<HeaderModel>();
        var problems = new List<DiagnosticInfo>();
        foreach (string name in input.DependsOn)
        {
            HeaderModel? found = available.IsDefault ? null : available.FirstOrDefault(m => m.IncludeName == name);
            if (found is null)
            {
                problems.Add(new DiagnosticInfo(
                    DiagnosticDescriptors.MissingDependency,
                    HeaderDiagnosticSeverity.Warning,
                    "Header " + input.IncludeName + " depends on " + name + " (IommuFdDependsOn), which is not a header input without dependencies of its own; it is parsed without it. Add " + name + " as an AdditionalFile with IommuFdHeader=true (IommuFdEmit=false to only read it).",
                    input.Path,
                    0,
                    0,
                    0,
                    0));
            }
            else
            {
                dependencies.Add(found);
            }
        }

        try
        {
            IoctlAnnotations? parsed = annotations is null ? null : IoctlAnnotations.Parse(annotations.Path, annotations.Text);
            HeaderModel model = HeaderParser.Parse(input.Path, input.IncludeName, input.Text, parsed, dependencies);
            return new ParseOutcome(input.Path, model, null) { Emit = input.Emit, StubClass = input.StubClass, DependencyDiagnostics = problems.ToEquatableArray() };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ParseOutcome(input.Path, null, Failures.InternalError(input.Path, input.IncludeName + " (parsing)", ex)) { Emit = input.Emit, StubClass = input.StubClass };
        }
    }
}
