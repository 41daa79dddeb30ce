// netstandard2.0 lacks the marker type that C# records and init accessors need (STJ links the same polyfill).
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit
{
}
