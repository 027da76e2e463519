using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// The PowerShell side of -Filter/-FailedOnly/-SortBy/-Descending, shared by the cmdlets that read
    /// eval_results rows: values arrive wrapped in PSObjects (a number typed at the prompt, the items of
    /// an array), which the PowerShell-free <see cref="RowSelection"/> must see as plain values.
    /// </summary>
    internal static class RowSelectionBinding
    {
        public static RowSelection Create(IDictionary[]? filter, string[]? sortBy, bool descending, bool failedOnly) =>
            RowSelection.Create(filter?.Select(Unwrap), sortBy, descending, failedOnly);

        /// <summary>The true/false score dimensions of <paramref name="runIds"/> in a summary, for -FailedOnly.</summary>
        public static IEnumerable<(string ScorerKey, string? Path)> BinaryScores(EvalSummaryResult summary, IReadOnlyCollection<string> runIds) =>
            summary.Stats
                .Where(stat => runIds.Contains(stat.EvaluationRunId) && stat.PassKnownCount > 0)
                .Select(stat => (stat.ScorerKey, stat.Path));

        private static IDictionary Unwrap(IDictionary? filter)
        {
            if (filter == null) return new Hashtable();
            // Ordered, so that messages list the keys as the user wrote them.
            var plain = new System.Collections.Specialized.OrderedDictionary();
            foreach (DictionaryEntry entry in filter)
            {
                var key = Plain(entry.Key)?.ToString() ?? string.Empty;
                plain.Add(key, PlainValue(entry.Value));
            }
            return plain;
        }

        private static object? PlainValue(object? value)
        {
            var plain = Plain(value);
            if (plain is IEnumerable items && !(plain is string) && !(plain is IDictionary))
            {
                return items.Cast<object?>().Select(Plain).ToArray();
            }
            return plain;
        }

        private static object? Plain(object? value) => value is PSObject wrapped && !(wrapped.BaseObject is PSCustomObject) ? wrapped.BaseObject : value;
    }
}
