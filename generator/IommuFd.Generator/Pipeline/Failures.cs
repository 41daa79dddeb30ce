using System.Text;
using IommuFd.CHeaders.Model;
using IommuFd.Generator.Diagnostics;

namespace IommuFd.Generator.Pipeline;

/// <summary>Turns exceptions into IOMMUFD0000 diagnostics: a generator must never crash the build or the IDE.</summary>
internal static class Failures
{
    /// <summary>IOMMUFD0000 for <paramref name="exception"/> while working on <paramref name="what"/>, located at the start of <paramref name="path"/>.</summary>
    public static DiagnosticInfo InternalError(string path, string what, Exception exception) =>
        new(
            DiagnosticDescriptors.InternalError,
            HeaderDiagnosticSeverity.Error,
            "IommuFd.Generator failed on " + what + ": " + Chain(exception) + ". Nothing was generated for it; please report this with the header.",
            path,
            0,
            0,
            0,
            0);

    /// <summary>"Type: message ---> Type: message" down the inner-exception chain (aggregates flattened).</summary>
    public static string Chain(Exception exception)
    {
        var sb = new StringBuilder();
        Exception? e = exception;
        int depth = 0;
        while (e is not null && depth++ < 16)
        {
            if (sb.Length > 0)
            {
                sb.Append(" ---> ");
            }

            sb.Append(e.GetType().FullName).Append(": ").Append(e.Message);
            e = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : e.InnerException;
        }

        return sb.ToString();
    }
}
