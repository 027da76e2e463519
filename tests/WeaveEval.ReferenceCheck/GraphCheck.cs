using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace WeaveEval.ReferenceCheck
{
    /// <summary>Where the reference assemblies the check compares against live.</summary>
    internal sealed record ReferenceSets(string NetFramework472Directory, string NetStandard20Reference, string PowerShellStandardReference)
    {
        /// <summary>The copies pinned in Directory.Packages.props, as baked into this tool at build time.</summary>
        public static ReferenceSets Pinned()
        {
            var metadata = typeof(ReferenceSets).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
            return new ReferenceSets(metadata["NetFramework472Directory"]!, metadata["NetStandard20Reference"]!, metadata["PowerShellStandardReference"]!);
        }
    }

    internal sealed record RuleOutcome(string Rule, string Description, IReadOnlyList<string> Failures)
    {
        public bool Passed => Failures.Count == 0;
    }

    internal sealed record CheckReport(IReadOnlyList<string> Graph, IReadOnlyList<RuleOutcome> Rules)
    {
        public bool Passed => Rules.All(r => r.Passed);
    }

    /// <summary>
    /// Checks a built module folder (the module assembly in its root, third-party assemblies in dependencies/)
    /// against what Windows PowerShell 5.1 on .NET Framework 4.7.2 provides and what the module's resolver covers.
    /// </summary>
    internal sealed class GraphCheck : IDisposable
    {
        public const string DependencyFolderName = "dependencies";
        private const string HostAssemblyName = "System.Management.Automation";
        private const string NetStandardName = "netstandard";

        private readonly List<ModuleAssembly> opened = new List<ModuleAssembly>();
        private readonly string moduleFolder;
        private readonly string moduleAssemblyFileName;
        private readonly ModuleAssembly module;
        private readonly Dictionary<string, ModuleAssembly> shipped = new Dictionary<string, ModuleAssembly>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, Version> framework = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);
        private readonly ModuleAssembly netStandard;
        private readonly ModuleAssembly powerShell;

        public GraphCheck(string moduleFolder, string moduleAssemblyFileName, ReferenceSets sets)
        {
            this.moduleFolder = moduleFolder;
            this.moduleAssemblyFileName = moduleAssemblyFileName;
            module = Open(Path.Combine(moduleFolder, moduleAssemblyFileName));
            var dependencies = Path.Combine(moduleFolder, DependencyFolderName);
            if (Directory.Exists(dependencies))
            {
                foreach (var path in Directory.EnumerateFiles(dependencies, "*.dll").OrderBy(p => p, StringComparer.Ordinal))
                {
                    var assembly = Open(path);
                    shipped[assembly.Name] = assembly;
                }
            }
            foreach (var directory in new[] { sets.NetFramework472Directory, Path.Combine(sets.NetFramework472Directory, "Facades") })
            {
                foreach (var path in Directory.EnumerateFiles(directory, "*.dll"))
                {
                    try
                    {
                        using var assembly = ModuleAssembly.Open(path);
                        framework[assembly.Name] = assembly.Version;
                    }
                    catch (BadImageFormatException)
                    {
                        // A few framework files are native images or bare modules, not assemblies anyone references.
                    }
                }
            }
            if (!framework.ContainsKey("mscorlib")) throw new DirectoryNotFoundException($"{sets.NetFramework472Directory} holds no .NET Framework reference assemblies.");
            netStandard = Open(sets.NetStandard20Reference);
            powerShell = Open(sets.PowerShellStandardReference);
        }

        public CheckReport Run()
        {
            var graph = new List<string>();
            var rules = new List<RuleOutcome>
            {
                CheckLayout(),
                CheckReferences(graph),
                CheckApis(),
                CheckTypesLoadedBeforeTheInitializer(),
            };
            return new CheckReport(graph, rules);
        }

        public void Dispose()
        {
            foreach (var assembly in opened) assembly.Dispose();
        }

        private ModuleAssembly Open(string path)
        {
            var assembly = ModuleAssembly.Open(path);
            opened.Add(assembly);
            return assembly;
        }

        private IEnumerable<ModuleAssembly> ModuleAssemblies => new[] { module }.Concat(shipped.Values);

        private RuleOutcome CheckLayout()
        {
            var failures = Directory.EnumerateFiles(moduleFolder, "*.dll")
                .Select(Path.GetFileName)
                .Where(name => !string.Equals(name, moduleAssemblyFileName, StringComparison.OrdinalIgnoreCase))
                .Select(name => $"{name} lies beside {moduleAssemblyFileName}: .NET Framework would find it there by probing (and fail on a version mismatch) before the module's resolver is asked; it belongs in {DependencyFolderName}/.")
                .ToList();
            return new RuleOutcome("layout", $"only {moduleAssemblyFileName} in the module root, third-party assemblies in {DependencyFolderName}/", failures);
        }

        private RuleOutcome CheckReferences(List<string> graph)
        {
            var failures = new List<string>();
            foreach (var assembly in ModuleAssemblies)
            {
                var from = $"{assembly.Name} {assembly.Version}";
                foreach (var reference in assembly.References)
                {
                    var line = $"{from} -> {reference}: ";
                    if (shipped.TryGetValue(reference.Name, out var copy))
                    {
                        if (reference.PublicKeyToken.Length > 0 && reference.PublicKeyToken != copy.PublicKeyToken)
                        {
                            failures.Add($"{from} references {reference} with public key token {reference.PublicKeyToken}, but {DependencyFolderName}/{Path.GetFileName(copy.Path)} has {DisplayToken(copy.PublicKeyToken)}; the resolver does not hand out an assembly of another publisher.");
                        }
                        else if (reference.Version > copy.Version)
                        {
                            failures.Add($"{from} references {reference}, newer than the shipped {copy.Name} {copy.Version}; the resolver would hand out the older copy.");
                        }
                        if (framework.TryGetValue(reference.Name, out var inFramework) && inFramework >= reference.Version)
                        {
                            line += $".NET Framework's own {reference.Name} {inFramework} (the binder finds it before the resolver is asked; the shipped {copy.Version} serves PowerShell 7 hosts without it)";
                        }
                        else
                        {
                            line += reference.Version == copy.Version
                                ? $"shipped {copy.Version} ({DependencyFolderName}/{Path.GetFileName(copy.Path)}), loaded by the module's resolver"
                                : $"shipped {copy.Version} ({DependencyFolderName}/{Path.GetFileName(copy.Path)}), version mismatch bound by the module's resolver";
                        }
                    }
                    else if (framework.TryGetValue(reference.Name, out var frameworkVersion))
                    {
                        if (reference.Version > frameworkVersion)
                        {
                            failures.Add($"{from} references {reference}, but .NET Framework 4.7.2 provides {reference.Name} {frameworkVersion} and the module does not ship it.");
                        }
                        line += $".NET Framework 4.7.2 ({frameworkVersion})";
                    }
                    else if (string.Equals(reference.Name, HostAssemblyName, StringComparison.OrdinalIgnoreCase) && assembly == module)
                    {
                        if (reference.Version > powerShell.Version)
                        {
                            failures.Add($"{from} references {reference}, newer than PowerShell Standard 5.1's {powerShell.Version}.");
                        }
                        line += $"the PowerShell host (PowerShell Standard {powerShell.Version})";
                    }
                    else
                    {
                        failures.Add($"{from} references {reference}, which is neither part of .NET Framework 4.7.2 nor shipped in {DependencyFolderName}/.");
                        line += "MISSING";
                    }
                    graph.Add(line);
                }
            }
            return new RuleOutcome("references", "every reference is .NET Framework 4.7.2's own (no newer version), the host's, or shipped in a version the resolver can bind", failures);
        }

        /// <summary>
        /// Every type and member the module assembly uses from netstandard, System.Management.Automation or a shipped
        /// assembly exists there (netstandard2.0 and PowerShell Standard 5.1 reference assemblies, the shipped copies);
        /// and every shipped assembly finds what it uses in the other shipped copies, whatever version it was built against.
        /// </summary>
        private RuleOutcome CheckApis()
        {
            var failures = new List<string>();
            foreach (var assembly in ModuleAssemblies)
            {
                var onlyShipped = assembly != module;
                foreach (var handle in assembly.Reader.TypeReferences)
                {
                    var resolution = ResolveType(assembly, handle, onlyShipped);
                    if (resolution.Missing != null) failures.Add($"{assembly.Name} uses type {assembly.FullName(handle)}, which {resolution.Missing} does not define.");
                }
                foreach (var handle in assembly.Reader.MemberReferences)
                {
                    var reference = assembly.Reader.GetMemberReference(handle);
                    var parent = ParentTypeReference(assembly, reference.Parent);
                    if (parent == null) continue;
                    var resolution = ResolveType(assembly, parent.Value, onlyShipped);
                    if (resolution.Target == null) continue;
                    var name = assembly.Reader.GetString(reference.Name);
                    var kind = reference.GetKind();
                    var signature = kind == MemberReferenceKind.Method
                        ? SignatureText.Method(reference.DecodeMethodSignature(new SignatureText(assembly), null))
                        : reference.DecodeFieldSignature(new SignatureText(assembly), null);
                    if (!HasMember(resolution.Target, resolution.Type, name, kind, signature, onlyShipped))
                    {
                        failures.Add($"{assembly.Name} uses {(kind == MemberReferenceKind.Method ? "method" : "field")} {assembly.FullName(parent.Value)}::{name} {signature}, which {resolution.Target.Name} {resolution.Target.Version} does not have.");
                    }
                }
            }
            return new RuleOutcome("api", "every type and member used exists in netstandard2.0, PowerShell Standard 5.1 or the shipped copy", failures);
        }

        /// <summary>
        /// PowerShell enumerates the module assembly's exported types before it runs the IModuleAssemblyInitializer that
        /// installs the resolver; loading those types loads their base types, interfaces and value-type fields, so none of
        /// these may come from a shipped assembly.
        /// </summary>
        private RuleOutcome CheckTypesLoadedBeforeTheInitializer()
        {
            var failures = new List<string>();
            var visited = new HashSet<TypeDefinitionHandle>();
            foreach (var type in module.Reader.TypeDefinitions)
            {
                if (module.IsPubliclyVisible(type)) VisitLoadedType(type, module.FullName(type), visited, failures);
            }
            return new RuleOutcome("import", "no exported type needs a shipped assembly to load (PowerShell loads them before the module's initializer runs)", failures);
        }

        private void VisitLoadedType(TypeDefinitionHandle handle, string path, HashSet<TypeDefinitionHandle> visited, List<string> failures)
        {
            if (!visited.Add(handle)) return;
            var reader = module.Reader;
            var type = reader.GetTypeDefinition(handle);
            if (!type.BaseType.IsNil) CheckLoadedHandle(type.BaseType, path + " (base type)", visited, failures);
            foreach (var implementation in type.GetInterfaceImplementations())
            {
                CheckLoadedHandle(reader.GetInterfaceImplementation(implementation).Interface, path + " (interface)", visited, failures);
            }
            foreach (var fieldHandle in type.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                var blob = reader.GetBlobReader(field.Signature);
                blob.ReadSignatureHeader();
                foreach (var needed in ValueTypesOfField(ref blob))
                {
                    CheckLoadedHandle(needed, $"{path} (field {reader.GetString(field.Name)})", visited, failures);
                }
            }
        }

        private void CheckLoadedHandle(EntityHandle handle, string path, HashSet<TypeDefinitionHandle> visited, List<string> failures)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    var definition = (TypeDefinitionHandle)handle;
                    VisitLoadedType(definition, path + " -> " + module.FullName(definition), visited, failures);
                    break;
                case HandleKind.TypeReference:
                    var reference = (TypeReferenceHandle)handle;
                    var scope = module.ScopeOf(reference);
                    if (scope == null) break;
                    var assembly = module.Reference(scope.Value);
                    if (shipped.ContainsKey(assembly.Name)) failures.Add($"{path} -> {module.FullName(reference)} from {assembly.Name}: PowerShell loads it before the module's resolver exists.");
                    break;
                case HandleKind.TypeSpecification:
                    var blob = module.Reader.GetBlobReader(module.Reader.GetTypeSpecification((TypeSpecificationHandle)handle).Signature);
                    foreach (var inner in AllTypeHandles(ref blob)) CheckLoadedHandle(inner, path, visited, failures);
                    break;
            }
        }

        private const int ElementValueType = 0x11;
        private const int ElementClass = 0x12;
        private const int ElementGenericInstance = 0x15;
        private const int ElementRequiredModifier = 0x1f;
        private const int ElementOptionalModifier = 0x20;

        /// <summary>The types a field's layout needs: a value type and everything in its instantiation; nothing for a reference.</summary>
        private static List<EntityHandle> ValueTypesOfField(ref BlobReader blob)
        {
            var code = blob.ReadCompressedInteger();
            while (code == ElementRequiredModifier || code == ElementOptionalModifier)
            {
                blob.ReadTypeHandle();
                code = blob.ReadCompressedInteger();
            }
            if (code == ElementValueType) return new List<EntityHandle> { blob.ReadTypeHandle() };
            if (code == ElementGenericInstance && blob.ReadCompressedInteger() == ElementValueType)
            {
                var handles = new List<EntityHandle> { blob.ReadTypeHandle() };
                var count = blob.ReadCompressedInteger();
                for (var i = 0; i < count; i++) handles.AddRange(AllTypeHandles(ref blob));
                return handles;
            }
            return new List<EntityHandle>();
        }

        /// <summary>Every type handle in one encoded type (consumes exactly that type from the blob).</summary>
        private static List<EntityHandle> AllTypeHandles(ref BlobReader blob)
        {
            var handles = new List<EntityHandle>();
            var code = blob.ReadCompressedInteger();
            switch (code)
            {
                case ElementValueType:
                case ElementClass:
                    handles.Add(blob.ReadTypeHandle());
                    break;
                case ElementGenericInstance:
                    blob.ReadCompressedInteger();
                    handles.Add(blob.ReadTypeHandle());
                    var count = blob.ReadCompressedInteger();
                    for (var i = 0; i < count; i++) handles.AddRange(AllTypeHandles(ref blob));
                    break;
                case ElementRequiredModifier:
                case ElementOptionalModifier:
                    blob.ReadTypeHandle();
                    handles.AddRange(AllTypeHandles(ref blob));
                    break;
                case (int)SignatureTypeCode.SZArray:
                case (int)SignatureTypeCode.Pointer:
                case (int)SignatureTypeCode.ByReference:
                case (int)SignatureTypeCode.Pinned:
                    handles.AddRange(AllTypeHandles(ref blob));
                    break;
                case (int)SignatureTypeCode.Array:
                    handles.AddRange(AllTypeHandles(ref blob));
                    blob.ReadCompressedInteger();
                    var sizes = blob.ReadCompressedInteger();
                    for (var i = 0; i < sizes; i++) blob.ReadCompressedInteger();
                    var bounds = blob.ReadCompressedInteger();
                    for (var i = 0; i < bounds; i++) blob.ReadCompressedSignedInteger();
                    break;
                case (int)SignatureTypeCode.GenericTypeParameter:
                case (int)SignatureTypeCode.GenericMethodParameter:
                    blob.ReadCompressedInteger();
                    break;
                case (int)SignatureTypeCode.FunctionPointer:
                    throw new NotSupportedException("Function pointer types in type specifications are not expected in the module.");
            }
            return handles;
        }

        private readonly struct TypeResolution
        {
            public TypeResolution(ModuleAssembly? target, TypeDefinitionHandle type, string? missing)
            {
                Target = target;
                Type = type;
                Missing = missing;
            }

            public ModuleAssembly? Target { get; }

            public TypeDefinitionHandle Type { get; }

            /// <summary>The assembly that should define the type but does not.</summary>
            public string? Missing { get; }
        }

        /// <summary>The assembly whose API a reference is checked against, or null when it is not checked.</summary>
        private ModuleAssembly? ApiOf(AssemblyReferenceInfo reference, bool onlyShipped)
        {
            if (shipped.TryGetValue(reference.Name, out var copy)) return copy;
            if (onlyShipped) return null;
            if (string.Equals(reference.Name, NetStandardName, StringComparison.OrdinalIgnoreCase)) return netStandard;
            if (string.Equals(reference.Name, HostAssemblyName, StringComparison.OrdinalIgnoreCase)) return powerShell;
            return null;
        }

        private TypeResolution ResolveType(ModuleAssembly from, TypeReferenceHandle handle, bool onlyShipped)
        {
            var scope = from.ScopeOf(handle);
            if (scope == null) return default;
            var target = ApiOf(from.Reference(scope.Value), onlyShipped);
            var name = from.FullName(handle);
            for (var hops = 0; target != null && hops < 8; hops++)
            {
                if (target.TryGetType(name, out var definition)) return new TypeResolution(target, definition, null);
                var outermost = name.Split('/')[0];
                if (!target.TryGetForwarder(outermost, out var forwardedTo)) return new TypeResolution(null, default, $"{target.Name} {target.Version}");
                var next = ApiOf(target.Reference(forwardedTo), onlyShipped: false);
                if (next == null) return default;
                target = next;
            }
            return default;
        }

        /// <summary>The type reference behind a member reference's parent (a generic instantiation counts as its generic type).</summary>
        private static TypeReferenceHandle? ParentTypeReference(ModuleAssembly assembly, EntityHandle parent)
        {
            if (parent.Kind == HandleKind.TypeReference) return (TypeReferenceHandle)parent;
            if (parent.Kind != HandleKind.TypeSpecification) return null;
            var blob = assembly.Reader.GetBlobReader(assembly.Reader.GetTypeSpecification((TypeSpecificationHandle)parent).Signature);
            if (blob.ReadCompressedInteger() != ElementGenericInstance) return null;
            blob.ReadCompressedInteger();
            var generic = blob.ReadTypeHandle();
            return generic.Kind == HandleKind.TypeReference ? (TypeReferenceHandle)generic : null;
        }

        private bool HasMember(ModuleAssembly target, TypeDefinitionHandle typeHandle, string name, MemberReferenceKind kind, string signature, bool onlyShipped)
        {
            for (var depth = 0; depth < 32; depth++)
            {
                var reader = target.Reader;
                var type = reader.GetTypeDefinition(typeHandle);
                if (kind == MemberReferenceKind.Method)
                {
                    foreach (var methodHandle in type.GetMethods())
                    {
                        var method = reader.GetMethodDefinition(methodHandle);
                        if (reader.StringComparer.Equals(method.Name, name) && SignatureText.Method(method.DecodeSignature(new SignatureText(target), null)) == signature) return true;
                    }
                }
                else
                {
                    foreach (var fieldHandle in type.GetFields())
                    {
                        var field = reader.GetFieldDefinition(fieldHandle);
                        if (reader.StringComparer.Equals(field.Name, name) && field.DecodeSignature(new SignatureText(target), null) == signature) return true;
                    }
                }
                if (type.BaseType.IsNil) return false;
                TypeReferenceHandle baseReference;
                switch (type.BaseType.Kind)
                {
                    case HandleKind.TypeDefinition:
                        typeHandle = (TypeDefinitionHandle)type.BaseType;
                        continue;
                    case HandleKind.TypeReference:
                        baseReference = (TypeReferenceHandle)type.BaseType;
                        break;
                    default:
                        var generic = ParentTypeReference(target, type.BaseType);
                        if (generic == null) return false;
                        baseReference = generic.Value;
                        break;
                }
                var resolution = ResolveType(target, baseReference, onlyShipped);
                // A base type outside the checked assemblies cannot be searched: no evidence that the member is missing.
                if (resolution.Target == null) return resolution.Missing == null;
                target = resolution.Target;
                typeHandle = resolution.Type;
            }
            return false;
        }

        private static string DisplayToken(string token) => token.Length == 0 ? "no strong name" : token;
    }
}
