using System.Collections;
using System.Collections.Generic;
using System.Linq;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// The PowerShell side of -Filter/-FailedOnly/-SortBy/-Descending, shared by the cmdlets that read
    /// eval_results rows (Get-WeaveEvalResult, Export-WeaveEvalResult -EvaluationRunId): values arrive
    /// wrapped in PSObjects (a number typed at the prompt, the items of an array), which the
    /// PowerShell-free <see cref="RowSelection"/> must see as plain values, and a selection that cannot
    /// be sent is a terminating error whose target is the parameter value at fault.
    /// </summary>
    internal sealed class RowSelectionBinding
    {
        private readonly IDictionary[]? filter;
        private readonly string[]? sortBy;

        private RowSelectionBinding(RowSelection selection, IDictionary[]? filter, string[]? sortBy)
        {
            Selection = selection;
            this.filter = filter;
            this.sortBy = sortBy;
        }

        /// <summary>Every row, in row-digest order (no selection parameter given).</summary>
        public static RowSelectionBinding All { get; } = new RowSelectionBinding(RowSelection.All, null, null);

        public RowSelection Selection { get; }

        /// <summary>The selection of the bound parameters; a terminating InvalidFilter/InvalidSortBy error when it cannot be sent.</summary>
        public static RowSelectionBinding Bind(WeaveCmdlet cmdlet, IDictionary[]? filter, string[]? sortBy, bool descending, bool failedOnly)
        {
            var binding = All;
            Guard(cmdlet, filter, sortBy, () => binding = new RowSelectionBinding(RowSelection.Create(filter?.Select(Plain), sortBy, descending, failedOnly), filter, sortBy));
            return binding;
        }

        /// <summary>
        /// The selection against the runs of one query, before any request: a filter's RunId must be read in
        /// the query, and a difference sort needs several runs in it (-RequireIntersection).
        /// </summary>
        public void CheckRuns(WeaveCmdlet cmdlet, IReadOnlyList<string> runIds)
        {
            if (!Selection.IsEmpty) Guard(cmdlet, filter, sortBy, () => Selection.CheckRuns(runIds));
        }

        /// <summary>The true/false score dimensions of <paramref name="runIds"/> in a summary, for -FailedOnly.</summary>
        public static IEnumerable<(string ScorerKey, string? Path)> BinaryScores(EvalSummaryResult summary, IReadOnlyCollection<string> runIds) =>
            summary.Stats
                .Where(stat => runIds.Contains(stat.EvaluationRunId) && stat.PassKnownCount > 0)
                .Select(stat => (stat.ScorerKey, stat.Path));

        private static void Guard(WeaveCmdlet cmdlet, IDictionary[]? filter, string[]? sortBy, System.Action check)
        {
            try
            {
                check();
            }
            catch (WeaveException ex)
            {
                cmdlet.ThrowTerminatingError(WeaveCmdlet.ErrorRecordFor(ex, ex.ErrorId == RowSelection.InvalidSortId ? (object?)sortBy : filter));
            }
        }

        /// <summary>A filter with plain values, its keys in the order the user wrote them (for messages).</summary>
        private static IDictionary Plain(IDictionary? filter) => (IDictionary?)PlainValues.Of(filter) ?? new Hashtable();
    }
}
