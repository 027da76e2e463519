using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Runtime.ExceptionServices;
using System.Text;
using WeaveEval.Client;
using WeaveEval.Gate;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Checks runs against threshold and regression rules for CI: one GateResult, annotations and a summary
    /// for GitHub Actions or Azure Pipelines, optionally a JUnit report; never exits the session.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "WeaveEvalGate", DefaultParameterSetName = DefaultSet)]
    [OutputType(typeof(GateResult))]
    public sealed class TestWeaveEvalGateCommand : WeaveCmdlet
    {
        public const string DefaultSet = "Default";

        /// <summary>Summary queries at once: each is small, and a gate seldom has many runs.</summary>
        private const int SummaryThrottle = 4;

        private readonly RunIdGroups runs = new RunIdGroups();
        private GateRules? rules;

        [Parameter(ParameterSetName = DefaultSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationRunIdCompleter))]
        public string[] EvaluationRunId { get; set; } = Array.Empty<string>();

        [Parameter]
        [ValidateNotNullOrEmpty]
        public Hashtable? MinimumScore { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationRunIdCompleter))]
        public string? BaselineRunId { get; set; }

        /// <summary>A number for every score of the baseline, or a hashtable of score → number.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? MaximumRegression { get; set; }

        [Parameter]
        [ValidateNotNull]
        public object? MaximumRelativeRegression { get; set; }

        [Parameter]
        public double MaximumCostPerRow { get; set; }

        [Parameter]
        public double MaximumTokensPerRow { get; set; }

        [Parameter]
        public long MinimumRows { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RulePath { get; set; }

        [Parameter]
        public SwitchParameter AllowIncomplete { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JUnitPath { get; set; }

        [Parameter]
        public SwitchParameter Throw { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                var layers = new List<(string, IEnumerable<KeyValuePair<string, object?>>)>();
                if (RulePath != null) layers.Add(($"The rule file {RulePath}", ReadRuleFile(GetUnresolvedProviderPathFromPSPath(RulePath))));
                layers.Add(("the parameters", RuleParameters()));
                rules = GateRules.Parse(layers);
            }
            catch (WeaveException ex)
            {
                ThrowTerminatingError(ErrorRecordFor(ex, RulePath));
            }
            if (JUnitPath != null) JUnitPath = GetUnresolvedProviderPathFromPSPath(JUnitPath);
        }

        protected override void ProcessRecord() => runs.Add(ResolveConnection(), EvaluationRunId.Where(id => !WriteErrorIfUnusable(id, "evaluation run id")));

        protected override void EndProcessing()
        {
            var gateRules = rules!;
            var gated = new List<GatedRun>();
            GatedRun? baseline = null;
            foreach (var group in runs.Groups)
            {
                // The baseline is looked up in the project of the first runs (the usual case: one project).
                var (groupRuns, groupBaseline) = Measure(group, gateRules, withBaseline: baseline == null);
                gated.AddRange(groupRuns);
                baseline ??= groupBaseline;
            }
            var result = GateEvaluator.Evaluate(gateRules, gated, baseline);
            Report(result);
            WriteObject(result);
            if (Throw && !result.Passed)
            {
                var failure = new WeaveException(result.Message, "GateFailed", WeaveErrorKind.InvalidData);
                ThrowTerminatingError(new ErrorRecord(failure, "WeaveEval.GateFailed", ErrorCategory.InvalidResult, result));
            }
        }

        /// <summary>
        /// The runs of one project and, when asked, the baseline (looked up in the same project): every run
        /// read and summarised on its own, so that each summary's row count, tokens and cost are that run's.
        /// </summary>
        private (IReadOnlyList<GatedRun> Runs, GatedRun? Baseline) Measure(RunIdGroup group, GateRules gateRules, bool withBaseline)
        {
            var client = CreateClient(group.Connection);
            var projectPath = group.Connection.Entity + "/" + group.Connection.Project;
            var ids = group.Ids.ToList();
            var baselineId = withBaseline ? gateRules.BaselineRunId : null;
            if (baselineId != null && !ids.Contains(baselineId, StringComparer.Ordinal)) ids.Add(baselineId);
            var summaries = new Dictionary<string, EvalSummaryResult>(StringComparer.Ordinal);
            try
            {
                var found = client.ReadEvaluationRunsAsync(ids, CancellationToken);
                var summarised = FanOut.OrderedConcurrentAsync(
                    ids,
                    (id, token) => client.QueryEvalSummaryAsync(new[] { id }, false, token, gateRules.NeedsCosts),
                    SummaryThrottle,
                    CancellationToken);
                ForEach(summarised, outcome =>
                {
                    if (!outcome.Succeeded) ExceptionDispatchInfo.Capture(outcome.Exception!).Throw();
                    summaries[outcome.Input] = outcome.Value!;
                    return true;
                });
                var known = Await(found);
                GatedRun Gated(string id) =>
                    new GatedRun(id, known.TryGetValue(id, out var run) ? run : null, summaries.TryGetValue(id, out var summary) ? summary : null, projectPath);
                var baseline = baselineId == null ? null : Gated(baselineId);
                return (group.Ids.Select(Gated).ToList(), baseline);
            }
            catch (Exception ex)
            {
                // Without every measurement there is no verdict: a gate must not pass on what it could not read.
                if (ex is WeaveException weave) ThrowTerminatingError(ErrorRecordFor(weave, ids.Count == 1 ? ids[0] : (object)ids.ToArray()));
                ReportFailure(ex, ids.ToArray());
                throw;
            }
        }

        /// <summary>The report files and the CI system's annotations; a file that cannot be written is an error, not a lost verdict.</summary>
        private void Report(GateResult result)
        {
            if (JUnitPath != null)
            {
                WriteReportFile(JUnitPath, stream => GateReports.WriteJUnit(result, stream, DateTime.UtcNow));
            }
            if (IsSet("GITHUB_ACTIONS"))
            {
                foreach (var line in GateReports.GitHubAnnotations(result)) WriteToCiLog(line);
                var stepSummary = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
                if (!string.IsNullOrEmpty(stepSummary))
                {
                    // The runner collects the step's summary by appending: earlier steps' sections stay.
                    TryWrite(stepSummary!, () => File.AppendAllText(stepSummary, (EndsInsideALine(stepSummary!) ? "\n" : string.Empty) + GateReports.Markdown(result) + "\n", new UTF8Encoding(false)));
                }
            }
            if (IsSet("TF_BUILD"))
            {
                foreach (var line in GateReports.AzureIssues(result)) WriteToCiLog(line);
                var folder = JUnitPath != null ? Path.GetDirectoryName(JUnitPath)
                    : Environment.GetEnvironmentVariable("AGENT_TEMPDIRECTORY") is string agentTemp && agentTemp.Length > 0 ? agentTemp
                    : Path.GetTempPath();
                var summaryPath = Path.Combine(folder!, $"weave-eval-gate-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N").Substring(0, 8)}.md");
                if (WriteReportFile(summaryPath, stream =>
                {
                    var bytes = new UTF8Encoding(false).GetBytes(GateReports.Markdown(result));
                    stream.Write(bytes, 0, bytes.Length);
                }))
                {
                    WriteToCiLog(GateReports.AzureUploadSummary(summaryPath));
                }
            }
        }

        /// <summary>
        /// Workflow and logging commands work only on the job's console log; the host's UI writes there
        /// (what Write-Host does) without adding objects to the pipeline.
        /// </summary>
        private void WriteToCiLog(string line)
        {
            if (Host?.UI != null) Host.UI.WriteLine(line);
            else Console.Out.WriteLine(line);
        }

        private bool WriteReportFile(string path, Action<Stream> write) => TryWrite(path, () =>
        {
            using (var file = AtomicFile.Create(path))
            {
                write(file.Stream);
                file.Commit();
            }
        });

        private bool TryWrite(string path, Action write)
        {
            try
            {
                write();
                return true;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                var error = new IOException($"The gate report {path} could not be written: {ex.Message}", ex);
                WriteError(new ErrorRecord(error, "WeaveEval.GateReportNotWritten", ErrorCategory.WriteError, path));
                return false;
            }
        }

        /// <summary>True when the file's last line has no line break: a heading appended there would join that line.</summary>
        private static bool EndsInsideALine(string path)
        {
            if (!File.Exists(path)) return false;
            using (var stream = AtomicFile.OpenRead(path))
            {
                if (stream.Length == 0) return false;
                stream.Seek(-1, SeekOrigin.End);
                return stream.ReadByte() != '\n';
            }
        }

        private static bool IsSet(string variable) =>
            string.Equals(Environment.GetEnvironmentVariable(variable), "true", StringComparison.OrdinalIgnoreCase);

        private IEnumerable<KeyValuePair<string, object?>> RuleParameters()
        {
            var bound = MyInvocation.BoundParameters;
            foreach (var key in GateRules.Keys)
            {
                if (bound.TryGetValue(key, out var value))
                {
                    yield return new KeyValuePair<string, object?>(key, PlainValues.Of(value is SwitchParameter flag ? flag.IsPresent : value));
                }
            }
        }

        /// <summary>A rule file's settings: a .psd1 holding one hashtable (read as data, nothing runs) or a JSON object.</summary>
        private static IEnumerable<KeyValuePair<string, object?>> ReadRuleFile(string path)
        {
            string text;
            try
            {
                using (var reader = new StreamReader(AtomicFile.OpenRead(path), Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
                {
                    text = reader.ReadToEnd();
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                throw GateRules.Invalid($"The rule file {path} could not be read: {ex.Message}");
            }
            var extension = Path.GetExtension(path);
            if (string.Equals(extension, ".psd1", StringComparison.OrdinalIgnoreCase)) return DataFileSettings(path, text);
            if (string.Equals(extension, ".json", StringComparison.OrdinalIgnoreCase)) return JsonSettings(path, text);
            throw GateRules.Invalid($"The rule file {path} must be a .psd1 or a .json file.");
        }

        private static IEnumerable<KeyValuePair<string, object?>> DataFileSettings(string path, string text)
        {
            var ast = Parser.ParseInput(text, path, out _, out var errors);
            if (errors.Length > 0) throw GateRules.Invalid($"The rule file {path} is not valid PowerShell data: {errors[0].Message} (line {errors[0].Extent.StartLineNumber}).");
            var statements = ast.EndBlock?.Statements;
            var table = statements?.Count == 1 && statements[0] is PipelineAst pipeline ? pipeline.GetPureExpression() as HashtableAst : null;
            if (table == null) throw GateRules.Invalid($"The rule file {path} must hold one hashtable, @{{ ... }}.");
            object? value;
            try
            {
                value = table.SafeGetValue();
            }
            catch (InvalidOperationException ex)
            {
                throw GateRules.Invalid($"The rule file {path} may hold only constant values: {ex.Message}");
            }
            return ((IDictionary)value!).Cast<DictionaryEntry>().Select(entry => new KeyValuePair<string, object?>(entry.Key?.ToString() ?? string.Empty, PlainValues.Of(entry.Value)));
        }

        private static IEnumerable<KeyValuePair<string, object?>> JsonSettings(string path, string text)
        {
            object? document;
            try
            {
                document = JsonText.Parse(text);
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw GateRules.Invalid($"The rule file {path} is not valid JSON: {ex.Message}");
            }
            if (!(document is JsonMap map)) throw GateRules.Invalid($"The rule file {path} must hold one JSON object.");
            return map.ToList();
        }
    }
}
