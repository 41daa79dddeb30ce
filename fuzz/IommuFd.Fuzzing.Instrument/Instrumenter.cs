using System.Diagnostics;
using System.Text;
using IommuFd.Fuzzing.Runtime;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace IommuFd.Fuzzing.Instrument;

/// <summary>What to instrument and where to write the result.</summary>
public sealed record InstrumentationOptions
{
    /// <summary>Type-name prefixes to instrument (ordinal, on the full name, nested types as <c>Outer/Inner</c>); empty means every type.</summary>
    public IReadOnlyList<string> IncludePrefixes { get; init; } = [];

    /// <summary>Type-name prefixes to leave alone even when included.</summary>
    public IReadOnlyList<string> ExcludePrefixes { get; init; } = [];

    /// <summary>Output path; null rewrites the input in place (meant for copies only).</summary>
    public string? OutputPath { get; init; }

    /// <summary>
    /// Where to write an afl dictionary harvested from the instrumented code (string literals and the integer
    /// constants it compares against); null for none. .NET has no cmplog: this is how multi-byte magic values reach afl.
    /// </summary>
    public string? DictionaryPath { get; init; }
}

/// <summary>What was instrumented.</summary>
/// <param name="Methods">Methods that received probes.</param>
/// <param name="Blocks">Probes inserted (basic-block leaders).</param>
/// <param name="DistinctIds">Distinct 16-bit block ids among them.</param>
/// <param name="Types">Full names of the types whose methods were instrumented.</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="DictionaryEntries">Tokens written to <see cref="InstrumentationOptions.DictionaryPath"/>.</param>
public sealed record InstrumentationResult(int Methods, int Blocks, int DistinctIds, IReadOnlyList<string> Types, TimeSpan Elapsed, int DictionaryEntries = 0);

/// <summary>The assembly cannot or must not be instrumented; the message says why and what to do.</summary>
public sealed class InstrumentationRefusedException(string message) : Exception(message);

/// <summary>
/// Adds AFL edge coverage to IL: at every basic-block leader - the method entry, every branch and <c>leave</c>
/// target, every switch target, the fall-through after every conditional branch or switch, and every handler and
/// filter start - it inserts <c>Coverage.Map[id ^ Coverage.Prev]++; Coverage.Prev = id &gt;&gt; 1;</c>.
/// </summary>
/// <remarks>
/// <para>
/// How a probe goes in without patching any branch: the leader <see cref="Instruction"/> object itself becomes the
/// probe's first instruction and the original instruction is re-emitted after the probe. Every branch, switch table,
/// exception-handler boundary, sequence point and scope that referenced the leader therefore now starts at the
/// probe. The probe is stack-neutral, so it is valid where the evaluation stack is not empty (ternaries, handler
/// entry with the exception on the stack).
/// </para>
/// <para>
/// Block ids are an FNV-1a hash of the method's full name and the block ordinal, moved to the next free id on a
/// collision within the assembly: stable across rebuilds of unchanged methods, so corpora stay meaningful.
/// Static constructors are skipped (run-once code only adds instability), as are members marked with an attribute
/// named <c>ExcludeFromFuzzCoverageAttribute</c>.
/// </para>
/// </remarks>
public static class Instrumenter
{
    /// <summary>Name of the marker type added to every instrumented assembly.</summary>
    public const string MarkerTypeName = "<IommuFdFuzzInstrumented>";

    private const string ExcludeAttributeName = "ExcludeFromFuzzCoverageAttribute";

    /// <summary>Instruments <paramref name="assemblyPath"/>.</summary>
    /// <exception cref="InstrumentationRefusedException">Already instrumented, not IL-only, ReadyToRun, or a reference assembly.</exception>
    public static InstrumentationResult Instrument(string assemblyPath, InstrumentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var stopwatch = Stopwatch.StartNew();
        string input = Path.GetFullPath(assemblyPath);
        string output = Path.GetFullPath(options.OutputPath ?? input);
        if (!File.Exists(input))
        {
            throw new FileNotFoundException($"assembly not found: {input}", input);
        }

        bool hasPdb = File.Exists(Path.ChangeExtension(input, ".pdb"));
        using var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(input)!);
        ModuleDefinition module;
        try
        {
            module = ModuleDefinition.ReadModule(input, new ReaderParameters
            {
                AssemblyResolver = resolver,
                InMemory = true,
                ReadSymbols = hasPdb,
                ReadingMode = ReadingMode.Immediate,
            });
        }
        catch (BadImageFormatException e)
        {
            throw new InstrumentationRefusedException($"{input}: not a .NET assembly ({e.Message})");
        }

        using (module)
        {
            Refuse(module, input);
            var probes = new ProbeEmitter(module);
            var dictionary = new DictionaryHarvester();
            var types = new List<string>();
            int methods = 0;
            foreach (TypeDefinition type in module.GetTypes().ToList())
            {
                if (!IsSelected(type, options) || HasExcludeAttribute(type))
                {
                    continue;
                }

                bool any = false;
                foreach (MethodDefinition method in type.Methods)
                {
                    if (!method.HasBody || method.Body.Instructions.Count == 0 || (method.IsConstructor && method.IsStatic)
                        || HasExcludeAttribute(method))
                    {
                        continue;
                    }

                    dictionary.Harvest(method.Body);   // before the probes: they add constants of their own
                    probes.Instrument(method);
                    methods++;
                    any = true;
                }

                if (any)
                {
                    types.Add(type.FullName);
                }
            }

            AddMarker(module, options);

            // Strong-name signatures no longer match; .NET does not verify them, and we do not claim one.
            module.Attributes &= ~ModuleAttributes.StrongNameSigned;
            // Write beside the output under the final file name (the PDB's CodeView entry records that name, and the
            // runtime finds the PDB next to the assembly by it), then move both into place.
            string staging = Path.Combine(Path.GetDirectoryName(output)!, $".instrumenting-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(staging);
            try
            {
                string staged = Path.Combine(staging, Path.GetFileName(output));
                module.Write(staged, new WriterParameters { WriteSymbols = hasPdb });
                File.Move(staged, output, overwrite: true);
                if (hasPdb)
                {
                    File.Move(Path.ChangeExtension(staged, ".pdb"), Path.ChangeExtension(output, ".pdb"), overwrite: true);
                }
            }
            finally
            {
                Directory.Delete(staging, recursive: true);
            }

            int entries = options.DictionaryPath is null ? 0 : dictionary.Write(options.DictionaryPath);
            return new InstrumentationResult(methods, probes.Blocks, probes.DistinctIds, types, stopwatch.Elapsed, entries);
        }
    }

    /// <summary>Whether <paramref name="assemblyPath"/> carries this instrumenter's marker.</summary>
    public static bool IsInstrumented(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        return module.Types.Any(t => t.Name == MarkerTypeName);
    }

    private static void Refuse(ModuleDefinition module, string path)
    {
        string name = Path.GetFileName(path);
        if (module.Types.Any(t => t.Name == MarkerTypeName))
        {
            throw new InstrumentationRefusedException(
                $"{name} is already instrumented (it contains {MarkerTypeName}); instrument a fresh copy of the original build output.");
        }

        if (module.AssemblyReferences.Any(r => r.Name == "SharpFuzz.Common") || module.GetType("SharpFuzz.Common.Trace") is not null)
        {
            throw new InstrumentationRefusedException($"{name} is already instrumented by SharpFuzz; instrument a fresh copy.");
        }

        if (module.Assembly?.Name.Name == typeof(Coverage).Assembly.GetName().Name)
        {
            throw new InstrumentationRefusedException($"{name} is the fuzzing runtime itself; probes there would recurse.");
        }

        if ((module.Attributes & ModuleAttributes.ILOnly) == 0)
        {
            throw new InstrumentationRefusedException(
                $"{name} is not IL-only (mixed-mode / C++/CLI image): its native code cannot be instrumented and rewriting it would drop it.");
        }

        if ((module.Attributes & ModuleAttributes.ILLibrary) != 0)
        {
            throw new InstrumentationRefusedException(
                $"{name} is a ReadyToRun image: precompiled code would bypass the probes. Instrument the IL-only build (no PublishReadyToRun).");
        }

        if (module.Assembly?.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.ReferenceAssemblyAttribute") == true)
        {
            throw new InstrumentationRefusedException($"{name} is a reference assembly (no method bodies); instrument the implementation assembly.");
        }
    }

    private static bool IsSelected(TypeDefinition type, InstrumentationOptions options)
    {
        string fullName = type.FullName;
        if (options.ExcludePrefixes.Any(p => fullName.StartsWith(p, StringComparison.Ordinal)))
        {
            return false;
        }

        return options.IncludePrefixes.Count == 0 || options.IncludePrefixes.Any(p => fullName.StartsWith(p, StringComparison.Ordinal));
    }

    private static bool HasExcludeAttribute(ICustomAttributeProvider provider)
    {
        if (provider.CustomAttributes.Any(a => a.AttributeType.Name == ExcludeAttributeName))
        {
            return true;
        }

        return provider is TypeDefinition { DeclaringType: { } outer } && HasExcludeAttribute(outer);
    }

    private static void AddMarker(ModuleDefinition module, InstrumentationOptions options)
    {
        var marker = new TypeDefinition(
            string.Empty,
            MarkerTypeName,
            TypeAttributes.NotPublic | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.BeforeFieldInit,
            module.TypeSystem.Object);
        var selection = new FieldDefinition("Selection", FieldAttributes.Private | FieldAttributes.Static | FieldAttributes.Literal, module.TypeSystem.String)
        {
            Constant = options.IncludePrefixes.Count == 0 ? "*" : string.Join(";", options.IncludePrefixes),
        };
        marker.Fields.Add(selection);
        module.Types.Add(marker);
    }

    /// <summary>Emits probes into method bodies and allocates block ids.</summary>
    private sealed class ProbeEmitter
    {
        private readonly FieldReference _map;
        private readonly FieldReference _previous;
        private readonly HashSet<int> _usedIds = [];

        public ProbeEmitter(ModuleDefinition module)
        {
            // Reference the runtime by name only: the field types come from the target's own corlib (ELEMENT_TYPE_U1
            // pointer, ELEMENT_TYPE_I4), so a netstandard2.0 target gains exactly one assembly reference.
            var runtimeName = typeof(Coverage).Assembly.GetName();
            var runtime = new AssemblyNameReference(runtimeName.Name, runtimeName.Version);
            module.AssemblyReferences.Add(runtime);
            var coverage = new TypeReference(typeof(Coverage).Namespace, nameof(Coverage), module, runtime);
            _map = new FieldReference(Coverage.MapFieldName, new PointerType(module.TypeSystem.Byte), coverage);
            _previous = new FieldReference(Coverage.PreviousFieldName, module.TypeSystem.Int32, coverage);
        }

        public int Blocks { get; private set; }

        public int DistinctIds => _usedIds.Count;

        public void Instrument(MethodDefinition method)
        {
            MethodBody body = method.Body;
            body.SimplifyMacros();   // long branch forms: probes push targets out of short-branch range
            IList<Instruction> leaders = FindLeaders(body);
            ILProcessor il = body.GetILProcessor();
            string methodName = method.FullName;
            for (int ordinal = 0; ordinal < leaders.Count; ordinal++)
            {
                InsertProbe(il, leaders[ordinal], AllocateId(methodName, ordinal));
                Blocks++;
            }

            body.OptimizeMacros();   // Cecil recomputes the maximum stack depth when writing
        }

        private static List<Instruction> FindLeaders(MethodBody body)
        {
            var set = new HashSet<Instruction> { body.Instructions[0] };
            foreach (Instruction instruction in body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case Instruction target:
                        set.Add(target);
                        break;
                    case Instruction[] targets:
                        set.UnionWith(targets);
                        break;
                }

                if (instruction.OpCode.FlowControl == FlowControl.Cond_Branch && instruction.Next is not null)
                {
                    set.Add(instruction.Next);
                }
            }

            foreach (ExceptionHandler handler in body.ExceptionHandlers)
            {
                set.Add(handler.HandlerStart);
                if (handler.FilterStart is not null)
                {
                    set.Add(handler.FilterStart);
                }
            }

            // In instruction order, so ordinals (and ids) are stable; never between "tail. call" and its "ret".
            return body.Instructions.Where(i => set.Contains(i) && !FollowsTailCall(i)).ToList();
        }

        private static bool FollowsTailCall(Instruction instruction) =>
            instruction.Previous is { } call && call.Previous is { OpCode.Code: Code.Tail };

        private int AllocateId(string methodName, int ordinal)
        {
            uint hash = 2166136261;
            foreach (byte b in Encoding.UTF8.GetBytes(methodName))
            {
                hash = (hash ^ b) * 16777619;
            }

            hash = (hash ^ (uint)ordinal) * 16777619;
            hash ^= hash >> 16;
            int id = (int)(hash & 0xFFFF);
            if (_usedIds.Count < Coverage.MapSize)
            {
                while (!_usedIds.Add(id))
                {
                    id = (id + 0x9E37) & 0xFFFF;   // odd stride: visits every id
                }
            }

            return id;
        }

        private void InsertProbe(ILProcessor il, Instruction leader, int id)
        {
            var original = Instruction.Create(OpCodes.Nop);
            original.OpCode = leader.OpCode;
            original.Operand = leader.Operand;
            leader.OpCode = OpCodes.Ldsfld;
            leader.Operand = _map;                                  // Map
            Instruction[] rest =
            [
                il.Create(OpCodes.Ldc_I4, id),
                il.Create(OpCodes.Ldsfld, _previous),
                il.Create(OpCodes.Xor),                             // id ^ Prev
                il.Create(OpCodes.Add),                             // &Map[id ^ Prev]
                il.Create(OpCodes.Dup),
                il.Create(OpCodes.Ldind_U1),
                il.Create(OpCodes.Ldc_I4_1),
                il.Create(OpCodes.Add),
                il.Create(OpCodes.Stind_I1),                        // Map[id ^ Prev]++ (wraps at 256, like AFL)
                il.Create(OpCodes.Ldc_I4, id >> 1),
                il.Create(OpCodes.Stsfld, _previous),               // Prev = id >> 1
                original,
            ];
            Instruction after = leader;
            foreach (Instruction instruction in rest)
            {
                il.InsertAfter(after, instruction);
                after = instruction;
            }
        }
    }
}
