using System;
using System.IO;
using System.Management.Automation;
using WeaveEval.Loading;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Installs the module's assembly resolver when PowerShell imports the module and removes it with the module.
    /// PowerShell runs <see cref="OnImport"/> after it has listed the module's exported types, so none of those may
    /// need a shipped assembly to load (the build's reference check enforces it).
    /// </summary>
    public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly object Gate = new object();
        private static DependencyResolver? resolver;
        private static bool installed;

        public void OnImport()
        {
            lock (Gate)
            {
                if (installed) return;
                if (resolver == null)
                {
                    var module = typeof(ModuleLifetime).Assembly;
                    var folder = Path.Combine(Path.GetDirectoryName(module.Location) ?? string.Empty, DependencyResolver.FolderName);
                    resolver = new DependencyResolver(DependencyResolver.ReadFolder(folder), module, DependencyResolver.LoadForRuntime);
                }
                AppDomain.CurrentDomain.AssemblyResolve += resolver.AssemblyResolve;
                installed = true;
            }
        }

        /// <summary>
        /// Leaves the session's resolution as it was before the import. Assemblies already loaded stay loaded (the
        /// runtime cannot unload them) and references already bound stay bound; the resolver object is kept so that a
        /// new import hands out the same assemblies.
        /// </summary>
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            lock (Gate)
            {
                if (!installed || resolver == null) return;
                AppDomain.CurrentDomain.AssemblyResolve -= resolver.AssemblyResolve;
                installed = false;
            }
        }
    }
}
