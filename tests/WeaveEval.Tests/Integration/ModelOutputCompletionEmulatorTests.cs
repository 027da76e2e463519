using System;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;
using WeaveEval.Emulator;

namespace WeaveEval.Tests.Integration
{
    /// <summary>
    /// A run in the shape of the TypeScript SDK's declarative Evaluation, written through the emulator's
    /// write routes: the server gives its trials without output, latency or predict call, and the client
    /// completes them from the predict_and_score calls.
    /// </summary>
    public class ModelOutputCompletionEmulatorTests : IClassFixture<EmulatorFixture>
    {
        private const string Entity = "ts-entity";
        private const string Project = "ts-completion";
        private const string Ops = "weave:///ts-entity/ts-completion/op/";
        private const string Model = Ops + "tsModel:ModelDigest";

        private readonly EmulatorServer server;

        public ModelOutputCompletionEmulatorTests(EmulatorFixture fixture)
        {
            server = fixture.Server;
        }

        private static string Start(string id, string op, string? parent, string inputs, string startedAt) =>
            "{\"mode\":\"start\",\"req\":{\"start\":{\"project_id\":\"" + Entity + "/" + Project + "\",\"id\":\"" + id + "\",\"op_name\":\"" + op + "\",\"trace_id\":\"trace-c\"," +
            (parent == null ? "" : "\"parent_id\":\"" + parent + "\",") + "\"started_at\":\"" + startedAt + "\",\"attributes\":{\"weave\":{\"source\":\"js-sdk\"}},\"inputs\":" + inputs + "}}}";

        private static string End(string id, string output, string endedAt, string? exception = null) =>
            "{\"mode\":\"end\",\"req\":{\"end\":{\"project_id\":\"" + Entity + "/" + Project + "\",\"id\":\"" + id + "\",\"ended_at\":\"" + endedAt + "\",\"output\":" + output + ",\"summary\":{}" +
            (exception == null ? "" : ",\"exception\":\"" + exception + "\"") + "}}}";

        private async Task WriteRunAsync()
        {
            const string evaluation = "weave:///ts-entity/ts-completion/object/ts-eval:EvalDigest";
            string Pas(string question) => "{\"self\":\"" + evaluation + "\",\"model\":\"" + Model + "\",\"example\":{\"question\":\"" + question + "\"}}";
            var batch = new[]
            {
                // Children first, as the SDK often sends them.
                Start("c-model-1", Model, "c-pas-1", "{\"arg0\":{}}", "2026-12-04T18:13:20.110Z"),
                Start("c-exact-1", Ops + "exactMatch:S", "c-pas-1", "{\"arg0\":{}}", "2026-12-04T18:13:20.210Z"),
                Start("c-pas-1", Ops + "Evaluation.predictAndScore:P", "c-root", Pas("2+2"), "2026-12-04T18:13:20.100Z"),
                Start("c-model-2", Model, "c-pas-2", "{\"arg0\":{}}", "2026-12-04T18:13:20.410Z"),
                Start("c-pas-2", Ops + "Evaluation.predictAndScore:P", "c-root", Pas("1/0"), "2026-12-04T18:13:20.400Z"),
                Start("c-root", Ops + "Evaluation.evaluate:E", null, "{\"self\":\"" + evaluation + "\",\"model\":\"" + Model + "\",\"nTrials\":1}", "2026-12-04T18:13:20.000Z"),
                End("c-model-1", "\"4\"", "2026-12-04T18:13:20.200Z"),
                End("c-exact-1", "true", "2026-12-04T18:13:20.220Z"),
                End("c-pas-1", "{\"model_success\":true,\"model_output\":\"4\",\"scores\":{\"exactMatch\":true},\"model_latency\":0.096}", "2026-12-04T18:13:20.300Z"),
                End("c-model-2", "null", "2026-12-04T18:13:20.420Z", "model exploded"),
                End("c-pas-2", "{\"model_success\":false,\"scores\":{},\"model_latency\":0.01}", "2026-12-04T18:13:20.500Z"),
                End("c-root", "{}", "2026-12-04T18:13:21.000Z"),
            };
            using (var http = new HttpClient { BaseAddress = server.BaseUri })
            {
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + server.ApiKey)));
                var reply = await http.PostAsync("call/upsert_batch", new StringContent("{\"batch\":[" + string.Join(",", batch) + "]}", Encoding.UTF8, "application/json"));
                Assert.True(reply.IsSuccessStatusCode, await reply.Content.ReadAsStringAsync());
            }
        }

        [Fact]
        public async Task Declarative_trials_get_output_latency_and_prediction_from_their_calls_and_a_failed_model_stays_empty()
        {
            await WriteRunAsync();
            var log = new RecordingLog();
            var request = new ConnectionRequest { Entity = Entity, Project = Project, BaseUri = server.BaseUri, ApiKey = new ApiKey(server.ApiKey) };
            var client = new WeaveClient(ConnectionResolver.Resolve(request, null, new FakeEnvironment()), log);

            var results = await client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "c-root" } }, CancellationToken.None).ToListAsync();

            var succeeded = results.Single(r => r.PredictAndScoreCallId == "c-pas-1");
            Assert.Equal("4", succeeded.Output);
            Assert.Equal(0.096, succeeded.ModelLatencySeconds);
            Assert.Equal("c-model-1", succeeded.PredictionId);
            Assert.Equal(true, succeeded.Scores["exactMatch"]);
            var failed = results.Single(r => r.PredictAndScoreCallId == "c-pas-2");
            Assert.Null(failed.Output);
            Assert.Null(failed.ModelLatencySeconds);
            Assert.Null(failed.PredictionId);
            Assert.Single(log.VerboseLines, line => line.StartsWith("POST /calls/stream_query -> 200", StringComparison.Ordinal));
            Assert.Contains("Completed 1 of 2 trials without a model output from their predict_and_score calls (model_output).", log.VerboseLines);

            // The predict call reads back as the prediction with the model's output.
            var prediction = await client.ReadPredictionAsync(succeeded.PredictionId!, CancellationToken.None);
            Assert.Equal("4", prediction.Output);
        }
    }
}
