using System;
using System.Linq;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;
using static WeaveEval.Emulator.Seeding.SupportBotCalls;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>
    /// The fictional demo project (<c>acme-ai/support-bot</c>): dataset <c>support-qa</c>,
    /// evaluation <c>support-qa-eval</c>, models, scorers and runs A (SDK, completed), B (SDK, running),
    /// C (v2 API, inline rows) and D (rescoring of A) — every id, time, score and token count chosen so
    /// that the routes reproduce the recorded example payloads of the production server.
    /// </summary>
    public static class SupportBotScenario
    {
        public const string Entity = "acme-ai";
        public const string ProjectName = "support-bot";
        public const string ProjectId = Project;

        public const string RunA = "019f4c56-e6b4-7923-bc1a-adbde48b1697";
        public const string RunB = "019f4c9d-48f7-719a-868f-32b7a6b38b6b";
        public const string RunC = "019f5075-7266-71c2-8e28-b26c57472737";
        public const string RunD = "019f5733-9c01-785b-9858-9a43ce0bba75";

        public const string DatasetDigest = "CJizClJWq0Rk7TnVb3XeP9sLmYa2Hd5Ug8Fo1IcYu44";
        public static readonly string DatasetRef = ObjectRef("support-qa", DatasetDigest);
        public static readonly string EvaluationRef = ObjectRef("support-qa-eval", "Fv9sUqNCrQnQD1OSVb5mT4a84O246RJm0hfzEZ53pJs");
        public static readonly string Gpt4oModelRef = ObjectRef("GPT4oSupportModel", "rgtMmTRF5OVm6r67vwDZBarYfDJ4QXRAvODjCWT4TxM");
        public static readonly string ClaudeModelRef = ObjectRef("ClaudeSupportModel", "OCWNwwKMBPGRXUtIUcg634QylAb5eP8kPorKV8XTSG8");
        public static readonly string HaikuModelRef = ObjectRef("HaikuSupportModel", "n01YbeY9rKrKIa8NDDz0yDRe4pOSaGc3r2H9UNs8bkk");
        public static readonly string LlmJudgeRef = ObjectRef("LLMJudge", "qAlyiHYhtODlP4GxugpfIvrRlmZtA4LUegOX3xp7bYs");
        public static readonly string KeywordMatchRef = ObjectRef("keyword_match", "mT3oXq0sV1bW4r2pYzN8cLk6JhG5fD9aS7uE0iQwRtY");

        public static readonly string SdkEvaluateOp = OpRef("Evaluation.evaluate", "eDarY3UZ92eY5NFMUd7LuU0YQb7STGiYBxLEa7KMnhg");
        public static readonly string ApiEvaluateOp = OpRef("Evaluation.evaluate", "2C8Rt4H6lJuDwlYy2jWGniLq9yoXhvlJxEMbKBCYXsU");
        public static readonly string LlmJudgeScoreOp = OpRef("LLMJudge.score", "g6yQRqV9cKiQuaAKNsNWYoBXVzLSQmZAPXSOPbNYYWI");
        public static readonly string KeywordMatchScoreOp = OpRef("keyword_match_score", "5bqXj8CGOJWzimI5oHec9ONoNndWNAKv5SAdKzEogIU");

        /// <summary>Dataset rows q1, q2, q3 exactly as stored (their digests are computed).</summary>
        public static readonly JsonObject[] DatasetRows =
        {
            Row("q1", "How do I reset my password?", "Use the 'Forgot password' link on the login page."),
            Row("q2", "Can I change my billing currency?", "No, billing currency is fixed per account."),
            Row("q3", "What is the API rate limit?", "100 requests per minute per API key."),
        };

        public static string RowDigest(int index) => WeaveDigest.Of(DatasetRows[index]);

        public static string RowRef(int index) => $"{DatasetRef}/attr/rows/id/{RowDigest(index)}";

        public static void Seed(EmulatorStore store)
        {
            ArgumentNullException.ThrowIfNull(store);
            SupportBotObjects.Seed(store);
            SupportBotSdkRuns.Seed(store);
            SupportBotApiRuns.Seed(store);
        }

        private static JsonObject Row(string id, string question, string expected) => new()
        {
            ["id"] = id,
            ["question"] = question,
            ["expected"] = expected,
        };

        internal static string TableRef() =>
            $"weave:///{Project}/table/{WeaveDigest.OfTable(Enumerable.Range(0, DatasetRows.Length).Select(RowDigest))}";
    }
}
