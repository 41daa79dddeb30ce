using System.Reflection;
using IommuFd.CHeaders.Model;

namespace IommuFd.CHeaders.Tests;

/// <summary>
/// The incremental generator caches on model equality, so the model must compare by value, contain only values,
/// and not change when only comments change.
/// </summary>
public class ModelEqualityTests
{
    [Theory]
    [MemberData(nameof(Headers.AllHeaders), MemberType = typeof(Headers))]
    public void Parsing_the_same_text_twice_gives_equal_models_and_hash_codes(string line, string header)
    {
        string text = Headers.Text(line, header);
        HeaderModel a = HeaderParser.Parse("h", "linux/" + header, text, Headers.Annotations);
        HeaderModel b = HeaderParser.Parse("h", "linux/" + header, new string(text.ToCharArray()), Headers.Annotations);
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void A_changed_struct_is_not_equal()
    {
        string text = "struct snip { __u32 a; __u32 b; };";
        Assert.NotEqual(Headers.Snippet(text), Headers.Snippet(text.Replace("__u32 b", "__u64 b", StringComparison.Ordinal)));
        Assert.NotEqual(Headers.Snippet(text), Headers.Snippet(text.Replace(" b;", " c;", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("7.2", "iommufd.h", "NVIDIA CORPORATION", "NVIDIA CORPORATIOM")]
    [InlineData("7.2", "vfio.h", "IOCTLs for VFIO file descriptor", "ioctls for vfio file descriptor")]
    public void Same_length_edit_inside_a_plain_comment_leaves_the_model_equal(string line, string header, string from, string to)
    {
        string text = Headers.Text(line, header);
        Assert.Contains(from, text, StringComparison.Ordinal);
        HeaderModel before = HeaderParser.Parse("h", "linux/" + header, text, Headers.Annotations);
        HeaderModel after = HeaderParser.Parse("h", "linux/" + header, ReplaceFirst(text, from, to), Headers.Annotations);
        Assert.Equal(before, after);
    }

    [Theory]
    [InlineData("7.2", "iommufd.h", "NVIDIA CORPORATION", "NVIDIA CORPORATION and some longer words")]
    [InlineData("7.2", "vfio.h", "IOCTLs for VFIO file descriptor", "IOCTLs")]
    public void Comment_edit_that_keeps_line_count_only_moves_character_offsets(string line, string header, string from, string to)
    {
        string text = Headers.Text(line, header);
        HeaderModel before = HeaderParser.Parse("h", "linux/" + header, text, Headers.Annotations);
        HeaderModel after = HeaderParser.Parse("h", "linux/" + header, ReplaceFirst(text, from, to), Headers.Annotations);
        Assert.NotEqual(before, after); // Start offsets moved...
        Assert.Equal(WithoutOffsets(before), WithoutOffsets(after)); // ...but lines, columns and content did not
    }

    [Fact]
    public void Model_graph_contains_only_values()
    {
        Assert.Empty(ForbiddenTypes(typeof(HeaderModel)));
    }

    [Fact]
    public void Model_walk_detects_reference_typed_members()
    {
        // Guards the walk itself: a model with a list or an object must be reported.
        Assert.Equal(2, ForbiddenTypes(typeof(BadModel)).Count);
    }

    private sealed record BadModel(string Name, List<int> Items, object Anything);

    /// <summary>Walks property types; allows string, primitives, enums, EquatableArray of allowed, and model records.</summary>
    private static List<string> ForbiddenTypes(Type root)
    {
        var bad = new List<string>();
        var seen = new HashSet<Type>();
        void Visit(Type t, string path)
        {
            Type u = Nullable.GetUnderlyingType(t) ?? t;
            if (u == typeof(string) || u.IsPrimitive || u.IsEnum || !seen.Add(u))
            {
                return;
            }

            if (u.IsGenericType && u.GetGenericTypeDefinition() == typeof(EquatableArray<>))
            {
                Visit(u.GetGenericArguments()[0], path + "[]");
                return;
            }

            bool isModelRecord = (u.Namespace == typeof(HeaderModel).Namespace || u.DeclaringType == typeof(ModelEqualityTests))
                && u.IsSealed && u.GetMethod("<Clone>$") is not null
                && typeof(IEquatable<>).MakeGenericType(u).IsAssignableFrom(u);
            if (!isModelRecord)
            {
                bad.Add($"{path}: {u.FullName}");
                return;
            }

            foreach (PropertyInfo p in u.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != "EqualityContract"))
            {
                Visit(p.PropertyType, path + "." + p.Name);
            }
        }

        Visit(root, root.Name);
        return bad;
    }

    private static string ReplaceFirst(string text, string from, string to)
    {
        int i = text.IndexOf(from, StringComparison.Ordinal);
        return text.Substring(0, i) + to + text.Substring(i + from.Length);
    }

    private static SourceLocation L(SourceLocation l) => l with { Start = 0 };

    private static HeaderModel WithoutOffsets(HeaderModel m) => m with
    {
        Structs = m.Structs.Select(s => s with { Location = L(s.Location), Fields = s.Fields.Select(f => f with { Location = L(f.Location) }).ToEquatableArray() }).ToEquatableArray(),
        Enums = m.Enums.Select(e => e with { Location = L(e.Location), Enumerators = e.Enumerators.Select(x => x with { Location = L(x.Location) }).ToEquatableArray() }).ToEquatableArray(),
        Constants = m.Constants.Select(c => c with { Location = L(c.Location) }).ToEquatableArray(),
        Ioctls = m.Ioctls.Select(i => i with { Location = L(i.Location) }).ToEquatableArray(),
        DocSections = m.DocSections.Select(d => d with { Location = L(d.Location) }).ToEquatableArray(),
        Diagnostics = m.Diagnostics.Select(d => d.Location.Path == m.Path ? d with { Location = L(d.Location) } : d).ToEquatableArray(),
    };
}
