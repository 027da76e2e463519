using System;
using System.Collections.Generic;
using System.Management.Automation;
using WeaveEval.Model;

namespace WeaveEval.Commands
{
    /// <summary>
    /// The flat export columns of one Get-WeaveEvalResult call: <c>Input.&lt;key&gt;</c> per input field
    /// and <c>Score.&lt;scorer&gt;[.&lt;path&gt;]</c> per score leaf. Fixed before the first object is written
    /// (Export-Csv takes its header from the first object), and added to every object in the same order.
    /// </summary>
    internal sealed class EvalResultColumns
    {
        public const string InputPrefix = "Input.";
        public const string ScorePrefix = "Score.";

        private readonly List<string> scoreColumns = new List<string>();
        private readonly List<string> inputColumns = new List<string>();
        private readonly HashSet<string> allColumns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> reportedExtras = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private bool fixedColumns;

        /// <summary>Scorer dimensions of the summary (<c>scorer</c> or <c>scorer.path</c>), first-seen order.</summary>
        public void AddScorers(IEnumerable<string> scorers)
        {
            foreach (var scorer in scorers) AddColumn(scoreColumns, ScorePrefix + scorer);
        }

        /// <summary>
        /// Completes the column set from the first result: its input keys, and the score leaves the
        /// summary does not report (lists, null-only scores). After this the set does not change.
        /// </summary>
        public void FixFrom(EvalResult first)
        {
            if (fixedColumns) return;
            if (first.Inputs != null)
            {
                foreach (var key in first.Inputs.Keys) AddColumn(inputColumns, InputPrefix + key);
            }
            foreach (var leaf in ScoreLeaves(first.Scores)) AddColumn(scoreColumns, leaf.Key);
            fixedColumns = true;
        }

        /// <summary>
        /// Wraps the result with one note property per column, in column order (missing values are null).
        /// Returns the keys the result has but the column set lacks, each only the first time it is seen.
        /// </summary>
        public PSObject Flatten(EvalResult result, out List<string>? newKeys)
        {
            newKeys = null;
            var scores = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            foreach (var leaf in ScoreLeaves(result.Scores))
            {
                if (!scores.ContainsKey(leaf.Key)) scores.Add(leaf.Key, leaf.Value);
                if (!allColumns.Contains(leaf.Key) && reportedExtras.Add(leaf.Key)) (newKeys ??= new List<string>()).Add(leaf.Key);
            }
            if (result.Inputs != null)
            {
                foreach (var key in result.Inputs.Keys)
                {
                    var column = InputPrefix + key;
                    if (!allColumns.Contains(column) && reportedExtras.Add(column)) (newKeys ??= new List<string>()).Add(column);
                }
            }

            var wrapped = PSObject.AsPSObject(result);
            foreach (var column in inputColumns)
            {
                var value = result.Inputs == null ? null : result.Inputs[column.Substring(InputPrefix.Length)];
                wrapped.Properties.Add(new PSNoteProperty(column, CellValue(value)));
            }
            foreach (var column in scoreColumns)
            {
                scores.TryGetValue(column, out var value);
                wrapped.Properties.Add(new PSNoteProperty(column, value));
            }
            return wrapped;
        }

        private void AddColumn(List<string> columns, string column)
        {
            // PowerShell property names are case-insensitive: keys differing only by case share a column.
            if (allColumns.Add(column)) columns.Add(column);
        }

        /// <summary>
        /// Score leaves as (column, value): a dict score recurses with dotted paths, anything else is a
        /// leaf. Scalars stay typed; lists and empty dicts become compact JSON text.
        /// </summary>
        internal static IEnumerable<KeyValuePair<string, object?>> ScoreLeaves(JsonMap? scores)
        {
            if (scores == null) yield break;
            foreach (var pair in scores)
            {
                foreach (var leaf in Leaves(ScorePrefix + pair.Key, pair.Value)) yield return leaf;
            }
        }

        private static IEnumerable<KeyValuePair<string, object?>> Leaves(string path, object? value)
        {
            if (value is JsonMap map && map.Count > 0)
            {
                foreach (var pair in map)
                {
                    foreach (var leaf in Leaves(path + "." + pair.Key, pair.Value)) yield return leaf;
                }
                yield break;
            }
            yield return new KeyValuePair<string, object?>(path, CellValue(value));
        }

        /// <summary>A value as a cell: scalars unchanged, nested values as compact JSON text.</summary>
        internal static object? CellValue(object? value) =>
            value is JsonMap || value is JsonList ? value.ToString() : value;
    }
}
