using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Runtime.CompilerServices;

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

        /// <summary>Marks a score column the current result has no value for yet.</summary>
        private static readonly object Unset = new object();

        // The column set: shared by the copies for other threads (ForAnotherThread), which exist only once it no longer changes.
        private readonly List<string> scoreColumns;
        private readonly List<string> inputColumns;

        /// <summary>The input key of each input column (same order), so no column name is cut per object.</summary>
        private readonly List<string> inputKeys;
        private readonly HashSet<string> inputKeySet;
        private readonly HashSet<string> allColumns;

        // The walk's own state, one per thread.
        private readonly HashSet<string> reportedExtras = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The score cells of the row being built (reused: one row at a time).</summary>
        private readonly List<object?> scoreCells = new List<object?>();

        /// <summary>Most score paths kept: scores whose keys differ from trial to trial would otherwise grow the tree with every trial.</summary>
        private const int MaximumScorePaths = 4096;

        /// <summary>The score paths met so far, from the scores map down: their column names are made once, not per result.</summary>
        private readonly ScorePath scoreRoot = new ScorePath(ScorePrefix.TrimEnd('.'));
        private int scorePathsKept;

        /// <summary>Position of each score column; built once the set is fixed.</summary>
        private Dictionary<string, int>? scoreIndex;
        private bool fixedColumns;

        /// <summary>Until the first result is flattened, a score leaf without a column gets one instead of being reported.</summary>
        private bool adoptsScoreLeaves = true;

        public EvalResultColumns()
        {
            scoreColumns = new List<string>();
            inputColumns = new List<string>();
            inputKeys = new List<string>();
            inputKeySet = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            allColumns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        }

        private EvalResultColumns(EvalResultColumns fixedSet)
        {
            scoreColumns = fixedSet.scoreColumns;
            inputColumns = fixedSet.inputColumns;
            inputKeys = fixedSet.inputKeys;
            inputKeySet = fixedSet.inputKeySet;
            allColumns = fixedSet.allColumns;
            fixedColumns = true;
            adoptsScoreLeaves = false;
        }

        /// <summary>The column set no longer changes: the first result has been flattened.</summary>
        public bool IsFixed => fixedColumns && !adoptsScoreLeaves;

        /// <summary>
        /// The same columns for <see cref="Row"/> on another thread, once <see cref="IsFixed"/>: it shares the
        /// column set (read only from then on) and has its own walk state, so it reports each key without a
        /// column once itself; <see cref="FirstReports"/> of this instance makes that once over all of them.
        /// </summary>
        public EvalResultColumns ForAnotherThread()
        {
            if (!IsFixed) throw new InvalidOperationException("The columns are not fixed yet.");
            return new EvalResultColumns(this);
        }

        /// <summary>The keys among <paramref name="keys"/> (from a copy's <see cref="Row"/>) not reported before by this instance; null when none.</summary>
        public List<string>? FirstReports(List<string> keys)
        {
            List<string>? first = null;
            foreach (var key in keys) if (reportedExtras.Add(key)) (first ??= new List<string>()).Add(key);
            return first;
        }

        /// <summary>Scorer dimensions of the summary (<c>scorer</c> or <c>scorer.path</c>), first-seen order.</summary>
        public void AddScorers(IEnumerable<string> scorers)
        {
            // Copies for other threads read the column set without a lock: it must not change any more.
            if (IsFixed) throw new InvalidOperationException("The columns are fixed.");
            foreach (var scorer in scorers) AddColumn(scoreColumns, ScorePrefix + scorer);
        }

        /// <summary>Input fields known before the first result (every run's, when a call reads several).</summary>
        public void AddInputs(IEnumerable<string> keys)
        {
            foreach (var key in keys) AddInputColumn(key);
        }

        /// <summary>
        /// Completes the column set from the first result: its input keys, and the score leaves the
        /// summary does not report (lists, null-only scores). After this the set does not change.
        /// </summary>
        private void FixFrom(EvalResult first)
        {
            if (fixedColumns) return;
            if (first.Inputs != null)
            {
                foreach (var key in first.Inputs.Keys) AddInputColumn(key);
            }
            // The score leaves the summary did not name are adopted by the Flatten of this same result,
            // which walks its score tree anyway.
            fixedColumns = true;
        }

        /// <summary>The flat column names, inputs first, then scores: the order of <see cref="Row"/>'s cells.</summary>
        public IEnumerable<string> Names
        {
            get
            {
                foreach (var column in inputColumns) yield return column;
                foreach (var column in scoreColumns) yield return column;
            }
        }

        /// <summary>
        /// Wraps the result with one note property per column, in column order (missing values are null).
        /// Returns the keys the result has but the column set lacks, each only the first time it is seen.
        /// </summary>
        public PSObject Flatten(EvalResult result, out List<string>? newKeys)
        {
            var cells = new List<object?>(inputColumns.Count + scoreColumns.Count);
            Row(result, cells, out newKeys);
            var wrapped = PSObject.AsPSObject(result);
            var properties = wrapped.Properties;
            var i = 0;
            foreach (var name in Names) properties.Add(new PSNoteProperty(name, cells[i++]), true);
            return wrapped;
        }

        /// <summary>
        /// Replaces <paramref name="cells"/> with the result's value of every column (in <see cref="Names"/>
        /// order; missing values are null, nested ones compact JSON text). Returns the keys the result has
        /// but the column set lacks, each only the first time it is seen. The direct file writer calls this
        /// without building a PowerShell object.
        /// </summary>
        [MethodImpl(HotPath.Optimize)]
        public void Row(EvalResult result, List<object?> cells, out List<string>? newKeys)
        {
            FixFrom(result);
            newKeys = null;
            var index = scoreIndex ??= IndexScoreColumns();
            var scores = scoreCells;
            scores.Clear();
            for (var i = 0; i < scoreColumns.Count; i++) scores.Add(Unset);
            CollectLeaves(scoreRoot, result.Scores, index, scores, ref newKeys);
            if (fixedColumns) adoptsScoreLeaves = false;
            if (result.Inputs != null)
            {
                var inputs = result.Inputs;
                for (var i = 0; i < inputs.Count; i++)
                {
                    var key = inputs.KeyAt(i);
                    if (!inputKeySet.Contains(key) && reportedExtras.Add(InputPrefix + key)) (newKeys ??= new List<string>()).Add(InputPrefix + key);
                }
            }

            cells.Clear();
            for (var i = 0; i < inputColumns.Count; i++)
            {
                cells.Add(result.Inputs == null ? null : CellValue(result.Inputs[inputKeys[i]]));
            }
            foreach (var value in scores) cells.Add(ReferenceEquals(value, Unset) ? null : value);
        }

        private Dictionary<string, int> IndexScoreColumns()
        {
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < scoreColumns.Count; i++) index[scoreColumns[i]] = i;
            return index;
        }

        /// <summary>
        /// The one walk of a score tree: a dict score recurses with dotted paths, anything else is a leaf.
        /// Puts each leaf in its column (the first of keys differing only by case wins); a leaf without a
        /// column gets one while the first result is flattened, and is reported as new after that.
        /// </summary>
        [MethodImpl(HotPath.Optimize)]
        private void CollectLeaves(ScorePath at, object? value, Dictionary<string, int> index, List<object?> scores, ref List<string>? newKeys)
        {
            if (value is JsonMap map && (map.Count > 0 || at == scoreRoot))
            {
                for (var i = 0; i < map.Count; i++) CollectLeaves(Below(at, map.KeyAt(i)), map.ValueAt(i), index, scores, ref newKeys);
                return;
            }
            var path = at.Name;
            if (index.TryGetValue(path, out var column))
            {
                if (ReferenceEquals(scores[column], Unset)) scores[column] = CellValue(value);
            }
            else if (adoptsScoreLeaves)
            {
                if (!AddColumn(scoreColumns, path)) return;
                index[path] = scores.Count;
                scoreIndex = index;
                scores.Add(CellValue(value));
            }
            else if (reportedExtras.Add(path))
            {
                (newKeys ??= new List<string>()).Add(path);
            }
        }

        private void AddInputColumn(string key)
        {
            if (fixedColumns || !AddColumn(inputColumns, InputPrefix + key)) return;
            inputKeys.Add(key);
            inputKeySet.Add(key);
        }

        private bool AddColumn(List<string> columns, string column)
        {
            // PowerShell property names are case-insensitive: keys differing only by case share a column.
            if (!allColumns.Add(column)) return false;
            columns.Add(column);
            scoreIndex = null;
            return true;
        }

        /// <summary>The path one key below <paramref name="at"/> (keys as the results spell them), kept while there are few.</summary>
        [MethodImpl(HotPath.Optimize)]
        private ScorePath Below(ScorePath at, string key)
        {
            if (at.Below != null && at.Below.TryGetValue(key, out var known)) return known;
            var path = new ScorePath(at.Name + "." + key);
            if (scorePathsKept >= MaximumScorePaths) return path;
            (at.Below ??= new Dictionary<string, ScorePath>(StringComparer.Ordinal)).Add(key, path);
            scorePathsKept++;
            return path;
        }

        /// <summary>A place in score trees, named as its column would be (<c>Score.scorer.path</c>).</summary>
        private sealed class ScorePath
        {
            public ScorePath(string name)
            {
                Name = name;
            }

            public string Name { get; }

            /// <summary>The paths one key further down that are kept.</summary>
            public Dictionary<string, ScorePath>? Below { get; set; }
        }

        /// <summary>A value as a cell: scalars unchanged, nested values as compact JSON text.</summary>
        internal static object? CellValue(object? value) =>
            value is JsonMap || value is JsonList ? value.ToString() : value;
    }
}
