using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using IommuFd.Generator.Pipeline;
using IommuFd.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace IommuFd.Generator.Tests;

/// <summary>
/// Incremental caching (LibraryImportGenerator's <c>IncrementalGenerationTests</c>): which named steps re-run after an
/// edit. The generator must cost nothing while the user types C#, and must not re-emit code when a header edit only
/// moves lines.
/// </summary>
public sealed class IncrementalTests
{
    private static readonly string[] s_allSteps =
    [
        StepNames.HeaderInputs, StepNames.UniqueHeaders, StepNames.Annotations, StepNames.ParseHeader, StepNames.PlanHeader,
        StepNames.Diagnostics, StepNames.EmitUnits, StepNames.EmitUnit, StepNames.EmitSource,
    ];

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorDriverRunResult result, string step) =>
        result.Results.Single().TrackedSteps.TryGetValue(step, out var runs)
            ? runs.SelectMany(r => r.Outputs).Select(o => o.Reason)
            : [];

    private static (GeneratorDriver Driver, ImmutableArray<AdditionalText> Texts) FirstRun(string line = "7.2")
    {
        var (texts, options) = GeneratorHarness.Inputs(GeneratorHarness.LineHeaders(line));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(texts, options).RunGenerators(GeneratorHarness.UserCompilation());
        Assert.All(s_allSteps, step => Assert.NotEmpty(Reasons(driver.GetRunResult(), step)));
        return (driver, texts);
    }

    [Fact]
    public void Unrelated_CSharp_edit_leaves_every_step_cached()
    {
        var (driver, _) = FirstRun();
        CSharpCompilation edited = GeneratorHarness.UserCompilation()
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace User; /// <summary>y</summary>\npublic static class Other { }", TestCompilation.ParseOptions, "Other.cs"));
        GeneratorDriverRunResult result = driver.RunGenerators(edited).GetRunResult();

        foreach (string step in s_allSteps)
        {
            Assert.All(Reasons(result, step), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        }
    }

    [Fact]
    public void Comment_only_header_edit_does_not_re_emit()
    {
        var (driver, texts) = FirstRun();
        var before = GeneratorHarness.Sources(driver.GetRunResult());
        AdditionalText header = texts.Single(t => t.Path.EndsWith("iommufd.h", StringComparison.Ordinal));
        string text = header.GetText()!.ToString();
        int at = text.IndexOf("#include", StringComparison.Ordinal);
        var edited = new InMemoryAdditionalText(header.Path, text.Insert(at, "/* A comment that moves every line below it. */\n\n"));

        driver = driver.ReplaceAdditionalText(header, edited).RunGenerators(GeneratorHarness.UserCompilation());
        GeneratorDriverRunResult result = driver.GetRunResult();

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, StepNames.ParseHeader));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, StepNames.PlanHeader));
        Assert.DoesNotContain(IncrementalStepRunReason.Modified, Reasons(result, StepNames.EmitUnits));
        Assert.Contains(IncrementalStepRunReason.Unchanged, Reasons(result, StepNames.EmitUnits));
        Assert.All(Reasons(result, StepNames.EmitSource), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.Equal(before, GeneratorHarness.Sources(result));

        // Diagnostics did move with the text (they have their own output).
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, StepNames.Diagnostics));
    }

    [Fact]
    public void Adding_a_struct_emits_one_new_file_and_leaves_the_others_cached()
    {
        var (driver, texts) = FirstRun();
        AdditionalText header = texts.Single(t => t.Path.EndsWith("iommufd.h", StringComparison.Ordinal));
        string text = header.GetText()!.ToString();
        int guardEnd = text.LastIndexOf("#endif", StringComparison.Ordinal);
        var edited = new InMemoryAdditionalText(header.Path, text.Insert(guardEnd, "struct added_by_test {\n\t__u32 size;\n\t__u32 value;\n};\n\n"));

        driver = driver.ReplaceAdditionalText(header, edited).RunGenerators(GeneratorHarness.UserCompilation());
        GeneratorDriverRunResult result = driver.GetRunResult();

        var emitted = result.Results.Single().TrackedSteps[StepNames.EmitSource]
            .SelectMany(r => r.Outputs)
            .ToList();
        var fresh = emitted.Where(o => o.Reason is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified).ToList();
        var file = Assert.Single(fresh);
        Assert.Equal("linux.iommufd.added_by_test.g.cs", ((GeneratedFile)file.Value).HintName);
        Assert.Contains(result.Results.Single().GeneratedSources, s => s.HintName == "linux.iommufd.added_by_test.g.cs");
    }

    [Fact]
    public void Removing_the_headers_removes_the_output()
    {
        var (driver, texts) = FirstRun();
        driver = driver.RemoveAdditionalTexts(texts).RunGenerators(GeneratorHarness.UserCompilation());
        Assert.Empty(driver.GetRunResult().Results.Single().GeneratedSources);
    }

    [Fact]
    public void No_headers_no_output()
    {
        GeneratorDriverRunResult result = GeneratorHarness.Run([], withAnnotations: true);
        Assert.Empty(result.Results.Single().GeneratedSources);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Driver_does_not_keep_the_old_compilation_alive()
    {
        // The scenario runs in its own frame so no JIT temporary of this method can root the old driver/compilation.
        var (old, driver) = RunScenario();
        for (int i = 0; i < 3 && old.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(old.IsAlive, "the generator driver keeps a previous compilation alive");
        GC.KeepAlive(driver);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Old, GeneratorDriver Driver) RunScenario()
    {
        var (driver, _) = FirstRun();
        WeakReference old = RunWithThrowawayCompilation(ref driver);
        driver = driver.RunGenerators(GeneratorHarness.UserCompilation("namespace User; /// <summary>z</summary>\npublic static class Z { }"));
        return (old, driver);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference RunWithThrowawayCompilation(ref GeneratorDriver driver)
    {
        CSharpCompilation compilation = GeneratorHarness.UserCompilation("namespace User; /// <summary>w</summary>\npublic static class W { }");
        driver = driver.RunGenerators(compilation);
        return new WeakReference(compilation);
    }
}
