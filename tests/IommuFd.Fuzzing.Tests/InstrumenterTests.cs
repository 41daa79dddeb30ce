using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using IommuFd.Fuzzing.Instrument;
using IommuFd.Fuzzing.Runtime;
using IommuFd.Fuzzing.Samples;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace IommuFd.Fuzzing.Tests;

/// <summary>
/// The instrumenter adds probes where AFL expects them, refuses what it must not touch, and leaves behaviour
/// unchanged: instrumented copies of the IL-shape samples and of Mono.Cecil itself produce exactly the original
/// results. (The instrumented-copy run of other projects' unit tests is fuzz/verify-instrumentation.)
/// Tests here share the global coverage map, so they live in one class (xunit runs a class sequentially).
/// </summary>
public sealed class InstrumenterTests : IDisposable
{
    private readonly TempDirectory _temp = new("instrument");

    public void Dispose() => _temp.Dispose();

    private string SamplesPath => typeof(IlShapes).Assembly.Location;

    private string InstrumentCopy(string source, params string[] prefixes)
    {
        string copy = _temp.Combine(Path.GetFileName(source));
        File.Copy(source, copy, overwrite: true);
        string pdb = Path.ChangeExtension(source, ".pdb");
        if (File.Exists(pdb))
        {
            File.Copy(pdb, Path.ChangeExtension(copy, ".pdb"), overwrite: true);
        }

        Instrumenter.Instrument(copy, new InstrumentationOptions { IncludePrefixes = prefixes });
        return copy;
    }

    [Fact]
    public void Probes_sit_at_every_block_leader()
    {
        string copy = InstrumentCopy(SamplesPath);
        using var module = ModuleDefinition.ReadModule(copy);
        int methods = 0;
        foreach (MethodDefinition method in module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody && !(m.IsStatic && m.IsConstructor)))
        {
            if (method.DeclaringType.Name == Instrumenter.MarkerTypeName)
            {
                continue;
            }

            methods++;
            var body = method.Body;
            var leaders = new List<Instruction> { body.Instructions[0] };
            foreach (Instruction i in body.Instructions)
            {
                if (i.Operand is Instruction target)
                {
                    leaders.Add(target);
                }

                if (i.Operand is Instruction[] targets)
                {
                    leaders.AddRange(targets);
                }

                if (i.OpCode.FlowControl == FlowControl.Cond_Branch && i.Next is not null)
                {
                    leaders.Add(i.Next);
                }
            }

            leaders.AddRange(body.ExceptionHandlers.Select(h => h.HandlerStart));
            leaders.AddRange(body.ExceptionHandlers.Where(h => h.FilterStart is not null).Select(h => h.FilterStart));
            foreach (Instruction leader in leaders)
            {
                Assert.True(IsProbeStart(leader), $"{method.FullName}: IL_{leader.Offset:x4} ({leader.OpCode}) is a block leader without a probe");
            }
        }

        Assert.True(methods > 40, $"only {methods} methods checked");
    }

    private static bool IsProbeStart(Instruction i) =>
        i.OpCode == OpCodes.Ldsfld && i.Operand is FieldReference { Name: Coverage.MapFieldName, DeclaringType.Name: nameof(Coverage) };

    [Fact]
    public void Instrumented_il_shapes_behave_identically()
    {
        string copy = InstrumentCopy(SamplesPath);
        using var context = new IsolatedContext(new() { ["IommuFd.Fuzzing.Samples"] = copy });
        Assembly instrumented = context.LoadFromAssemblyName(new AssemblyName("IommuFd.Fuzzing.Samples"));
        Assert.NotSame(typeof(IlShapes).Assembly, instrumented);
        var transcript = instrumented.GetType(typeof(IlShapes).FullName!)!.GetMethod(nameof(IlShapes.Transcript))!
            .CreateDelegate<Func<int, string>>();
        var dispatch = instrumented.GetType(typeof(PlantedBugDecoder).FullName!)!.GetMethod(nameof(PlantedBugDecoder.Dispatch))!;

        Coverage.Clear();
        for (int seed = -300; seed <= 300; seed++)
        {
            Assert.Equal(IlShapes.Transcript(seed), transcript(seed));
        }

        Assert.True(Coverage.CountHitEdges() > 100, "the instrumented copy did not write the coverage map");

        var random = new Random(1234);
        for (int i = 0; i < 2000; i++)
        {
            byte[] input = new byte[random.Next(0, 64)];
            random.NextBytes(input);
            if (i % 2 == 0 && input.Length >= 4)
            {
                BitConverter.TryWriteBytes(input, 0x3B80 + random.Next(0, 8));
            }

            Assert.Equal(Outcome(() => PlantedBugDecoder.Dispatch(input)), Outcome(() => InvokeDispatch(dispatch, input)));
        }
    }

    private static int InvokeDispatch(MethodInfo dispatch, byte[] input)
    {
        var f = dispatch.CreateDelegate<SpanFunc>();
        return f(input);
    }

    private delegate int SpanFunc(ReadOnlySpan<byte> data);

    private static string Outcome(Func<int> f)
    {
        try
        {
            return f().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    [Fact]
    public void Coverage_map_distinguishes_paths_and_is_deterministic()
    {
        string copy = InstrumentCopy(SamplesPath, "IommuFd.Fuzzing.Samples.PlantedBugDecoder");
        using var context = new IsolatedContext(new() { ["IommuFd.Fuzzing.Samples"] = copy });
        var dispatch = context.LoadFromAssemblyName(new AssemblyName("IommuFd.Fuzzing.Samples"))
            .GetType(typeof(PlantedBugDecoder).FullName!)!.GetMethod(nameof(PlantedBugDecoder.Dispatch))!.CreateDelegate<SpanFunc>();
        byte[] map = File.ReadAllBytes(Path.Combine(TestPaths.Corpora, "planted", "ioas-map"));
        byte[] destroy = File.ReadAllBytes(Path.Combine(TestPaths.Corpora, "planted", "destroy"));

        HashSet<int> Trace(byte[] input)
        {
            Coverage.Clear();
            dispatch(input);
            var hit = new HashSet<int>();
            unsafe
            {
                for (int i = 0; i < Coverage.MapSize; i++)
                {
                    if (Coverage.Map[i] != 0)
                    {
                        hit.Add(i);
                    }
                }
            }

            return hit;
        }

        HashSet<int> first = Trace(map);
        Assert.NotEmpty(first);
        Assert.Equal(first, Trace(map));
        Assert.NotEqual(first, Trace(destroy));
    }

    [Fact]
    public void Instrumented_copy_keeps_line_numbers_in_stack_traces()
    {
        string copy = InstrumentCopy(SamplesPath);
        using var context = new IsolatedContext(new() { ["IommuFd.Fuzzing.Samples"] = copy });
        var dispatch = context.LoadFromAssemblyName(new AssemblyName("IommuFd.Fuzzing.Samples"))
            .GetType(typeof(PlantedBugDecoder).FullName!)!.GetMethod(nameof(PlantedBugDecoder.Dispatch))!.CreateDelegate<SpanFunc>();
        byte[] reproducer = Directory.GetFiles(Path.Combine(TestPaths.Regressions, "planted")).Select(File.ReadAllBytes).First();

        var original = Assert.Throws<PlantedBugException>(() => PlantedBugDecoder.Dispatch(reproducer));
        var instrumented = Assert.ThrowsAny<Exception>(() => dispatch(reproducer));

        StackFrame expected = new StackTrace(original, true).GetFrame(0)!;
        StackFrame actual = new StackTrace(instrumented, true).GetFrame(0)!;
        Assert.True(expected.GetFileLineNumber() > 0);
        Assert.Equal(expected.GetFileLineNumber(), actual.GetFileLineNumber());
        Assert.Equal(expected.GetMethod()!.Name, actual.GetMethod()!.Name);
    }

    [Fact]
    public void Instrumented_mono_cecil_reads_and_writes_identically()
    {
        string cecil = InstrumentCopy(typeof(ModuleDefinition).Assembly.Location, "Mono.Cecil");
        using var context = new IsolatedContext(new()
        {
            ["Mono.Cecil"] = cecil,
            [typeof(CecilDump).Assembly.GetName().Name!] = typeof(CecilDump).Assembly.Location,
        });
        var dump = context.LoadFromAssemblyName(typeof(CecilDump).Assembly.GetName())
            .GetType(typeof(CecilDump).FullName!)!.GetMethod(nameof(CecilDump.Dump))!.CreateDelegate<Func<string, string>>();

        Coverage.Clear();
        foreach (string subject in new[] { SamplesPath, typeof(Coverage).Assembly.Location, typeof(Instrumenter).Assembly.Location })
        {
            string expected = CecilDump.Dump(subject);
            Assert.Equal(expected, dump(subject));
        }

        Assert.True(Coverage.CountHitEdges() > 1000, "instrumented Cecil did not write the coverage map");
    }

    [Fact]
    public void Refuses_an_already_instrumented_assembly()
    {
        string copy = InstrumentCopy(SamplesPath);
        Assert.True(Instrumenter.IsInstrumented(copy));
        var e = Assert.Throws<InstrumentationRefusedException>(() => Instrumenter.Instrument(copy, new InstrumentationOptions()));
        Assert.Contains("already instrumented", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mixed", "not IL-only")]
    [InlineData("readytorun", "ReadyToRun")]
    [InlineData("sharpfuzz", "SharpFuzz")]
    public void Refuses_images_it_must_not_rewrite(string kind, string expectedMessage)
    {
        string path = _temp.Combine(kind + ".dll");
        switch (kind)
        {
            case "mixed":
                // Cecil will not write a mixed-mode image, so clear COMIMAGE_FLAGS_ILONLY in the CLI header directly.
                PatchCorFlags(SamplesPath, path, flags => flags & ~0x1u);
                break;
            case "readytorun":
                PatchCorFlags(SamplesPath, path, flags => flags | 0x4u);   // COMIMAGE_FLAGS_IL_LIBRARY (crossgen2 output)
                break;
            default:
                using (var module = ModuleDefinition.ReadModule(SamplesPath, new ReaderParameters { InMemory = true }))
                {
                    module.AssemblyReferences.Add(new AssemblyNameReference("SharpFuzz.Common", new Version(2, 0)));
                    module.Write(path);
                }

                break;
        }

        var e = Assert.Throws<InstrumentationRefusedException>(() => Instrumenter.Instrument(path, new InstrumentationOptions()));
        Assert.Contains(expectedMessage, e.Message, StringComparison.Ordinal);
        Assert.False(Instrumenter.IsInstrumented(path));
    }

    /// <summary>Copies a PE file, rewriting the CLI header's Flags word (ECMA-335 II.25.3.3).</summary>
    private static void PatchCorFlags(string source, string destination, Func<uint, uint> patch)
    {
        byte[] image = File.ReadAllBytes(source);
        var span = image.AsSpan();
        int pe = BitConverter.ToInt32(image, 0x3C);
        int sections = BitConverter.ToUInt16(image, pe + 6);
        int optionalSize = BitConverter.ToUInt16(image, pe + 20);
        int optional = pe + 24;
        bool pe32Plus = BitConverter.ToUInt16(image, optional) == 0x20B;
        int clrDirectory = optional + (pe32Plus ? 112 : 96) + (14 * 8);
        uint clrRva = BitConverter.ToUInt32(image, clrDirectory);
        int sectionTable = optional + optionalSize;
        for (int i = 0; i < sections; i++)
        {
            int header = sectionTable + (i * 40);
            uint virtualSize = BitConverter.ToUInt32(image, header + 8);
            uint virtualAddress = BitConverter.ToUInt32(image, header + 12);
            uint rawPointer = BitConverter.ToUInt32(image, header + 20);
            if (clrRva >= virtualAddress && clrRva < virtualAddress + virtualSize)
            {
                int flagsOffset = (int)(clrRva - virtualAddress + rawPointer) + 16;
                uint flags = BitConverter.ToUInt32(image, flagsOffset);
                BitConverter.TryWriteBytes(span[flagsOffset..], patch(flags));
                File.WriteAllBytes(destination, image);
                return;
            }
        }

        throw new InvalidOperationException("no CLI header found");
    }

    [Fact]
    public void Harvests_a_dictionary_of_compared_constants_and_literals()
    {
        string dictionary = _temp.Combine("auto.dict");
        var result = Instrumenter.Instrument(SamplesPath, new InstrumentationOptions
        {
            OutputPath = _temp.Combine("dict.dll"),
            IncludePrefixes = ["IommuFd.Fuzzing.Samples.PlantedBugDecoder"],
            DictionaryPath = dictionary,
        });
        string[] lines = File.ReadAllLines(dictionary);
        Assert.Equal(result.DictionaryEntries, lines.Count(l => l.StartsWith("auto_", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.EndsWith("=\"\\x80;\\x00\\x00\"", StringComparison.Ordinal));   // 0x3B80, IOMMU_DESTROY, little endian
        Assert.DoesNotContain(lines, l => l.Contains(' ', StringComparison.Ordinal) && l.StartsWith("auto_", StringComparison.Ordinal));
    }

    [Fact]
    public void Prefix_selection_and_exclusion()
    {
        string copy = _temp.Combine("selected.dll");
        var result = Instrumenter.Instrument(SamplesPath, new InstrumentationOptions
        {
            OutputPath = copy,
            IncludePrefixes = ["IommuFd.Fuzzing.Samples."],
            ExcludePrefixes = ["IommuFd.Fuzzing.Samples.IlShapes"],
        });
        Assert.Contains(typeof(PlantedBugDecoder).FullName, result.Types);
        Assert.DoesNotContain(result.Types, t => t.StartsWith(typeof(IlShapes).FullName!, StringComparison.Ordinal));
        Assert.Equal(result.Blocks, result.DistinctIds);
        Assert.False(Instrumenter.IsInstrumented(SamplesPath), "the input must stay untouched when --output is given");
    }
}

/// <summary>Loads chosen assemblies from chosen files; everything else comes from the default context.</summary>
internal sealed class IsolatedContext(Dictionary<string, string> overrides) : AssemblyLoadContext(isCollectible: true), IDisposable
{
    protected override Assembly? Load(AssemblyName assemblyName) =>
        assemblyName.Name is { } name && overrides.TryGetValue(name, out string? path) ? LoadFromAssemblyPath(path) : null;

    public void Dispose() => Unload();
}

/// <summary>A Cecil-driven dump of an assembly (every type, member, IL instruction, handler) and of Cecil's rewrite of it.</summary>
public static class CecilDump
{
    public static string Dump(string path)
    {
        var text = new StringBuilder();
        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { InMemory = true });
        foreach (TypeDefinition type in module.GetTypes())
        {
            text.Append("type ").Append(type.FullName).Append(' ').Append(type.Attributes).AppendLine();
            foreach (CustomAttribute attribute in type.CustomAttributes)
            {
                text.Append("  [").Append(attribute.AttributeType.FullName).Append(attribute.ConstructorArguments.Count).AppendLine("]");
            }

            foreach (FieldDefinition field in type.Fields)
            {
                text.Append("  field ").Append(field.FullName).AppendLine();
            }

            foreach (MethodDefinition method in type.Methods)
            {
                text.Append("  method ").Append(method.FullName).Append(' ').Append(method.Attributes).AppendLine();
                if (!method.HasBody)
                {
                    continue;
                }

                foreach (Instruction instruction in method.Body.Instructions)
                {
                    text.Append("    ").Append(instruction).AppendLine();
                }

                foreach (ExceptionHandler handler in method.Body.ExceptionHandlers)
                {
                    text.Append("    handler ").Append(handler.HandlerType).Append(' ').Append(handler.TryStart?.Offset).Append('-')
                        .Append(handler.HandlerStart?.Offset).Append(' ').Append(handler.CatchType?.FullName).AppendLine();
                }
            }
        }

        using var rewritten = new MemoryStream();
        module.Write(rewritten);
        text.Append("rewritten ").Append(rewritten.Length).Append(' ').AppendLine(Convert.ToHexString(SHA256.HashData(rewritten.ToArray())));
        return text.ToString();
    }
}
