using System.Text.RegularExpressions;
using IommuFd.CHeaders.Diagnostics;

namespace IommuFd.CHeaders.Tests;

public class DiagnosticCatalogTests
{
    [Fact]
    public void Ids_are_unique_and_in_the_front_end_ranges()
    {
        var ids = DiagnosticCatalog.All.Select(d => d.Id).ToList();
        Assert.True(ids.Count > 20);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches(new Regex("^IOMMUFD(0000|1[0-9]{3}|2[0-9]{3}|9[0-9]{3})$"), id));
        Assert.DoesNotContain(ids, id => id.StartsWith("IOMMUFD3", StringComparison.Ordinal)); // reserved for the emitter
    }

    [Fact]
    public void Every_message_format_formats_with_its_arguments()
    {
        foreach (DiagnosticDescriptor d in DiagnosticCatalog.All)
        {
            int args = Regex.Matches(d.MessageFormat, @"\{(\d+)\}").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1).DefaultIfEmpty(0).Max();
            var loc = new Model.SourceLocation("h", 1, 1, 0, 0);
            string message = d.Create(loc, Enumerable.Range(0, args).Select(i => (object?)("arg" + i)).ToArray()).Message;
            Assert.DoesNotContain("{", message, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(d.Title));
        }
    }

    [Fact]
    public void Every_reported_id_comes_from_the_catalogue()
    {
        var known = DiagnosticCatalog.All.Select(d => d.Id).ToHashSet();
        foreach (object[] h in Headers.AllHeaders())
        {
            Assert.All(Headers.Model((string)h[0], (string)h[1]).Diagnostics, d => Assert.Contains(d.Id, known));
        }
    }
}
