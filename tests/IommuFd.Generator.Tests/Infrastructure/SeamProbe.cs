using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace IommuFd.Generator.Tests.Infrastructure;

/// <summary>
/// Runs a small program against generated stubs in a collectible load context: the program's static
/// <c>Probe.Run()</c> drives the stubs through an in-process <c>Recorder</c> target (the seam) and returns what it saw.
/// </summary>
internal static class SeamProbe
{
    /// <summary>
    /// An <c>IIoctlTarget</c> that records the last request (fd, number, pointer, first u32 of the argument when
    /// <c>Deref</c>) and returns <c>Result</c> (negative = −errno, as the kernel does).
    /// </summary>
    private const string RecorderSource = """
        #pragma warning disable CS1591
        using IommuFd.Interop;

        public sealed unsafe class Recorder : IIoctlTarget
        {
            public nuint Request;
            public nint Arg;
            public uint First;
            public int Fd;
            public int Calls;
            public bool Deref = true;
            public int Result;

            public int Ioctl(int fd, nuint request, void* arg)
            {
                Calls++;
                Fd = fd;
                Request = request;
                Arg = (nint)arg;
                First = Deref ? *(uint*)arg : 0;
                return Result;
            }
        }
        """;

    /// <summary>Compiles <paramref name="generated"/> with the recorder and <paramref name="probeSource"/>, runs <c>Probe.Run()</c>.</summary>
    public static string Run(IEnumerable<SyntaxTree> generated, string probeSource, string assemblyName = "IommuFd.Generated")
    {
        var trees = generated
            .Append(CSharpSyntaxTree.ParseText(RecorderSource, TestCompilation.ParseOptions, "Recorder.cs"))
            .Append(CSharpSyntaxTree.ParseText(probeSource, TestCompilation.ParseOptions, "Probe.cs"));
        var (asm, alc) = TestCompilation.Load(TestCompilation.Create(trees, assemblyName));
        try
        {
            return (string)asm.GetType("Probe")!.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!;
        }
        finally
        {
            alc.Unload();
        }
    }
}
