// The module's layering, checked on the built assembly. Each part (HighwayHailuo.<Part>) may use only
// the parts PartRules.Forbidden allows, and no two parts may use each other, not even through a third.
// The graph is read from metadata and IL, not by loading types, so it sees what the compiled code
// really uses, method bodies included.
using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class ArchitectureTests
{
    private static readonly string ModulePath = typeof(HighwayHailuo.Commands.NewHailuoVideoCommand).Assembly.Location;

    [Fact]
    public void EveryTypeLivesInAKnownPart()
    {
        var problems = PartRules.TypesOutsideKnownParts(AssemblyDependencies.Read(ModulePath).Types);

        Assert.True(problems.Count == 0,
            $"Types outside the known parts ({string.Join(", ", PartRules.KnownParts)}):\n" + string.Join("\n", problems));
    }

    [Fact]
    public void NoPartDependsOnWhatItMustNot()
    {
        var violations = PartRules.Violations(AssemblyDependencies.Read(ModulePath).PartEdges);

        Assert.True(violations.Count == 0, $"{violations.Count} forbidden dependencies:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void PartsHaveNoCycles()
    {
        var cycles = PartRules.Cycles(AssemblyDependencies.Read(ModulePath).PartEdges);

        Assert.True(cycles.Count == 0, $"{cycles.Count} cycles between parts:\n" + string.Join("\n", cycles));
    }

    [Fact]
    public void TheArrowsInArchitectureMdAreTheArrowsTheAssemblyHas()
    {
        var built = AssemblyDependencies.Read(ModulePath).PartEdges
            .GroupBy(e => e.From)
            .ToDictionary(g => g.Key, g => g.Select(e => e.To).ToHashSet());
        var documented = DocumentedArrows();

        var problems = new List<string>();
        foreach (string part in PartRules.KnownParts)
        {
            var has = built.GetValueOrDefault(part) ?? [];
            if (!documented.TryGetValue(part, out var says))
            {
                problems.Add($"{part}: no line in docs/architecture.md");
                continue;
            }
            foreach (string missing in has.Except(says).Order(StringComparer.Ordinal))
                problems.Add($"{part} -> {missing}: in the assembly, not in the document");
            foreach (string extra in says.Except(has).Order(StringComparer.Ordinal))
                problems.Add($"{part} -> {extra}: in the document, not in the assembly");
        }
        foreach (string unknown in documented.Keys.Except(PartRules.KnownParts))
            problems.Add($"{unknown}: documented, but not a known part");

        Assert.True(problems.Count == 0, "docs/architecture.md's arrows differ from the DLL's:\n" + string.Join("\n", problems));
    }

    /// <summary>The "Part -> A, B" lines of the fenced block under "## The arrows" in docs/architecture.md.</summary>
    private static Dictionary<string, HashSet<string>> DocumentedArrows()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "docs", "architecture.md")))
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("docs/architecture.md not found above the test folder.");
        string[] lines = File.ReadAllLines(Path.Combine(root, "docs", "architecture.md"));
        int section = Array.IndexOf(lines, "## The arrows");
        int open = Array.FindIndex(lines, section, l => l.StartsWith("```", StringComparison.Ordinal));
        int close = Array.FindIndex(lines, open + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        var arrows = new Dictionary<string, HashSet<string>>();
        foreach (string line in lines[(open + 1)..close])
        {
            string[] sides = line.Split("->");
            // "(nothing)" and "(no more than that)" are words, not parts.
            string targets = System.Text.RegularExpressions.Regex.Replace(sides[1], @"\([^)]*\)", "");
            arrows[sides[0].Trim()] = targets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        }
        return arrows;
    }

    [Fact]
    public void TheReaderSeesRealDependenciesIncludingThoseOnlyMethodBodiesShow()
    {
        var all = AssemblyDependencies.Read(ModulePath);
        var declared = AssemblyDependencies.Read(ModulePath, DependencySources.Declarations).TypeEdges;
        var bodies = AssemblyDependencies.Read(ModulePath, DependencySources.MethodBodies).TypeEdges;

        Assert.Contains(all.PartEdges, e => e.From == "Commands");
        // Something used in code but in no signature (a static call, a `new` kept in a local) exists
        // in any real module; if none is found, the IL decoding is broken.
        Assert.NotEmpty(bodies.Except(declared));
    }

    [Fact]
    public void CheckerReportsAForbiddenArrowNamingBothTypes()
    {
        var violations = PartRules.Violations([new("Models", "Api", "HighwayHailuo.Models.Task", "HighwayHailuo.Api.Client")]);

        string only = Assert.Single(violations);
        Assert.StartsWith("Models -> Api: HighwayHailuo.Models.Task -> HighwayHailuo.Api.Client (", only);
    }

    [Fact]
    public void CheckerReportsACycleWithATypePairPerEdge()
    {
        var cycles = PartRules.Cycles(
        [
            new("Api", "Journal", "HighwayHailuo.Api.Client", "HighwayHailuo.Journal.Record"),
            new("Journal", "Api", "HighwayHailuo.Journal.Store", "HighwayHailuo.Api.Settings"),
            new("Commands", "Api", "HighwayHailuo.Commands.Get", "HighwayHailuo.Api.Client"),
        ]);

        string only = Assert.Single(cycles);
        Assert.StartsWith("Api, Journal:", only);
        Assert.Contains("Api -> Journal: HighwayHailuo.Api.Client -> HighwayHailuo.Journal.Record", only);
        Assert.Contains("Journal -> Api: HighwayHailuo.Journal.Store -> HighwayHailuo.Api.Settings", only);
        Assert.DoesNotContain("Commands", only);
    }

    [Fact]
    public void CheckerPassesACleanGraph()
    {
        PartEdge[] clean =
        [
            new("Commands", "Hosting", "HighwayHailuo.Commands.New", "HighwayHailuo.Hosting.Cmdlet"),
            new("Commands", "Api", "HighwayHailuo.Commands.New", "HighwayHailuo.Api.Client"),
            new("Hosting", "Journal", "HighwayHailuo.Hosting.Cmdlet", "HighwayHailuo.Journal.Store"),
            new("Api", "Models", "HighwayHailuo.Api.Client", "HighwayHailuo.Models.Task"),
            new("Images", "Errors", "HighwayHailuo.Images.Reader", "HighwayHailuo.Errors.Ids"),
            new("Models", "Errors", "HighwayHailuo.Models.Task", "HighwayHailuo.Errors.Ids"),
        ];

        Assert.Empty(PartRules.Violations(clean));
        Assert.Empty(PartRules.Cycles(clean));
        Assert.Empty(PartRules.TypesOutsideKnownParts([new("HighwayHailuo.Api", "Client"), new("HighwayHailuo.Errors", "Ids")]));
    }
}

/// <summary>A top-level type of the module (nested types are counted as their outermost type).</summary>
internal readonly record struct ModuleType(string Namespace, string Name)
{
    private const string RootNamespace = "HighwayHailuo";

    /// <summary>HighwayHailuo.Api.X → "Api"; the root namespace HighwayHailuo → "Models" (the public
    /// types users name in scripts, [HighwayHailuo.HailuoTask], live in Models/ but keep the short
    /// name); null for code that is not the module's own (compiler-embedded attributes,
    /// &lt;Module&gt;, &lt;PrivateImplementationDetails&gt;).</summary>
    public static string? PartOf(string ns) =>
        ns == RootNamespace ? "Models" : ns.StartsWith(RootNamespace + ".", StringComparison.Ordinal) ? ns.Split('.')[1] : null;

    public string Part => PartOf(Namespace)!;

    public override string ToString() => Namespace + "." + Name;
}

/// <summary>One type-to-type dependency that crosses parts: the plain graph the rules are checked on.</summary>
internal sealed record PartEdge(string From, string To, string FromType, string ToType);

[Flags]
internal enum DependencySources
{
    /// <summary>Base type, interfaces, generic constraints, attributes, field/method/property/event signatures.</summary>
    Declarations = 1,
    /// <summary>Locals, catch clauses and every token an IL instruction names.</summary>
    MethodBodies = 2,
    All = Declarations | MethodBodies,
}

/// <summary>Which of the module's types uses which, read from the assembly's metadata and IL.</summary>
internal sealed class AssemblyDependencies
{
    private AssemblyDependencies(IReadOnlyList<ModuleType> types, IReadOnlyCollection<(ModuleType From, ModuleType To)> typeEdges)
    {
        Types = types;
        TypeEdges = typeEdges;
    }

    public IReadOnlyList<ModuleType> Types { get; }

    public IReadOnlyCollection<(ModuleType From, ModuleType To)> TypeEdges { get; }

    public IEnumerable<PartEdge> PartEdges => TypeEdges
        .Where(e => e.From.Part != e.To.Part)
        .Select(e => new PartEdge(e.From.Part, e.To.Part, e.From.ToString(), e.To.ToString()));

    public static AssemblyDependencies Read(string assemblyPath, DependencySources sources = DependencySources.All)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var md = pe.GetMetadataReader();
        var types = new List<ModuleType>();
        var edges = new HashSet<(ModuleType, ModuleType)>();
        foreach (var handle in md.TypeDefinitions)
        {
            if (Outermost(md, handle) is not { } from)
                continue;
            if (md.GetTypeDefinition(handle).GetDeclaringType().IsNil)
                types.Add(from);
            var used = new UsedTypes(md);
            if (sources.HasFlag(DependencySources.Declarations))
                used.AddDeclarations(handle);
            if (sources.HasFlag(DependencySources.MethodBodies))
                used.AddMethodBodies(pe, handle);
            foreach (var target in used.Found)
                if (Outermost(md, target) is { } to && to != from)
                    edges.Add((from, to));
        }
        return new AssemblyDependencies(types, edges);
    }

    // Closures, state machines and other nested types are part of the type that declares them.
    private static ModuleType? Outermost(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        while (!type.GetDeclaringType().IsNil)
            type = md.GetTypeDefinition(type.GetDeclaringType());
        string ns = md.GetString(type.Namespace);
        return ModuleType.PartOf(ns) is null ? null : new ModuleType(ns, md.GetString(type.Name));
    }

    /// <summary>Collects every type definition of this assembly that a type's metadata or IL names.
    /// As a signature type provider it is handed each type a signature blob mentions, generic arguments
    /// included; the decoded "types" themselves are not needed, so they are all null.</summary>
    private sealed class UsedTypes(MetadataReader md) : ISignatureTypeProvider<object?, object?>
    {
        // Operand kind of every IL opcode, from the runtime's own table, keyed by its (one- or two-byte) value.
        private static readonly Dictionary<ILOpCode, OperandType> Operands = typeof(OpCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(op => (ILOpCode)(ushort)op.Value, op => op.OperandType);

        public HashSet<TypeDefinitionHandle> Found { get; } = [];

        public void AddDeclarations(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            AddType(type.BaseType);
            foreach (var i in type.GetInterfaceImplementations())
                AddType(md.GetInterfaceImplementation(i).Interface);
            AddGenericParameters(type.GetGenericParameters());
            AddAttributes(type.GetCustomAttributes());
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                field.DecodeSignature(this, null);
                AddAttributes(field.GetCustomAttributes());
            }
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                method.DecodeSignature(this, null);
                AddGenericParameters(method.GetGenericParameters());
                AddAttributes(method.GetCustomAttributes());
                foreach (var p in method.GetParameters())
                    AddAttributes(md.GetParameter(p).GetCustomAttributes());
            }
            foreach (var p in type.GetProperties())
            {
                var property = md.GetPropertyDefinition(p);
                property.DecodeSignature(this, null);
                AddAttributes(property.GetCustomAttributes());
            }
            foreach (var e in type.GetEvents())
            {
                var ev = md.GetEventDefinition(e);
                AddType(ev.Type);
                AddAttributes(ev.GetCustomAttributes());
            }
        }

        public void AddMethodBodies(PEReader pe, TypeDefinitionHandle handle)
        {
            foreach (var m in md.GetTypeDefinition(handle).GetMethods())
            {
                int rva = md.GetMethodDefinition(m).RelativeVirtualAddress;
                if (rva == 0)
                    continue; // abstract or extern: no body
                var body = pe.GetMethodBody(rva);
                if (!body.LocalSignature.IsNil)
                    md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(this, null);
                foreach (var region in body.ExceptionRegions)
                    AddType(region.CatchType); // nil unless a catch clause
                AddInstructions(body.GetILReader());
            }
        }

        // Walks the IL one instruction at a time so that only real operands are read as tokens.
        private void AddInstructions(BlobReader il)
        {
            while (il.RemainingBytes > 0)
            {
                int start = il.Offset;
                byte first = il.ReadByte();
                var op = (ILOpCode)(first == 0xFE ? 0xFE00 | il.ReadByte() : first);
                if (!Operands.TryGetValue(op, out var operand))
                    throw new InvalidOperationException($"Unknown IL opcode 0x{(int)op:X} at IL offset {start}: the decoder lost its place.");
                switch (operand)
                {
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType
                        or OperandType.InlineTok or OperandType.InlineSig:
                        AddToken(MetadataTokens.EntityHandle(il.ReadInt32()));
                        break;
                    case OperandType.InlineSwitch: // a count, then that many 4-byte targets
                        il.Offset += 4 * il.ReadInt32();
                        break;
                    default:
                        il.Offset += OperandSize(operand);
                        break;
                }
            }
        }

        private static int OperandSize(OperandType operand) => operand switch
        {
            OperandType.InlineNone => 0,
            OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
            OperandType.InlineVar => 2,
            OperandType.InlineBrTarget or OperandType.InlineI or OperandType.ShortInlineR or OperandType.InlineString => 4,
            OperandType.InlineI8 or OperandType.InlineR => 8,
            _ => throw new InvalidOperationException($"IL operand kind {operand} is not expected in compiled code."),
        };

        // A member names its declaring type and every type in its signature (a call passes and returns them).
        private void AddToken(EntityHandle token)
        {
            switch (token.Kind)
            {
                case HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification:
                    AddType(token);
                    break;
                case HandleKind.MethodDefinition:
                    var method = md.GetMethodDefinition((MethodDefinitionHandle)token);
                    Found.Add(method.GetDeclaringType());
                    method.DecodeSignature(this, null);
                    break;
                case HandleKind.FieldDefinition:
                    var field = md.GetFieldDefinition((FieldDefinitionHandle)token);
                    Found.Add(field.GetDeclaringType());
                    field.DecodeSignature(this, null);
                    break;
                case HandleKind.MemberReference: // a member of a generic instantiation or of another assembly
                    var member = md.GetMemberReference((MemberReferenceHandle)token);
                    AddToken(member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Method)
                        member.DecodeMethodSignature(this, null);
                    else
                        member.DecodeFieldSignature(this, null);
                    break;
                case HandleKind.MethodSpecification: // a generic method with its type arguments
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)token);
                    AddToken(spec.Method);
                    spec.DecodeSignature(this, null);
                    break;
                case HandleKind.StandaloneSignature: // calli
                    md.GetStandaloneSignature((StandaloneSignatureHandle)token).DecodeMethodSignature(this, null);
                    break;
            }
        }

        private void AddType(EntityHandle handle)
        {
            if (handle.IsNil)
                return;
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    Found.Add((TypeDefinitionHandle)handle);
                    break;
                case HandleKind.TypeReference:
                    GetTypeFromReference(md, (TypeReferenceHandle)handle, 0);
                    break;
                case HandleKind.TypeSpecification:
                    GetTypeFromSpecification(md, null, (TypeSpecificationHandle)handle, 0);
                    break;
            }
        }

        // An attribute is a constructor call: its type (and the constructor's parameter types) are used.
        // Arguments in the blob (typeof(X) values) are not decoded: that needs the underlying type of
        // other assemblies' enums, which this assembly's metadata does not hold.
        private void AddAttributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var a in attributes)
                AddToken(md.GetCustomAttribute(a).Constructor);
        }

        private void AddGenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var p in parameters)
            {
                var parameter = md.GetGenericParameter(p);
                AddAttributes(parameter.GetCustomAttributes());
                foreach (var c in parameter.GetConstraints())
                    AddType(md.GetGenericParameterConstraint(c).Type);
            }
        }

        public object? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            Found.Add(handle);
            return null;
        }

        // The compiler names a module's own types by TypeDef tokens, so a TypeRef names another
        // assembly's type. One scoped to this module would be legal but is not handled: say so.
        public object? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var reference = reader.GetTypeReference(handle);
            while (reference.ResolutionScope.Kind == HandleKind.TypeReference)
                reference = reader.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope);
            if (reference.ResolutionScope.Kind == HandleKind.ModuleDefinition)
                throw new NotSupportedException($"TypeRef to this module's own type {reader.GetString(reference.Name)}: the reader would miss it.");
            return null;
        }

        public object? GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public object? GetPrimitiveType(PrimitiveTypeCode typeCode) => null;
        public object? GetGenericInstantiation(object? genericType, ImmutableArray<object?> typeArguments) => null;
        public object? GetArrayType(object? elementType, ArrayShape shape) => null;
        public object? GetSZArrayType(object? elementType) => null;
        public object? GetByReferenceType(object? elementType) => null;
        public object? GetPointerType(object? elementType) => null;
        public object? GetPinnedType(object? elementType) => null;
        public object? GetModifiedType(object? modifier, object? unmodifiedType, bool isRequired) => null;
        public object? GetFunctionPointerType(MethodSignature<object?> signature) => null;
        public object? GetGenericMethodParameter(object? genericContext, int index) => null;
        public object? GetGenericTypeParameter(object? genericContext, int index) => null;
    }
}

/// <summary>The target layout and what each part must not use, checked on a plain graph of part edges.</summary>
internal static class PartRules
{
    public static readonly string[] KnownParts = ["Errors", "Models", "Locking", "Catalogue", "FlowControl", "Api", "Images", "Planning", "Storage", "Journal", "Waiting", "Saving", "Costs", "Review", "Hosting", "Commands"];

    private const string Any = "*";

    /// <summary>An arrow From → To is forbidden unless To is one of Except. "*" matches any part.
    /// The first matching rule is the one reported, so specific rules come before general ones.</summary>
    private sealed record Rule(string From, string To, string Why, params string[] Except);

    private static readonly Rule[] Forbidden =
    [
        //       from        must not use  why
        new("Errors", Any, "Errors is the leaf every part reports through; it uses no other part"),
        new("Models", Any, "Models are the plain data every part shares; they use nothing but Errors", "Errors"),
        new("Locking", Any, "cross-process locks are a leaf beside Errors; they know nothing of what they guard", "Errors"),
        new("Catalogue", Any, "the model table is data every part reads; it uses nothing but Errors", "Errors"),
        new("FlowControl", "Api", "gates, pacers and retries know requests only as turns to take, not the HTTP client"),
        new("FlowControl", "Hosting", "flow control must not know how PowerShell hosts it"),
        new("Api", "Commands", "the HTTP client must not know the cmdlets that drive it"),
        new("Api", "Hosting", "the HTTP client must not know how PowerShell hosts it"),
        new("Images", "Api", "reading and checking local images must not need the HTTP client"),
        new("Planning", "Hosting", "the pre-flight is plain logic, run and tested without a PowerShell engine"),
        new("Costs", "Hosting", "the cap and the prices are plain logic; a session holds them, they do not know it"),
        new("Costs", "Api", "the cap counts submissions; it does not send them"),
        new("Review", Any, "the review page is a template and its data; it knows no other part", "Errors"),
        new("Storage", Any, "the blob REST calls know no journal, no cmdlet and no API; they report through Errors", "Errors"),
        new(Any, "Commands", "cmdlets are the top layer; nothing builds on them"),
    ];

    /// <summary>"Part X: type, type" for each part that is not a known one, (root) included.</summary>
    public static IReadOnlyList<string> TypesOutsideKnownParts(IEnumerable<ModuleType> types) => types
        .Where(t => !KnownParts.Contains(t.Part))
        .GroupBy(t => t.Part)
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => $"Part {g.Key}: " + string.Join(", ", g.Select(t => t.ToString()).Order(StringComparer.Ordinal)))
        .ToList();

    /// <summary>"From -> To: FromType -> ToType (why)" for every type pair that crosses a forbidden arrow.</summary>
    public static IReadOnlyList<string> Violations(IEnumerable<PartEdge> edges) => edges
        .Select(e => (Edge: e, Rule: Forbidden.FirstOrDefault(r => Matches(r.From, e.From) && Matches(r.To, e.To) && !r.Except.Contains(e.To))))
        .Where(v => v.Rule is not null)
        .Select(v => $"{v.Edge.From} -> {v.Edge.To}: {v.Edge.FromType} -> {v.Edge.ToType} ({v.Rule!.Why})")
        .Distinct()
        .Order(StringComparer.Ordinal)
        .ToList();

    private static bool Matches(string pattern, string part) => pattern == Any || pattern == part;

    /// <summary>One entry per cycle: "A, B:" then each part edge inside it with one example type pair.</summary>
    public static IReadOnlyList<string> Cycles(IEnumerable<PartEdge> edges)
    {
        // One example per part edge, the same one every run.
        var example = edges
            .GroupBy(e => (e.From, e.To))
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.FromType, StringComparer.Ordinal).ThenBy(e => e.ToType, StringComparer.Ordinal).First());
        var next = example.Keys.ToLookup(k => k.From, k => k.To);
        var cycles = new List<string>();
        foreach (var component in StronglyConnectedComponents(example.Keys.SelectMany(k => new[] { k.From, k.To }).Distinct(), next))
        {
            if (component.Count < 2)
                continue;
            var parts = component.Order(StringComparer.Ordinal).ToList();
            var inside = example.Where(kv => component.Contains(kv.Key.From) && component.Contains(kv.Key.To))
                .Select(kv => $"  {kv.Key.From} -> {kv.Key.To}: {kv.Value.FromType} -> {kv.Value.ToType}")
                .Order(StringComparer.Ordinal);
            cycles.Add(string.Join(", ", parts) + ":\n" + string.Join("\n", inside));
        }
        return cycles.Order(StringComparer.Ordinal).ToList();
    }

    // Tarjan: parts that reach each other form one component; a component of two or more is a cycle.
    private static List<HashSet<string>> StronglyConnectedComponents(IEnumerable<string> parts, ILookup<string, string> next)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var components = new List<HashSet<string>>();

        void Visit(string part)
        {
            int order = index.Count;
            index[part] = low[part] = order;
            stack.Push(part);
            foreach (string to in next[part])
            {
                if (!index.ContainsKey(to))
                {
                    Visit(to);
                    low[part] = Math.Min(low[part], low[to]);
                }
                else if (stack.Contains(to))
                    low[part] = Math.Min(low[part], index[to]);
            }
            if (low[part] != index[part])
                return;
            var component = new HashSet<string>();
            string member;
            do
            {
                member = stack.Pop();
                component.Add(member);
            }
            while (member != part);
            components.Add(component);
        }

        foreach (string part in parts.Order(StringComparer.Ordinal))
            if (!index.ContainsKey(part))
                Visit(part);
        return components;
    }
}
