using System.Diagnostics;
using IommuFd.CHeaders.Oracle;

namespace IommuFd.CHeaders.Tests;

/// <summary>Runs gcc on an oracle translation unit.</summary>
internal static class LayoutOracleGcc
{
    public static string Gcc
    {
        get
        {
            foreach (string candidate in new[] { "/usr/bin/gcc", "/usr/local/bin/gcc" })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            string? onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
                .Select(d => Path.Combine(d, "gcc")).FirstOrDefault(File.Exists);
            return onPath ?? throw new Xunit.Sdk.XunitException(
                "gcc is required for the layout oracle but was not found (/usr/bin/gcc or PATH). Install it with 'sudo apt-get install gcc' (CI installs it).");
        }
    }

    /// <summary>Compiles <paramref name="source"/> against a header line; returns gcc's exit code and diagnostics.</summary>
    public static (int ExitCode, string Errors) Compile(string line, string source) =>
        CompileWith(LayoutOracleWriter.CompilerArguments(Headers.LineDirectory(line)), source);

    /// <summary>
    /// Writes <paramref name="headerText"/> as linux/&lt;name&gt; in a temporary include directory and compiles the
    /// oracle of <paramref name="model"/> against it (and the 7.2 header line for linux/types.h).
    /// </summary>
    public static (int ExitCode, string Errors) CompileSnippet(string name, string headerText, IommuFd.CHeaders.Model.HeaderModel model)
    {
        string dir = Path.Combine(Path.GetTempPath(), "iommufd-oracle-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "linux"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "linux", name), headerText);
            return CompileWith(new[] { "-fsyntax-only", "-std=gnu11", "-I", dir, "-I", Headers.LineDirectory("7.2"), "-nostdinc", "-x", "c", "-" }, LayoutOracleWriter.Write(new[] { model }));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs gcc with <paramref name="arguments"/> on <paramref name="source"/> from stdin.</summary>
    public static (int ExitCode, string Errors) CompileWith(IEnumerable<string> arguments, string source)
    {
        var psi = new ProcessStartInfo(Gcc)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        p.StandardInput.Write(source);
        p.StandardInput.Close();
        if (!p.WaitForExit(120_000))
        {
            p.Kill();
            throw new TimeoutException("gcc did not finish within 120 s");
        }

        return (p.ExitCode, stderr.Result + stdout.Result);
    }
}
