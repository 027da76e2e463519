using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Seeding;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Generation
{
    /// <summary>What a generation wrote (returned by <c>POST /__emulator/generate</c>).</summary>
    public sealed class GenerationResult
    {
        public required string Project { get; init; }
        public required string DatasetRef { get; init; }
        public required IReadOnlyList<string> SdkRunIds { get; init; }
        public required IReadOnlyList<string> ApiRunIds { get; init; }
        public required long Rows { get; init; }
        public required long Trials { get; init; }
        public required long Calls { get; init; }
        public required TimeSpan Elapsed { get; init; }

        public JsonObject ToJson() => new()
        {
            ["project"] = Project,
            ["datasetRef"] = DatasetRef,
            ["sdkRunIds"] = new JsonArray(SdkRunIds.Select(id => (JsonNode?)id).ToArray()),
            ["apiRunIds"] = new JsonArray(ApiRunIds.Select(id => (JsonNode?)id).ToArray()),
            ["rows"] = Rows,
            ["trials"] = Trials,
            ["calls"] = Calls,
            ["elapsedMs"] = (long)Elapsed.TotalMilliseconds,
        };
    }

    /// <summary>
    /// Writes large, realistic evaluation data sets fast: the same call shapes as real SDK and v2-API
    /// runs (so the eval_results engine treats them alike), JSON built once per row where it can be
    /// shared, calls inserted in batches.
    /// </summary>
    public static class EvaluationGenerator
    {
        public static GenerationResult Generate(EmulatorStore store, GeneratorSpec spec)
        {
            spec.Validate();
            return new Generation(store, spec).Run();
        }

        private sealed class Generation
        {
            private const int BatchSize = 50_000;
            private static readonly DateTime Epoch = new(2026, 8, 1, 0, 0, 0, DateTimeKind.Utc);
            private static readonly string[] ToneLabels = { "friendly", "neutral", "curt" };
            private static readonly string[] Topics =
            {
                "reset my password", "change the interface language — ¿idioma?", "download invoices (factures)", "导出我的数据",
                "delete my account データ", "pay with PayPal 💳", "كلمة المرور", "support hours / שעות", "configure webhooks", "API rate limit",
            };
            private static readonly string Filler = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 4096));
            private static readonly byte[] TrueJson = "true"u8.ToArray();
            private static readonly byte[] FalseJson = "false"u8.ToArray();
            private static readonly byte[][] FloatJson = Enumerable.Range(0, 1001).Select(i => Encoding.UTF8.GetBytes(PyJson.FormatFloat(i / 1000.0))).ToArray();
            private static readonly byte[,][] NestedJson = BuildNestedJson();
            private static readonly byte[][] ToneJson = ToneLabels.Select(label => Encoding.UTF8.GetBytes(PyJson.Quote(label))).ToArray();
            private static readonly string[] SecondsText = Enumerable.Range(0, 10_000).Select(ms => PyJson.FormatFloat(ms / 1000.0)).ToArray();
            private static readonly ModelSpec[] Models =
            {
                new("GenGPTModel", "gpt-4o-2024-08-06"),
                new("GenClaudeModel", "claude-3-5-sonnet-20241022"),
            };

            private readonly EmulatorStore store;
            private readonly GeneratorSpec spec;
            private readonly ProjectWriter project;
            private readonly Random random;
            private readonly ArrayBufferWriter<byte> buffer = new(4096);
            private readonly Utf8JsonWriter writer;
            private readonly List<CallRecord> batch = new(BatchSize);
            private readonly byte[] sdkAttributes;
            private readonly byte[] sdkScorerAttributes;
            private readonly byte[]?[] outputs;
            private long callCount;

            private readonly List<GeneratedRow> rows = new();
            private List<string> rowRefs = new();
            private string datasetRef = "";
            private string evaluationRef = "";
            private readonly Dictionary<string, string> modelRefs = new();
            private readonly Dictionary<string, string> scorerObjectRefs = new();

            public Generation(EmulatorStore store, GeneratorSpec spec)
            {
                this.store = store;
                this.spec = spec;
                project = new ProjectWriter(store, spec.Project, spec.Seed);
                random = new Random(spec.Seed);
                writer = WireWriter.Create(buffer);
                sdkAttributes = Json.Bytes(SdkClientAttributes(withScoreMarker: false));
                sdkScorerAttributes = Json.Bytes(SdkClientAttributes(withScoreMarker: true));
                outputs = new byte[]?[(long)spec.Rows * spec.Trials];
            }

            public GenerationResult Run()
            {
                var clock = Stopwatch.StartNew();
                WriteObjects();
                var sdkRuns = new List<string>();
                var apiRuns = new List<string>();
                var sdkRunCount = spec.Runs - spec.ApiRunCount;
                var runSpan = TimeSpan.FromMilliseconds((long)spec.Rows * spec.Trials * 4 + 60_000);
                for (var runIndex = 0; runIndex < spec.Runs; runIndex++)
                {
                    var model = Models[runIndex % Models.Length];
                    var start = Epoch + runSpan * runIndex;
                    if (runIndex < sdkRunCount) sdkRuns.Add(WriteSdkRun(model, start, runIndex));
                    else apiRuns.Add(WriteApiRun(model, start));
                }
                Flush();
                return new GenerationResult
                {
                    Project = spec.Project,
                    DatasetRef = datasetRef,
                    SdkRunIds = sdkRuns,
                    ApiRunIds = apiRuns,
                    Rows = spec.Rows,
                    Trials = (long)spec.Rows * spec.Trials * spec.Runs,
                    Calls = callCount,
                    Elapsed = clock.Elapsed,
                };
            }

            private void WriteObjects()
            {
                var stored = new List<(string Digest, byte[] Json)>(spec.Rows);
                for (var i = 0; i < spec.Rows; i++)
                {
                    var topic = Topics[i % Topics.Length];
                    var row = new GeneratedRow($"row-{i:D7}", $"How do I {topic}? (case {i})", $"Answer {i} about {topic}.");
                    rows.Add(row);
                    stored.Add((row.Digest, row.Json));
                }
                var (dataset, refs) = project.AddDataset("generated-qa", stored, Epoch.AddDays(-1));
                datasetRef = dataset.Ref;
                rowRefs = refs.ToList();

                foreach (var model in Models)
                {
                    modelRefs[model.Name] = project.AddObject(model.Name, new JsonObject
                    {
                        ["_type"] = model.Name,
                        ["name"] = model.Name,
                        ["description"] = null,
                        ["model_name"] = model.LlmName,
                        ["predict"] = project.OpRef($"{model.Name}.predict"),
                        ["_class_name"] = model.Name,
                        ["_bases"] = new JsonArray("Model", "Object", "BaseModel"),
                    }, Epoch.AddDays(-1), "Model").Ref;
                }
                foreach (var kind in spec.Scorers)
                {
                    var name = ScorerName(kind);
                    scorerObjectRefs[kind] = project.AddObject(name, new JsonObject
                    {
                        ["_type"] = "Scorer",
                        ["name"] = name,
                        ["description"] = $"Generated {kind} scorer",
                        ["score"] = project.OpRef($"{name}.score"),
                        ["_class_name"] = name,
                        ["_bases"] = new JsonArray("Scorer", "Object", "BaseModel"),
                    }, Epoch.AddDays(-1), "Scorer").Ref;
                }
                evaluationRef = project.AddObject("generated-qa-eval", new JsonObject
                {
                    ["_type"] = "Evaluation",
                    ["name"] = "generated-qa-eval",
                    ["dataset"] = datasetRef,
                    ["scorers"] = new JsonArray(spec.Scorers.Select(k => (JsonNode?)scorerObjectRefs[k]).ToArray()),
                    ["trials"] = spec.Trials,
                    ["_class_name"] = "Evaluation",
                    ["_bases"] = new JsonArray("Object", "BaseModel"),
                }, Epoch.AddDays(-1), "Evaluation").Ref;
            }

            private string WriteSdkRun(ModelSpec model, DateTime start, int runIndex)
            {
                var modelRef = modelRefs[model.Name];
                var rootId = project.Ids.Next(start);
                var traceId = project.Ids.Next(start);
                var pasOp = project.OpRef("Evaluation.predict_and_score");
                var predictOp = project.OpRef($"{model.Name}.predict");
                var scorerOps = spec.Scorers.ToDictionary(k => k, k => project.OpRef(k is "nested" or "text" ? $"{ScorerName(k)}.score" : ScorerName(k)));
                var stats = new ScoreStats(spec.Scorers);
                var last = start;
                long promptTokens = 0, completionTokens = 0;

                for (var rowIndex = 0; rowIndex < spec.Rows; rowIndex++)
                {
                    var row = rows[rowIndex];
                    var pasInputs = Build(w => { w.WriteStartObject(); w.WriteRawString("self", evaluationRef); w.WriteRawString("model", modelRef); w.WriteRawString("example", rowRefs[rowIndex]); w.WriteEndObject(); });
                    var predictInputs = Build(w => { w.WriteStartObject(); w.WriteRawString("self", modelRef); w.WriteRawString("question", row.Question); w.WriteEndObject(); });
                    var scorerInputs = Build(w => { w.WriteStartObject(); w.WriteRawString("expected", row.Expected); w.WriteEndObject(); });
                    for (var trial = 0; trial < spec.Trials; trial++)
                    {
                        var pasStart = start.AddMilliseconds(((long)rowIndex * spec.Trials + trial) * 4 + 1);
                        var latency = random.Next(200, 3000);
                        var predictStart = pasStart.AddMilliseconds(1);
                        var predictEnd = predictStart.AddMilliseconds(latency);
                        var pasEnd = predictEnd.AddMilliseconds(40);
                        var output = OutputJson(rowIndex, trial);
                        var scores = NextScores();
                        var (prompt, completion) = (random.Next(150, 400), random.Next(20, 200));
                        promptTokens += prompt;
                        completionTokens += completion;
                        var usage = Usage(model.LlmName, prompt, completion);
                        stats.Add(scores);

                        var pas = Add(project.Ids.Next(pasStart), pasOp, traceId, rootId, pasStart, pasEnd, sdkAttributes, pasInputs,
                            Build(w =>
                            {
                                w.WriteStartObject();
                                w.WritePropertyName("output");
                                w.WriteRawValue(output, skipInputValidation: true);
                                w.WritePropertyName("scores");
                                WriteScores(w, scores);
                                w.WritePropertyName("model_latency");
                                w.WriteRawValue(SecondsText[latency], skipInputValidation: true);
                                w.WriteEndObject();
                            }), usage);
                        if (spec.WithChildren)
                        {
                            Add(project.Ids.Next(predictStart), predictOp, traceId, pas.Id, predictStart, predictEnd, sdkAttributes, predictInputs,
                                output, usage);
                            var scorerStart = predictEnd.AddMilliseconds(5);
                            foreach (var score in scores)
                            {
                                Add(project.Ids.Next(scorerStart), scorerOps[score.Kind], traceId, pas.Id, scorerStart, scorerStart.AddMilliseconds(10), sdkScorerAttributes, scorerInputs, score.Json, null);
                            }
                        }
                        if (pasEnd > last) last = pasEnd;
                    }
                }

                var end = last.AddMilliseconds(100);
                var rootSummary = Build(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartObject("usage");
                    w.WriteStartObject(model.LlmName);
                    w.WriteNumber("requests", (long)spec.Rows * spec.Trials);
                    w.WriteNumber("prompt_tokens", promptTokens);
                    w.WriteNumber("completion_tokens", completionTokens);
                    w.WriteNumber("total_tokens", promptTokens + completionTokens);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteStartObject("status_counts");
                    w.WriteNumber("success", (long)spec.Rows * spec.Trials * (2 + (spec.WithChildren ? 1 + spec.Scorers.Count : 0)) + 1);
                    w.WriteNumber("error", 0);
                    w.WriteEndObject();
                    w.WriteEndObject();
                });
                Add(rootId, project.OpRef("Evaluation.evaluate", "sdk"), traceId, null, start, end, sdkAttributes,
                    Build(w => { w.WriteStartObject(); w.WriteRawString("self", evaluationRef); w.WriteRawString("model", modelRef); w.WriteEndObject(); }),
                    Build(stats.WriteSummarize), rootSummary,
                    displayName: $"eval-{start:yyyy-MM-dd}-generated-{runIndex}", wbUserId: "VXNlcjo0MjQyNDI=");
                return rootId;
            }

            private string WriteApiRun(ModelSpec model, DateTime start)
            {
                var modelRef = modelRefs[model.Name];
                var rootId = project.Ids.Next(start);
                var pasOp = project.OpRef("Evaluation.predict_and_score");
                var predictOp = project.OpRef($"{model.Name}.predict");
                var scoreOps = spec.Scorers.ToDictionary(k => k, k => project.OpRef($"{ScorerName(k)}.score"));
                var scorerInputs = spec.Scorers.ToDictionary(k => k, k => Build(w => { w.WriteStartObject(); w.WriteRawString("self", scorerObjectRefs[k]); w.WriteEndObject(); }));
                var predictionAttributes = Build(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartObject("weave");
                    w.WriteString("prediction", "true");
                    w.WriteRawString("model", modelRef);
                    w.WriteRawString("evaluation_run_id", rootId);
                    w.WriteEndObject();
                    w.WriteEndObject();
                });
                var stats = new ScoreStats(spec.Scorers);
                var last = start;

                for (var rowIndex = 0; rowIndex < spec.Rows; rowIndex++)
                {
                    var example = rows[rowIndex].Json;
                    var pasInputs = Build(w => { w.WriteStartObject(); w.WriteRawString("self", evaluationRef); w.WriteRawString("model", modelRef); w.WritePropertyName("example"); w.WriteRawValue(example, true); w.WriteEndObject(); });
                    var predictionInputs = Build(w => { w.WriteStartObject(); w.WriteRawString("self", modelRef); w.WritePropertyName("inputs"); w.WriteRawValue(example, true); w.WriteEndObject(); });
                    for (var trial = 0; trial < spec.Trials; trial++)
                    {
                        var pasStart = start.AddMilliseconds(((long)rowIndex * spec.Trials + trial) * 4 + 1);
                        var predictionStart = pasStart.AddMilliseconds(1);
                        var pasEnd = predictionStart.AddMilliseconds(random.Next(20, 200));
                        var output = OutputJson(rowIndex, trial);
                        var scores = NextScores();
                        stats.Add(scores);
                        var pasId = project.Ids.Next(pasStart);
                        var predictionId = project.Ids.Next(predictionStart);
                        var pasAttributes = spec.WithChildren
                            ? Build(w => { w.WriteStartObject(); w.WriteStartObject("weave"); w.WriteString("predict_call_id", predictionId); w.WriteEndObject(); w.WriteEndObject(); })
                            : Json.EmptyObject;

                        Add(pasId, pasOp, rootId, rootId, pasStart, pasEnd, pasAttributes, pasInputs,
                            Build(w =>
                            {
                                w.WriteStartObject();
                                w.WritePropertyName("output");
                                w.WriteRawValue(output, skipInputValidation: true);
                                w.WritePropertyName("scores");
                                WriteScores(w, scores);
                                w.WriteStartObject("model_latency");
                                w.WritePropertyName("mean");
                                w.WriteRawValue(SecondsText[(int)(pasEnd - predictionStart).TotalMilliseconds], skipInputValidation: true);
                                w.WriteEndObject();
                                w.WriteEndObject();
                            }), null);
                        if (spec.WithChildren)
                        {
                            Add(predictionId, predictOp, rootId, pasId, predictionStart, predictionStart, predictionAttributes, predictionInputs,
                                output, null);
                            var scoreStart = predictionStart.AddMilliseconds(2);
                            foreach (var score in scores)
                            {
                                var attributes = Build(w =>
                                {
                                    w.WriteStartObject();
                                    w.WriteStartObject("weave");
                                    w.WriteString("score", "true");
                                    w.WriteString("prediction_id", predictionId);
                                    w.WriteRawString("scorer", scorerObjectRefs[score.Kind]);
                                    w.WriteRawString("evaluation_run_id", rootId);
                                    w.WriteEndObject();
                                    w.WriteEndObject();
                                });
                                Add(project.Ids.Next(scoreStart), scoreOps[score.Kind], rootId, pasId, scoreStart, scoreStart, attributes, scorerInputs[score.Kind], score.Json, null);
                            }
                        }
                        if (pasEnd > last) last = pasEnd;
                    }
                }

                var rootAttributes = Build(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartObject("weave");
                    w.WriteString("evaluation_run", "true");
                    w.WriteRawString("evaluation", evaluationRef);
                    w.WriteRawString("model", modelRef);
                    w.WriteEndObject();
                    w.WriteEndObject();
                });
                Add(rootId, project.OpRef("Evaluation.evaluate", "v2"), rootId, null, start, last.AddMilliseconds(100), rootAttributes,
                    Build(w => { w.WriteStartObject(); w.WriteRawString("self", evaluationRef); w.WriteRawString("model", modelRef); w.WriteEndObject(); }),
                    Json.EmptyObject, Build(stats.WriteSummarize));
                return rootId;
            }

            private CallRecord Add(string id, string opName, string traceId, string? parentId, DateTime startedAt, DateTime endedAt,
                byte[] attributes, byte[] inputs, byte[]? output, byte[]? summary, string? displayName = null, string? wbUserId = null)
            {
                var call = new CallRecord
                {
                    Id = id,
                    ProjectId = spec.Project,
                    OpName = opName,
                    DisplayName = displayName,
                    TraceId = traceId,
                    ParentId = parentId,
                    StartedAt = startedAt,
                    EndedAt = endedAt,
                    Attributes = attributes,
                    Inputs = inputs,
                    Output = output,
                    Summary = summary,
                    WbUserId = wbUserId,
                };
                batch.Add(call);
                callCount++;
                if (batch.Count >= BatchSize) Flush();
                return call;
            }

            private void Flush()
            {
                if (batch.Count == 0) return;
                store.AddCalls(batch);
                batch.Clear();
            }

            private byte[] Build(Action<Utf8JsonWriter> write)
            {
                buffer.ResetWrittenCount();
                writer.Reset(buffer);
                write(writer);
                writer.Flush();
                return buffer.WrittenSpan.ToArray();
            }

            /// <summary>The model output of a (row, trial) as a JSON string; the same for every run, so built once and shared.</summary>
            private byte[] OutputJson(int rowIndex, int trial)
            {
                var index = (long)rowIndex * spec.Trials + trial;
                if (outputs[index] is { } cached) return cached;
                var prefix = $"Answer {rowIndex} about {Topics[rowIndex % Topics.Length]} (trial {trial}). ";
                var missing = spec.OutputBytes - Encoding.UTF8.GetByteCount(prefix);
                var text = missing <= 0 ? prefix : prefix + Filler.Substring(0, Math.Min(missing, Filler.Length));
                return outputs[index] = Encoding.UTF8.GetBytes(PyJson.Quote(text));
            }

            /// <summary>One value per scorer kind, in spec order. Values repeat a lot, so their JSON bytes are shared.</summary>
            private List<Score> NextScores()
            {
                var scores = new List<Score>(spec.Scorers.Count);
                foreach (var kind in spec.Scorers)
                {
                    switch (kind)
                    {
                        case "bool":
                            var passed = random.NextDouble() < 0.7;
                            scores.Add(new Score(kind, passed ? TrueJson : FalseJson, passed, 0));
                            break;
                        case "float":
                            var thousandths = random.Next(0, 1001);
                            scores.Add(new Score(kind, FloatJson[thousandths], false, thousandths / 1000.0));
                            break;
                        case "nested":
                            var correct = random.NextDouble() < 0.6;
                            var hundredths = random.Next(0, 101);
                            scores.Add(new Score(kind, NestedJson[correct ? 1 : 0, hundredths], correct, hundredths / 100.0));
                            break;
                        default:
                            scores.Add(new Score(kind, ToneJson[random.Next(ToneJson.Length)], false, 0));
                            break;
                    }
                }
                return scores;
            }

            private static void WriteScores(Utf8JsonWriter w, List<Score> scores)
            {
                w.WriteStartObject();
                foreach (var score in scores)
                {
                    w.WritePropertyName(ScorerName(score.Kind));
                    w.WriteRawValue(score.Json, skipInputValidation: true);
                }
                w.WriteEndObject();
            }

            private byte[] Usage(string llmName, int prompt, int completion) => Build(w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("usage");
                w.WriteStartObject(llmName);
                w.WriteNumber("requests", 1);
                w.WriteNumber("prompt_tokens", prompt);
                w.WriteNumber("completion_tokens", completion);
                w.WriteNumber("total_tokens", prompt + completion);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            });

            /// <summary>Score keys as the SDK writes them: function scorers by function name, class scorers by class name.</summary>
            private static string ScorerName(string kind) => kind switch
            {
                "bool" => "exact_match",
                "float" => "similarity",
                "nested" => "AnswerJudge",
                _ => "ToneClassifier",
            };

            private static JsonObject SdkClientAttributes(bool withScoreMarker)
            {
                var attributes = new JsonObject
                {
                    ["weave"] = new JsonObject
                    {
                        ["client_version"] = "0.53.2",
                        ["source"] = "python-sdk",
                        ["sys_version"] = "3.12.11 (main, Jun 10 2026, 09:12:44) [GCC 12.2.0]",
                        ["os_name"] = "Linux",
                        ["os_version"] = "#27-Ubuntu SMP PREEMPT_DYNAMIC Tue Jun 16 10:11:52 UTC 2026",
                        ["os_release"] = "6.14.0-1011-aws",
                    },
                };
                if (withScoreMarker) attributes["_weave_eval_meta"] = new JsonObject { ["score"] = true };
                return attributes;
            }

            private static byte[,][] BuildNestedJson()
            {
                var values = new byte[2, 101][];
                for (var correct = 0; correct < 2; correct++)
                {
                    for (var hundredths = 0; hundredths <= 100; hundredths++)
                    {
                        values[correct, hundredths] = Encoding.UTF8.GetBytes($"{{\"correct\":{(correct == 1 ? "true" : "false")},\"score\":{PyJson.FormatFloat(hundredths / 100.0)}}}");
                    }
                }
                return values;
            }

            private sealed record ModelSpec(string Name, string LlmName);

            /// <summary>A dataset row with its stored JSON and its digest text built directly (JsonNode is too slow for millions of rows).</summary>
            private sealed class GeneratedRow
            {
                public GeneratedRow(string id, string question, string expected)
                {
                    Question = question;
                    Expected = expected;
                    Json = Encoding.UTF8.GetBytes($"{{\"id\":{PyJson.Quote(id)},\"question\":{PyJson.Quote(question)},\"expected\":{PyJson.Quote(expected)}}}");
                    Digest = WeaveDigest.OfText($"{{\"expected\": {PyJson.QuoteAscii(expected)}, \"id\": {PyJson.QuoteAscii(id)}, \"question\": {PyJson.QuoteAscii(question)}}}");
                }

                public string Question { get; }
                public string Expected { get; }
                public byte[] Json { get; }
                public string Digest { get; }
            }

            /// <summary>A generated score: its JSON, and the bool/number it stands for (nested scores carry both).</summary>
            private sealed record Score(string Kind, byte[] Json, bool Passed, double Number);

            /// <summary>The SDK's summarize output: true_count/true_fraction for booleans, mean for numbers.</summary>
            private sealed class ScoreStats
            {
                private readonly Dictionary<string, (long True, long Known, double Sum, long Count)> byPath = new();
                private readonly List<string> order = new();

                public ScoreStats(IEnumerable<string> kinds)
                {
                    foreach (var kind in kinds)
                    {
                        if (kind == "nested") { Track("AnswerJudge.correct"); Track("AnswerJudge.score"); }
                        else if (kind != "text") Track(ScorerName(kind));
                    }
                }

                private void Track(string path)
                {
                    byPath[path] = default;
                    order.Add(path);
                }

                public void Add(List<Score> scores)
                {
                    foreach (var score in scores)
                    {
                        switch (score.Kind)
                        {
                            case "bool": CountBool(ScorerName("bool"), score.Passed); break;
                            case "float": CountNumber(ScorerName("float"), score.Number); break;
                            case "nested": CountBool("AnswerJudge.correct", score.Passed); CountNumber("AnswerJudge.score", score.Number); break;
                        }
                    }
                }

                private void CountBool(string path, bool value)
                {
                    var current = byPath[path];
                    byPath[path] = (current.True + (value ? 1 : 0), current.Known + 1, current.Sum, current.Count);
                }

                private void CountNumber(string path, double value)
                {
                    var current = byPath[path];
                    byPath[path] = (current.True, current.Known, current.Sum + value, current.Count + 1);
                }

                public void WriteSummarize(Utf8JsonWriter w)
                {
                    w.WriteStartObject();
                    string? openParent = null;
                    foreach (var path in order)
                    {
                        var dot = path.IndexOf('.');
                        var parent = dot < 0 ? null : path.Substring(0, dot);
                        if (openParent is not null && parent != openParent) { w.WriteEndObject(); openParent = null; }
                        if (parent is not null && openParent is null) { w.WriteStartObject(parent); openParent = parent; }
                        var (trueCount, known, sum, count) = byPath[path];
                        w.WriteStartObject(dot < 0 ? path : path.Substring(dot + 1));
                        if (known > 0)
                        {
                            w.WriteNumber("true_count", trueCount);
                            PyJson.WriteFloat(w, "true_fraction", (double)trueCount / known);
                        }
                        else PyJson.WriteFloat(w, "mean", count == 0 ? 0 : sum / count);
                        w.WriteEndObject();
                    }
                    if (openParent is not null) w.WriteEndObject();
                    w.WriteEndObject();
                }
            }
        }
    }
}
