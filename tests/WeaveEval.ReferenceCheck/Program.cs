using System;
using System.IO;

namespace WeaveEval.ReferenceCheck
{
    /// <summary>
    /// Usage: WeaveEval.ReferenceCheck &lt;module folder&gt; [module assembly file name, default WeaveEval.dll].
    /// Prints one line per graph edge ("graph: …"), per passed rule ("pass: …") and per failure ("fail: …");
    /// exits 0 when every rule passed, 1 when one failed, 2 when the check could not run.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            if (args.Length < 1 || args.Length > 2)
            {
                Console.Error.WriteLine("usage: WeaveEval.ReferenceCheck <module folder> [module assembly file name]");
                return 2;
            }
            try
            {
                using var check = new GraphCheck(Path.GetFullPath(args[0]), args.Length > 1 ? args[1] : "WeaveEval.dll", ReferenceSets.Pinned());
                var report = check.Run();
                foreach (var edge in report.Graph) Console.WriteLine("graph: " + edge);
                foreach (var rule in report.Rules)
                {
                    if (rule.Passed) Console.WriteLine($"pass: {rule.Rule} - {rule.Description}");
                    foreach (var failure in rule.Failures) Console.WriteLine($"fail: {rule.Rule} - {failure}");
                }
                return report.Passed ? 0 : 1;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is BadImageFormatException)
            {
                Console.Error.WriteLine("The reference check could not run: " + e.Message);
                return 2;
            }
        }
    }
}
