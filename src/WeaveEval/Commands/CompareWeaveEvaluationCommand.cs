using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Compares candidate runs with a baseline run, row by row on the dataset row digest, per score
    /// dimension (default) or per row × dimension (-PerRow). The server joins the runs: every row of one
    /// eval_results query holds the trials of all of them, so the rows stream through a
    /// <see cref="RunComparer"/> page after page and nothing is held but the totals.
    /// </summary>
    [Cmdlet(VerbsData.Compare, "WeaveEvaluation", DefaultParameterSetName = DefaultSet)]
    [OutputType(typeof(ScoreComparison), ParameterSetName = new[] { DefaultSet })]
    [OutputType(typeof(RowComparison), ParameterSetName = new[] { PerRowSet })]
    public sealed class CompareWeaveEvaluationCommand : WeaveCmdlet
    {
        public const string DefaultSet = "Default";
        public const string PerRowSet = "PerRow";

        private const int ProgressActivityId = 1;
        private const string ProgressActivity = "Comparing evaluation runs";

        private readonly RunIdGroups candidates = new RunIdGroups();
        private ComparisonRules? rules;
        private bool progressShown;

        /// <summary>The run the candidates are measured against.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationRunIdCompleter))]
        public string BaselineRunId { get; set; } = string.Empty;

        /// <summary>The runs to compare with the baseline; from the pipeline as run ids or by the property EvaluationRunId.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("EvaluationRunId")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationRunIdCompleter))]
        public string[] CandidateRunId { get; set; } = Array.Empty<string>();

        /// <summary>One object per row × score dimension, largest changes first, instead of one per dimension.</summary>
        [Parameter(ParameterSetName = PerRowSet, Mandatory = true)]
        public SwitchParameter PerRow { get; set; }

        /// <summary>A continuous score must move by more than this to count as a change.</summary>
        [Parameter]
        [ValidateRange(0.0, double.MaxValue)]
        public double Tolerance { get; set; }

        /// <summary>Scorers (or dimensions, <c>scorer.path</c>) where a smaller value is better, e.g. latency or cost.</summary>
        [Parameter]
        [ValidateNotNull]
        public string[] LowerIsBetter { get; set; } = Array.Empty<string>();

        /// <summary>How several trials of one row become one value.</summary>
        [Parameter]
        public TrialAggregation TrialAggregation { get; set; } = TrialAggregation.Mean;

        protected override void BeginProcessing()
        {
            if (!UrlPath.IsUsableId(BaselineRunId))
            {
                ThrowTerminatingError(ErrorRecordFor(UrlPath.UnusableId("baseline run id", BaselineRunId), BaselineRunId));
            }
            rules = new ComparisonRules(TrialAggregation, Tolerance, LowerIsBetter);
        }

        protected override void ProcessRecord()
        {
            var connection = ResolveConnection();
            var usable = new List<string>();
            foreach (var id in CandidateRunId)
            {
                if (WriteErrorIfUnusable(id, "candidate run id")) continue;
                if (string.Equals(id, BaselineRunId, StringComparison.Ordinal))
                {
                    var same = new WeaveException($"Candidate run {id} is the baseline run: a run compared with itself shows no change. Give another run as the candidate or as -BaselineRunId.", "CandidateIsBaseline", WeaveErrorKind.InvalidArgument);
                    WriteError(ErrorRecordFor(same, id));
                    continue;
                }
                usable.Add(id);
            }
            candidates.Add(connection, usable);
        }

        protected override void EndProcessing()
        {
            try
            {
                foreach (var group in candidates.Groups.Where(g => g.Ids.Count > 0)) Compare(group);
            }
            finally
            {
                if (progressShown) WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        private void Compare(RunIdGroup group)
        {
            var client = CreateClient(group.Connection);
            var target = group.Ids.Count == 1 ? group.Ids[0] : (object)group.Ids.ToArray();
            try
            {
                var ids = new[] { BaselineRunId }.Concat(group.Ids).ToList();
                // The run check and the scorer versions do not depend on each other: both go out at once.
                var found = client.ReadEvaluationRunsAsync(ids, CancellationToken);
                var scorers = client.ReadEvaluationScorersAsync(ids, CancellationToken);
                var runs = Await(found);
                if (!runs.TryGetValue(BaselineRunId, out var baseline))
                {
                    WriteNotFound("Evaluation run", BaselineRunId, group.Connection);
                    return;
                }
                foreach (var id in group.KeepKnown(runs)) WriteNotFound("Evaluation run", id, group.Connection);
                if (group.Ids.Count == 0) return;
                WarnAboutVersions(baseline, group.Ids.Select(id => runs[id]).ToList(), scorers);
                var modelNames = runs.ToDictionary(p => p.Key, p => p.Value.ModelName, StringComparer.Ordinal);
                if (PerRow) CompareRows(client, group.Ids, modelNames);
                else CompareTotals(client, group.Ids, modelNames);
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is PipelineClosedException))
            {
                ReportFailure(ex, target);
            }
        }

        private void WarnAboutVersions(EvaluationRun baseline, IReadOnlyList<EvaluationRun> candidateRuns, Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> scorers)
        {
            IReadOnlyDictionary<string, IReadOnlyList<string>>? scorerRefs = null;
            try
            {
                scorerRefs = Await(scorers);
            }
            catch (WeaveException ex)
            {
                // Only a warning depends on them: the comparison itself goes on without.
                WriteVerbose($"The scorer versions of the runs could not be read ({ex.Message}).");
            }
            foreach (var candidate in candidateRuns)
            {
                var evaluations = ComparisonWarnings.DifferentEvaluations(baseline, candidate);
                if (evaluations != null) WriteWarning(evaluations);
                if (scorerRefs == null) continue;
                scorerRefs.TryGetValue(baseline.EvaluationRunId, out var baselineScorers);
                scorerRefs.TryGetValue(candidate.EvaluationRunId, out var candidateScorers);
                foreach (var warning in ComparisonWarnings.DifferentScorerVersions(baseline.EvaluationRunId, baselineScorers, candidate.EvaluationRunId, candidateScorers))
                {
                    WriteWarning(warning);
                }
            }
        }

        /// <summary>
        /// One query of the baseline and every candidate, without inputs or model outputs (the totals need
        /// only scores), read through the paging engine; the totals are written once the last row is in.
        /// </summary>
        private void CompareTotals(WeaveClient client, IReadOnlyList<string> candidateIds, IReadOnlyDictionary<string, string?> modelNames)
        {
            var comparer = new RunComparer(BaselineRunId, candidateIds, rules!, client.Entity, client.Project) { ModelNames = modelNames };
            var query = new EvalResultsQuery { RunIds = new[] { BaselineRunId }.Concat(candidateIds).ToList(), IncludeInputs = false };
            var list = client.EvalResultsList(query, completeOutputs: false);
            ForEach(PagedReader.ReadAsync(new[] { list }, PagingOptions.ForEvalResults(null, null), CancellationToken), step =>
            {
                if (step.Failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(step.Failure).Throw();
                if (step.IsPageEnd) ShowProgress($"{candidateIds.Count + 1} runs", step.ItemsDone, step.TotalItems ?? step.ItemsDone);
                else comparer.Add(step.Item, describe: false);
                return true;
            });
            for (var c = 0; c < candidateIds.Count; c++)
            {
                var overlap = ComparisonWarnings.LittleOverlap(BaselineRunId, candidateIds[c], comparer.RowsInBoth(c), comparer.RowsInEither(c));
                if (overlap != null) WriteWarning(overlap);
            }
            foreach (var result in comparer.Results()) WriteObject(result);
        }

        /// <summary>
        /// Per candidate × score dimension one query of the two runs that the server sorts by the difference
        /// of the dimension's per-row trial means, largest first: the rows arrive in the order they are
        /// written, so none is held. With -TrialAggregation Mean that is the order of |Delta| exactly.
        /// </summary>
        private void CompareRows(WeaveClient client, IReadOnlyList<string> candidateIds, IReadOnlyDictionary<string, string?> modelNames)
        {
            // Each candidate's dimensions and overlap come from two summaries (all rows, shared rows); all go out at once.
            var summaries = candidateIds.Select(id => (
                All: client.QueryEvalSummaryAsync(new[] { BaselineRunId, id }, false, CancellationToken),
                Shared: client.QueryEvalSummaryAsync(new[] { BaselineRunId, id }, true, CancellationToken))).ToList();
            var reads = new List<DimensionRead>();
            for (var c = 0; c < candidateIds.Count; c++)
            {
                var all = Await(summaries[c].All);
                var shared = Await(summaries[c].Shared);
                var overlap = ComparisonWarnings.LittleOverlap(BaselineRunId, candidateIds[c], shared.RowCount, all.RowCount);
                if (overlap != null) WriteWarning(overlap);
                var runIds = new[] { BaselineRunId, candidateIds[c] };
                foreach (var stat in Dimensions(all, runIds))
                {
                    var comparer = new RunComparer(BaselineRunId, new[] { candidateIds[c] }, rules!, client.Entity, client.Project) { ModelNames = modelNames };
                    comparer.KnowValueType(stat.Scorer, stat.ValueType!);
                    var query = new EvalResultsQuery { RunIds = runIds, Selection = RowSelection.LargestDifferenceFirst(stat.ScorerKey, stat.Path) };
                    reads.Add(new DimensionRead(comparer, stat.Scorer, client.EvalResultsList(query)));
                }
            }
            if (reads.Count == 0) return;
            ForEach(PagedReader.ReadAsync(reads.Select(r => r.List).ToList(), PagingOptions.ForEvalResults(null, null), CancellationToken), step =>
            {
                if (step.Failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(step.Failure).Throw();
                var read = reads[step.List];
                if (step.IsPageEnd)
                {
                    ShowProgress(read.Scorer, step.ItemsDone, step.TotalItems ?? step.ItemsDone);
                    return true;
                }
                foreach (var row in read.Comparer.Add(step.Item, describe: true, read.Scorer)!) WriteObject(row);
                return true;
            });
        }

        /// <summary>The binary and continuous dimensions of the two runs (text is not compared), first-seen order.</summary>
        private static IEnumerable<ScorerStat> Dimensions(EvalSummaryResult summary, IReadOnlyList<string> runIds)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            return summary.Stats.Where(stat => runIds.Contains(stat.EvaluationRunId)
                                               && (stat.ValueType == "binary" || stat.ValueType == "continuous")
                                               && seen.Add(stat.Scorer));
        }

        /// <summary>Progress only for work of more than one page; percent of the rows of the current query.</summary>
        private void ShowProgress(string what, long rowsDone, long totalRows)
        {
            if (!progressShown && rowsDone >= totalRows) return;
            progressShown = true;
            var record = new ProgressRecord(ProgressActivityId, ProgressActivity, $"{what}: {rowsDone} of {totalRows} rows");
            if (totalRows > 0) record.PercentComplete = (int)Math.Min(100, rowsDone * 100 / totalRows);
            WriteProgress(record);
        }

        /// <summary>One sorted query of -PerRow: a candidate and the baseline, ordered by one dimension.</summary>
        private sealed class DimensionRead
        {
            public DimensionRead(RunComparer comparer, string scorer, PagedList<EvalRow> list)
            {
                Comparer = comparer;
                Scorer = scorer;
                List = list;
            }

            public RunComparer Comparer { get; }

            public string Scorer { get; }

            public PagedList<EvalRow> List { get; }
        }
    }
}
