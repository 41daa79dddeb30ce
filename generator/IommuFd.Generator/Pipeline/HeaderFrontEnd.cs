using IommuFd.CHeaders.Model;

namespace IommuFd.Generator.Pipeline;

/// <summary>The parse step: header text → <see cref="HeaderModel"/> through the Roslyn-free IommuFd.CHeaders front end.</summary>
internal static class HeaderFrontEnd
{
    /// <summary>Parses <paramref name="input"/>; any exception becomes an IOMMUFD0000 outcome instead of escaping.</summary>
    public static ParseOutcome Parse(HeaderInput input, string? annotations, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return new ParseOutcome(input.Path, ParseCore(input, annotations), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ParseOutcome(input.Path, null, Failures.InternalError(input.Path, input.IncludeName + " (parsing)", ex));
        }
    }

    private static HeaderModel ParseCore(HeaderInput input, string? annotations) =>
        throw new NotSupportedException("the IommuFd.CHeaders parser has not landed yet");
}
