using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Per-trial results of one or more evaluation runs, each with its run's model, evaluation and display
    /// names and flat <c>Input.*</c> and <c>Score.*</c> columns for export. The runs go through one paging
    /// engine (<see cref="PagedReader"/>): written in input order, the results of one run together, with
    /// up to -ThrottleLimit requests running ahead. With -RequireIntersection the runs of a project are
    /// read with one combined query. -Filter, -FailedOnly and -SortBy select and order the rows on the
    /// server (<see cref="RowSelection"/>).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "WeaveEvalResult", DefaultParameterSetName = DefaultSet, SupportsPaging = true)]
    [OutputType(typeof(EvalResult))]
    public sealed class GetWeaveEvalResultCommand : WeaveCmdlet
    {
        public const string DefaultSet = "Default";

        private readonly RunIdGroups runs = new RunIdGroups();
        private PageCounter? pager;
        private RowSelectionBinding rows = RowSelectionBinding.All;

        [Parameter(ParameterSetName = DefaultSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationRunIdCompleter))]
        public string[] EvaluationRunId { get; set; } = Array.Empty<string>();

        /// <summary>Only rows that every given run evaluated (one combined query).</summary>
        [Parameter]
        public SwitchParameter RequireIntersection { get; set; }

        /// <summary>Leave out the dataset rows (Inputs is null, no Input.* columns).</summary>
        [Parameter]
        public SwitchParameter NoInputs { get; set; }

        /// <summary>Keep dataset-row refs (DatasetRowRef) instead of resolving them to the rows.</summary>
        [Parameter]
        public SwitchParameter NoResolve { get; set; }

        /// <summary>Ask the server for each trial's predict cost (TotalCost).</summary>
        [Parameter]
        public SwitchParameter IncludeCost { get; set; }

        /// <summary>Only the rows that pass every filter (hashtables such as @{ Scorer = 'correct'; Value = $false }).</summary>
        [Parameter]
        [ValidateNotNull]
        public IDictionary[]? Filter { get; set; }

        /// <summary>Only the rows whose first trial failed a true/false scorer of its run.</summary>
        [Parameter]
        public SwitchParameter FailedOnly { get; set; }

        /// <summary>Row order: scorers ('similarity'), 'Input.x', 'Output[.x]', or 'Difference:scorer'.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? SortBy { get; set; }

        /// <summary>Sort largest first (with -SortBy).</summary>
        [Parameter]
        public SwitchParameter Descending { get; set; }

        /// <summary>
        /// Requests running at once: pages of the run being written (once its first page has said how
        /// many rows it has) and the first pages of the runs after it. The output keeps the input order.
        /// </summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = PagingOptions.DefaultPagesInFlight;

        /// <summary>Rows per request (default: a small first page, then pages of a few MB).</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int PageSize { get; set; }

        protected override void BeginProcessing()
        {
            pager = new PageCounter(PagingParameters);
            rows = RowSelectionBinding.Bind(this, Filter, SortBy, Descending, FailedOnly);
        }

        protected override void ProcessRecord()
        {
            var connection = ResolveConnection();
            runs.Add(connection, EvaluationRunId.Where(id => !WriteErrorIfUnusable(id, "evaluation run id")));
        }

        protected override void EndProcessing()
        {
            var read = new EvalResultsRead(this, runs, new EvalResultsReadOptions
            {
                QueryFor = QueryFor,
                RequireIntersection = RequireIntersection.IsPresent,
                Rows = rows,
                ProbeInputs = !NoInputs.IsPresent,
                ResolveRowRefs = !NoResolve.IsPresent,
                ThrottleLimit = ThrottleLimit,
                PageSize = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null,
                MaximumItems = pager!.Remaining,
            });
            read.Read(
                columnsKnown: () =>
                {
                    if (PagingParameters.IncludeTotalCount)
                    {
                        WriteObject(PagingParameters.NewTotalCount((ulong)(read.TrialTotal ?? 0), read.TrialTotal.HasValue ? 1.0 : 0.0));
                    }
                },
                take: result =>
                {
                    if (pager.Take())
                    {
                        var wrapped = read.Columns.Flatten(result, out var newKeys);
                        read.WarnLateKeys(result, newKeys, "Export-Csv takes its columns from the first object");
                        WriteObject(wrapped);
                    }
                    return !pager.Done;
                });
        }

        private EvalResultsQuery QueryFor(IReadOnlyList<string> ids) => new EvalResultsQuery
        {
            RunIds = ids,
            RequireIntersection = RequireIntersection.IsPresent,
            IncludeInputs = !NoInputs.IsPresent,
            ResolveRowRefs = !NoResolve.IsPresent,
            IncludeCosts = IncludeCost.IsPresent,
        };
    }
}
