using System;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;
using static WeaveEval.Emulator.Seeding.SupportBotCalls;
using static WeaveEval.Emulator.Seeding.SupportBotScenario;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>
    /// Runs A (completed, GPT-4o, 2 trials per row) and B (running, Claude, q1 and q2 done) as the Python
    /// SDK writes them: root <c>Evaluation.evaluate</c> → <c>Evaluation.predict_and_score</c> → the model's
    /// <c>predict</c> call and one call per scorer (<c>exact_match</c>, <c>similarity</c>, <c>LLMJudge.score</c>).
    /// </summary>
    internal static class SupportBotSdkRuns
    {
        private const string RunATrace = "019f4c56-e6b4-7b51-a0c3-5e2f9d41c7a8";
        private const string RunBTrace = "019f4c9d-48f6-7e20-9b7d-0c4a6f13e2d5";
        private const string Gpt4o = "gpt-4o-2024-08-06";
        private const string Claude = "claude-3-5-sonnet-20241022";
        private const string JudgeLlm = "gpt-4o-mini-2024-07-18";

        /// <summary>One predict_and_score call and its children; scorer ids are exact_match, similarity, LLMJudge.</summary>
        private sealed record Trial(
            string PasId, string PredictId, int Row, string Answer,
            bool ExactMatch, double Similarity, bool Correct, double JudgeScore,
            int LatencyMs, int PromptTokens, int CompletionTokens, double PasModelLatency,
            string ExactMatchId, string SimilarityId, string JudgeId);

        // Processing order of the SDK: trial 0 of q1, q2, q3, then trial 1 of each.
        private static readonly Trial[] RunATrials =
        {
            new("019f4c56-ea9c-7d4b-94a0-9ee2dc5c9331", "019f4c56-ea9f-7afc-94da-3bdd19614774", 0,
                "Click 'Forgot password' on the login page and follow the emailed link.", true, 0.93, true, 0.9, 1284, 287, 125, 2.871,
                "019f4c56-f078-75ab-84b3-efaea5129ba2", "019f4c56-f082-7145-bdec-a3b08e38af53", "019f4c56-f08c-78ce-9066-441036e9f191"),
            new("019f4c56-f398-75e2-aaa4-752443233fbe", "019f4c56-f39b-7595-a65c-38ffff23827e", 1,
                "Yes, you can switch currency under Billing settings.", false, 0.41, false, 0.2, 1502, 287, 168, 2.842,
                "019f4c56-f974-7028-8aae-6c9810626198", "019f4c56-f97e-7cf1-82ae-b81daee289c0", "019f4c56-f988-7f28-b400-f4b8e0b843f8"),
            new("019f4c56-fc94-7ea0-8cd7-a3819b32275f", "019f4c56-fc97-77eb-8099-527d041ced5c", 2,
                "The API allows 60 requests per minute.", false, 0.62, true, 0.7, 861, 287, 90, 2.102,
                "019f4c57-0270-7e3d-a091-f21415bb7cd0", "019f4c57-027a-70a8-b9f2-8c2a4387df9b", "019f4c57-0284-7ab0-b3b6-4f66feaba65f"),
            new("019f4c57-0590-7910-9605-968d3a963801", "019f4c57-0593-7708-9c54-12833c47ab7c", 0,
                "Use the 'Forgot password' link on the login page.", true, 0.88, true, 0.8, 973, 287, 111, 2.254,
                "019f4c57-0b6c-7293-b93e-c879ce683018", "019f4c57-0b76-77dd-ba0d-aca7fba5190f", "019f4c57-0b80-7f31-b089-72236c2e4776"),
            new("019f4c57-0e8c-7cdb-8c19-0ca6ff8ad603", "019f4c57-0e8f-7a68-bc7b-36dd66e70f2a", 1,
                "Billing currency can be changed by contacting support.", false, 0.47, true, 0.6, 1117, 287, 144, 2.127,
                "019f4c57-1468-78c8-b449-6cb2f5bbfec8", "019f4c57-1472-7b37-b70e-94bc8a0fbf50", "019f4c57-147c-7a87-a80e-f58214d92f11"),
            new("019f4c57-1788-7ef1-a391-3f94980a9e14", "019f4c57-178b-7f42-b4ab-b7503d436521", 2,
                "100 requests per minute per API key.", true, 1.0, true, 1.0, 902, 287, 75, 2.313,
                "019f4c57-1d64-70ef-9202-759fff90ff19", "019f4c57-1d6e-7e59-a111-e13e5e482870", "019f4c57-1d78-7cce-a787-02aad18d4cee"),
        };

        private static readonly Trial[] RunBTrials =
        {
            new("019f4c9d-4cdf-7de3-9bbe-8d2745489a35", "019f4c9d-4ce1-7381-bd40-e7e8d80d17a2", 0,
                "Use the 'Forgot password' link on the login page.", true, 0.95, true, 0.9, 2031, 301, 87, 2.412,
                "019f4c9d-54af-7521-a3fa-4329bd718db4", "019f4c9d-54b9-72b0-a726-8b09d55e958d", "019f4c9d-54c3-76ee-8bf8-dc0ae65b35ae"),
            new("019f4c9d-5d10-7a4e-9c21-4e7b0f3a9d61", "019f4c9d-5d12-7c08-8f3e-1a6d2b9c4e70", 1,
                "No, billing currency is fixed per account.", true, 0.9, true, 0.85, 1874, 305, 97, 2.305,
                "019f4c9d-6470-7b15-a0d2-3c9e8f1b7a42", "019f4c9d-647a-7d63-b4e1-6f2a9c0d8e53", "019f4c9d-6484-72f9-8c57-0b3e4d6a1f84"),
        };

        public static void Seed(EmulatorStore store)
        {
            var clientA = ClientInfo("3.12.11 (main, Jun 10 2026, 09:12:44) [GCC 12.2.0]", "Linux",
                "#27-Ubuntu SMP PREEMPT_DYNAMIC Tue Jun 16 10:11:52 UTC 2026", "6.14.0-1011-aws");
            var clientB = ClientInfo("3.11.9 (main, Apr  2 2026, 08:25:04) [Clang 16.0.0 (clang-1600.0.26.6)]", "Darwin",
                "Darwin Kernel Version 25.1.0: Mon May 18 21:33:50 PDT 2026; root:xnu-12377.41.6~2/RELEASE_ARM64_T6041", "25.1.0");

            store.AddCall(Call(RunA, SdkEvaluateOp, RunATrace, null,
                Utc("2026-07-10T14:03:11.412Z"), Utc("2026-07-10T14:03:29.646Z"),
                new JsonObject { ["weave"] = clientA.DeepClone() },
                RootInputs(Gpt4oModelRef),
                RunASummarizeOutput(),
                new JsonObject
                {
                    ["usage"] = new JsonObject
                    {
                        [Gpt4o] = new JsonObject { ["requests"] = 6, ["prompt_tokens"] = 1722, ["completion_tokens"] = 713, ["total_tokens"] = 2435 },
                        [JudgeLlm] = new JsonObject { ["requests"] = 6, ["prompt_tokens"] = 2310, ["completion_tokens"] = 96, ["total_tokens"] = 2406 },
                    },
                    ["status_counts"] = new JsonObject { ["success"] = 44, ["error"] = 0 },
                },
                UserId, "eval-2026-07-10-brave-otter"));
            foreach (var trial in RunATrials) AddTrial(store, RunA, RunATrace, Gpt4oModelRef, Gpt4o, clientA, trial);

            const string summarizeId = "019f4c57-20dc-7a51-9c3e-5b8d2f6a7c19";
            store.AddCall(Call(summarizeId, OpRef("Evaluation.summarize"), RunATrace, RunA,
                TimeOf(summarizeId), TimeOf(summarizeId).AddMilliseconds(12),
                new JsonObject { ["weave"] = clientA.DeepClone() },
                new JsonObject { ["self"] = EvaluationRef },
                RunASummarizeOutput(), new JsonObject(), UserId));

            store.AddCall(Call(RunB, SdkEvaluateOp, RunBTrace, null,
                Utc("2026-07-10T15:20:04.087Z"), null,
                new JsonObject { ["weave"] = clientB.DeepClone() },
                RootInputs(ClaudeModelRef),
                null, null, UserId, "eval-2026-07-10-calm-falcon"));
            foreach (var trial in RunBTrials) AddTrial(store, RunB, RunBTrace, ClaudeModelRef, Claude, clientB, trial);
        }

        private static void AddTrial(EmulatorStore store, string runId, string traceId, string modelRef, string llm, JsonObject client, Trial t)
        {
            var row = DatasetRows[t.Row];
            var question = (string)row["question"]!;
            var expected = (string)row["expected"]!;
            var judgeEnd = TimeOf(t.JudgeId).AddMilliseconds(812);
            const int judgePrompt = 385, judgeCompletion = 16;

            var pasSummary = Usage(llm, t.PromptTokens, t.CompletionTokens);
            pasSummary["usage"]!.AsObject()[JudgeLlm] = Usage(JudgeLlm, judgePrompt, judgeCompletion)["usage"]![JudgeLlm]!.DeepClone();

            store.AddCall(Call(t.PasId, OpRef("Evaluation.predict_and_score"), traceId, runId,
                TimeOf(t.PasId), judgeEnd.AddMilliseconds(3),
                new JsonObject { ["weave"] = client.DeepClone() },
                new JsonObject { ["self"] = EvaluationRef, ["model"] = modelRef, ["example"] = RowRef(t.Row) },
                new JsonObject
                {
                    ["output"] = t.Answer,
                    ["scores"] = new JsonObject
                    {
                        ["exact_match"] = t.ExactMatch,
                        ["similarity"] = t.Similarity,
                        ["LLMJudge"] = new JsonObject { ["correct"] = t.Correct, ["score"] = t.JudgeScore },
                    },
                    ["model_latency"] = t.PasModelLatency,
                },
                pasSummary, UserId));

            store.AddCall(Call(t.PredictId, OpRef(Refs.ShortName(modelRef) + ".predict"), traceId, t.PasId,
                TimeOf(t.PredictId), TimeOf(t.PredictId).AddMilliseconds(t.LatencyMs),
                new JsonObject { ["weave"] = client.DeepClone() },
                new JsonObject { ["self"] = modelRef, ["question"] = question },
                t.Answer, Usage(llm, t.PromptTokens, t.CompletionTokens), UserId));

            AddScorer(store, t.ExactMatchId, OpRef("exact_match"), traceId, t.PasId, client, 1,
                new JsonObject { ["expected"] = expected, ["output"] = t.Answer }, t.ExactMatch, new JsonObject());
            AddScorer(store, t.SimilarityId, OpRef("similarity"), traceId, t.PasId, client, 2,
                new JsonObject { ["expected"] = expected, ["output"] = t.Answer }, t.Similarity, new JsonObject());
            AddScorer(store, t.JudgeId, LlmJudgeScoreOp, traceId, t.PasId, client, 812,
                new JsonObject { ["self"] = LlmJudgeRef, ["question"] = question, ["expected"] = expected, ["output"] = t.Answer },
                new JsonObject { ["correct"] = t.Correct, ["score"] = t.JudgeScore },
                Usage(JudgeLlm, judgePrompt, judgeCompletion));
        }

        private static void AddScorer(EmulatorStore store, string id, string op, string traceId, string pasId, JsonObject client,
            int durationMs, JsonObject inputs, JsonNode? output, JsonObject summary) =>
            store.AddCall(Call(id, op, traceId, pasId, TimeOf(id), TimeOf(id).AddMilliseconds(durationMs),
                new JsonObject { ["weave"] = client.DeepClone(), ["_weave_eval_meta"] = new JsonObject { ["score"] = true } },
                inputs, output, summary, UserId));

        private static JsonObject RootInputs(string modelRef) => new() { ["self"] = EvaluationRef, ["model"] = modelRef };

        private static JsonObject ClientInfo(string sysVersion, string osName, string osVersion, string osRelease) => new()
        {
            ["client_version"] = "0.53.2",
            ["source"] = "python-sdk",
            ["sys_version"] = sysVersion,
            ["os_name"] = osName,
            ["os_version"] = osVersion,
            ["os_release"] = osRelease,
        };

        /// <summary>The output of run A: the SDK's summarize result.</summary>
        private static JsonObject RunASummarizeOutput() => new()
        {
            ["exact_match"] = new JsonObject { ["true_count"] = 3, ["true_fraction"] = 0.5 },
            ["similarity"] = new JsonObject { ["mean"] = 0.7183333333333333 },
            ["LLMJudge"] = new JsonObject
            {
                ["correct"] = new JsonObject { ["true_count"] = 5, ["true_fraction"] = 0.8333333333333334 },
                ["score"] = new JsonObject { ["mean"] = 0.7000000000000001 },
            },
            ["model_latency"] = new JsonObject { ["mean"] = 2.4181666666666666 },
        };
    }
}
