using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.EvalResults
{
    /// <summary>The trials of one evaluation inside a row, in start-time order.</summary>
    internal sealed class EvalRowEvaluation
    {
        public EvalRowEvaluation(int rootIndex) => RootIndex = rootIndex;

        /// <summary>Position of the evaluation in the request's merged id list.</summary>
        public int RootIndex { get; }

        public List<CallRecord> Trials { get; } = new();
    }

    /// <summary>One grouped row: every trial whose example has this <see cref="Digest"/>.</summary>
    internal sealed class EvalRow
    {
        public EvalRow(string digest) => Digest = digest;

        public string Digest { get; }

        /// <summary>Evaluations in the order their first trial was met.</summary>
        public List<EvalRowEvaluation> Evaluations { get; } = new();

        public IEnumerable<(int RootIndex, CallRecord Trial)> AllTrials() =>
            Evaluations.SelectMany(e => e.Trials.Select(t => (e.RootIndex, t)));
    }

    /// <summary>
    /// Trials of the requested evaluations grouped by row digest and sorted by it, built once per (store
    /// version, project, ids) and shared by every page, filter, sort and summary of that query (a trial cost
    /// charges the server's regrouping per request as time, see <see cref="EvalResultsRoute"/>).
    /// </summary>
    internal sealed class EvalResultsIndex
    {
        public const string DatasetRowMarker = "/attr/rows/id/";
        private static readonly byte[] ExampleKey = Encoding.UTF8.GetBytes("example");

        private EvalResultsIndex(string projectId, IReadOnlyList<string> rootIds, EvalRow[] rows, int trialCount)
        {
            ProjectId = projectId;
            RootIds = rootIds;
            Rows = rows;
            TrialCount = trialCount;
            RowRefs = new EvalResultsRowWriter.RowRefFacts?[rows.Length];
        }

        public string ProjectId { get; }

        public IReadOnlyList<string> RootIds { get; }

        /// <summary>Rows in ascending ordinal <c>row_digest</c> order.</summary>
        public EvalRow[] Rows { get; }

        /// <summary>Every predict_and_score call of the requested evaluations, before intersection and filters.</summary>
        public int TrialCount { get; }

        /// <summary>
        /// The JSON text of each row, by the options that shape it (see <see cref="EvalResultsRowWriter"/>),
        /// written the first time a page holds the row. The index is rebuilt when the store changes, so a
        /// text never outlives the calls it was derived from.
        /// </summary>
        public ConcurrentDictionary<string, byte[]?[]> RowTexts { get; } = new(StringComparer.Ordinal);

        /// <summary>What each row's dataset-row ref names, derived the first time a page holds the row (see <see cref="EvalResultsRowWriter"/>).</summary>
        internal EvalResultsRowWriter.RowRefFacts?[] RowRefs { get; }

        public static bool IsPredictAndScore(CallRecord call)
        {
            var name = call.OpShortName;
            return name == "Evaluation.predict_and_score" || name == "Evaluation.predictAndScore";
        }

        public static EvalResultsIndex Build(EmulatorStore store, string projectId, IReadOnlyList<string> rootIds)
        {
            var trials = new List<(CallRecord Call, int Root)>();
            for (var i = 0; i < rootIds.Count; i++)
            {
                foreach (var child in store.Children(projectId, rootIds[i]))
                {
                    if (IsPredictAndScore(child)) trials.Add((child, i));
                }
            }
            trials.Sort((a, b) =>
            {
                var byStart = a.Call.StartedAt.CompareTo(b.Call.StartedAt);
                return byStart != 0 ? byStart : string.CompareOrdinal(a.Call.Id, b.Call.Id);
            });

            var rows = new Dictionary<string, EvalRow>(StringComparer.Ordinal);
            foreach (var (call, root) in trials)
            {
                var digest = RowDigestOf(call.Inputs);
                if (!rows.TryGetValue(digest, out var row)) rows[digest] = row = new EvalRow(digest);
                var evaluation = row.Evaluations.Find(e => e.RootIndex == root);
                if (evaluation is null) row.Evaluations.Add(evaluation = new EvalRowEvaluation(root));
                evaluation.Trials.Add(call);
            }
            var sorted = rows.Values.ToArray();
            Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Digest, b.Digest));
            return new EvalResultsIndex(projectId, rootIds, sorted, trials.Count);
        }

        /// <summary>True when the row has trials of every requested evaluation.</summary>
        public bool HasEveryEvaluation(EvalRow row) => row.Evaluations.Count == RootIds.Count;

        /// <summary>
        /// The row digest of a trial: the dataset row digest when <c>inputs.example</c> is a dataset-row ref,
        /// otherwise 64 uppercase hex of the SHA-256 of the example's stored JSON text.
        /// </summary>
        public static string RowDigestOf(byte[] inputs)
        {
            var example = ExampleOf(inputs);
            if (example is null) return WeaveDigest.OfInlineExample(Encoding.UTF8.GetBytes("null"));
            if (example.Length > 0 && example[0] == (byte)'"')
            {
                var text = JsonSerializer.Deserialize<string>(example)!;
                var marker = text.IndexOf(DatasetRowMarker, StringComparison.Ordinal);
                if (marker >= 0)
                {
                    var start = marker + DatasetRowMarker.Length;
                    var end = text.IndexOf('/', start);
                    return end < 0 ? text.Substring(start) : text.Substring(start, end - start);
                }
            }
            return WeaveDigest.OfInlineExample(example);
        }

        /// <summary>The stored JSON text of <c>inputs.example</c>, or null when the key is absent.</summary>
        public static byte[]? ExampleOf(byte[] inputs)
        {
            var reader = new Utf8JsonReader(inputs);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            byte[]? found = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isExample = reader.ValueTextEquals(ExampleKey);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
                if (isExample) found = inputs.AsSpan(start, (int)reader.BytesConsumed - start).ToArray();
            }
            return found;
        }
    }
}
