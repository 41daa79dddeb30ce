using System.Globalization;
using System.Text;
using System.Text.Json;
using IommuFd.Interop;

namespace IommuFd.KernelLane.Harness;

/// <summary>One observed fact about the kernel: what we expected, what the kernel did.</summary>
/// <param name="Name">Stable dotted name (<c>group.subject.case</c>); the simulator lane keys on it.</param>
/// <param name="Expected">The expected result in canonical text (<c>OK</c>, an errno name, or <c>key=value</c>s).</param>
/// <param name="Actual">The observed result in the same canonical text.</param>
/// <param name="Detail">Free text for humans (ids, addresses that are not part of the contract).</param>
internal sealed record CheckResult(string Name, string Expected, string Actual, string? Detail)
{
    /// <summary>A check passes when the canonical texts are equal, nothing else.</summary>
    public bool Pass => string.Equals(Expected, Actual, StringComparison.Ordinal);
}

/// <summary>
/// Collects check results, prints one console line per check and writes the machine-readable result file.
/// </summary>
/// <remarks>
/// Canonical texts are what the in-process simulator will later be held against, so they contain only facts the uAPI
/// defines (errnos, returned fields, data comparisons) and never addresses or timings, which go to <c>Detail</c>.
/// Names are unique; a duplicate is a bug in the check program and fails the run.
/// </remarks>
internal sealed class CheckLog
{
    private readonly List<CheckResult> _results = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private string _group = "";

    public IReadOnlyList<CheckResult> Results => _results;

    public int Failed => _results.Count(r => !r.Pass);

    /// <summary>Sets the prefix of the following check names (e.g. <c>ioas</c>).</summary>
    public void Group(string group)
    {
        _group = group;
        Console.WriteLine($"--- {group}");
    }

    /// <summary>Records a check whose expected and actual results are already canonical strings.</summary>
    public bool Text(string name, string expected, string actual, string? detail = null)
    {
        string full = _group.Length == 0 ? name : _group + "." + name;
        if (!_names.Add(full))
        {
            throw new InvalidOperationException($"duplicate check name '{full}'");
        }

        var result = new CheckResult(full, expected, actual, detail);
        _results.Add(result);
        string line = result.Pass
            ? $"PASS {full}: {actual}"
            : $"FAIL {full}: expected {expected}, actual {actual}";
        Console.WriteLine(detail is null ? line : $"{line}   ({detail})");
        return result.Pass;
    }

    /// <summary>Records an ioctl outcome: <see cref="Errno.OK"/> prints as <c>OK</c>, failures as the errno name.</summary>
    public bool Errno(string name, Errno expected, Errno actual, string? detail = null) =>
        Text(name, Show(expected), Show(actual), detail);

    /// <summary>Records an ioctl outcome plus output fields: <c>OK a=1 b=2</c>.</summary>
    public bool Outcome(string name, Errno expected, string expectedFields, Errno actual, string actualFields, string? detail = null) =>
        Text(name, Join(Show(expected), expectedFields), Join(Show(actual), actual == Interop.Errno.OK ? actualFields : ""), detail);

    /// <summary>Records a value comparison.</summary>
    public bool Value<T>(string name, T expected, T actual, string? detail = null)
        where T : notnull =>
        Text(name, Format(expected), Format(actual), detail);

    public static string Show(Errno e) => e == Interop.Errno.OK ? "OK" : Enum.IsDefined(e) ? e.ToString() : $"errno {(int)e}";

    public static string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);

    private static string Join(string a, string b) => b.Length == 0 ? a : a + " " + b;

    private static string Format<T>(T v) where T : notnull => v switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    /// <summary>
    /// Writes the result file: a JSON object with the run's metadata and one record per line under <c>checks</c>, so
    /// that <c>grep</c> works on it as well as a JSON parser.
    /// </summary>
    public void WriteJson(string path, IReadOnlyDictionary<string, string> meta)
    {
        var sb = new StringBuilder();
        sb.Append("{\n  \"schema\": \"iommufd-kernel-lane/1\",\n");
        foreach (var (k, v) in meta)
        {
            sb.Append("  ").Append(JsonSerializer.Serialize(k)).Append(": ").Append(JsonSerializer.Serialize(v)).Append(",\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"  \"total\": {_results.Count},\n  \"failed\": {Failed},\n  \"checks\": [\n");
        for (int i = 0; i < _results.Count; i++)
        {
            CheckResult r = _results[i];
            sb.Append("    {\"name\": ").Append(JsonSerializer.Serialize(r.Name))
              .Append(", \"expected\": ").Append(JsonSerializer.Serialize(r.Expected))
              .Append(", \"actual\": ").Append(JsonSerializer.Serialize(r.Actual))
              .Append(", \"pass\": ").Append(r.Pass ? "true" : "false");
            if (r.Detail is not null)
            {
                sb.Append(", \"detail\": ").Append(JsonSerializer.Serialize(r.Detail));
            }

            sb.Append(i + 1 < _results.Count ? "},\n" : "}\n");
        }

        sb.Append("  ]\n}\n");
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, sb.ToString());
        File.Move(tmp, path, overwrite: true);
    }
}
