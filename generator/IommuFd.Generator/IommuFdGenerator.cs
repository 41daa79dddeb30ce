using System.Collections.Immutable;
using IommuFd.CHeaders.Model;
using IommuFd.Generator.Diagnostics;
using IommuFd.Generator.Emit;
using IommuFd.Generator.Model;
using IommuFd.Generator.Pipeline;
using Microsoft.CodeAnalysis;

namespace IommuFd.Generator;

/// <summary>
/// Turns Linux uapi headers (AdditionalFiles flagged <c>IommuFdHeader=true</c>) into C# interop in
/// <c>IommuFd.Interop</c>: blittable structs, enums, constants, ioctl numbers and zero-allocation ioctl stubs.
/// </summary>
/// <remarks>
/// <para>Pipeline (each step named in <see cref="StepNames"/>):</para>
/// <code>
/// AdditionalTexts ─Where(*.h + IommuFdHeader)→ HeaderInputs ─Collect/first per include name→ UniqueHeaders
///     UniqueHeaders ─Combine(Annotations)→ ParseHeader → PlanHeader
///     PlanHeader → Diagnostics ─────────────────────────────→ RegisterSourceOutput(report)
///     PlanHeader → EmitUnits ─SelectMany→ EmitUnit → EmitSource → RegisterSourceOutput(AddSource)
/// </code>
/// <para>
/// Diagnostics have their own output (System.Text.Json generator, dotnet/runtime#92509): their positions move with
/// every edit above them, and that must not re-emit code. Emit units carry no locations, so an edit that only moves
/// lines stops at <see cref="StepNames.EmitUnits"/> (Unchanged) and nothing downstream runs. The compilation is never
/// an input: editing C# never re-runs any step. No input, no output.
/// </para>
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class IommuFdGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<HeaderInput> headers = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, ct) => HeaderInput.TryCreate(pair.Left, pair.Right.GetOptions(pair.Left), ct))
            .Where(static h => h is not null)
            .Select(static (h, _) => h!)
            .WithTrackingName(StepNames.HeaderInputs);

        // Two AdditionalFiles with one include name (a header added twice, or an include dir plus a hand-added item)
        // would generate the same hint names, which fails the whole generator. Keep the first, report the others.
        // Collect + SelectMany keeps per-header caching: unchanged headers come out Unchanged and are not re-parsed.
        IncrementalValueProvider<ImmutableArray<HeaderInput>> allHeaders = headers.Collect();
        context.RegisterSourceOutput(allHeaders, static (spc, all) =>
        {
            foreach (HeaderInput duplicate in Duplicates(all))
            {
                spc.ReportDiagnostic(new DiagnosticInfo(
                    DiagnosticDescriptors.DuplicateFile,
                    HeaderDiagnosticSeverity.Warning,
                    "Header '" + duplicate.Path + "' has the include name " + duplicate.IncludeName + " of an earlier header; it is ignored. Is the same header added twice as an AdditionalFile?",
                    duplicate.Path,
                    0,
                    0,
                    0,
                    0).ToDiagnostic());
            }
        });
        headers = allHeaders
            .SelectMany(static (all, _) => Unique(all))
            .WithTrackingName(StepNames.UniqueHeaders);

        // At most one annotation file is expected; the first one wins (a second is almost certainly a glue mistake,
        // and picking deterministically keeps the output stable).
        IncrementalValueProvider<AnnotationsInput?> annotations = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Where(static pair => HeaderInput.IsFlagged(pair.Right.GetOptions(pair.Left), HeaderInput.AnnotationsMetadata))
            .Select(static (pair, ct) => new AnnotationsInput(pair.Left.Path, pair.Left.GetText(ct)?.ToString() ?? string.Empty))
            .Collect()
            .Select(static (files, _) => files.IsDefaultOrEmpty ? null : files.OrderBy(f => f.Path, StringComparer.Ordinal).First())
            .WithTrackingName(StepNames.Annotations);

        // Headers without dependencies parse on their own; a header that includes others (IommuFdDependsOn, e.g. the
        // selftest iommufd_test.h on linux/iommufd.h) parses with their models, so it waits for those.
        IncrementalValuesProvider<ParseOutcome> independent = headers
            .Where(static h => h.DependsOn.Count == 0)
            .Combine(annotations)
            .Select(static (pair, ct) => HeaderFrontEnd.Parse(pair.Left, pair.Right, ct))
            .WithTrackingName(StepNames.ParseHeader);
        IncrementalValueProvider<ImmutableArray<HeaderModel>> dependencyModels = independent
            .Where(static o => o.Model is not null)
            .Select(static (o, _) => o.Model!)
            .Collect();
        IncrementalValuesProvider<ParseOutcome> dependent = headers
            .Where(static h => h.DependsOn.Count > 0)
            .Combine(annotations)
            .Combine(dependencyModels)
            .Select(static (pair, ct) => HeaderFrontEnd.Parse(pair.Left.Left, pair.Left.Right, pair.Right, ct))
            .WithTrackingName(StepNames.ParseHeader);

        IncrementalValuesProvider<EmitPlan> plans = independent.Collect()
            .Combine(dependent.Collect())
            .SelectMany(static (pair, _) => pair.Left.AddRange(pair.Right))
            .Select(static (outcome, ct) => PlanSafely(outcome, ct))
            .WithTrackingName(StepNames.PlanHeader);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = plans
            .Select(static (plan, _) => plan.Diagnostics)
            .WithTrackingName(StepNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, items) =>
        {
            foreach (DiagnosticInfo d in items)
            {
                spc.ReportDiagnostic(d.ToDiagnostic());
            }
        });

        IncrementalValuesProvider<GeneratedFile> files = plans
            .Select(static (plan, _) => plan.Units)
            .WithTrackingName(StepNames.EmitUnits)
            .SelectMany(static (units, _) => (IEnumerable<EmitUnit>)units)
            .WithTrackingName(StepNames.EmitUnit)
            .Select(static (unit, ct) => EmitSafely(unit, ct))
            .WithTrackingName(StepNames.EmitSource);
        context.RegisterSourceOutput(files, static (spc, file) =>
        {
            if (file.Source is not null)
            {
                spc.AddSource(file.HintName, file.Source);
            }

            if (file.Failure is not null)
            {
                spc.ReportDiagnostic(file.Failure.ToDiagnostic());
            }
        });
    }

    private static IEnumerable<HeaderInput> Unique(ImmutableArray<HeaderInput> all)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (HeaderInput h in all)
        {
            if (seen.Add(h.IncludeName))
            {
                yield return h;
            }
        }
    }

    private static IEnumerable<HeaderInput> Duplicates(ImmutableArray<HeaderInput> all)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (HeaderInput h in all)
        {
            if (!seen.Add(h.IncludeName))
            {
                yield return h;
            }
        }
    }

    internal static EmitPlan PlanSafely(ParseOutcome outcome, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (outcome.Model is null)
        {
            return EmitPlan.Failed(outcome.Failure!);
        }

        try
        {
            EmitPlan plan = EmitPlanner.Plan(outcome.Model, outcome.StubClass);
            if (!outcome.Emit)
            {
                // Read only as a dependency: its own build (the assembly that emits it) reports its warnings.
                plan = new EmitPlan(EquatableArray<EmitUnit>.Empty, plan.Diagnostics.Where(d => d.Severity == HeaderDiagnosticSeverity.Error).ToEquatableArray());
            }

            return outcome.DependencyDiagnostics.Count == 0
                ? plan
                : plan with { Diagnostics = outcome.DependencyDiagnostics.Concat(plan.Diagnostics).ToEquatableArray() };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return EmitPlan.Failed(Failures.InternalError(outcome.Path, outcome.Model.IncludeName + " (planning)", ex));
        }
    }

    internal static GeneratedFile EmitSafely(EmitUnit unit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return new GeneratedFile(unit.HintName, Emitter.Emit(unit), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The unit has no location by design; the diagnostic names the header and the file instead.
            return new GeneratedFile(unit.HintName, null, Failures.InternalError(unit.IncludeName, unit.HintName + " (emitting)", ex));
        }
    }
}
