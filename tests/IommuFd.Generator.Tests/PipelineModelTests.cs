using System.Collections;
using System.Reflection;
using IommuFd.CHeaders;
using IommuFd.CHeaders.Model;
using IommuFd.Generator.Model;
using IommuFd.Generator.Pipeline;
using IommuFd.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace IommuFd.Generator.Tests;

/// <summary>
/// The generator's own pipeline values (emit plans and units) follow the model rule: value equality, no Roslyn types
/// (STJ's <c>SourceGenModelDoesNotEncapsulateSymbolsOrCompilationData</c>). The front end's model has its own tests
/// in IommuFd.CHeaders.Tests.
/// </summary>
public sealed class PipelineModelTests
{
    private static EmitPlan PlanOf(string line, string file)
    {
        string path = RepoPaths.Header(line, file);
        return EmitPlanner.Plan(HeaderParser.Parse(path, "linux/" + file, File.ReadAllText(path)));
    }

    [Theory]
    [InlineData("7.2", "iommufd.h")]
    [InlineData("7.2", "vfio.h")]
    [InlineData("6.1", "vfio.h")]
    public void Planning_twice_gives_equal_plans_and_hash_codes(string line, string file)
    {
        EmitPlan a = PlanOf(line, file), b = PlanOf(line, file);
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(a.Units.Count, a.Units.Distinct().Count());
    }

    [Fact]
    public void Emit_units_carry_no_locations()
    {
        EmitPlan plan = PlanOf("7.2", "vfio.h");
        foreach (object value in Walk(plan.Units))
        {
            if (value is SourceLocation loc)
            {
                Assert.Equal(new SourceLocation(string.Empty, 0, 0, 0, 0), loc);
            }
        }
    }

    [Fact]
    public void Pipeline_values_hold_no_Roslyn_objects()
    {
        Type[] forbidden = [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(Location), typeof(SourceText), typeof(AdditionalText), typeof(Diagnostic)];
        var (texts, options) = GeneratorHarness.Inputs(GeneratorHarness.LineHeaders("7.2"));
        HeaderInput input = HeaderInput.TryCreate(texts[0], options.GetOptions(texts[0]), default)!;
        ParseOutcome outcome = HeaderFrontEnd.Parse(input, null, default);
        EmitPlan plan = IommuFdGenerator.PlanSafely(outcome, default);
        GeneratedFile file = IommuFdGenerator.EmitSafely(plan.Units[0], default);

        foreach (object value in Walk(input).Concat(Walk(outcome)).Concat(Walk(plan)).Concat(Walk(file)))
        {
            Assert.DoesNotContain(forbidden, f => f.IsInstanceOfType(value));
        }
    }

    [Fact]
    public void Emitter_exceptions_become_IOMMUFD0000_with_the_exception_chain()
    {
        var bad = new StructUnit(
            "linux.bad.broken.g.cs",
            "linux/bad.h",
            ModelBuilder.Struct("broken", 4, 4, new FieldModel("x", "struct ?", FieldKind.Struct, 4, false, null, 0, 4, 0, 0, null, null, ModelBuilder.At(1))),
            EquatableArray<ConstantModel>.Empty,
            EquatableArray<IoctlUse>.Empty);
        GeneratedFile file = IommuFdGenerator.EmitSafely(bad, default);
        Assert.Null(file.Source);
        Assert.NotNull(file.Failure);
        Assert.Equal("IOMMUFD0000", file.Failure!.Id);
        Assert.Contains("InvalidOperationException", file.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("struct field without a struct name", file.Failure.Message, StringComparison.Ordinal);

        // Through the pipeline too: a parse outcome without a model plans to its failure and emits nothing.
        var failed = new ParseOutcome("/x.h", null, Failures.InternalError("/x.h", "x.h", new InvalidOperationException("outer", new FormatException("inner"))));
        EmitPlan plan = IommuFdGenerator.PlanSafely(failed, default);
        Assert.Empty(plan.Units);
        Assert.Contains("System.InvalidOperationException: outer ---> System.FormatException: inner", Assert.Single(plan.Diagnostics).Message, StringComparison.Ordinal);
    }

    // Every object reachable through public properties of records and equatable arrays.
    private static IEnumerable<object> Walk(object? root)
    {
        var stack = new Stack<object>();
        if (root is not null)
        {
            stack.Push(root);
        }

        while (stack.Count > 0)
        {
            object o = stack.Pop();
            yield return o;
            if (o is string || o.GetType().IsPrimitive || o.GetType().IsEnum)
            {
                continue;
            }

            if (o is IEnumerable items)
            {
                foreach (object? item in items)
                {
                    if (item is not null)
                    {
                        stack.Push(item);
                    }
                }

                continue;
            }

            foreach (PropertyInfo p in o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract" && p.GetValue(o) is { } v)
                {
                    stack.Push(v);
                }
            }
        }
    }
}
