using System.Linq;
using System.Net;
using System.Threading.Tasks;
using WeaveEval.Emulator.Seeding;

namespace WeaveEval.Emulator.Tests.Host
{
    public sealed class V2RouteTests : IClassFixture<EmulatorFixture>
    {
        private const string Project = "/v2/acme-ai/support-bot";
        private const string Gpt4oModel = "weave:///acme-ai/support-bot/object/GPT4oSupportModel:rgtMmTRF5OVm6r67vwDZBarYfDJ4QXRAvODjCWT4TxM";
        private const string HaikuModel = "weave:///acme-ai/support-bot/object/HaikuSupportModel:n01YbeY9rKrKIa8NDDz0yDRe4pOSaGc3r2H9UNs8bkk";
        private readonly EmulatorFixture emulator;

        public V2RouteTests(EmulatorFixture emulator)
        {
            this.emulator = emulator;
        }

        private async Task<string[]> RunIdsAsync(string query)
        {
            var reply = await emulator.GetAsync(Project + "/evaluation_runs" + query);
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            return reply.Lines.Select(line => (string)line["evaluation_run_id"]!).ToArray();
        }

        [Fact]
        public async Task Lists_are_compact_JSON_Lines_each_ending_in_a_newline()
        {
            var reply = await emulator.GetAsync(Project + "/evaluation_runs");

            Assert.Equal("application/jsonl", reply.ContentType);
            Assert.True(reply.Message.Headers.TransferEncodingChunked);
            Assert.All(reply.Body.TrimEnd('\n').Split('\n'), line => Assert.DoesNotContain(": ", line));
            Assert.Equal(2, reply.Lines.Count);
        }

        [Fact]
        public async Task An_empty_list_is_an_empty_body()
        {
            var reply = await emulator.GetAsync(Project + "/evaluation_runs?models=weave:///acme-ai/support-bot/object/NoSuchModel:x");

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("", reply.Body);
        }

        [Fact]
        public async Task SDK_runs_are_not_listed_but_readable_by_id()
        {
            var listed = await RunIdsAsync("");
            var read = await emulator.GetAsync(Project + "/evaluation_runs/" + SupportBotScenario.RunA);

            Assert.Equal(new[] { SupportBotScenario.RunC, SupportBotScenario.RunD }, listed);
            Assert.Equal(HttpStatusCode.OK, read.Status);
        }

        [Fact]
        public async Task Array_filters_use_repeated_keys_and_keep_commas_literal()
        {
            var both = await RunIdsAsync($"?models={Escape(Gpt4oModel)}&models={Escape(HaikuModel)}");
            var commaJoined = await RunIdsAsync($"?models={Escape(Gpt4oModel + "," + HaikuModel)}");
            var byIds = await RunIdsAsync($"?evaluation_run_ids={SupportBotScenario.RunD}&evaluation_run_ids={SupportBotScenario.RunA}");
            var idsCommaJoined = await RunIdsAsync($"?evaluation_run_ids={SupportBotScenario.RunC},{SupportBotScenario.RunD}");

            Assert.Equal(new[] { SupportBotScenario.RunC, SupportBotScenario.RunD }, both);
            Assert.Empty(commaJoined);
            Assert.Equal(new[] { SupportBotScenario.RunD }, byIds);
            Assert.Empty(idsCommaJoined);
        }

        [Fact]
        public async Task Unknown_parameters_are_ignored()
        {
            var ids = await RunIdsAsync($"?model_refs={Escape(HaikuModel)}&evaluation_refs=x&sort=desc");

            Assert.Equal(new[] { SupportBotScenario.RunC, SupportBotScenario.RunD }, ids);
        }

        [Fact]
        public async Task Limit_and_offset_page_after_filtering()
        {
            Assert.Equal(new[] { SupportBotScenario.RunC }, await RunIdsAsync("?limit=1"));
            Assert.Equal(new[] { SupportBotScenario.RunD }, await RunIdsAsync("?limit=1&offset=1"));
            Assert.Empty(await RunIdsAsync("?offset=5"));
            Assert.Empty(await RunIdsAsync("?limit=0"));
        }

        [Theory]
        [InlineData("limit=abc", "limit", "abc")]
        [InlineData("offset=", "offset", "")]
        public async Task Non_integer_paging_is_a_FastAPI_422(string query, string parameter, string input)
        {
            var reply = await emulator.GetAsync(Project + "/predictions?" + query);

            Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
            Assert.Equal($"{{\"detail\":[{{\"type\":\"int_parsing\",\"loc\":[\"query\",\"{parameter}\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"{input}\"}}]}}", reply.Body);
        }

        [Fact]
        public async Task Negative_paging_is_a_400()
        {
            var limit = await emulator.GetAsync(Project + "/scores?limit=-1");
            var offset = await emulator.GetAsync(Project + "/evaluation_runs?offset=-3");

            Assert.Equal(HttpStatusCode.BadRequest, limit.Status);
            Assert.Equal("{\"reason\":\"Limit must be a positive integer\"}", limit.Body);
            Assert.Equal("{\"reason\":\"Offset must be a positive integer\"}", offset.Body);
        }

        [Fact]
        public async Task Any_call_id_reads_as_an_evaluation_run_built_from_that_call()
        {
            var predictAndScore = emulator.Server.Store.Children(SupportBotScenario.ProjectId, SupportBotScenario.RunA).First();

            var reply = await emulator.GetAsync(Project + "/evaluation_runs/" + predictAndScore.Id);

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(predictAndScore.Id, (string)reply.Json["evaluation_run_id"]!);
            Assert.Equal(Gpt4oModel, (string)reply.Json["model"]!);
            Assert.Equal("Evaluation.predict_and_score", (string)reply.Json["summary"]!["weave"]!["trace_name"]!);
        }

        [Fact]
        public async Task The_derived_summary_block_comes_last_with_status_latency_and_name()
        {
            var read = await emulator.GetAsync(Project + "/evaluation_runs/" + SupportBotScenario.RunA);
            var summary = read.Json["summary"]!.AsObject();

            Assert.Equal(new[] { "usage", "status_counts", "weave" }, summary.Select(p => p.Key));
            Assert.Equal("{\"status\":\"success\",\"latency_ms\":18234,\"display_name\":\"eval-2026-07-10-brave-otter\"}", summary["weave"]!.ToJsonString());
            Assert.Null(read.Json["source_evaluation_run_id"]);
        }

        [Fact]
        public async Task The_single_read_fills_source_evaluation_run_id_but_the_list_does_not()
        {
            var read = await emulator.GetAsync(Project + "/evaluation_runs/" + SupportBotScenario.RunD);
            var listed = (await emulator.GetAsync(Project + "/evaluation_runs")).Lines.Single(l => (string)l["evaluation_run_id"]! == SupportBotScenario.RunD);

            Assert.Equal(SupportBotScenario.RunA, (string)read.Json["source_evaluation_run_id"]!);
            Assert.Null(listed["source_evaluation_run_id"]);
        }

        [Fact]
        public async Task Not_found_reads_use_the_reason_shape()
        {
            var score = await emulator.GetAsync(Project + "/scores/nope");
            var otherProject = await emulator.GetAsync("/v2/acme-ai/other/evaluation_runs/" + SupportBotScenario.RunA);

            Assert.Equal(HttpStatusCode.NotFound, score.Status);
            Assert.Equal("{\"reason\":\"Score nope not found\"}", score.Body);
            Assert.Equal(HttpStatusCode.NotFound, otherProject.Status);
        }

        [Fact]
        public async Task Predictions_list_only_v2_predictions_and_fall_back_to_the_grandparent_run()
        {
            var all = (await emulator.GetAsync(Project + "/predictions")).Lines;
            var sdkPredict = await emulator.GetAsync(Project + "/predictions/019f4c56-ea9f-7afc-94da-3bdd19614774");

            Assert.All(all, p => Assert.NotEqual("", (string)p["model"]!));
            Assert.Equal(SupportBotScenario.RunA, (string)sdkPredict.Json["evaluation_run_id"]!);
        }

        [Fact]
        public async Task A_score_without_output_reads_as_zero()
        {
            var writer = new ProjectWriter(emulator.Server.Store, "acme-ai/null-score", seed: 5);
            var at = new System.DateTime(2026, 7, 1, 0, 0, 0, System.DateTimeKind.Utc);
            var score = writer.AddCall("weave:///acme-ai/null-score/op/x.score:d", at, at.AddSeconds(1),
                System.Text.Json.Nodes.JsonNode.Parse("{\"weave\":{\"score\":\"true\",\"scorer\":\"weave:///acme-ai/null-score/object/x:d\"}}")!, new System.Text.Json.Nodes.JsonObject(), null, null);

            var reply = await emulator.GetAsync("/v2/acme-ai/null-score/scores/" + score.Id);

            Assert.Equal($"{{\"score_id\":\"{score.Id}\",\"scorer\":\"weave:///acme-ai/null-score/object/x:d\",\"value\":0.0,\"evaluation_run_id\":null,\"wb_user_id\":null}}", reply.Body);
        }

        [Theory]
        [InlineData("qAlyiHYhtODlP4GxugpfIvrRlmZtA4LUegOX3xp7bYs", 2)]
        [InlineData("latest", 2)]
        [InlineData("v0", 0)]
        [InlineData("v1", 1)]
        public async Task Scorers_are_read_by_digest_latest_or_version_index(string version, int expectedIndex)
        {
            var reply = await emulator.GetAsync(Project + "/scorers/LLMJudge/versions/" + version);

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(expectedIndex, (int)reply.Json["version_index"]!);
            Assert.Equal(43, ((string)reply.Json["digest"]!).Length);
        }

        [Fact]
        public async Task The_scorers_list_is_JSON_Lines_of_every_scorer_version()
        {
            var reply = await emulator.GetAsync(Project + "/scorers");

            Assert.Equal("application/jsonl", reply.ContentType);
            Assert.Contains(reply.Lines, s => (string)s["object_id"]! == "keyword_match");
            Assert.Equal(3, reply.Lines.Count(s => (string)s["object_id"]! == "LLMJudge"));
        }

        private static string Escape(string value) => System.Uri.EscapeDataString(value);
    }
}
