using System;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;
using static WeaveEval.Emulator.Seeding.SupportBotCalls;
using static WeaveEval.Emulator.Seeding.SupportBotScenario;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>
    /// Runs C (created through the v2 write API: inline examples, scorer object <c>keyword_match</c>) and D
    /// (server-side rescoring of A, no trials), stored the way the v2 write routes store predictions and scores.
    /// </summary>
    internal static class SupportBotApiRuns
    {
        private sealed record Prediction(string PasId, string PredictionId, string ScoreId, string Question, string Expected,
            string Answer, bool KeywordMatch, int LatencyMs);

        private static readonly Prediction[] RunCPredictions =
        {
            new("019f5075-7a36-7d94-b6fb-43091b986f58", "019f5075-7a36-721d-a2e6-9330410bb56f", "019f5075-7bc6-78f0-bdbc-ab325d6e11f2",
                "Where can I download invoices?", "Billing > Invoices", "Go to Billing > Invoices to download PDF invoices.", true, 4),
            new("019f5075-80da-791f-b8e6-4c814faa6853", "019f5075-80da-7baa-b061-adbfe72c9d91", "019f5075-826a-7935-aec9-949ba7527771",
                "Do you support SSO?", "Yes, SAML and OIDC on Enterprise plans.", "SSO is available on the Pro plan.", false, 3),
        };

        public static void Seed(EmulatorStore store)
        {
            store.AddCall(Call(RunC, ApiEvaluateOp, RunC, null,
                Utc("2026-07-11T09:15:02.118Z"), Utc("2026-07-11T09:15:43.445Z"),
                RunAttributes(HaikuModelRef, null),
                new JsonObject { ["self"] = EvaluationRef, ["model"] = HaikuModelRef },
                new JsonObject(), new JsonObject { ["keyword_match_rate"] = 0.5 }, null));
            foreach (var prediction in RunCPredictions) AddPrediction(store, prediction);

            store.AddCall(Call(RunD, ApiEvaluateOp, RunD, null,
                Utc("2026-07-12T16:40:27.905Z"), Utc("2026-07-12T16:40:37.025Z"),
                RunAttributes(Gpt4oModelRef, RunA),
                new JsonObject { ["self"] = EvaluationRef, ["model"] = Gpt4oModelRef },
                new JsonObject(), new JsonObject(), null));
        }

        private static JsonObject RunAttributes(string modelRef, string? sourceRunId)
        {
            var weave = new JsonObject
            {
                ["evaluation_run"] = "true",
                ["evaluation"] = EvaluationRef,
                ["model"] = modelRef,
            };
            if (sourceRunId is not null) weave["source_evaluation_run_id"] = sourceRunId;
            return new JsonObject { ["weave"] = weave };
        }

        private static void AddPrediction(EmulatorStore store, Prediction p)
        {
            var example = new JsonObject { ["question"] = p.Question, ["expected"] = p.Expected };
            var predictStart = TimeOf(p.PredictionId);
            var predictEnd = predictStart.AddMilliseconds(p.LatencyMs);
            var scoreStart = TimeOf(p.ScoreId);

            store.AddCall(Call(p.PasId, OpRef("Evaluation.predict_and_score"), RunC, RunC,
                TimeOf(p.PasId), scoreStart.AddMilliseconds(6),
                new JsonObject { ["weave"] = new JsonObject { ["predict_call_id"] = p.PredictionId } },
                new JsonObject { ["self"] = EvaluationRef, ["model"] = HaikuModelRef, ["example"] = example.DeepClone() },
                new JsonObject
                {
                    ["output"] = p.Answer,
                    ["scores"] = new JsonObject { ["keyword_match"] = p.KeywordMatch },
                    ["model_latency"] = new JsonObject { ["mean"] = p.LatencyMs / 1000.0 },
                },
                null, UserId));

            store.AddCall(Call(p.PredictionId, OpRef("HaikuSupportModel.predict"), RunC, p.PasId,
                predictStart, predictEnd,
                new JsonObject
                {
                    ["weave"] = new JsonObject
                    {
                        ["prediction"] = "true",
                        ["model"] = HaikuModelRef,
                        ["evaluation_run_id"] = RunC,
                    },
                },
                new JsonObject { ["self"] = HaikuModelRef, ["inputs"] = example.DeepClone() },
                p.Answer, null, UserId));

            store.AddCall(Call(p.ScoreId, OpRef("keyword_match.score"), RunC, p.PasId,
                scoreStart, scoreStart.AddMilliseconds(1),
                new JsonObject
                {
                    ["weave"] = new JsonObject
                    {
                        ["score"] = "true",
                        ["prediction_id"] = p.PredictionId,
                        ["scorer"] = KeywordMatchRef,
                        ["evaluation_run_id"] = RunC,
                    },
                },
                new JsonObject { ["self"] = KeywordMatchRef, ["inputs"] = example.DeepClone(), ["output"] = p.Answer },
                p.KeywordMatch, null, UserId));
        }
    }
}
