using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;
using static WeaveEval.Emulator.Seeding.SupportBotCalls;
using static WeaveEval.Emulator.Seeding.SupportBotScenario;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>Dataset (object + table rows), evaluation, model and scorer objects of the support-bot project.</summary>
    internal static class SupportBotObjects
    {
        public static void Seed(EmulatorStore store)
        {
            for (var i = 0; i < DatasetRows.Length; i++)
            {
                store.AddTableRow(Project, RowDigest(i), Bytes(DatasetRows[i].DeepClone()));
            }

            Add(store, "support-qa", DatasetDigest, 0, "2026-07-09T17:58:31.204Z", "Dataset", new JsonObject
            {
                ["_type"] = "Dataset",
                ["name"] = "support-qa",
                ["description"] = "Customer support questions with reference answers",
                ["rows"] = TableRef(),
                ["_class_name"] = "Dataset",
                ["_bases"] = new JsonArray("Object", "BaseModel"),
            });

            Add(store, "support-qa-eval", Digest(EvaluationRef), 0, "2026-07-09T18:22:09.871Z", "Evaluation", new JsonObject
            {
                ["_type"] = "Evaluation",
                ["name"] = "support-qa-eval",
                ["description"] = null,
                ["dataset"] = DatasetRef,
                ["scorers"] = new JsonArray(OpRef("exact_match"), OpRef("similarity"), LlmJudgeRef),
                ["preprocess_model_input"] = null,
                ["trials"] = 2,
                ["evaluation_name"] = null,
                ["evaluate"] = SdkEvaluateOp,
                ["predict_and_score"] = OpRef("Evaluation.predict_and_score"),
                ["summarize"] = OpRef("Evaluation.summarize"),
                ["_class_name"] = "Evaluation",
                ["_bases"] = new JsonArray("Object", "BaseModel"),
            });

            AddModel(store, Gpt4oModelRef, "2026-07-09T18:20:44.512Z", "gpt-4o-2024-08-06");
            AddModel(store, ClaudeModelRef, "2026-07-10T15:19:58.731Z", "claude-3-5-sonnet-20241022");
            AddModel(store, HaikuModelRef, "2026-07-11T09:14:52.006Z", "claude-3-5-haiku-20241022");

            // LLMJudge is at version 2 (scorer_read__sdk_class_scorer__200.json); two older versions precede it.
            AddJudge(store, "2026-07-02T11:04:19.338Z", 0, "Judge returning {correct}", "gpt-4o-mini-2024-07-18", 0.0);
            AddJudge(store, "2026-07-05T16:47:52.920Z", 1, "LLM-as-a-judge correctness check", "gpt-4o-mini-2024-07-18", 0.2);
            AddJudge(store, "2026-07-09T18:22:07.560Z", 2, "LLM-as-a-judge correctness check returning {correct, score}", "gpt-4o-mini-2024-07-18", 0.0);

            Add(store, "keyword_match", Digest(KeywordMatchRef), 0, "2026-07-11T09:14:40.311Z", "Scorer", new JsonObject
            {
                ["_type"] = "Scorer",
                ["name"] = "keyword_match",
                ["description"] = "True when the answer contains every expected keyword",
                ["column_map"] = null,
                ["score"] = KeywordMatchScoreOp,
                ["summarize"] = OpRef("keyword_match_summarize"),
                ["_class_name"] = "Scorer",
                ["_bases"] = new JsonArray("Object", "BaseModel"),
            });
        }

        private static void AddModel(EmulatorStore store, string modelRef, string createdAt, string llm)
        {
            var name = Refs.ShortName(modelRef);
            Add(store, name, Digest(modelRef), 0, createdAt, "Model", new JsonObject
            {
                ["_type"] = name,
                ["name"] = name,
                ["description"] = null,
                ["model_name"] = llm,
                ["system_prompt"] = "You are a concise, accurate customer-support assistant for Acme.",
                ["predict"] = OpRef(name + ".predict"),
                ["_class_name"] = name,
                ["_bases"] = new JsonArray("Model", "Object", "BaseModel"),
            });
        }

        private static void AddJudge(EmulatorStore store, string createdAt, int versionIndex, string description, string judgeModel, double temperature)
        {
            var digest = versionIndex == 2 ? Digest(LlmJudgeRef) : Wire.WeaveDigest.OfText("support-bot LLMJudge v" + versionIndex);
            var scoreOp = versionIndex == 2 ? LlmJudgeScoreOp : OpRef("LLMJudge.score", Wire.WeaveDigest.OfText("support-bot LLMJudge.score v" + versionIndex));
            Add(store, "LLMJudge", digest, versionIndex, createdAt, "Scorer", new JsonObject
            {
                ["_type"] = "LLMJudge",
                ["name"] = "LLMJudge",
                ["description"] = description,
                ["column_map"] = null,
                ["judge_model"] = judgeModel,
                ["temperature"] = temperature,
                ["score"] = scoreOp,
                ["summarize"] = OpRef("LLMJudge.summarize"),
                ["_class_name"] = "LLMJudge",
                ["_bases"] = new JsonArray("Scorer", "Object", "BaseModel"),
            });
        }

        private static void Add(EmulatorStore store, string objectId, string digest, int versionIndex, string createdAt, string baseClass, JsonObject value) =>
            store.AddObject(new ObjectVersion
            {
                ProjectId = Project,
                ObjectId = objectId,
                Digest = digest,
                VersionIndex = versionIndex,
                CreatedAt = Utc(createdAt),
                BaseObjectClass = baseClass,
                Value = Bytes(value),
            });

        private static string Digest(string objectRef) => objectRef.Substring(objectRef.LastIndexOf(':') + 1);
    }
}
