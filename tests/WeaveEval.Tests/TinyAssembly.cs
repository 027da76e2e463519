using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace WeaveEval.Tests
{
    /// <summary>
    /// Writes a minimal assembly (metadata only, no code) with the references, types and member references a test
    /// needs, so that the reference check and the resolver meet real files with a known, deliberately broken graph.
    /// </summary>
    internal sealed class TinyAssembly
    {
        private readonly MetadataBuilder metadata = new MetadataBuilder();
        private readonly List<(string Namespace, string Name, EntityHandle BaseType, EntityHandle[] Interfaces, (string Name, EntityHandle Type, bool IsValueType)[] Fields)> types =
            new List<(string, string, EntityHandle, EntityHandle[], (string, EntityHandle, bool)[])>();

        public TinyAssembly(string name, Version version)
        {
            Name = name;
            metadata.AddModule(0, metadata.GetOrAddString(name + ".dll"), metadata.GetOrAddGuid(Guid.NewGuid()), default, default);
            metadata.AddAssembly(metadata.GetOrAddString(name), version, default, default, 0, AssemblyHashAlgorithm.Sha1);
        }

        public string Name { get; }

        public AssemblyReferenceHandle Reference(string name, Version version) =>
            metadata.AddAssemblyReference(metadata.GetOrAddString(name), version, default, default, 0, default);

        public TypeReferenceHandle TypeReference(AssemblyReferenceHandle scope, string ns, string name) =>
            metadata.AddTypeReference(scope, metadata.GetOrAddString(ns), metadata.GetOrAddString(name));

        /// <summary>A reference to an instance method taking one parameter, e.g. bool System.String::Contains(char).</summary>
        public void InstanceMethodReference(TypeReferenceHandle parent, string name, PrimitiveTypeCode returns, PrimitiveTypeCode parameter)
        {
            var signature = new BlobBuilder();
            new BlobEncoder(signature).MethodSignature(isInstanceMethod: true)
                .Parameters(1, r => r.Type().PrimitiveType(returns), p => p.AddParameter().Type().PrimitiveType(parameter));
            metadata.AddMemberReference(parent, metadata.GetOrAddString(name), metadata.GetOrAddBlob(signature));
        }

        public void PublicClass(string ns, string name, EntityHandle baseType, params EntityHandle[] interfaces) =>
            types.Add((ns, name, baseType, interfaces, Array.Empty<(string, EntityHandle, bool)>()));

        public void PublicClassWithField(string ns, string name, EntityHandle baseType, string fieldName, EntityHandle fieldType, bool isValueType) =>
            types.Add((ns, name, baseType, Array.Empty<EntityHandle>(), new[] { (fieldName, fieldType, isValueType) }));

        public string Save(string folder)
        {
            Directory.CreateDirectory(folder);
            metadata.AddTypeDefinition(default, default, metadata.GetOrAddString("<Module>"), default,
                MetadataTokens.FieldDefinitionHandle(1), MetadataTokens.MethodDefinitionHandle(1));
            var fieldCount = 0;
            foreach (var type in types)
            {
                var firstField = MetadataTokens.FieldDefinitionHandle(fieldCount + 1);
                foreach (var field in type.Fields)
                {
                    var signature = new BlobBuilder();
                    new BlobEncoder(signature).Field().Type().Type(field.Type, field.IsValueType);
                    metadata.AddFieldDefinition(FieldAttributes.Public, metadata.GetOrAddString(field.Name), metadata.GetOrAddBlob(signature));
                    fieldCount++;
                }
                var handle = metadata.AddTypeDefinition(
                    TypeAttributes.Public | TypeAttributes.Class | TypeAttributes.BeforeFieldInit,
                    metadata.GetOrAddString(type.Namespace), metadata.GetOrAddString(type.Name), type.BaseType,
                    firstField, MetadataTokens.MethodDefinitionHandle(1));
                foreach (var implemented in type.Interfaces) metadata.AddInterfaceImplementation(handle, implemented);
            }
            var image = new BlobBuilder();
            new ManagedPEBuilder(PEHeaderBuilder.CreateLibraryHeader(), new MetadataRootBuilder(metadata), new BlobBuilder()).Serialize(image);
            var path = Path.Combine(folder, Name + ".dll");
            using (var file = File.Create(path)) image.WriteContentTo(file);
            return path;
        }
    }

    /// <summary>A scratch folder removed with the test.</summary>
    internal sealed class ScratchFolder : IDisposable
    {
        public ScratchFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "weaveeval-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Combine(params string[] parts) => System.IO.Path.Combine(Path, System.IO.Path.Combine(parts));

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // An assembly loaded from the folder stays mapped on some systems; the temp folder is left to the OS.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
