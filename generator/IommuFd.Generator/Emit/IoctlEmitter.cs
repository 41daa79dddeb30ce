using IommuFd.CHeaders.Model;
using IommuFd.Generator.Model;

namespace IommuFd.Generator.Emit;

/// <summary>
/// Emits the header's part of the static <c>Ioctl</c> class: one zero-allocation stub per ioctl, all going through
/// the <c>IoctlFd</c> seam.
/// </summary>
/// <remarks>
/// <para>Shapes, by argument kind:</para>
/// <list type="bullet">
/// <item>Struct: <c>Errno NAME(IoctlFd fd, ref T arg)</c> sets the leading <c>size</c> (iommufd) or <c>argsz</c> (VFIO)
/// to <c>T.NativeSize</c>, pins with <c>fixed</c> and sends; and <c>Errno NAME(IoctlFd fd, T* arg)</c> sends as is.</item>
/// <item>Value: <c>Errno NAME(IoctlFd fd, nuint arg, out int result)</c>.</item>
/// <item>None: <c>Errno NAME(IoctlFd fd, out int result)</c>.</item>
/// </list>
/// <para>
/// The pointer overload never touches <c>size</c>/<c>argsz</c>: it is for buffers the caller sized (a flexible array
/// tail, an older/smaller struct for probing, a deliberately larger one), and the caller's value is the contract.
/// </para>
/// </remarks>
internal static class IoctlEmitter
{
    /// <summary>Writes <paramref name="unit"/>.</summary>
    public static void Emit(SourceWriter w, IoctlUnit unit)
    {
        string constants = CSharpNames.Identifier(unit.ClassName);
        DocWriter.Summary(w, "Zero-allocation ioctl stubs. Each returns Errno.OK or the errno; none throws or allocates.");
        w.WriteLine("/// <remarks>");
        w.WriteLine("/// <para>");
        w.WriteLine("/// The <c>ref</c> overload of a struct ioctl sets the leading <c>size</c>/<c>argsz</c> member to the struct's <c>NativeSize</c>.");
        w.WriteLine("/// The pointer overload sends the caller's bytes unchanged, <c>size</c>/<c>argsz</c> included: use it for flexible-array buffers");
        w.WriteLine("/// (set it to <c>SizeOf(count)</c>) and for probing with smaller or larger sizes.");
        w.WriteLine("/// </para>");
        w.WriteLine("/// <para>" + DocWriter.Escape(ConstantsEmitter.EncodingNote) + "</para>");
        w.WriteLine("/// </remarks>");
        w.WriteLine("public static unsafe partial class " + CSharpNames.Identifier(unit.StubClass));
        w.OpenBlock();
        for (int n = 0; n < unit.Stubs.Count; n++)
        {
            if (n > 0)
            {
                w.WriteLine();
            }

            IoctlStub stub = unit.Stubs[n];
            IoctlModel i = stub.Ioctl;
            string request = constants + "." + CSharpNames.Identifier(i.Name);
            string requestArg = i.Number <= uint.MaxValue ? request : "(nuint)" + request;
            string name = CSharpNames.Identifier(i.Name);
            string what = DocWriter.IsInformative(i.Doc?.Summary) ? " " + DocWriter.Escape(i.Doc!.Summary.Trim()) : string.Empty;
            switch (i.ArgumentKind)
            {
                case IoctlArgumentKind.Struct when stub.StructKnown:
                    WriteStructStubs(w, stub, name, request, requestArg, what);
                    break;
                case IoctlArgumentKind.Struct:
                    DocWriter.RawElement(w, "summary", "Sends <see cref=\"" + request + "\"/> with an untyped argument pointer (its struct is not in the header)." + what);
                    WriteFdParam(w);
                    DocWriter.Param(w, "arg", "Pointer to the argument bytes.");
                    WriteReturns(w);
                    w.WriteLine("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                    w.WriteLine("public static Errno " + name + "(IoctlFd fd, void* arg) => fd.Ioctl(" + requestArg + ", arg);");
                    break;
                case IoctlArgumentKind.Value:
                    DocWriter.RawElement(w, "summary", "Sends <see cref=\"" + request + "\"/> with an integer (or a pointer to a scalar, cast to <c>nuint</c>) as the third ioctl argument." + what);
                    WriteFdParam(w);
                    DocWriter.Param(
                        w,
                        "arg",
                        "The argument value as the kernel sees it: an integer, or the address of a scalar (e.g. a container fd, a device name)."
                        + (i.ArgumentType is { Length: > 0 } t ? " The header names its type as <c>" + DocWriter.Escape(t) + "</c>; the kernel-doc says whether it is passed by value or by address." : string.Empty));
                    DocWriter.Param(w, "result", "The ioctl's non-negative return value on success (e.g. an answer or a new fd); -1 on failure.");
                    WriteReturns(w);
                    w.WriteLine("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                    w.WriteLine("public static Errno " + name + "(IoctlFd fd, nuint arg, out int result) => fd.Ioctl(" + requestArg + ", (void*)arg, out result);");
                    break;
                default:
                    DocWriter.RawElement(w, "summary", "Sends <see cref=\"" + request + "\"/>, which takes no argument." + what);
                    WriteFdParam(w);
                    DocWriter.Param(w, "result", "The ioctl's non-negative return value on success (e.g. an API version or a new fd); -1 on failure.");
                    WriteReturns(w);
                    w.WriteLine("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                    w.WriteLine("public static Errno " + name + "(IoctlFd fd, out int result) => fd.Ioctl(" + requestArg + ", null, out result);");
                    break;
            }
        }

        w.CloseBlock();
    }

    private static void WriteStructStubs(SourceWriter w, IoctlStub stub, string name, string request, string requestArg, string what)
    {
        string type = CSharpNames.Identifier(stub.Ioctl.ArgumentStruct!);
        string sets = stub.SizeField is null
            ? string.Empty
            : " after setting <c>arg." + stub.SizeField + "</c> to <see cref=\"" + type + "." + CSharpNames.NativeSizeName + "\"/>";
        DocWriter.RawElement(w, "summary", "Sends <see cref=\"" + request + "\"/> with <paramref name=\"arg\"/>" + sets + "." + what);
        WriteFdParam(w);
        DocWriter.Param(w, "arg", "The argument; the kernel writes its outputs back into it.");
        WriteReturns(w);
        w.WriteLine("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        w.WriteLine("public static Errno " + name + "(IoctlFd fd, ref " + type + " arg)");
        w.OpenBlock();
        if (stub.SizeField is not null)
        {
            w.WriteLine("arg." + CSharpNames.Identifier(stub.SizeField) + " = " + type + "." + CSharpNames.NativeSizeName + ";");
        }

        w.WriteLine("fixed (" + type + "* p = &arg)");
        w.OpenBlock();
        w.WriteLine("return fd.Ioctl(" + requestArg + ", p);");
        w.CloseBlock();
        w.CloseBlock();
        w.WriteLine();

        DocWriter.RawElement(
            w,
            "summary",
            "Sends <see cref=\"" + request + "\"/> with the caller's buffer as is: <c>size</c>/<c>argsz</c> is not touched (flexible-array buffers, probing)." + what);
        WriteFdParam(w);
        DocWriter.Param(w, "arg", "Pointer to the argument; its leading size member must already say how many bytes the kernel may read and write.");
        WriteReturns(w);
        w.WriteLine("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        w.WriteLine("public static Errno " + name + "(IoctlFd fd, " + type + "* arg) => fd.Ioctl(" + requestArg + ", arg);");
    }

    private static void WriteFdParam(SourceWriter w) =>
        DocWriter.Param(w, "fd", "The file descriptor (iommufd, VFIO container, group or device fd) and the target the request goes to.");

    private static void WriteReturns(SourceWriter w) =>
        DocWriter.RawElement(w, "returns", "<see cref=\"Errno.OK\"/>, or the errno the kernel or in-process target reported.");
}
