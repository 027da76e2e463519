using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>
    /// <c>acme-ai/helpdesk-bot</c>, the README demo: a 12-question multilingual dataset (accents, CJK,
    /// emoji, right-to-left), two Model objects and one op-function model, and seven runs covering
    /// every case a client meets — SDK runs (completed, with failed predictions, running, failed), a
    /// v2-API run with inline examples and a rescoring run — scored by bool, float, nested, text and
    /// sometimes-missing scorers. Everything derives from fixed times and one seed, so it never changes.
    /// </summary>
    public static class HelpdeskScenario
    {
        public const string ProjectId = "acme-ai/helpdesk-bot";
        public const string UserId = "VXNlcjo3NzAwMQ==";

        private const string JudgeModel = "gpt-4o-mini-2024-07-18";
        private static readonly DateTime Day = new(2026, 7, 14, 8, 0, 0, DateTimeKind.Utc);
        private static readonly string[] Tones = { "friendly", "neutral", "curt" };

        private static readonly (string Id, string Question, string Expected)[] Questions =
        {
            ("hd-01", "How do I reset my password?", "Use the 'Forgot password' link on the sign-in page."),
            ("hd-02", "¿Cómo cambio el idioma de la interfaz?", "Ve a Configuración › Idioma y elige uno."),
            ("hd-03", "Où puis-je télécharger mes factures ?", "Dans Facturation › Factures, au format PDF."),
            ("hd-04", "如何导出我的数据？", "在 设置 → 数据 中点击“导出”。"),
            ("hd-05", "データを削除するにはどうすればいいですか？", "設定 → プライバシー から削除を依頼してください。"),
            ("hd-06", "Can I pay with PayPal? 💳", "Yes — PayPal and all major cards are accepted 👍"),
            ("hd-07", "كيف أغير كلمة المرور؟", "من الإعدادات ← الأمان ← تغيير كلمة المرور."),
            ("hd-08", "מה שעות התמיכה?", "א׳–ה׳, 9:00–18:00 (שעון ישראל)."),
            ("hd-09", "Does the API support webhooks?", "Yes, configure them under Developer › Webhooks."),
            ("hd-10", "What's the rate limit for the REST API?", "600 requests per minute per key."),
            ("hd-11", "Wie kündige ich mein Abo?", "Unter Konto › Abonnement › Kündigen."),
            ("hd-12", "Is there a mobile app? 📱🤖", "Yes, for iOS and Android."),
        };

        public static void Seed(EmulatorStore store)
        {
            new Builder(store).Seed();
        }

        private sealed class Builder
        {
            private readonly ProjectWriter project;
            private readonly Random random = new(20260714);
            private readonly JsonObject clientInfo = new()
            {
                ["client_version"] = "0.53.4",
                ["source"] = "python-sdk",
                ["sys_version"] = "3.12.11 (main, Jun 10 2026, 09:12:44) [GCC 12.2.0]",
                ["os_name"] = "Linux",
                ["os_version"] = "#27-Ubuntu SMP PREEMPT_DYNAMIC Tue Jun 16 10:11:52 UTC 2026",
                ["os_release"] = "6.14.0-1011-aws",
            };

            private IReadOnlyList<JsonObject> rows = Array.Empty<JsonObject>();
            private IReadOnlyList<string> rowRefs = Array.Empty<string>();
            private string evaluationRef = "";
            private string judgeRef = "";
            private string toneRef = "";
            private readonly Dictionary<string, string> scorerObjects = new();

            public Builder(EmulatorStore store)
            {
                project = new ProjectWriter(store, ProjectId, seed: 7714);
            }

            public void Seed()
            {
                var created = Day.AddDays(-1).AddMilliseconds(250);
                rows = Questions.Select(q => new JsonObject { ["id"] = q.Id, ["question"] = q.Question, ["expected"] = q.Expected }).ToList();
                var (dataset, refs) = project.AddDataset("helpdesk-qa", rows, created);
                rowRefs = refs;

                var gpt = AddModel("HelpdeskGPT", "gpt-4o-2024-08-06", created.AddMinutes(5));
                var claude = AddModel("HelpdeskClaude", "claude-3-5-sonnet-20241022", created.AddMinutes(6));
                var baseline = new Model("faq_baseline", project.OpRef("faq_baseline"), null, 0.3);
                judgeRef = AddScorer("AnswerJudge", "LLM judge returning {correct, score}", project.OpRef("AnswerJudge.score"), created.AddMinutes(7));
                toneRef = AddScorer("ToneClassifier", "Labels the tone of an answer", project.OpRef("ToneClassifier.score"), created.AddMinutes(8));
                scorerObjects["keyword_match"] = AddScorer("keyword_match", "True when the answer contains the expected keywords", project.OpRef("keyword_match_score"), created.AddMinutes(9));
                scorerObjects["helpfulness"] = AddScorer("helpfulness", "0–1 helpfulness rating", project.OpRef("helpfulness_score"), created.AddMinutes(10));
                evaluationRef = project.AddObject("helpdesk-qa-eval", new JsonObject
                {
                    ["_type"] = "Evaluation",
                    ["name"] = "helpdesk-qa-eval",
                    ["description"] = "Multilingual helpdesk answers",
                    ["dataset"] = dataset.Ref,
                    ["scorers"] = new JsonArray(project.OpRef("exact_match"), project.OpRef("similarity"), judgeRef, toneRef, project.OpRef("citation_score")),
                    ["trials"] = 3,
                    ["_class_name"] = "Evaluation",
                    ["_bases"] = new JsonArray("Object", "BaseModel"),
                }, created.AddMinutes(11), "Evaluation").Ref;

                var completed = SdkRun(gpt, Day, "eval-2026-07-14-swift-heron", trials: 3, rowsDone: 12);
                SdkRun(claude, Day.AddHours(1), "eval-2026-07-14-quiet-lynx", trials: 2, rowsDone: 12, failingPredictions: new[] { 3, 8 });
                SdkRun(baseline, Day.AddHours(2), "eval-2026-07-14-plain-mole", trials: 2, rowsDone: 12);
                SdkRun(claude, Day.AddHours(5), "eval-2026-07-14-eager-wren", trials: 2, rowsDone: 5, running: true);
                SdkRun(gpt, Day.AddHours(3), "eval-2026-07-14-lost-ibis", trials: 3, rowsDone: 4, exception: "RuntimeError: evaluation aborted: upstream model returned 503 too many times");
                ApiRun(gpt, Day.AddHours(4), trials: 2);
                RescoringRun(gpt, Day.AddHours(6), completed);
            }

            private Model AddModel(string name, string llm, DateTime created)
            {
                var version = project.AddObject(name, new JsonObject
                {
                    ["_type"] = name,
                    ["name"] = name,
                    ["description"] = $"{name} answering with {llm}",
                    ["model_name"] = llm,
                    ["system_prompt"] = "You are a friendly helpdesk agent. Answer in the user's language.",
                    ["predict"] = project.OpRef($"{name}.predict"),
                    ["_class_name"] = name,
                    ["_bases"] = new JsonArray("Model", "Object", "BaseModel"),
                }, created, "Model");
                return new Model(name, version.Ref, llm, name == "HelpdeskGPT" ? 0.65 : 0.55);
            }

            private string AddScorer(string name, string description, string scoreOp, DateTime created) =>
                project.AddObject(name, new JsonObject
                {
                    ["_type"] = name,
                    ["name"] = name,
                    ["description"] = description,
                    ["score"] = scoreOp,
                    ["_class_name"] = name,
                    ["_bases"] = new JsonArray("Scorer", "Object", "BaseModel"),
                }, created, "Scorer").Ref;

            private JsonObject Attributes(bool scorer = false)
            {
                var attributes = new JsonObject { ["weave"] = clientInfo.DeepClone() };
                if (scorer) attributes["_weave_eval_meta"] = new JsonObject { ["score"] = true };
                return attributes;
            }

            /// <summary>An answer of the model's quality: the expected text, a paraphrase, or a wrong answer.</summary>
            private (string Text, double Similarity) Answer(Model model, int rowIndex)
            {
                var expected = Questions[rowIndex].Expected;
                var roll = random.NextDouble();
                if (roll < model.Accuracy) return (expected, 1.0);
                if (roll < model.Accuracy + 0.25) return (expected + " Anything else I can help with? 🙂", Math.Round(0.7 + random.NextDouble() * 0.25, 2));
                return ("Please contact support@acme.example — I could not find that.", Math.Round(0.1 + random.NextDouble() * 0.3, 2));
            }

            private CallRecord SdkRun(Model model, DateTime start, string displayName, int trials, int rowsDone,
                int[]? failingPredictions = null, bool running = false, string? exception = null)
            {
                var traceId = project.Ids.Next(start);
                var rootId = project.Ids.Next(start);
                var pasOp = project.OpRef("Evaluation.predict_and_score");
                var usage = new Dictionary<string, (int Requests, int Prompt, int Completion)>();
                int successes = 0, errors = 0;
                var summarize = new Summarizer();
                var latencies = new List<double>();
                var root = new CallRecord
                {
                    Id = rootId, ProjectId = ProjectId, OpName = project.OpRef("Evaluation.evaluate", "0.53.4"), TraceId = traceId, StartedAt = start,
                    DisplayName = displayName, WbUserId = UserId,
                    Attributes = Json.Bytes(Attributes()),
                    Inputs = Json.Bytes(new JsonObject { ["self"] = evaluationRef, ["model"] = model.Ref }),
                };
                var clock = start.AddMilliseconds(120);
                for (var trial = 0; trial < trials; trial++)
                {
                    for (var rowIndex = 0; rowIndex < rowsDone; rowIndex++)
                    {
                        var pasStart = clock;
                        clock = clock.AddMilliseconds(random.Next(900, 2600));
                        var unfinished = running && rowIndex == rowsDone - 1 && trial == trials - 1;
                        var predictFails = failingPredictions?.Contains(rowIndex) == true && trial == 0;
                        var (text, similarity) = Answer(model, rowIndex);
                        var latencyMs = random.Next(300, 2500);
                        var prompt = random.Next(120, 400);
                        var completion = predictFails ? 0 : random.Next(15, 120);
                        var judgePrompt = random.Next(200, 320);
                        var predictStart = pasStart.AddMilliseconds(3);
                        var predictEnd = predictStart.AddMilliseconds(latencyMs);
                        var pasEnd = predictEnd.AddMilliseconds(random.Next(200, 600));

                        var pas = project.AddCall(pasOp, pasStart, unfinished ? null : pasEnd, Attributes(),
                            new JsonObject { ["self"] = evaluationRef, ["model"] = model.Ref, ["example"] = rowRefs[rowIndex] }, null, null,
                            parent: root, wbUserId: UserId);

                        var predictUsage = model.Llm is null || predictFails ? null : Usage(model.Llm, prompt, completion);
                        project.AddCall(model.Llm is null ? model.Ref : project.OpRef($"{model.Name}.predict"), predictStart, unfinished ? null : predictEnd,
                            Attributes(),
                            model.Llm is null ? new JsonObject { ["question"] = Questions[rowIndex].Question } : new JsonObject { ["self"] = model.Ref, ["question"] = Questions[rowIndex].Question },
                            predictFails ? null : JsonValue.Create(text), predictUsage is null ? null : new JsonObject { ["usage"] = predictUsage.DeepClone() },
                            parent: pas, wbUserId: UserId,
                            exception: predictFails ? "RateLimitError: Error code: 429 - Rate limit reached for requests" : null);
                        if (unfinished) continue;

                        var output = predictFails ? null : text;
                        var scores = Score(rowIndex, output, similarity);
                        var scorerStart = predictEnd.AddMilliseconds(5);
                        foreach (var (name, value) in scores)
                        {
                            var judge = name == "AnswerJudge";
                            project.AddCall(ScorerOp(name), scorerStart, scorerStart.AddMilliseconds(judge ? 180 : 2), Attributes(scorer: true),
                                ScorerInputs(name, output, rowIndex), value?.DeepClone(),
                                judge ? new JsonObject { ["usage"] = Usage(JudgeModel, judgePrompt, 12) } : null,
                                parent: pas, wbUserId: UserId);
                        }
                        var pasUsage = new JsonObject { [JudgeModel] = Usage(JudgeModel, judgePrompt, 12) };
                        if (predictUsage is not null) pasUsage = new JsonObject { [model.Llm!] = predictUsage.DeepClone(), [JudgeModel] = Usage(JudgeModel, judgePrompt, 12) };
                        pas.Output = Json.Bytes(new JsonObject
                        {
                            ["output"] = output,
                            ["scores"] = scores,
                            ["model_latency"] = latencyMs / 1000.0,
                        });
                        pas.Summary = Json.Bytes(new JsonObject { ["usage"] = pasUsage });

                        if (model.Llm is not null && !predictFails) Count(usage, model.Llm, prompt, completion);
                        Count(usage, JudgeModel, judgePrompt, 12);
                        successes += 1 + scores.Count + (predictFails ? 0 : 1);
                        if (predictFails) errors++;
                        summarize.Add(scores);
                        latencies.Add(latencyMs / 1000.0);
                    }
                }

                if (!running)
                {
                    root.EndedAt = clock.AddMilliseconds(350);
                    root.Exception = exception;
                    if (exception is null)
                    {
                        var output = summarize.ToJson();
                        output["model_latency"] = new JsonObject { ["mean"] = latencies.Average() };
                        root.Output = Json.Bytes(output);
                    }
                    var usageJson = new JsonObject();
                    foreach (var (llm, counts) in usage) usageJson[llm] = Usage(llm, counts.Prompt, counts.Completion, counts.Requests);
                    root.Summary = Json.Bytes(new JsonObject
                    {
                        ["usage"] = usageJson,
                        ["status_counts"] = new JsonObject { ["success"] = successes, ["error"] = errors + (exception is null ? 0 : 1) },
                    });
                }
                project.Store.AddCall(root);
                return root;
            }

            /// <summary>The five SDK scorers: bool, float, nested dict, text label, and a float that is null for some rows and missing for others.</summary>
            private JsonObject Score(int rowIndex, string? output, double similarity)
            {
                var exact = output == Questions[rowIndex].Expected;
                var scores = new JsonObject
                {
                    ["exact_match"] = exact,
                    ["similarity"] = output is null ? 0.0 : similarity,
                    ["AnswerJudge"] = new JsonObject { ["correct"] = similarity >= 0.7 && output is not null, ["score"] = output is null ? 0.0 : Math.Round(similarity * 0.9 + random.NextDouble() * 0.1, 1) },
                    ["ToneClassifier"] = Tones[random.Next(Tones.Length)],
                };
                if (rowIndex % 4 == 1) scores["citation_score"] = null;
                else if (rowIndex % 4 != 3) scores["citation_score"] = Math.Round(random.NextDouble(), 2);
                return scores;
            }

            private string ScorerOp(string name) => name switch
            {
                "AnswerJudge" or "ToneClassifier" => project.OpRef($"{name}.score"),
                _ => project.OpRef(name),
            };

            private JsonObject ScorerInputs(string name, string? output, int rowIndex)
            {
                var inputs = new JsonObject();
                if (name == "AnswerJudge") inputs["self"] = judgeRef;
                if (name == "ToneClassifier") inputs["self"] = toneRef;
                inputs["output"] = output;
                inputs["expected"] = Questions[rowIndex].Expected;
                return inputs;
            }

            private void ApiRun(Model model, DateTime start, int trials)
            {
                var run = project.AddCall(project.OpRef("Evaluation.evaluate", "v2"), start, null,
                    new JsonObject { ["weave"] = new JsonObject { ["evaluation_run"] = "true", ["evaluation"] = evaluationRef, ["model"] = model.Ref } },
                    new JsonObject { ["self"] = evaluationRef, ["model"] = model.Ref }, null, null);
                var hits = 0;
                var count = 0;
                var clock = start.AddSeconds(2);
                for (var trial = 0; trial < trials; trial++)
                {
                    for (var rowIndex = 0; rowIndex < rows.Count; rowIndex++)
                    {
                        var (text, similarity) = Answer(model, rowIndex);
                        var scores = new JsonObject
                        {
                            ["keyword_match"] = similarity >= 0.7,
                            ["helpfulness"] = Math.Round(similarity * 0.8 + random.NextDouble() * 0.2, 2),
                        };
                        AddPrediction(run, model, rowIndex, text, scores, clock, includePrediction: true);
                        clock = clock.AddMilliseconds(random.Next(700, 1500));
                        hits += similarity >= 0.7 ? 1 : 0;
                        count++;
                    }
                }
                run.EndedAt = clock.AddMilliseconds(400);
                run.Output = Json.Bytes(new JsonObject());
                run.Summary = Json.Bytes(new JsonObject { ["keyword_match_rate"] = (double)hits / count });
            }

            /// <summary>Server-side rescoring of an SDK run with the v2 <c>helpfulness</c> scorer: new predict_and_score calls over the same rows, no new predictions.</summary>
            private void RescoringRun(Model model, DateTime start, CallRecord source)
            {
                var run = project.AddCall(project.OpRef("Evaluation.evaluate", "v2"), start, null,
                    new JsonObject { ["weave"] = new JsonObject { ["evaluation_run"] = "true", ["evaluation"] = evaluationRef, ["model"] = model.Ref, ["source_evaluation_run_id"] = source.Id } },
                    new JsonObject { ["self"] = evaluationRef, ["model"] = model.Ref }, null, null);
                var clock = start.AddSeconds(1);
                foreach (var sourceTrial in project.Store.Children(ProjectId, source.Id).Take(rows.Count))
                {
                    var rowIndex = rowRefs.ToList().IndexOf(StoredText(sourceTrial.Inputs, "example"));
                    var text = StoredText(sourceTrial.Output, "output");
                    var scores = new JsonObject { ["helpfulness"] = Math.Round(0.5 + random.NextDouble() * 0.5, 2) };
                    AddPrediction(run, model, rowIndex, text, scores, clock, includePrediction: false, example: rowRefs[rowIndex]);
                    clock = clock.AddMilliseconds(random.Next(200, 500));
                }
                run.EndedAt = clock.AddMilliseconds(300);
                run.Output = Json.Bytes(new JsonObject());
                run.Summary = Json.Bytes(new JsonObject());
            }

            /// <summary>What the v2 write API stores for one prediction and its scores.</summary>
            private void AddPrediction(CallRecord run, Model model, int rowIndex, string text, JsonObject scores, DateTime at, bool includePrediction, string? example = null)
            {
                var inputs = new JsonObject { ["question"] = Questions[rowIndex].Question, ["expected"] = Questions[rowIndex].Expected };
                var predictionId = includePrediction ? project.Ids.Next(at.AddMilliseconds(1)) : null;
                var pasAttributes = new JsonObject();
                if (predictionId is not null) pasAttributes["weave"] = new JsonObject { ["predict_call_id"] = predictionId };
                var pas = project.AddCall(project.OpRef("Evaluation.predict_and_score"), at, null, pasAttributes,
                    new JsonObject { ["self"] = evaluationRef, ["model"] = model.Ref, ["example"] = example is null ? inputs.DeepClone() : JsonValue.Create(example) }, null, null, parent: run);
                if (predictionId is not null)
                {
                    project.AddCall(project.OpRef($"{model.Name}.predict"), at.AddMilliseconds(1), at.AddMilliseconds(2),
                        new JsonObject { ["weave"] = new JsonObject { ["prediction"] = "true", ["model"] = model.Ref, ["evaluation_run_id"] = run.Id } },
                        new JsonObject { ["self"] = model.Ref, ["inputs"] = inputs.DeepClone() }, text, null, parent: pas, wbUserId: UserId, id: predictionId);
                }
                var scoreAt = at.AddMilliseconds(3);
                foreach (var (name, value) in scores)
                {
                    var attributes = new JsonObject { ["score"] = "true" };
                    if (predictionId is not null) attributes["prediction_id"] = predictionId;
                    attributes["scorer"] = scorerObjects[name];
                    attributes["evaluation_run_id"] = run.Id;
                    project.AddCall(project.OpRef($"{name}.score"), scoreAt, scoreAt.AddMilliseconds(1), new JsonObject { ["weave"] = attributes },
                        new JsonObject { ["self"] = scorerObjects[name], ["inputs"] = inputs.DeepClone(), ["output"] = text }, value?.DeepClone(), null, parent: pas, wbUserId: UserId);
                }
                pas.EndedAt = scoreAt.AddMilliseconds(5);
                pas.Output = Json.Bytes(new JsonObject
                {
                    ["output"] = text,
                    ["scores"] = scores.DeepClone(),
                    ["model_latency"] = new JsonObject { ["mean"] = 0.001 },
                });
            }

            private static string StoredText(byte[]? json, string key) =>
                JsonNode.Parse(json ?? "{}"u8.ToArray())?[key]?.GetValue<string>() ?? "";

            private static JsonObject Usage(string llm, int prompt, int completion, int requests = 1) => new()
            {
                ["requests"] = requests,
                ["prompt_tokens"] = prompt,
                ["completion_tokens"] = completion,
                ["total_tokens"] = prompt + completion,
            };

            private static void Count(Dictionary<string, (int Requests, int Prompt, int Completion)> usage, string llm, int prompt, int completion)
            {
                usage.TryGetValue(llm, out var current);
                usage[llm] = (current.Requests + 1, current.Prompt + prompt, current.Completion + completion);
            }
        }

        /// <summary>A model under evaluation; <see cref="Llm"/> is null for the op-function model (no token usage).</summary>
        private sealed record Model(string Name, string Ref, string? Llm, double Accuracy);

        /// <summary>The SDK's summarize output: true_count/true_fraction for bools, mean for numbers, recursing into dicts; strings and nulls skipped.</summary>
        private sealed class Summarizer
        {
            private readonly JsonObject totals = new();

            public void Add(JsonObject scores) => Add(totals, scores);

            private static void Add(JsonObject target, JsonObject scores)
            {
                foreach (var (key, value) in scores)
                {
                    switch (value)
                    {
                        case JsonObject nested:
                            if (target[key] is not JsonObject child) target[key] = child = new JsonObject();
                            Add(child, nested);
                            break;
                        case JsonValue scalar when scalar.TryGetValue(out bool passed):
                            if (target[key] is not JsonObject bools) target[key] = bools = new JsonObject { ["true"] = 0, ["known"] = 0 };
                            bools["true"] = (int)bools["true"]! + (passed ? 1 : 0);
                            bools["known"] = (int)bools["known"]! + 1;
                            break;
                        case JsonValue scalar when scalar.TryGetValue(out double number):
                            if (target[key] is not JsonObject numbers) target[key] = numbers = new JsonObject { ["sum"] = 0.0, ["n"] = 0 };
                            numbers["sum"] = (double)numbers["sum"]! + number;
                            numbers["n"] = (int)numbers["n"]! + 1;
                            break;
                    }
                }
            }

            public JsonObject ToJson() => Finish(totals);

            private static JsonObject Finish(JsonObject accumulated)
            {
                var result = new JsonObject();
                foreach (var (key, value) in accumulated)
                {
                    var node = (JsonObject)value!;
                    if (node.ContainsKey("known")) result[key] = new JsonObject { ["true_count"] = (int)node["true"]!, ["true_fraction"] = (double)(int)node["true"]! / (int)node["known"]! };
                    else if (node.ContainsKey("n")) result[key] = new JsonObject { ["mean"] = (double)node["sum"]! / (int)node["n"]! };
                    else result[key] = Finish(node);
                }
                return result;
            }
        }
    }
}
