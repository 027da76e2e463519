using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace WeaveEval.Commands
{
    /// <summary>Aggregated scorer statistics of one or more runs: one object per run × score dimension.</summary>
    [Cmdlet(VerbsCommon.Get, "WeaveEvalSummary", DefaultParameterSetName = DefaultSet)]
    [OutputType(typeof(ScorerStat))]
    public sealed class GetWeaveEvalSummaryCommand : WeaveCmdlet
    {
        public const string DefaultSet = "Default";

        private readonly RunIdGroups runs = new RunIdGroups();

        [Parameter(ParameterSetName = DefaultSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationRunIdCompleter))]
        public string[] EvaluationRunId { get; set; } = Array.Empty<string>();

        /// <summary>Summarise only rows that every given run evaluated.</summary>
        [Parameter]
        public SwitchParameter RequireIntersection { get; set; }

        protected override void ProcessRecord() => runs.Add(ResolveConnection(), EvaluationRunId);

        protected override void EndProcessing()
        {
            foreach (var group in runs.Groups) Summarise(group);
        }

        private void Summarise(RunIdGroup group)
        {
            var client = CreateClient(group.Connection);
            try
            {
                // The run check and the summary do not depend on each other: both go out at once.
                var found = client.ReadEvaluationRunsAsync(group.Ids, CancellationToken);
                var summarising = client.QueryEvalSummaryAsync(group.Ids, RequireIntersection, CancellationToken);
                foreach (var id in group.KeepKnown(Await(found))) WriteNotFound("Evaluation run", id, group.Connection);
                var summary = Await(summarising);
                if (group.Ids.Count == 0) return;
                var order = group.Ids.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index, StringComparer.Ordinal);
                // The server lists runs in the order it met them in the rows; callers expect input order.
                var stats = summary.Stats
                    .Select((stat, index) => (stat, index))
                    .OrderBy(p => order.TryGetValue(p.stat.EvaluationRunId, out var position) ? position : int.MaxValue)
                    .ThenBy(p => p.index)
                    .Select(p => p.stat);
                var summarised = new HashSet<string>(StringComparer.Ordinal);
                foreach (var stat in stats.Where(stat => order.ContainsKey(stat.EvaluationRunId)))
                {
                    summarised.Add(stat.EvaluationRunId);
                    WriteObject(stat);
                }
                foreach (var id in group.Ids.Where(id => !summarised.Contains(id)))
                {
                    WriteVerbose($"Evaluation run {id} has no scored trials{(RequireIntersection ? " in the rows common to all runs" : string.Empty)}.");
                }
            }
            catch (Exception ex)
            {
                ReportFailure(ex, group.Ids.Count == 1 ? group.Ids[0] : (object)group.Ids.ToArray());
            }
        }
    }
}
