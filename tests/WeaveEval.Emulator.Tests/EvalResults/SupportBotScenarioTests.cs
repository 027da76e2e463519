using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Seeding;
using WeaveEval.Emulator.Store;
using static WeaveEval.Emulator.Tests.EvalResults.EvalResultsHarness;

namespace WeaveEval.Emulator.Tests.EvalResults
{
    public sealed class SupportBotScenarioTests
    {
        [Theory]
        [InlineData(0, "39XFQ1BfHkDTyZH24XSl0S7NL9ZCYE4ew2oYtYYgLQA")]
        [InlineData(1, "dXXCJUxZVXlVJj9SbjD6u2pNv0UU55noNHs8BSWIikY")]
        [InlineData(2, "XohVTOjtcyXzVLeQ3CJwE2TipmqpRimL4wnmOwiqmzg")]
        public void RowDigestAlgorithmReproducesTheExampleDigests(int row, string digest) =>
            Assert.Equal(digest, SupportBotScenario.RowDigest(row));

        [Fact]
        public void DatasetObjectAndTableRowsAreStored()
        {
            var store = SeededStore();

            var dataset = store.ResolveObject(SupportBotScenario.ProjectId, "support-qa", SupportBotScenario.DatasetDigest);
            Assert.NotNull(dataset);
            Assert.Equal(43, dataset!.Digest.Length);
            Assert.StartsWith("CJizClJW", dataset.Digest);
            Assert.EndsWith("Yu44", dataset.Digest);
            var row = store.GetTableRow(SupportBotScenario.ProjectId, "39XFQ1BfHkDTyZH24XSl0S7NL9ZCYE4ew2oYtYYgLQA");
            Assert.Equal("{\"id\":\"q1\",\"question\":\"How do I reset my password?\",\"expected\":\"Use the 'Forgot password' link on the login page.\"}",
                Encoding.UTF8.GetString(row!));
        }

        [Fact]
        public void ScorerObjectsMatchTheScorerReadExamples()
        {
            var store = SeededStore();

            var judge = store.ResolveObject(SupportBotScenario.ProjectId, "LLMJudge", "latest")!;
            Assert.Equal(2, judge.VersionIndex);
            Assert.Equal("qAlyiHYhtODlP4GxugpfIvrRlmZtA4LUegOX3xp7bYs", judge.Digest);
            Assert.Equal("weave:///acme-ai/support-bot/op/LLMJudge.score:g6yQRqV9cKiQuaAKNsNWYoBXVzLSQmZAPXSOPbNYYWI",
                (string?)JsonNode.Parse(judge.Value)!["score"]);
            var keywordMatch = store.ResolveObject(SupportBotScenario.ProjectId, "keyword_match", "v0")!;
            Assert.Equal("mT3oXq0sV1bW4r2pYzN8cLk6JhG5fD9aS7uE0iQwRtY", keywordMatch.Digest);
            Assert.Equal("Scorer", keywordMatch.BaseObjectClass);
        }

        [Fact]
        public void RootCallsCarryTheExampleFields()
        {
            var store = SeededStore();

            var runA = store.GetCall(SupportBotScenario.ProjectId, SupportBotScenario.RunA)!;
            Assert.Equal("eval-2026-07-10-brave-otter", runA.DisplayName);
            Assert.Equal("019f4c56-e6b4-7b51-a0c3-5e2f9d41c7a8", runA.TraceId);
            Assert.Equal("{\"exact_match\":{\"true_count\":3,\"true_fraction\":0.5},\"similarity\":{\"mean\":0.7183333333333333},\"LLMJudge\":{\"correct\":{\"true_count\":5,\"true_fraction\":0.8333333333333334},\"score\":{\"mean\":0.7000000000000001}},\"model_latency\":{\"mean\":2.4181666666666666}}",
                Encoding.UTF8.GetString(runA.Output!));
            var runB = store.GetCall(SupportBotScenario.ProjectId, SupportBotScenario.RunB)!;
            Assert.Null(runB.EndedAt);
            Assert.Null(runB.Summary);
            var runD = store.GetCall(SupportBotScenario.ProjectId, SupportBotScenario.RunD)!;
            Assert.Equal(SupportBotScenario.RunA, (string?)runD.AttributesNode()["weave"]!["source_evaluation_run_id"]);
            Assert.Equal(SupportBotScenario.RunD, runD.TraceId);
            Assert.Empty(store.Children(SupportBotScenario.ProjectId, SupportBotScenario.RunD));
        }

        [Fact]
        public void V2ScoresAndPredictionsCarryTheirAttributes()
        {
            var store = SeededStore();

            var score = store.GetCall(SupportBotScenario.ProjectId, "019f5075-7bc6-78f0-bdbc-ab325d6e11f2")!;
            Assert.Equal("true", Encoding.UTF8.GetString(score.Output!));
            Assert.Equal(SupportBotScenario.KeywordMatchRef, (string?)score.AttributesNode()["weave"]!["scorer"]);
            var prediction = store.GetCall(SupportBotScenario.ProjectId, "019f5075-7a36-721d-a2e6-9330410bb56f")!;
            Assert.Equal("{\"question\":\"Where can I download invoices?\",\"expected\":\"Billing > Invoices\"}",
                prediction.InputsNode()["inputs"]!.ToJsonString(Json.Wire));
            Assert.Equal("VXNlcjo0MjQyNDI=", prediction.WbUserId);
        }

        [Fact]
        public void EveryRunOfTheProjectIsAnEvaluateCall() =>
            Assert.Equal(4, SeededStore().Calls(SupportBotScenario.ProjectId).Count(c => c.OpShortName == "Evaluation.evaluate"));
    }
}
