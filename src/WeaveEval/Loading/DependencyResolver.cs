using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace WeaveEval.Loading
{
    /// <summary>An assembly of the module's dependencies folder: its identity and file.</summary>
    internal sealed class ShippedAssembly
    {
        public ShippedAssembly(AssemblyName name, string path)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Path = path ?? throw new ArgumentNullException(nameof(path));
        }

        public AssemblyName Name { get; }

        public string Path { get; }
    }

    /// <summary>
    /// Answers <see cref="AppDomain.AssemblyResolve"/> for the third-party assemblies the module ships in its
    /// dependencies folder, and for nothing else. .NET Framework applies no binding redirects to a module, and the
    /// shipped graph does not line up by version (System.Memory asks for System.Runtime.CompilerServices.Unsafe
    /// 4.0.4.1, the folder has 6.0.0.0), so a request is answered by simple name whatever version it asks for.
    /// Only requests made by the module assembly itself or by an assembly this resolver loaded are answered: another
    /// module that ships its own copy of the same library resolves it its own way. A request that names no requester
    /// (Assembly.Load by name) is answered only when the shipped copy is at least the version asked for.
    /// </summary>
    internal sealed class DependencyResolver
    {
        public const string FolderName = "dependencies";

        private readonly Dictionary<string, ShippedAssembly> shipped;
        private readonly Assembly moduleAssembly;
        private readonly Func<string, Assembly> load;
        // No lock of ours is held while the runtime loads a file: the loader raises AssemblyResolve on other
        // threads under its own lock, and a handler waiting for ours there would deadlock with the load.
        private readonly ConcurrentDictionary<string, Assembly> loaded = new ConcurrentDictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);

        public DependencyResolver(IEnumerable<ShippedAssembly> shipped, Assembly moduleAssembly, Func<string, Assembly> load)
        {
            this.shipped = shipped.ToDictionary(a => a.Name.Name!, StringComparer.OrdinalIgnoreCase);
            this.moduleAssembly = moduleAssembly ?? throw new ArgumentNullException(nameof(moduleAssembly));
            this.load = load ?? throw new ArgumentNullException(nameof(load));
        }

        /// <summary>The assemblies of <paramref name="folder"/>, read by identity without loading them; none when it is absent.</summary>
        public static IReadOnlyList<ShippedAssembly> ReadFolder(string folder)
        {
            if (!Directory.Exists(folder)) return Array.Empty<ShippedAssembly>();
            return Directory.GetFiles(folder, "*.dll")
                .Select(path => new ShippedAssembly(AssemblyName.GetAssemblyName(path), path))
                .ToList();
        }

        /// <summary>
        /// Loads an assembly file so that its own references come back to <see cref="AssemblyResolve"/>. On .NET Framework
        /// that is LoadFile (the load-from context would probe the file's folder and stop at the first version mismatch);
        /// elsewhere LoadFrom, which puts it in the default load context instead of an isolated one per file.
        /// </summary>
        public static Assembly LoadForRuntime(string path) =>
            Runtime.IsNetFramework ? Assembly.LoadFile(path) : Assembly.LoadFrom(path);

        /// <summary>
        /// The file that answers a request for <paramref name="requested"/>: the shipped assembly of the same simple
        /// name, whatever version was asked for, provided the request is culture-neutral and (when it names a public key
        /// token) from the same publisher. Null for every other request.
        /// </summary>
        public static string? Resolve(AssemblyName requested, IReadOnlyDictionary<string, ShippedAssembly> shipped)
        {
            if (requested?.Name == null || shipped == null) return null;
            if (!string.IsNullOrEmpty(requested.CultureName)) return null;
            if (!shipped.TryGetValue(requested.Name, out var candidate)) return null;
            var requestedToken = requested.GetPublicKeyToken();
            if (requestedToken != null && requestedToken.Length > 0)
            {
                var shippedToken = candidate.Name.GetPublicKeyToken() ?? Array.Empty<byte>();
                if (!requestedToken.SequenceEqual(shippedToken)) return null;
            }
            return candidate.Path;
        }

        /// <summary>The <see cref="AppDomain.AssemblyResolve"/> handler.</summary>
        public Assembly? AssemblyResolve(object? sender, ResolveEventArgs args)
        {
            if (args?.Name == null) return null;
            if (args.RequestingAssembly != null && !IsFromModule(args.RequestingAssembly)) return null;
            AssemblyName requested;
            try
            {
                requested = new AssemblyName(args.Name);
            }
            catch (Exception e) when (e is ArgumentException || e is FileLoadException)
            {
                return null;
            }
            var path = Resolve(requested, shipped);
            if (path == null) return null;
            if (args.RequestingAssembly == null && requested.Version != null && requested.Version > shipped[requested.Name!].Name.Version) return null;
            // One Assembly per file for the life of the process, so every requester sees the same types; two
            // threads that race here both load, and the first one stored is what both get.
            if (loaded.TryGetValue(requested.Name!, out var assembly)) return assembly;
            return loaded.GetOrAdd(requested.Name!, load(path));
        }

        private bool IsFromModule(Assembly requester)
        {
            if (requester == moduleAssembly) return true;
            return loaded.Values.Contains(requester);
        }
    }
}
