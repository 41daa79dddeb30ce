using IommuFd.CHeaders;
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
    public static ParseOutcome Parse(HeaderInput input, AnnotationsInput? annotations, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            IoctlAnnotations? parsed = annotations is null ? null : IoctlAnnotations.Parse(annotations.Path, annotations.Text);
            return new ParseOutcome(input.Path, HeaderParser.Parse(input.Path, input.IncludeName, input.Text, parsed), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ParseOutcome(input.Path, null, Failures.InternalError(input.Path, input.IncludeName + " (parsing)", ex));
        }
    }
}
