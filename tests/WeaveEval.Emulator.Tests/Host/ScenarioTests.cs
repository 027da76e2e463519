using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using WeaveEval.Emulator.Seeding;

namespace WeaveEval.Emulator.Tests.Host
{
    public sealed class HelpdeskScenarioTests : IClassFixture<EmulatorFixture>
    {
        private const string Runs = "{\"project_id\":\"acme-ai/helpdesk-bot\",\"filter\":{\"op_names\":[\"weave:///acme-ai/helpdesk-bot/op/Evaluation.evaluate:*\"]}}";
        private readonly EmulatorFixture emulator;

        public HelpdeskScenarioTests(EmulatorFixture emulator)
        {
            this.emulator = emulator;
        }

        [Fact]
        public async Task Seven_runs_cover_completed_failing_running_failed_API_and_rescoring()
        {
            var runs = (await emulator.PostAsync("/calls/stream_query", Runs)).Lines;
            var listed = (await emulator.GetAsync("/v2/acme-ai/helpdesk-bot/evaluation_runs")).Lines;
            var statuses = runs.Select(r => (string)r["summary"]!["weave"]!["status"]!).ToList();

            Assert.Equal(7, runs.Count);
            Assert.Equal(new[] { "success", "descendant_error", "success", "error", "success", "running", "success" }, statuses);
            Assert.Equal(2, listed.Count);
            Assert.Single(runs, r => r["attributes"]!["weave"]!["source_evaluation_run_id"] is not null);
            Assert.Equal(3, runs.Select(r => (string)r["inputs"]!["model"]!).Distinct().Count());
            Assert.Contains(runs, r => ((string)r["inputs"]!["model"]!).Contains("/op/faq_baseline:", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Text_in_other_scripts_goes_over_the_wire_as_raw_UTF8()
        {
            var reply = await emulator.PostAsync("/calls/stream_query",
                "{\"project_id\":\"acme-ai/helpdesk-bot\",\"filter\":{\"op_names\":[\"weave:///acme-ai/helpdesk-bot/op/HelpdeskGPT.predict:*\"]},\"columns\":[\"inputs\",\"output\"]}");

            Assert.Contains("如何导出我的数据？", reply.Body);
            Assert.Contains("💳", reply.Body);
            Assert.Contains("كيف أغير كلمة المرور؟", reply.Body);
            Assert.DoesNotContain("\\u", reply.Body);
        }

        [Fact]
        public async Task Scores_of_every_kind_appear_including_null_and_missing_ones()
        {
            var firstRun = (await emulator.PostAsync("/calls/stream_query", Runs)).Lines[0];
            var trials = (await emulator.PostAsync("/calls/stream_query",
                $"{{\"project_id\":\"acme-ai/helpdesk-bot\",\"filter\":{{\"parent_ids\":[\"{firstRun["id"]}\"]}},\"columns\":[\"output\"]}}")).Lines;
            var scores = trials.Select(t => t["output"]!["scores"]!.AsObject()).ToList();

            Assert.Equal(36, trials.Count);
            Assert.All(scores, s => Assert.Contains(s["exact_match"]!.GetValueKind(), new[] { System.Text.Json.JsonValueKind.True, System.Text.Json.JsonValueKind.False }));
            Assert.All(scores, s => Assert.Equal(System.Text.Json.JsonValueKind.String, s["ToneClassifier"]!.GetValueKind()));
            Assert.All(scores, s => Assert.Equal(System.Text.Json.JsonValueKind.Object, s["AnswerJudge"]!.GetValueKind()));
            Assert.Contains(scores, s => s.ContainsKey("citation_score") && s["citation_score"] is null);
            Assert.Contains(scores, s => !s.ContainsKey("citation_score"));
            Assert.Contains(scores, s => s["citation_score"] is not null);
        }
    }

    public sealed class ScenarioFileTests
    {
        [Fact]
        public async Task A_scenario_file_seeds_calls_objects_and_rows()
        {
            var run = ExampleFiles.Read("calls_stream_query__eval_runs_page2__response.jsonl").Split('\n')[1];
            var scenario = $$$"""
                {
                  "calls": [{{{run}}}],
                  "objects": [{"project_id": "acme-ai/support-bot", "object_id": "keyword_match", "created_at": "2026-07-11T09:14:40.311Z", "base_object_class": "Scorer",
                               "val": {"name": "keyword_match", "description": null, "score": "weave:///acme-ai/support-bot/op/keyword_match_score:abc"}}],
                  "table_rows": [{"project_id": "acme-ai/support-bot", "row": {"id": "q1", "question": "How do I reset my password?", "expected": "Use the 'Forgot password' link on the login page."}}]
                }
                """;
            var path = Path.Combine(Path.GetTempPath(), $"weave-scenario-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(path, scenario, Encoding.UTF8);
            try
            {
                await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { Seed = path });
                using var client = EmulatorFixture.CreateClient(server, server.ApiKey);

                var read = await Reply.ReadAsync(client.GetAsync("/v2/acme-ai/support-bot/evaluation_runs/" + SupportBotScenario.RunA));
                var page = await Reply.ReadAsync(client.PostAsync("/calls/stream_query", new System.Net.Http.StringContent("{\"project_id\":\"acme-ai/support-bot\"}")));
                var scorer = await Reply.ReadAsync(client.GetAsync("/v2/acme-ai/support-bot/scorers/keyword_match/versions/latest"));

                Assert.Equal(ExampleFiles.OnTheWire(ExampleFiles.Read("evaluation_run_read__sdk_run_completed__200.json")), read.Body);
                Assert.Equal(run + "\n", page.Body);
                Assert.Equal(HttpStatusCode.OK, scorer.Status);
                Assert.NotNull(server.Store.GetTableRow("acme-ai/support-bot", "39XFQ1BfHkDTyZH24XSl0S7NL9ZCYE4ew2oYtYYgLQA"));
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public async Task A_typo_in_a_scenario_file_stops_the_start()
        {
            var path = Path.Combine(Path.GetTempPath(), $"weave-scenario-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(path, "{\"call\": []}");
            try
            {
                await Assert.ThrowsAsync<InvalidDataException>(() => EmulatorServer.StartAsync(new EmulatorOptions { Seed = path }));
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
