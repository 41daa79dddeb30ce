using IommuFd.Generator.Diagnostics;

namespace IommuFd.Generator.Pipeline;

/// <summary>One generated file, or the internal error that prevented it.</summary>
/// <param name="HintName">The hint name.</param>
/// <param name="Source">The C# text, or null on failure.</param>
/// <param name="Failure">IOMMUFD0000 when emitting threw.</param>
internal sealed record GeneratedFile(string HintName, string? Source, DiagnosticInfo? Failure);
