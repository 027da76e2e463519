using System;
using System.Collections.Generic;

namespace WeaveEval.Client
{
    /// <summary>The mapping rules from server shapes to the output objects.</summary>
    internal static class Mapping
    {
        /// <summary>
        /// The short name of a ref: <c>weave:///e/p/object/Name:digest</c> and <c>…/op/Name:digest</c> give
        /// <c>Name</c>; anything else (plain strings, other ref kinds) is returned as is; empty gives null.
        /// </summary>
        public static string? ShortName(string? reference)
        {
            if (string.IsNullOrEmpty(reference)) return null;
            const string Scheme = "weave:///";
            if (!reference!.StartsWith(Scheme, StringComparison.Ordinal)) return reference;
            var parts = reference.Substring(Scheme.Length).Split('/');
            if (parts.Length < 4 || (parts[2] != "object" && parts[2] != "op")) return reference;
            var nameAndVersion = parts[3];
            var colon = nameAndVersion.LastIndexOf(':');
            var name = colon > 0 ? nameAndVersion.Substring(0, colon) : nameAndVersion;
            return name.Length == 0 ? reference : Uri.UnescapeDataString(name);
        }

        /// <summary>A ref-valued input: a string as is, an expanded object by its <c>_ref</c>.</summary>
        public static string? RefText(object? value)
        {
            switch (value)
            {
                case string text:
                    return text.Length == 0 ? null : text;
                case JsonMap map:
                    return map["_ref"] is string reference && reference.Length > 0 ? reference : null;
                default:
                    return null;
            }
        }

        public static object? Path(JsonMap? map, params string[] keys)
        {
            object? current = map;
            foreach (var key in keys)
            {
                if (!(current is JsonMap level)) return null;
                current = level[key];
            }
            return current;
        }

        public static EvaluationRun ToEvaluationRun(CallLine call, string entity, string project)
        {
            var weave = Path(call.Attributes, "weave") as JsonMap;
            var evaluation = RefText(weave?["evaluation"]) ?? RefText(call.Inputs?["self"]) ?? RefText(call.Inputs?["this"]) ?? string.Empty;
            var model = RefText(weave?["model"]) ?? RefText(call.Inputs?["model"]) ?? string.Empty;
            var startedAt = Timestamps.Parse(call.StartedAt);
            var finishedAt = Timestamps.Parse(call.EndedAt);
            var marker = weave?["evaluation_run"];
            var isApiRun = (marker is string flag && string.Equals(flag, "true", StringComparison.OrdinalIgnoreCase)) || (marker is bool yes && yes);
            return new EvaluationRun
            {
                EvaluationRunId = call.Id ?? string.Empty,
                Status = call.EndedAt == null ? "running" : call.HasException ? "failed" : "completed",
                EvaluationName = ShortName(evaluation),
                ModelName = ShortName(model),
                Evaluation = evaluation,
                Model = model,
                DisplayName = call.DisplayName ?? Path(call.Summary, "weave", "display_name") as string,
                StartedAt = startedAt,
                FinishedAt = finishedAt,
                Duration = startedAt.HasValue && finishedAt.HasValue ? finishedAt.Value - startedAt.Value : (TimeSpan?)null,
                Summary = call.Summary,
                SourceEvaluationRunId = RefText(weave?["source_evaluation_run_id"]),
                Source = isApiRun ? RunSource.Api : RunSource.Sdk,
                WeaveStatus = Path(call.Summary, "weave", "status") as string,
                TraceId = call.TraceId,
                ParentId = call.ParentId,
                WbUserId = call.WbUserId,
                Entity = entity,
                Project = project,
            };
        }

        public static EvalSummaryResult ToSummary(JsonMap? summary, string entity, string project, IReadOnlyList<string>? warnings = null)
        {
            var stats = new List<ScorerStat>();
            var totals = new List<EvaluationTotals>();
            var names = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var rowCount = AsLong(summary?["row_count"]) ?? 0;
            if (summary?["evaluations"] is JsonList evaluations)
            {
                foreach (var item in evaluations)
                {
                    if (!(item is JsonMap evaluation)) continue;
                    var modelRef = evaluation["model_ref"] as string;
                    var evaluationRef = evaluation["evaluation_ref"] as string;
                    totals.Add(new EvaluationTotals(
                        AsText(evaluation["evaluation_call_id"]) ?? string.Empty,
                        AsLong(evaluation["trial_count"]) ?? 0,
                        AsLong(evaluation["predict_total_tokens"]),
                        AsDouble(evaluation["predict_total_cost"])));
                    if (!(evaluation["scorer_stats"] is JsonList scorerStats)) continue;
                    foreach (var statItem in scorerStats)
                    {
                        if (!(statItem is JsonMap stat)) continue;
                        var key = AsText(stat["scorer_key"]) ?? string.Empty;
                        var path = AsText(stat["path"]);
                        var valueType = stat["value_type"] as string;
                        var passRate = AsDouble(stat["pass_rate"]);
                        var numericMean = AsDouble(stat["numeric_mean"]);
                        var scorer = string.IsNullOrEmpty(path) ? key : key + "." + path;
                        var passKnownCount = CountThatApplies(AsLong(stat["pass_known_count"]), valueType == "binary");
                        var numericCount = CountThatApplies(AsLong(stat["numeric_count"]), valueType == "continuous");
                        if (seen.Add(scorer)) names.Add(scorer);
                        stats.Add(new ScorerStat
                        {
                            EvaluationRunId = AsText(evaluation["evaluation_call_id"]) ?? string.Empty,
                            Scorer = scorer,
                            ScorerKey = key,
                            Path = string.IsNullOrEmpty(path) ? null : path,
                            ValueType = valueType,
                            Value = valueType == "binary" ? passRate : valueType == "continuous" ? numericMean : null,
                            PassRate = passRate,
                            PassTrueCount = passKnownCount == null ? null : AsLong(stat["pass_true_count"]) ?? 0,
                            PassKnownCount = passKnownCount,
                            PassSignalCoverage = AsDouble(stat["pass_signal_coverage"]),
                            NumericMean = numericMean,
                            NumericCount = numericCount,
                            TrialCount = AsLong(stat["trial_count"]) ?? 0,
                            EvaluationTrialCount = AsLong(evaluation["trial_count"]) ?? 0,
                            RowCount = rowCount,
                            ModelRef = modelRef,
                            ModelName = ShortName(modelRef),
                            EvaluationRef = evaluationRef,
                            EvaluationName = ShortName(evaluationRef),
                            DisplayName = evaluation["display_name"] as string,
                            TraceId = evaluation["trace_id"] as string,
                            StartedAt = Timestamps.Parse(evaluation["started_at"] as string),
                            TotalTokens = AsLong(evaluation["predict_total_tokens"]),
                            TotalCost = AsDouble(evaluation["predict_total_cost"]),
                            Entity = entity,
                            Project = project,
                        });
                    }
                }
            }
            return new EvalSummaryResult(rowCount, stats, names, totals, warnings);
        }

        /// <summary>
        /// A counter of the dimension, or null when it does not apply: a continuous dimension has no pass
        /// count and a binary one no numeric count, and a 0 there would read as "none passed". A mixed
        /// dimension (a later value of the other type) keeps its non-zero count.
        /// </summary>
        private static long? CountThatApplies(long? count, bool isOwnType) =>
            isOwnType ? count ?? 0 : count > 0 ? count : null;

        public static string? AsText(object? value)
        {
            switch (value)
            {
                case null:
                    return null;
                case string text:
                    return text;
                default:
                    return JsonText.Serialize(value);
            }
        }

        public static long? AsLong(object? value)
        {
            switch (value)
            {
                case long integer:
                    return integer;
                case double number when !double.IsNaN(number) && !double.IsInfinity(number) && Math.Abs(number) < 9.2e18:
                    return (long)number;
                case string text when long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed):
                    return parsed;
                default:
                    return null;
            }
        }

        public static double? AsDouble(object? value)
        {
            switch (value)
            {
                case double number:
                    return number;
                case long integer:
                    return integer;
                case string text when double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed):
                    return parsed;
                default:
                    return null;
            }
        }
    }
}
