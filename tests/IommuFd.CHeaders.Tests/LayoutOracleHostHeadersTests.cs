using IommuFd.CHeaders.Model;
using IommuFd.CHeaders.Oracle;

namespace IommuFd.CHeaders.Tests;

/// <summary>
/// The layout oracle beyond iommufd/vfio: uapi headers of the machine's own linux-libc-dev (a dependency of
/// libc6-dev, so present wherever gcc is) that use constructs our two headers do not - #pragma pack, attribute
/// macros, aligned(expr), const pointers, escaped strings, cast constants, endian-conditional members. gcc must accept
/// every fact the model states about them; structs the front end cannot model must be left out, not wrong.
/// </summary>
public class LayoutOracleHostHeadersTests
{
    private const string HostInclude = "/usr/include";

    public static IEnumerable<object[]> HostHeaders => new[]
    {
        "eventpoll.h", "batadv_packet.h", "rseq.h", "elf.h", "fd.h", "kexec.h", "atalk.h", "netlink_diag.h",
        "aio_abi.h", "cdrom.h", "tcp.h", "io_uring.h", "fuse.h", "if_tunnel.h", "btrfs.h", "landlock.h", "userfaultfd.h",
    }.Select(h => new object[] { h });

    [Theory]
    [MemberData(nameof(HostHeaders))]
    public void Gcc_agrees_with_the_model_of_a_host_uapi_header(string header)
    {
        string path = Path.Combine(HostInclude, "linux", header);
        Assert.True(Directory.Exists(Path.Combine(HostInclude, "linux")), "The host uapi headers (/usr/include/linux, package linux-libc-dev) are missing; install gcc/libc6-dev.");
        if (!File.Exists(path))
        {
            return; // this header is not shipped by the host's linux-libc-dev version
        }

        HeaderModel m = HeaderParser.Parse(path, "linux/" + header, File.ReadAllText(path));
        Assert.DoesNotContain(m.Diagnostics, d => d.Id == "IOMMUFD0000");

        // Some headers use _IO* without including <linux/ioctl.h>; include it so the oracle is about the model.
        string source = "#include <linux/ioctl.h>\n#include <linux/types.h>\n" + LayoutOracleWriter.Write(new[] { m });
        (int exit, string errors) = Compile(source);
        Assert.True(exit == 0, $"gcc rejected the oracle of {path}:\n{errors}");
    }

    private static (int ExitCode, string Errors) Compile(string source) =>
        LayoutOracleGcc.CompileWith(["-fsyntax-only", "-std=gnu11", "-D__EXPORTED_HEADERS__", "-x", "c", "-"], source);
}
