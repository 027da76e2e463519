using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using WeaveEval.Loading;

namespace WeaveEval.Tests
{
    /// <summary>
    /// The module's AssemblyResolve handler: which requests it answers (shipped simple names, any version, from the
    /// module's own graph) and which it leaves alone (foreign names, satellite cultures, other publishers, requests made
    /// by other assemblies) — first as a pure function, then as a handler fed requests, then with the runtime raising them.
    /// </summary>
    public class DependencyResolverTests
    {
        private static Version V(string text) => new Version(text);

        /// <summary>A dependencies folder holding one assembly of <paramref name="name"/> 2.0.0.0 with a public class Base.</summary>
        private static string ShipOne(ScratchFolder folder, string name)
        {
            var shipped = new TinyAssembly(name, V("2.0.0.0"));
            var systemObject = shipped.TypeReference(shipped.Reference("netstandard", V("2.0.0.0")), "System", "Object");
            shipped.PublicClass(name, "Base", systemObject);
            return shipped.Save(folder.Combine(DependencyResolver.FolderName));
        }

        /// <summary>An assembly whose public class Derived extends <paramref name="shippedName"/>.Base of version 1.0.0.0.</summary>
        private static string Requester(ScratchFolder folder, string name, string shippedName)
        {
            var requester = new TinyAssembly(name, V("1.0.0.0"));
            var baseType = requester.TypeReference(requester.Reference(shippedName, V("1.0.0.0")), shippedName, "Base");
            requester.PublicClass(name, "Derived", baseType);
            return requester.Save(folder.Combine("requesters"));
        }

        private static Dictionary<string, ShippedAssembly> ShippedSet(string folder) =>
            DependencyResolver.ReadFolder(folder).ToDictionary(a => a.Name.Name!, StringComparer.OrdinalIgnoreCase);

        [Fact]
        public void Shipped_simple_name_resolves_to_its_file_whatever_version_is_asked_for()
        {
            using var folder = new ScratchFolder();
            var path = ShipOne(folder, "Tiny.Shipped");
            var shipped = ShippedSet(folder.Combine(DependencyResolver.FolderName));

            Assert.Equal(path, DependencyResolver.Resolve(new AssemblyName("Tiny.Shipped, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null"), shipped));
            Assert.Equal(path, DependencyResolver.Resolve(new AssemblyName("Tiny.Shipped, Version=9.0.0.0"), shipped));
            Assert.Equal(path, DependencyResolver.Resolve(new AssemblyName("tiny.shipped"), shipped));
        }

        [Theory]
        [InlineData("System.Text.Json, Version=8.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51")]
        [InlineData("Tiny.Shipped.resources, Version=2.0.0.0, Culture=de, PublicKeyToken=null")]
        [InlineData("Tiny.Shipped, Version=2.0.0.0, Culture=de, PublicKeyToken=null")]
        [InlineData("Tiny.Shipped, Version=2.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a")]
        public void Anything_else_is_left_to_the_runtime(string request)
        {
            using var folder = new ScratchFolder();
            ShipOne(folder, "Tiny.Shipped");
            Assert.Null(DependencyResolver.Resolve(new AssemblyName(request), ShippedSet(folder.Combine(DependencyResolver.FolderName))));
        }

        [Fact]
        public void A_missing_dependencies_folder_ships_nothing()
        {
            using var folder = new ScratchFolder();
            Assert.Empty(DependencyResolver.ReadFolder(folder.Combine("absent")));
        }

        [Fact]
        public void Handler_answers_the_module_and_what_it_loaded_once_per_assembly_and_no_other_requester()
        {
            using var folder = new ScratchFolder();
            var path = ShipOne(folder, "Tiny.Shipped");
            var module = typeof(DependencyResolver).Assembly;
            var stand_in = typeof(System.Xml.XmlDocument).Assembly;
            var loads = new List<string>();
            var resolver = new DependencyResolver(DependencyResolver.ReadFolder(folder.Combine(DependencyResolver.FolderName)), module,
                p => { loads.Add(p); return stand_in; });

            Assert.Same(stand_in, resolver.AssemblyResolve(null, new ResolveEventArgs("Tiny.Shipped, Version=1.0.0.0", module)));
            Assert.Same(stand_in, resolver.AssemblyResolve(null, new ResolveEventArgs("Tiny.Shipped, Version=2.0.0.0", module)));
            // A shipped assembly's own references come from the module's graph too.
            Assert.Same(stand_in, resolver.AssemblyResolve(null, new ResolveEventArgs("Tiny.Shipped, Version=0.5.0.0", stand_in)));
            Assert.Equal(new[] { path }, loads);

            Assert.Null(resolver.AssemblyResolve(null, new ResolveEventArgs("Tiny.Shipped, Version=1.0.0.0", typeof(Assert).Assembly)));
            // Assembly.Load by name names no requester: served only when the shipped copy is new enough.
            Assert.Same(stand_in, resolver.AssemblyResolve(null, new ResolveEventArgs("Tiny.Shipped, Version=1.0.0.0")));
            Assert.Null(resolver.AssemblyResolve(null, new ResolveEventArgs("Tiny.Shipped, Version=3.0.0.0")));
            Assert.Null(resolver.AssemblyResolve(null, new ResolveEventArgs("Not.Shipped, Version=1.0.0.0", module)));
            Assert.Null(resolver.AssemblyResolve(null, new ResolveEventArgs("not a valid, assembly=name=", module)));
            Assert.Single(loads);
        }

        [Fact]
        public void Runtime_binding_of_an_older_version_is_answered_with_the_shipped_copy_for_the_module_only()
        {
            // Unique names: the test process cannot unload what it loads.
            var suffix = Guid.NewGuid().ToString("N");
            var shippedName = "Tiny.Shipped" + suffix;
            using var folder = new ScratchFolder();
            var shippedPath = ShipOne(folder, shippedName);
            var module = Assembly.LoadFrom(Requester(folder, "Tiny.Module" + suffix, shippedName));
            var foreign = Assembly.LoadFrom(Requester(folder, "Tiny.Foreign" + suffix, shippedName));
            var resolver = new DependencyResolver(DependencyResolver.ReadFolder(folder.Combine(DependencyResolver.FolderName)), module, DependencyResolver.LoadForRuntime);

            AppDomain.CurrentDomain.AssemblyResolve += resolver.AssemblyResolve;
            try
            {
                // The foreign request first: once the shipped copy is loaded, the runtime itself hands it to any
                // request of a version it satisfies, without asking a handler.
                Assert.Throws<FileNotFoundException>(() => foreign.GetType("Tiny.Foreign" + suffix + ".Derived", throwOnError: true));

                var baseType = module.GetType("Tiny.Module" + suffix + ".Derived", throwOnError: true)!.BaseType!;
                Assert.Equal(shippedName + ".Base", baseType.FullName);
                Assert.Equal(V("2.0.0.0"), baseType.Assembly.GetName().Version);
                Assert.Equal(Path.GetFullPath(shippedPath), Path.GetFullPath(baseType.Assembly.Location));
            }
            finally
            {
                AppDomain.CurrentDomain.AssemblyResolve -= resolver.AssemblyResolve;
            }
        }
    }
}
