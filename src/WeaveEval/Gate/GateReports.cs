using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace WeaveEval.Gate
{
    /// <summary>
    /// The gate's verdict in the forms CI systems read: a JUnit XML report, a Markdown table, GitHub
    /// Actions workflow commands and Azure Pipelines logging commands.
    /// </summary>
    public static class GateReports
    {
        public const string SuiteName = "Weave evaluation gate";

        /// <summary>
        /// A JUnit report: one test suite, one test case per rule (class name: the run, name: the rule and
        /// its score); a failed rule is a failure whose message is the rule's message and whose text gives
        /// the measured value and the threshold.
        /// </summary>
        public static void WriteJUnit(GateResult result, Stream stream, DateTime timestampUtc)
        {
            if (result == null) throw new ArgumentNullException(nameof(result));
            var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, CloseOutput = false };
            using (var writer = XmlWriter.Create(stream, settings))
            {
                var tests = result.Rules.Length.ToString(CultureInfo.InvariantCulture);
                var failures = result.FailedCount.ToString(CultureInfo.InvariantCulture);
                writer.WriteStartDocument();
                writer.WriteStartElement("testsuites");
                writer.WriteAttributeString("name", SuiteName);
                writer.WriteAttributeString("tests", tests);
                writer.WriteAttributeString("failures", failures);
                writer.WriteAttributeString("errors", "0");
                writer.WriteStartElement("testsuite");
                writer.WriteAttributeString("name", SuiteName);
                writer.WriteAttributeString("tests", tests);
                writer.WriteAttributeString("failures", failures);
                writer.WriteAttributeString("errors", "0");
                writer.WriteAttributeString("skipped", "0");
                writer.WriteAttributeString("timestamp", timestampUtc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
                writer.WriteAttributeString("time", "0");
                foreach (var rule in result.Rules)
                {
                    writer.WriteStartElement("testcase");
                    writer.WriteAttributeString("classname", "WeaveEval.Gate." + rule.EvaluationRunId);
                    writer.WriteAttributeString("name", CaseName(rule));
                    writer.WriteAttributeString("time", "0");
                    if (rule.Passed)
                    {
                        writer.WriteElementString("system-out", Xml(rule.Message));
                    }
                    else
                    {
                        writer.WriteStartElement("failure");
                        writer.WriteAttributeString("message", Xml(rule.Message));
                        writer.WriteAttributeString("type", rule.Rule);
                        writer.WriteString(Xml($"Measured: {Number(rule.Measured) ?? "not measured"}\nThreshold: {Number(rule.Threshold) ?? "none"}\n{rule.Message}"));
                        writer.WriteEndElement();
                    }
                    writer.WriteEndElement();
                }
                writer.WriteEndElement();
                writer.WriteEndElement();
                writer.WriteEndDocument();
            }
        }

        /// <summary>A Markdown section: a heading with the verdict and a table of every rule, failed ones first.</summary>
        public static string Markdown(GateResult result)
        {
            if (result == null) throw new ArgumentNullException(nameof(result));
            var text = new StringBuilder();
            text.Append("### ").Append(SuiteName).Append(": ").Append(result.Passed ? "passed" : "failed").Append('\n').Append('\n');
            text.Append(result.Passed
                ? $"All {result.Rules.Length} rules passed"
                : $"{result.FailedCount} of {result.Rules.Length} rules failed");
            text.Append(" for ").Append(string.Join(", ", result.EvaluationRunId.Select(id => "`" + id + "`")));
            if (result.BaselineRunId != null) text.Append(" (baseline `").Append(result.BaselineRunId).Append("`)");
            text.Append(".\n\n");
            text.Append("| Result | Run | Rule | Score | Measured | Threshold | Message |\n");
            text.Append("|---|---|---|---|---:|---:|---|\n");
            foreach (var rule in result.Rules.Where(r => !r.Passed).Concat(result.Rules.Where(r => r.Passed)))
            {
                text.Append("| ").Append(rule.Passed ? "passed" : "**failed**")
                    .Append(" | `").Append(Cell(rule.EvaluationRunId)).Append('`')
                    .Append(" | ").Append(rule.Rule)
                    .Append(" | ").Append(Cell(rule.Scorer ?? string.Empty))
                    .Append(" | ").Append(Number(rule.Measured) ?? string.Empty)
                    .Append(" | ").Append(Number(rule.Threshold) ?? string.Empty)
                    .Append(" | ").Append(Cell(rule.Message))
                    .Append(" |\n");
            }
            return text.ToString();
        }

        /// <summary>GitHub Actions <c>::error</c> workflow commands, one per failed rule.</summary>
        public static IEnumerable<string> GitHubAnnotations(GateResult result) =>
            result.Rules.Where(rule => !rule.Passed).Select(rule =>
                "::error title=" + GitHubProperty(SuiteName + ": " + CaseName(rule)) + "::" + GitHubData(rule.Message));

        /// <summary>Azure Pipelines <c>##vso[task.logissue type=error]</c> logging commands, one per failed rule.</summary>
        public static IEnumerable<string> AzureIssues(GateResult result) =>
            result.Rules.Where(rule => !rule.Passed).Select(rule =>
                "##vso[task.logissue type=error]" + AzureData(SuiteName + ": " + rule.Message));

        /// <summary>The Azure Pipelines command that attaches a Markdown file to the run's summary page.</summary>
        public static string AzureUploadSummary(string path) => "##vso[task.uploadsummary]" + AzureData(path);

        public static string CaseName(GateRuleResult rule) =>
            rule.Scorer == null ? rule.Rule : rule.Rule + " " + rule.Scorer;

        /// <summary>Measured values and thresholds as they appear in reports: invariant, round-trippable.</summary>
        public static string? Number(double? value) =>
            value == null ? null : double.IsPositiveInfinity(value.Value) ? "Infinity" : value.Value.ToString("R", CultureInfo.InvariantCulture);

        // A workflow command ends at the line break, so the runner's own escapes keep a message on one line.
        private static string GitHubData(string text) =>
            text.Replace("%", "%25").Replace("\r", "%0D").Replace("\n", "%0A");

        private static string GitHubProperty(string text) =>
            GitHubData(text).Replace(":", "%3A").Replace(",", "%2C");

        private static string AzureData(string text) =>
            text.Replace("%", "%AZP25").Replace("\r", "%0D").Replace("\n", "%0A").Replace("]", "%5D").Replace(";", "%3B");

        private static string Cell(string text) =>
            text.Replace("\\", "\\\\").Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ");

        /// <summary>Characters XML 1.0 cannot carry (control characters a server message might hold) become U+FFFD.</summary>
        private static string Xml(string text)
        {
            if (text.All(XmlConvert.IsXmlChar)) return text;
            return new string(text.Select(c => XmlConvert.IsXmlChar(c) || char.IsSurrogate(c) ? c : '\uFFFD').ToArray());
        }
    }
}
