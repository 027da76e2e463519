using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.EvalResults
{
    /// <summary>
    /// What one predict_and_score call contributes to a trial: its output and
    /// scores (plus late-added scores), the predict child, latency, tokens and cost. Parses only the JSON
    /// it needs; dispose after use.
    /// </summary>
    internal sealed class TrialFacts : IDisposable
    {
        private static readonly byte[] ScoreWord = Encoding.UTF8.GetBytes("\"score\"");
        private static readonly byte[] ScorerWord = Encoding.UTF8.GetBytes("\"scorer\"");
        private readonly List<JsonDocument> documents = new();
        private readonly List<CallRecord> scorerChildren = new();

        private TrialFacts(CallRecord call) => Call = call;

        public CallRecord Call { get; }

        /// <summary>The PAS output when it is an object.</summary>
        public JsonElement? Output { get; private set; }

        /// <summary><c>output.scores</c> when it is an object.</summary>
        public JsonElement? Scores { get; private set; }

        /// <summary>Scores of scorer children that are not in <see cref="Scores"/> (late-added scores).</summary>
        public List<(string Key, JsonElement Value)> AddedScores { get; } = new();

        public CallRecord? PredictCall { get; private set; }

        public double? LatencySeconds { get; private set; }

        public long? TotalTokens { get; private set; }

        public double? TotalCost { get; private set; }

        /// <summary>Every score key in order: stored keys, then late-added keys.</summary>
        public IEnumerable<(string Key, JsonElement Value)> AllScores()
        {
            if (Scores is { } scores)
            {
                foreach (var property in scores.EnumerateObject()) yield return (property.Name, property.Value);
            }
            foreach (var added in AddedScores) yield return added;
        }

        public static TrialFacts Read(EmulatorStore store, string projectId, CallRecord call, bool includeChildren, bool includeCosts)
        {
            var facts = new TrialFacts(call);
            if (call.Output is not null)
            {
                var output = facts.Parse(call.Output).RootElement;
                if (output.ValueKind == JsonValueKind.Object)
                {
                    facts.Output = output;
                    if (output.TryGetProperty("scores", out var scores) && scores.ValueKind == JsonValueKind.Object) facts.Scores = scores;
                }
            }

            if (includeChildren)
            {
                string? modelRef = null;
                foreach (var child in InStartOrder(store.Children(projectId, call.Id)))
                {
                    var attributes = AttributeFlags(child);
                    if (attributes.IsScorer || IsScorerByName(child.OpName))
                    {
                        facts.scorerChildren.Add(child);
                        if (attributes.ScorerRef is { } scorerRef) facts.AddLateScore(Refs.ShortName(scorerRef), child);
                        continue;
                    }
                    if (facts.PredictCall is null
                        && (IsPredictByName(child.OpName) || TopLevelText(child.Inputs, "self") == (modelRef ??= TopLevelText(call.Inputs, "model"))))
                    {
                        facts.PredictCall = child;
                    }
                }
            }

            if (facts.PredictCall is { EndedAt: { } ended } predict)
            {
                facts.LatencySeconds = (ended.Ticks / 10 - predict.StartedAt.Ticks / 10) / 1e6;
            }
            else if (facts.PredictCall is null && facts.Output is { } output
                && output.TryGetProperty("model_latency", out var latency) && latency.ValueKind == JsonValueKind.Object
                && latency.TryGetProperty("mean", out var mean) && mean.ValueKind == JsonValueKind.Number)
            {
                facts.LatencySeconds = mean.GetDouble();
            }

            var usageSource = facts.PredictCall is null ? call.Summary : facts.PredictCall.Summary;
            if (usageSource is not null)
            {
                var usage = Usage(facts.Parse(usageSource).RootElement);
                facts.TotalTokens = usage is null ? null : TokenTotal(usage.Value);
                if (includeCosts && facts.PredictCall is not null && usage is not null) facts.TotalCost = ModelPrices.Cost(usage.Value);
            }
            return facts;
        }

        /// <summary>For each score key, the first scorer-like child whose op name contains it or is contained in it (case-insensitive).</summary>
        public IEnumerable<(string Key, string CallId)> ScorerCallIds()
        {
            foreach (var (key, _) in AllScores())
            {
                var lowerKey = key.ToLowerInvariant();
                var match = scorerChildren.FirstOrDefault(c =>
                {
                    var op = c.OpName.ToLowerInvariant();
                    return op.Contains(lowerKey, StringComparison.Ordinal) || lowerKey.Contains(op, StringComparison.Ordinal);
                });
                if (match is not null) yield return (key, match.Id);
            }
        }

        public void Dispose()
        {
            foreach (var document in documents) document.Dispose();
        }

        private JsonDocument Parse(byte[] json)
        {
            var document = JsonDocument.Parse(json);
            documents.Add(document);
            return document;
        }

        private void AddLateScore(string key, CallRecord child)
        {
            if (key.Length == 0 || AllScores().Any(s => s.Key == key)) return;
            var value = Parse(child.Output ?? Encoding.UTF8.GetBytes("null")).RootElement;
            AddedScores.Add((key, value));
        }

        /// <summary>Children as the calls query returns them (started_at, then id); the store usually has them in that order already.</summary>
        private static IReadOnlyList<CallRecord> InStartOrder(IReadOnlyList<CallRecord> children)
        {
            for (var i = 1; i < children.Count; i++)
            {
                if (Earlier(children[i], children[i - 1]))
                {
                    return children.OrderBy(c => c.StartedAt).ThenBy(c => c.Id, StringComparer.Ordinal).ToList();
                }
            }
            return children;
        }

        private static bool Earlier(CallRecord a, CallRecord b) =>
            a.StartedAt < b.StartedAt || (a.StartedAt == b.StartedAt && string.CompareOrdinal(a.Id, b.Id) < 0);

        private static bool IsScorerByName(string opName)
        {
            var lower = opName.ToLowerInvariant();
            return lower.Contains(".score", StringComparison.Ordinal) || lower.Contains("scorer", StringComparison.Ordinal);
        }

        private static bool IsPredictByName(string opName)
        {
            var lower = opName.ToLowerInvariant();
            return lower.Contains("predict", StringComparison.Ordinal) || lower.Contains("invoke", StringComparison.Ordinal);
        }

        /// <summary>
        /// <c>attributes.weave.score == "true"</c> or a truthy <c>attributes._weave_eval_meta.score</c>, and
        /// the scorer object ref of a v2 score. The byte pre-check spares parsing the attributes of the many
        /// children that carry neither key.
        /// </summary>
        private static (bool IsScorer, string? ScorerRef) AttributeFlags(CallRecord child)
        {
            var bytes = child.Attributes.AsSpan();
            if (bytes.IndexOf(ScoreWord) < 0 && bytes.IndexOf(ScorerWord) < 0) return (false, null);
            using var document = JsonDocument.Parse(child.Attributes);
            var root = document.RootElement;
            var isScorer = false;
            string? scorerRef = null;
            if (root.TryGetProperty("weave", out var weave) && weave.ValueKind == JsonValueKind.Object)
            {
                if (weave.TryGetProperty("score", out var score) && score.ValueKind == JsonValueKind.String && score.GetString() == "true") isScorer = true;
                if (weave.TryGetProperty("scorer", out var scorer) && scorer.ValueKind == JsonValueKind.String) scorerRef = scorer.GetString();
            }
            if (root.TryGetProperty("_weave_eval_meta", out var meta) && meta.ValueKind == JsonValueKind.Object
                && meta.TryGetProperty("score", out var metaScore) && Truthy(metaScore))
            {
                isScorer = true;
            }
            return (isScorer, scorerRef);
        }

        private static bool Truthy(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.Number => value.GetDouble() != 0,
            JsonValueKind.String => value.GetString()!.Length > 0,
            JsonValueKind.Object => value.EnumerateObject().Any(),
            JsonValueKind.Array => value.GetArrayLength() > 0,
            _ => false,
        };

        /// <summary>Raw JSON text of a top-level property (so that non-string values compare like Python's ==), or "null".</summary>
        private static string TopLevelText(byte[] json, string name)
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value)
                ? value.GetRawText()
                : "null";
        }

        private static JsonElement? Usage(JsonElement summary) =>
            summary.ValueKind == JsonValueKind.Object && summary.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
                ? usage
                : null;

        /// <summary>Sum of <c>total_tokens</c> over the usage entries (Python <c>int()</c> of each); null when none has one.</summary>
        private static long? TokenTotal(JsonElement usage)
        {
            long total = 0;
            var found = false;
            foreach (var entry in usage.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Object || !entry.Value.TryGetProperty("total_tokens", out var tokens)) continue;
                switch (tokens.ValueKind)
                {
                    case JsonValueKind.Number:
                        total += tokens.TryGetInt64(out var whole) ? whole : (long)Math.Truncate(tokens.GetDouble());
                        found = true;
                        break;
                    case JsonValueKind.True:
                        total += 1;
                        found = true;
                        break;
                    case JsonValueKind.False:
                        found = true;
                        break;
                }
            }
            return found ? total : null;
        }
    }
}
