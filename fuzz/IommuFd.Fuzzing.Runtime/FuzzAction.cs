namespace IommuFd.Fuzzing.Runtime;

/// <summary>
/// A fuzz entry point: one test case in, an exception out means a bug. The same shape as SharpFuzz's
/// <c>ReadOnlySpanAction</c>, so a target's <c>static void Fuzz(ReadOnlySpan&lt;byte&gt;)</c> method group converts to both.
/// </summary>
/// <param name="data">The test case. Only valid for the duration of the call.</param>
public delegate void FuzzAction(ReadOnlySpan<byte> data);
