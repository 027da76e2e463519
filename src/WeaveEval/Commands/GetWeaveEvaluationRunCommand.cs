using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>Lists the evaluation runs of a project (v2 API and SDK runs alike) or reads runs by id.</summary>
    [Cmdlet(VerbsCommon.Get, "WeaveEvaluationRun", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(EvaluationRun))]
    public sealed class GetWeaveEvaluationRunCommand : WeaveCmdlet
    {
        public const string ListSet = "List";
        public const string ByIdSet = "ById";

        // Piped ids are read as they come, one client batch (one request) at a time, so that output streams
        // instead of waiting for the end of the input; the batch size is the client's.
        private readonly List<PendingRead> pendingReads = new List<PendingRead>();
        private PageCounter? pager;
        private RunFilter? filter;
        private bool listedToTheEnd = true;

        // Also bindable by property name in the default set, hidden: PowerShell binds pipeline properties in
        // the default set first, so without it an object carrying EvaluationRunId (Import-Csv of exported
        // runs) would be converted to a string as a whole and that text taken as the id.
        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = ListSet, ValueFromPipelineByPropertyName = true, DontShow = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationRunIdCompleter))]
        public string[] EvaluationRunId { get; set; } = Array.Empty<string>();

        /// <summary>Evaluation refs (exact) or names (case-insensitive, wildcards allowed).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationNameCompleter))]
        public string[]? Evaluation { get; set; }

        /// <summary>Model refs (exact) or names (case-insensitive, wildcards allowed).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ModelNameCompleter))]
        public string[]? Model { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("running", "completed", "failed", IgnoreCase = true)]
        public string[]? Status { get; set; }

        /// <summary>Only runs that are trace roots (no parent call).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter TopLevelOnly { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1, 10000)]
        public int PageSize { get; set; }

        private bool ReadsById => MyInvocation.BoundParameters.ContainsKey(nameof(EvaluationRunId));

        protected override void BeginProcessing()
        {
            pager = new PageCounter(PagingParameters);
            filter = new RunFilter(Evaluation, Model, Status);
        }

        protected override void ProcessRecord()
        {
            if (!ReadsById)
            {
                ListRuns();
                return;
            }
            var connection = ResolveConnection();
            foreach (var id in EvaluationRunId)
            {
                if (WriteErrorIfUnusable(id, "evaluation run id")) continue;
                if (pendingReads.Count > 0 && (pendingReads.Count >= WeaveClient.ReadBatchSize || !SameProject(pendingReads[0].Connection, connection))) ReadPending();
                pendingReads.Add(new PendingRead(connection, id));
            }
        }

        protected override void EndProcessing()
        {
            ReadPending();
            if (PagingParameters.IncludeTotalCount)
            {
                // The calls query does not count runs cheaply: the total is exact only when the listing
                // ran to its end; after -First stopped it early, it is unknown (accuracy 0).
                WriteObject(PagingParameters.NewTotalCount(pager!.Seen, listedToTheEnd ? 1.0 : 0.0));
            }
        }

        private void ListRuns()
        {
            var connection = ResolveConnection();
            var query = new RunListQuery
            {
                InputRefs = filter!.ServerSideRefs,
                TopLevelOnly = TopLevelOnly.IsPresent,
                PageSize = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null,
                // Every run the server sends is written (no filter left for this side): -First can bound the requests.
                MaxItems = filter.ServerDecidesAll ? pager!.Remaining : null,
            };
            var client = CreateClient(connection);
            try
            {
                var listed = 0L;
                if (!pager!.Done)
                {
                    ForEach(client.ListEvaluationRunsAsync(query, CancellationToken), run =>
                    {
                        listed++;
                        if (filter.Matches(run) && pager.Take()) WriteObject(run);
                        return !pager.Done;
                    });
                }
                if (pager.Done) listedToTheEnd = false;
                // An empty project is most often a mistyped -Project or -Entity, which the server does not
                // report: say so instead of returning nothing. (Only when the server was asked for every run.)
                if (listed == 0 && query.InputRefs == null && !query.TopLevelOnly)
                {
                    WriteWarning($"Project {connection.Entity}/{connection.Project} has no evaluation runs. Check the entity and project names (-Entity, -Project, Connect-Weave, WANDB_ENTITY/WANDB_PROJECT).");
                }
            }
            catch (Exception ex)
            {
                ReportFailure(ex, $"{connection.Entity}/{connection.Project}");
            }
        }

        private void ReadPending()
        {
            if (pendingReads.Count == 0) return;
            var batch = pendingReads.ToArray();
            pendingReads.Clear();
            if (pager!.Done) return;
            var connection = batch[0].Connection;
            var ids = batch.Select(read => read.Id).Distinct(StringComparer.Ordinal).ToList();
            IReadOnlyDictionary<string, EvaluationRun> found;
            try
            {
                found = Await(CreateClient(connection).ReadEvaluationRunsAsync(ids, CancellationToken));
            }
            catch (Exception ex)
            {
                ReportFailure(ex, ids.Count == 1 ? ids[0] : (object)ids.ToArray());
                return;
            }
            foreach (var read in batch)
            {
                if (pager.Done) return;
                if (found.TryGetValue(read.Id, out var run))
                {
                    if (filter!.Matches(run) && pager.Take()) WriteObject(run);
                }
                else
                {
                    WriteNotFound("Evaluation run", read.Id, connection);
                }
            }
        }

        private static bool SameProject(ResolvedConnection a, ResolvedConnection b) =>
            a.Entity == b.Entity && a.Project == b.Project && a.BaseUri == b.BaseUri;

        private sealed class PendingRead
        {
            public PendingRead(ResolvedConnection connection, string id)
            {
                Connection = connection;
                Id = id;
            }

            public ResolvedConnection Connection { get; }

            public string Id { get; }
        }

        /// <summary>
        /// -Evaluation/-Model/-Status. Refs (weave:///…) match exactly; anything else is a name matched
        /// case-insensitively (wildcards allowed) against EvaluationName/ModelName. A filter made only
        /// of refs is also sent to the server (input_refs), which then returns fewer runs.
        /// </summary>
        private sealed class RunFilter
        {
            private readonly NameOrRefFilter? evaluation;
            private readonly NameOrRefFilter? model;
            private readonly HashSet<string>? statuses;

            public RunFilter(string[]? evaluation, string[]? model, string[]? status)
            {
                this.evaluation = evaluation == null ? null : new NameOrRefFilter(evaluation);
                this.model = model == null ? null : new NameOrRefFilter(model);
                statuses = status == null ? null : new HashSet<string>(status, StringComparer.OrdinalIgnoreCase);
                var refs = new List<string>();
                // input_refs matches runs referencing ANY of the refs, so refs may only be pushed to the
                // server when they alone decide a filter; the client-side check then narrows to ALL filters.
                if (this.evaluation != null && this.evaluation.RefsOnly) refs.AddRange(this.evaluation.Refs);
                if (this.model != null && this.model.RefsOnly) refs.AddRange(this.model.Refs);
                ServerSideRefs = refs.Count == 0 ? null : refs;
            }

            public IReadOnlyList<string>? ServerSideRefs { get; }

            /// <summary>The server applies the whole filter: every run it lists matches.</summary>
            public bool ServerDecidesAll =>
                statuses == null && (evaluation == null || evaluation.RefsOnly) && (model == null || model.RefsOnly) && (evaluation == null || model == null);

            public bool Matches(EvaluationRun run) =>
                (evaluation == null || evaluation.Matches(run.Evaluation, run.EvaluationName))
                && (model == null || model.Matches(run.Model, run.ModelName))
                && (statuses == null || statuses.Contains(run.Status));
        }

        private sealed class NameOrRefFilter
        {
            private readonly List<WildcardPattern> names = new List<WildcardPattern>();

            public NameOrRefFilter(IEnumerable<string> values)
            {
                foreach (var value in values)
                {
                    if (value.StartsWith("weave:///", StringComparison.OrdinalIgnoreCase)) Refs.Add(value);
                    else names.Add(new WildcardPattern(value, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant));
                }
            }

            public List<string> Refs { get; } = new List<string>();

            public bool RefsOnly => names.Count == 0;

            public bool Matches(string fullRef, string? name) =>
                Refs.Contains(fullRef, StringComparer.Ordinal) || (name != null && names.Any(pattern => pattern.IsMatch(name)));
        }
    }
}
