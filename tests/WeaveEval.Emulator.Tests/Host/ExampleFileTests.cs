using System.Net;
using System.Threading.Tasks;
using WeaveEval.Emulator.Seeding;

namespace WeaveEval.Emulator.Tests.Host
{
    /// <summary>The demo seed served over HTTP reproduces the API examples byte for byte (pretty-printed files compacted first).</summary>
    public sealed class ExampleFileTests : IClassFixture<EmulatorFixture>
    {
        private const string Project = "/v2/acme-ai/support-bot";
        private readonly EmulatorFixture emulator;

        public ExampleFileTests(EmulatorFixture emulator)
        {
            this.emulator = emulator;
        }

        [Theory]
        [InlineData("evaluation_run_read__sdk_run_completed__200.json", "/evaluation_runs/" + SupportBotScenario.RunA)]
        [InlineData("evaluation_run_read__sdk_run_running__200.json", "/evaluation_runs/" + SupportBotScenario.RunB)]
        [InlineData("evaluation_run_read__v2_api_run_completed__200.json", "/evaluation_runs/" + SupportBotScenario.RunC)]
        [InlineData("prediction_read__sdk_predict_call__200.json", "/predictions/019f4c56-ea9f-7afc-94da-3bdd19614774")]
        [InlineData("prediction_read__v2_api_prediction__200.json", "/predictions/019f5075-7a36-721d-a2e6-9330410bb56f")]
        [InlineData("score_read__200.json", "/scores/019f5075-7bc6-78f0-bdbc-ab325d6e11f2")]
        [InlineData("scorer_read__sdk_class_scorer__200.json", "/scorers/LLMJudge/versions/qAlyiHYhtODlP4GxugpfIvrRlmZtA4LUegOX3xp7bYs")]
        [InlineData("scorer_read__v2_api_scorer__200.json", "/scorers/keyword_match/versions/mT3oXq0sV1bW4r2pYzN8cLk6JhG5fD9aS7uE0iQwRtY")]
        public async Task Single_reads_match_the_examples(string example, string route)
        {
            var reply = await emulator.GetAsync(Project + route);

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("application/json", reply.ContentType);
            Assert.Equal(ExampleFiles.OnTheWire(ExampleFiles.Read(example)), reply.Body);
        }

        [Theory]
        [InlineData("evaluation_runs_list__200.jsonl", "/evaluation_runs")]
        [InlineData("evaluation_runs_list_filtered_by_model__200.jsonl", "/evaluation_runs?models=weave%3A%2F%2F%2Facme-ai%2Fsupport-bot%2Fobject%2FGPT4oSupportModel%3ArgtMmTRF5OVm6r67vwDZBarYfDJ4QXRAvODjCWT4TxM&limit=50")]
        [InlineData("predictions_list_by_evaluation_run__200.jsonl", "/predictions?evaluation_run_id=" + SupportBotScenario.RunC)]
        [InlineData("scores_list_by_evaluation_run__200.jsonl", "/scores?evaluation_run_id=" + SupportBotScenario.RunC)]
        public async Task Lists_match_the_examples(string example, string route)
        {
            var reply = await emulator.GetAsync(Project + route);

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("application/jsonl", reply.ContentType);
            Assert.Equal(ExampleFiles.Read(example), reply.Body);
        }

        [Theory]
        [InlineData("eval_runs_page1")]
        [InlineData("eval_runs_page2")]
        [InlineData("runs_for_model_all_columns")]
        public async Task Calls_queries_match_the_examples(string example)
        {
            var reply = await emulator.PostAsync("/calls/stream_query", ExampleFiles.Read($"calls_stream_query__{example}__request.json"));

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(ExampleFiles.Read($"calls_stream_query__{example}__response.jsonl"), reply.Body);
        }

        [Fact]
        public async Task Query_stats_matches_the_example()
        {
            var reply = await emulator.PostAsync("/calls/query_stats", ExampleFiles.Read("calls_query_stats__eval_runs_count__request.json"));

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(ExampleFiles.OnTheWire(ExampleFiles.Read("calls_query_stats__eval_runs_count__response.json")), reply.Body);
        }

        [Theory]
        [InlineData("error_422_bad_sort_direction")]
        [InlineData("error_422_invalid_sort_field")]
        public async Task Calls_query_errors_match_the_examples(string example)
        {
            var reply = await emulator.PostAsync("/calls/stream_query", ExampleFiles.Read($"calls_stream_query__{example}__request.json"));

            Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
            Assert.Equal(ExampleFiles.OnTheWire(ExampleFiles.Read($"calls_stream_query__{example}__response.json")), reply.Body);
        }

        [Theory]
        [InlineData("error__404_evaluation_run_not_found.json", "/evaluation_runs/019f5075-0000-7000-8000-000000000000", HttpStatusCode.NotFound)]
        [InlineData("error__404_prediction_not_found.json", "/predictions/019f5075-0000-7000-8000-000000000001", HttpStatusCode.NotFound)]
        [InlineData("error__404_scorer_version_not_found.json", "/scorers/keyword_match/versions/doesNotExist000000000000000000000000000000000", HttpStatusCode.NotFound)]
        [InlineData("error__404_unknown_route.json", "/no_such_route", HttpStatusCode.NotFound)]
        [InlineData("error__422_list_bad_limit_query_param.json", "/evaluation_runs?limit=ten", HttpStatusCode.UnprocessableEntity)]
        public async Task Error_bodies_match_the_examples(string example, string route, HttpStatusCode status)
        {
            var reply = await emulator.GetAsync(Project + route);

            Assert.Equal(status, reply.Status);
            Assert.Equal(ExampleFiles.OnTheWire(ExampleFiles.Read(example)), reply.Body);
        }
    }
}
