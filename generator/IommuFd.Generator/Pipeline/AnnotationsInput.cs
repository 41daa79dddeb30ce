namespace IommuFd.Generator.Pipeline;

/// <summary>The ioctl annotation file as values (path for diagnostic locations, text to parse).</summary>
/// <param name="Path">The annotation file path.</param>
/// <param name="Text">Its text.</param>
internal sealed record AnnotationsInput(string Path, string Text);
