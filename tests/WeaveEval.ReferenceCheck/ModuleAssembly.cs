using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;

namespace WeaveEval.ReferenceCheck
{
    /// <summary>One assembly file read with System.Reflection.Metadata (never loaded into the runtime).</summary>
    internal sealed class ModuleAssembly : IDisposable
    {
        private readonly PEReader pe;
        private Dictionary<string, TypeDefinitionHandle>? definedTypes;
        private Dictionary<string, AssemblyReferenceHandle>? forwardedTypes;

        private ModuleAssembly(string path, PEReader pe, MetadataReader reader)
        {
            Path = path;
            this.pe = pe;
            Reader = reader;
            var definition = reader.GetAssemblyDefinition();
            Name = reader.GetString(definition.Name);
            Version = definition.Version;
            PublicKeyToken = TokenOf(reader.GetBlobBytes(definition.PublicKey), isFullKey: true);
        }

        public string Path { get; }

        public string Name { get; }

        public Version Version { get; }

        /// <summary>Hex, lower case; empty for an assembly without a strong name.</summary>
        public string PublicKeyToken { get; }

        public MetadataReader Reader { get; }

        public static ModuleAssembly Open(string path)
        {
            var pe = new PEReader(File.OpenRead(path));
            try
            {
                if (!pe.HasMetadata) throw new BadImageFormatException($"{path} has no .NET metadata.");
                var reader = pe.GetMetadataReader();
                if (!reader.IsAssembly) throw new BadImageFormatException($"{path} is not an assembly.");
                return new ModuleAssembly(path, pe, reader);
            }
            catch
            {
                pe.Dispose();
                throw;
            }
        }

        public IEnumerable<AssemblyReferenceInfo> References
        {
            get
            {
                foreach (var handle in Reader.AssemblyReferences)
                {
                    yield return Reference(handle);
                }
            }
        }

        public AssemblyReferenceInfo Reference(AssemblyReferenceHandle handle)
        {
            var reference = Reader.GetAssemblyReference(handle);
            var key = Reader.GetBlobBytes(reference.PublicKeyOrToken);
            var isFullKey = (reference.Flags & AssemblyFlags.PublicKey) != 0;
            return new AssemblyReferenceInfo(Reader.GetString(reference.Name), reference.Version, TokenOf(key, isFullKey));
        }

        /// <summary>The type defined here under <paramref name="fullName"/> (nested types as Outer/Inner), if any.</summary>
        public bool TryGetType(string fullName, out TypeDefinitionHandle handle)
        {
            if (definedTypes == null)
            {
                definedTypes = new Dictionary<string, TypeDefinitionHandle>(StringComparer.Ordinal);
                foreach (var type in Reader.TypeDefinitions) definedTypes[FullName(type)] = type;
            }
            return definedTypes.TryGetValue(fullName, out handle);
        }

        /// <summary>The assembly a type forwarder of this assembly sends <paramref name="fullName"/> to, if any.</summary>
        public bool TryGetForwarder(string fullName, out AssemblyReferenceHandle target)
        {
            if (forwardedTypes == null)
            {
                forwardedTypes = new Dictionary<string, AssemblyReferenceHandle>(StringComparer.Ordinal);
                foreach (var handle in Reader.ExportedTypes)
                {
                    var exported = Reader.GetExportedType(handle);
                    if (!exported.IsForwarder || exported.Implementation.Kind != HandleKind.AssemblyReference) continue;
                    var name = exported.Namespace.IsNil ? Reader.GetString(exported.Name) : Reader.GetString(exported.Namespace) + "." + Reader.GetString(exported.Name);
                    forwardedTypes[name] = (AssemblyReferenceHandle)exported.Implementation;
                }
            }
            return forwardedTypes.TryGetValue(fullName, out target);
        }

        public string FullName(TypeDefinitionHandle handle)
        {
            var type = Reader.GetTypeDefinition(handle);
            var name = Reader.GetString(type.Name);
            var declaring = type.GetDeclaringType();
            if (!declaring.IsNil) return FullName(declaring) + "/" + name;
            return type.Namespace.IsNil ? name : Reader.GetString(type.Namespace) + "." + name;
        }

        public string FullName(TypeReferenceHandle handle)
        {
            var type = Reader.GetTypeReference(handle);
            var name = Reader.GetString(type.Name);
            if (type.ResolutionScope.Kind == HandleKind.TypeReference) return FullName((TypeReferenceHandle)type.ResolutionScope) + "/" + name;
            return type.Namespace.IsNil ? name : Reader.GetString(type.Namespace) + "." + name;
        }

        /// <summary>The assembly reference a type reference is scoped to (through its declaring types), or null when it is local.</summary>
        public AssemblyReferenceHandle? ScopeOf(TypeReferenceHandle handle)
        {
            var scope = Reader.GetTypeReference(handle).ResolutionScope;
            while (scope.Kind == HandleKind.TypeReference) scope = Reader.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope;
            return scope.Kind == HandleKind.AssemblyReference ? (AssemblyReferenceHandle)scope : null;
        }

        public bool IsPubliclyVisible(TypeDefinitionHandle handle)
        {
            var type = Reader.GetTypeDefinition(handle);
            var visibility = type.Attributes & TypeAttributes.VisibilityMask;
            if (visibility == TypeAttributes.Public) return true;
            if (visibility == TypeAttributes.NestedPublic) return IsPubliclyVisible(type.GetDeclaringType());
            return false;
        }

        public void Dispose() => pe.Dispose();

        private static string TokenOf(byte[] keyOrToken, bool isFullKey)
        {
            if (keyOrToken.Length == 0) return string.Empty;
            var token = keyOrToken;
            if (isFullKey)
            {
                var hash = SHA1.HashData(keyOrToken);
                token = new byte[8];
                for (var i = 0; i < 8; i++) token[i] = hash[hash.Length - 1 - i];
            }
            return Convert.ToHexString(token).ToLowerInvariant();
        }
    }

    internal sealed record AssemblyReferenceInfo(string Name, Version Version, string PublicKeyToken)
    {
        public override string ToString() => $"{Name} {Version}";
    }

    /// <summary>Turns signatures into text that is the same for a member reference and the definition it names.</summary>
    internal sealed class SignatureText : ISignatureTypeProvider<string, object?>
    {
        private readonly ModuleAssembly assembly;

        public SignatureText(ModuleAssembly assembly) { this.assembly = assembly; }

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode switch
        {
            PrimitiveTypeCode.IntPtr => "IntPtr",
            PrimitiveTypeCode.UIntPtr => "UIntPtr",
            PrimitiveTypeCode.TypedReference => "TypedReference",
            _ => typeCode.ToString(),
        };

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => assembly.FullName(handle);

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => assembly.FullName(handle);

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetPinnedType(string elementType) => elementType + " pinned";

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType + "<" + string.Join(",", typeArguments) + ">";

        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;

        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType + (isRequired ? " modreq(" : " modopt(") + modifier + ")";

        public string GetFunctionPointerType(MethodSignature<string> signature) => "method " + Method(signature);

        public static string Method(MethodSignature<string> signature) =>
            (signature.Header.CallingConvention == SignatureCallingConvention.Default ? "" : signature.Header.CallingConvention + " ")
            + (signature.Header.IsInstance ? "instance " : "")
            + signature.ReturnType
            + (signature.GenericParameterCount > 0 ? $" <{signature.GenericParameterCount}>" : "")
            + $" ({string.Join(",", signature.ParameterTypes)})";
    }
}
