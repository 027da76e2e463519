using System;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using WeaveEval.ReferenceCheck;

namespace WeaveEval.Tests
{
    /// <summary>
    /// The build's reference-graph check against module folders built for the purpose: a sound one passes, and each
    /// kind of break (missing assembly, newer framework version, newer than shipped, API beyond netstandard2.0, an
    /// exported type that needs a shipped assembly, a dependency beside the module dll) fails its rule with a message
    /// that names the culprit.
    /// </summary>
    public class ReferenceCheckTests
    {
        private const string ModuleFile = "Tiny.Module.dll";

        private sealed class ModuleUnderTest
        {
            public ModuleUnderTest(TinyAssembly assembly)
            {
                Assembly = assembly;
                NetStandard = assembly.Reference("netstandard", new Version(2, 0, 0, 0));
                Dependency = assembly.Reference("Tiny.Dep", new Version(1, 0, 0, 0));
                Object = assembly.TypeReference(NetStandard, "System", "Object");
                String = assembly.TypeReference(NetStandard, "System", "String");
                ValueType = assembly.TypeReference(NetStandard, "System", "ValueType");
            }

            public TinyAssembly Assembly { get; }
            public AssemblyReferenceHandle NetStandard { get; }
            public AssemblyReferenceHandle Dependency { get; }
            public TypeReferenceHandle Object { get; }
            public TypeReferenceHandle String { get; }
            public TypeReferenceHandle ValueType { get; }
        }

        /// <summary>A module folder: Tiny.Module.dll (customised by the test) and dependencies/Tiny.Dep.dll 2.0.0.0.</summary>
        private static CheckReport Check(ScratchFolder folder, Action<ModuleUnderTest> customize)
        {
            var dependency = new TinyAssembly("Tiny.Dep", new Version(2, 0, 0, 0));
            var depObject = dependency.TypeReference(dependency.Reference("netstandard", new Version(2, 0, 0, 0)), "System", "Object");
            dependency.PublicClass("Tiny.Dep", "Thing", depObject);
            dependency.Save(folder.Combine(GraphCheck.DependencyFolderName));

            var module = new ModuleUnderTest(new TinyAssembly("Tiny.Module", new Version(1, 0, 0, 0)));
            module.Assembly.Reference("System.Management.Automation", new Version(3, 0, 0, 0));
            module.Assembly.TypeReference(module.Dependency, "Tiny.Dep", "Thing");
            module.Assembly.InstanceMethodReference(module.String, "Contains", PrimitiveTypeCode.Boolean, PrimitiveTypeCode.String);
            module.Assembly.PublicClass("Tiny.Module", "Cmdlet", module.Object);
            customize(module);
            module.Assembly.Save(folder.Path);

            using var check = new GraphCheck(folder.Path, ModuleFile, ReferenceSets.Pinned());
            return check.Run();
        }

        private static RuleOutcome Rule(CheckReport report, string name) => report.Rules.Single(r => r.Rule == name);

        [Fact]
        public void A_sound_graph_passes_every_rule_and_lists_each_edge()
        {
            using var folder = new ScratchFolder();
            var report = Check(folder, _ => { });

            Assert.True(report.Passed, string.Join(Environment.NewLine, report.Rules.SelectMany(r => r.Failures)));
            Assert.Equal(new[] { "layout", "references", "api", "import" }, report.Rules.Select(r => r.Rule));
            Assert.Contains("Tiny.Module 1.0.0.0 -> Tiny.Dep 1.0.0.0: shipped 2.0.0.0 (dependencies/Tiny.Dep.dll), version mismatch bound by the module's resolver", report.Graph);
            Assert.Contains("Tiny.Module 1.0.0.0 -> netstandard 2.0.0.0: .NET Framework 4.7.2 (2.0.0.0)", report.Graph);
            Assert.Contains("Tiny.Module 1.0.0.0 -> System.Management.Automation 3.0.0.0: the PowerShell host (PowerShell Standard 3.0.0.0)", report.Graph);
            Assert.Contains("Tiny.Dep 2.0.0.0 -> netstandard 2.0.0.0: .NET Framework 4.7.2 (2.0.0.0)", report.Graph);
        }

        [Fact]
        public void A_reference_neither_shipped_nor_in_the_framework_fails()
        {
            using var folder = new ScratchFolder();
            var report = Check(folder, m => m.Assembly.Reference("Not.Shipped.Anywhere", new Version(1, 0, 0, 0)));

            var failure = Assert.Single(Rule(report, "references").Failures);
            Assert.Equal("Tiny.Module 1.0.0.0 references Not.Shipped.Anywhere 1.0.0.0, which is neither part of .NET Framework 4.7.2 nor shipped in dependencies/.", failure);
            Assert.False(report.Passed);
        }

        [Fact]
        public void A_framework_assembly_newer_than_4_7_2_provides_fails()
        {
            using var folder = new ScratchFolder();
            var report = Check(folder, m => m.Assembly.Reference("System.Xml", new Version(9, 9, 0, 0)));

            var failure = Assert.Single(Rule(report, "references").Failures);
            Assert.Equal("Tiny.Module 1.0.0.0 references System.Xml 9.9.0.0, but .NET Framework 4.7.2 provides System.Xml 4.0.0.0 and the module does not ship it.", failure);
        }

        [Fact]
        public void A_reference_newer_than_the_shipped_copy_fails()
        {
            using var folder = new ScratchFolder();
            var report = Check(folder, m => m.Assembly.Reference("Tiny.Dep", new Version(3, 0, 0, 0)));

            var failure = Assert.Single(Rule(report, "references").Failures);
            Assert.Equal("Tiny.Module 1.0.0.0 references Tiny.Dep 3.0.0.0, newer than the shipped Tiny.Dep 2.0.0.0; the resolver would hand out the older copy.", failure);
        }

        [Fact]
        public void A_member_netstandard2_0_lacks_fails()
        {
            using var folder = new ScratchFolder();
            // string.Contains(char) arrived in netstandard2.1; Windows PowerShell's .NET Framework does not have it.
            var report = Check(folder, m => m.Assembly.InstanceMethodReference(m.String, "Contains", PrimitiveTypeCode.Boolean, PrimitiveTypeCode.Char));

            var failure = Assert.Single(Rule(report, "api").Failures);
            Assert.Equal("Tiny.Module uses method System.String::Contains instance System.Boolean (System.Char), which netstandard 2.0.0.0 does not have.", failure);
        }

        [Fact]
        public void A_type_netstandard2_0_lacks_fails()
        {
            using var folder = new ScratchFolder();
            var report = Check(folder, m => m.Assembly.TypeReference(m.NetStandard, "System", "Range"));

            Assert.Equal("Tiny.Module uses type System.Range, which netstandard 2.0.0.0 does not define.", Assert.Single(Rule(report, "api").Failures));
        }

        [Fact]
        public void A_type_missing_from_the_shipped_copy_fails()
        {
            using var folder = new ScratchFolder();
            var report = Check(folder, m => m.Assembly.TypeReference(m.Dependency, "Tiny.Dep", "RemovedInVersion2"));

            Assert.Equal("Tiny.Module uses type Tiny.Dep.RemovedInVersion2, which Tiny.Dep 2.0.0.0 does not define.", Assert.Single(Rule(report, "api").Failures));
        }

        [Fact]
        public void An_exported_type_implementing_a_shipped_interface_fails()
        {
            using var folder = new ScratchFolder();
            var report = Check(folder, m =>
            {
                var shippedInterface = m.Assembly.TypeReference(m.Dependency, "Tiny.Dep", "Thing");
                m.Assembly.PublicClass("Tiny.Module", "Disposer", m.Object, shippedInterface);
            });

            var failure = Assert.Single(Rule(report, "import").Failures);
            Assert.Equal("Tiny.Module.Disposer (interface) -> Tiny.Dep.Thing from Tiny.Dep: PowerShell loads it before the module's resolver exists.", failure);
        }

        [Fact]
        public void An_exported_type_with_a_shipped_value_type_field_fails_but_a_reference_type_field_does_not()
        {
            using var folder = new ScratchFolder();
            var report = Check(folder, m =>
            {
                var shippedStruct = m.Assembly.TypeReference(m.Dependency, "Tiny.Dep", "Options");
                var shippedClass = m.Assembly.TypeReference(m.Dependency, "Tiny.Dep", "Thing");
                m.Assembly.PublicClassWithField("Tiny.Module", "Holder", m.Object, "options", shippedStruct, isValueType: true);
                m.Assembly.PublicClassWithField("Tiny.Module", "Pointer", m.Object, "thing", shippedClass, isValueType: false);
            });

            var failure = Assert.Single(Rule(report, "import").Failures);
            Assert.Equal("Tiny.Module.Holder (field options) -> Tiny.Dep.Options from Tiny.Dep: PowerShell loads it before the module's resolver exists.", failure);
        }

        [Fact]
        public void A_dependency_beside_the_module_dll_fails_the_layout()
        {
            using var folder = new ScratchFolder();
            var report = Check(folder, _ => { });
            Assert.True(Rule(report, "layout").Passed);

            File.Copy(folder.Combine(GraphCheck.DependencyFolderName, "Tiny.Dep.dll"), folder.Combine("Tiny.Dep.dll"));
            using var check = new GraphCheck(folder.Path, ModuleFile, ReferenceSets.Pinned());
            var failure = Assert.Single(Rule(check.Run(), "layout").Failures);
            Assert.StartsWith("Tiny.Dep.dll lies beside Tiny.Module.dll", failure);
        }
    }
}
