using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using WeaveEval.Emulator.Tests.Host;

namespace WeaveEval.Emulator.Tests.Writes
{
    /// <summary>
    /// Runs written through the write routes in the shapes of the W&B TypeScript SDK 0.11.1, read back by
    /// eval_results/query with the server's real behaviour, gaps included: the declarative
    /// <c>Evaluation</c> class's trials (<c>Evaluation.predictAndScore</c>, output
    /// <c>{model_success, model_output, scores, model_latency: seconds}</c>) come back without model
    /// output, latency, predict call or scorer calls, while <c>EvaluationLogger</c> trials are complete.
    /// </summary>
    public sealed class SdkShapeEvalResultsTests : IClassFixture<WriteFixture>
    {
        private const string Project = "ts-entity/ts-shapes";
        private const string Ops = "weave:///ts-entity/ts-shapes/op/";
        private readonly WriteFixture emulator;

        public SdkShapeEvalResultsTests(WriteFixture emulator)
        {
            this.emulator = emulator;
        }

        private static JsonObject Call(string id, string op, string started, string ended, string? parent, JsonObject inputs, JsonNode? output, JsonObject? attributes = null, string? exception = null, string? displayName = null)
        {
            var start = new JsonObject
            {
                ["project_id"] = Project,
                ["id"] = id,
                ["op_name"] = op,
                ["trace_id"] = "trace-" + id[..1],
                ["started_at"] = started,
                ["attributes"] = attributes?.DeepClone() ?? new JsonObject { ["weave"] = new JsonObject { ["client_version"] = "0.11.1", ["source"] = "js-sdk" } },
                ["inputs"] = inputs,
            };
            if (parent is not null) start["parent_id"] = parent;
            if (displayName is not null) start["display_name"] = displayName;
            var end = new JsonObject { ["project_id"] = Project, ["id"] = id, ["ended_at"] = ended, ["output"] = output, ["summary"] = new JsonObject() };
            if (exception is not null) end["exception"] = exception;
            return new JsonObject { ["start"] = start, ["end"] = end };
        }

        /// <summary>Writes the calls as the SDK does: every start and end in one batch, children before their parents.</summary>
        private async Task WriteAsync(params JsonObject[] calls)
        {
            var batch = new JsonArray();
            foreach (var call in calls.Reverse()) batch.Add(new JsonObject { ["mode"] = "start", ["req"] = new JsonObject { ["start"] = call["start"]!.DeepClone() } });
            foreach (var call in calls) batch.Add(new JsonObject { ["mode"] = "end", ["req"] = new JsonObject { ["end"] = call["end"]!.DeepClone() } });
            var reply = await emulator.PostAsync("/call/upsert_batch", new JsonObject { ["batch"] = batch }.ToJsonString());
            Assert.True(reply.Status == HttpStatusCode.OK, reply.Body);
        }

        private async Task<(string DatasetRef, string[] RowDigests)> WriteDatasetAsync()
        {
            var table = await emulator.PostAsync("/table/create",
                $"{{\"table\":{{\"project_id\":\"{Project}\",\"rows\":[{{\"id\":\"q1\",\"question\":\"What is 2+2?\",\"expected\":\"4\"}},{{\"id\":\"q4\",\"question\":\"1/0?\",\"expected\":\"undefined\"}}]}}}}");
            var dataset = await emulator.PostAsync("/obj/create",
                $"{{\"obj\":{{\"project_id\":\"{Project}\",\"object_id\":\"shapes-dataset\",\"val\":{{\"_type\":\"Dataset\",\"_class_name\":\"Dataset\",\"_bases\":[\"Object\",\"BaseModel\"],\"name\":\"shapes-dataset\",\"description\":null,\"rows\":\"weave:///{Project}/table/{table.Json["digest"]}\"}}}}}}");
            return ($"weave:///{Project}/object/shapes-dataset:{dataset.Json["digest"]}", table.Json["row_digests"]!.AsArray().Select(d => (string)d!).ToArray());
        }

        private async Task<JsonObject> QueryAsync(string runId)
        {
            var reply = await emulator.PostAsync($"/v2/{Project}/eval_results/query",
                $"{{\"evaluation_call_ids\":[\"{runId}\"],\"include_raw_data_rows\":true,\"resolve_row_refs\":true,\"include_summary\":true}}");
            Assert.True(reply.Status == HttpStatusCode.OK, reply.Body);
            return reply.Json.AsObject();
        }

        [Fact]
        public async Task Declarative_Evaluation_trials_keep_scores_but_have_null_output_latency_predict_call_and_scorer_calls()
        {
            var (datasetRef, rowDigests) = await WriteDatasetAsync();
            var row = $"{datasetRef}/attr/rows/id/{rowDigests[0]}";
            var failingRow = $"{datasetRef}/attr/rows/id/{rowDigests[1]}";
            var evaluation = $"weave:///{Project}/object/shapes-eval:EvalDigest";
            var model = Ops + "tsModel:ModelDigest";
            JsonObject PasInputs(string example) => new() { ["self"] = evaluation, ["model"] = model, ["example"] = example };
            await WriteAsync(
                Call("a-root", Ops + "Evaluation.evaluate:E", "2026-12-04T18:13:20.000Z", "2026-12-04T18:13:21.000Z", null,
                    new JsonObject { ["self"] = evaluation, ["model"] = model, ["nTrials"] = 1 },
                    new JsonObject { ["model_success"] = new JsonObject { ["true_count"] = 1, ["true_fraction"] = 0.5 } }, displayName: "shapes-eval_tsModel"),
                Call("a-pas-1", Ops + "Evaluation.predictAndScore:P", "2026-12-04T18:13:20.100Z", "2026-12-04T18:13:20.300Z", "a-root", PasInputs(row),
                    JsonNode.Parse("{\"model_success\":true,\"model_output\":\"4\",\"scores\":{\"exactMatch\":true,\"graded\":{\"correct\":true,\"score\":0.8}},\"model_latency\":0.096}")),
                Call("a-model-1", model, "2026-12-04T18:13:20.110Z", "2026-12-04T18:13:20.200Z", "a-pas-1",
                    new JsonObject { ["arg0"] = new JsonObject { ["datasetRow"] = row } }, "4"),
                Call("a-exact-1", Ops + "exactMatch:S1", "2026-12-04T18:13:20.210Z", "2026-12-04T18:13:20.220Z", "a-pas-1",
                    new JsonObject { ["arg0"] = new JsonObject { ["datasetRow"] = row, ["modelOutput"] = "4" } }, true),
                Call("a-graded-1", Ops + "graded:S2", "2026-12-04T18:13:20.230Z", "2026-12-04T18:13:20.240Z", "a-pas-1",
                    new JsonObject { ["arg0"] = new JsonObject { ["datasetRow"] = row, ["modelOutput"] = "4" } }, JsonNode.Parse("{\"correct\":true,\"score\":0.8}")),
                Call("a-pas-2", Ops + "Evaluation.predictAndScore:P", "2026-12-04T18:13:20.400Z", "2026-12-04T18:13:20.500Z", "a-root", PasInputs(failingRow),
                    JsonNode.Parse("{\"model_success\":false,\"scores\":{},\"model_latency\":0.01}")),
                Call("a-model-2", model, "2026-12-04T18:13:20.410Z", "2026-12-04T18:13:20.420Z", "a-pas-2",
                    new JsonObject { ["arg0"] = new JsonObject { ["datasetRow"] = failingRow } }, null, exception: "model exploded"));

            var result = await QueryAsync("a-root");

            var rows = result["rows"]!.AsArray();
            Assert.Equal(rowDigests.Order(System.StringComparer.Ordinal), rows.Select(r => (string)r!["row_digest"]!));
            var succeeded = rows.Single(r => (string)r!["row_digest"]! == rowDigests[0])!;
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"id\":\"q1\",\"question\":\"What is 2+2?\",\"expected\":\"4\"}"), succeeded["raw_data_row"]), succeeded["raw_data_row"]!.ToJsonString());
            var trial = succeeded["evaluations"]![0]!["trials"]!.AsArray().Single()!;
            Assert.Equal("a-pas-1", (string)trial["predict_and_score_call_id"]!);
            Assert.Equal("{\"exactMatch\":true,\"graded\":{\"correct\":true,\"score\":0.8}}", trial["scores"]!.ToJsonString());
            // The server's gaps for this shape: it reads output.output, a predict child by name or
            // inputs.self == inputs.model, and model_latency only as {mean}; it marks no scorer child.
            Assert.Null(trial["model_output"]);
            Assert.Null(trial["model_latency_seconds"]);
            Assert.Null(trial["predict_call_id"]);
            Assert.Equal("{}", trial["scorer_call_ids"]!.ToJsonString());
            var failed = rows.Single(r => (string)r!["row_digest"]! == rowDigests[1])!["evaluations"]![0]!["trials"]!.AsArray().Single()!;
            Assert.Equal("{}", failed["scores"]!.ToJsonString());
            Assert.Null(failed["model_output"]);

            var summary = result["summary"]!["evaluations"]!.AsArray().Single()!;
            Assert.Equal(2, (int)summary["trial_count"]!);
            Assert.Equal("shapes-eval_tsModel", (string)summary["display_name"]!);
            Assert.Equal(model, (string)summary["model_ref"]!);
            var exact = summary["scorer_stats"]!.AsArray().First(s => (string)s!["scorer_key"]! == "exactMatch")!;
            Assert.Equal(1, (int)exact["trial_count"]!);
            Assert.Equal(1.0, (double)exact["pass_rate"]!);
        }

        [Fact]
        public async Task EvaluationLogger_trials_have_output_predict_call_latency_and_scorer_calls()
        {
            var evaluation = $"weave:///{Project}/object/shapes-logger:EvalDigest";
            var model = $"weave:///{Project}/object/loggerModel:ModelDigest";
            var example = new JsonObject { ["question"] = "What is 2+2?", ["expected"] = "4" };
            var meta = new JsonObject { ["_weave_eval_meta"] = new JsonObject { ["imperative"] = true } };
            var scorerMeta = new JsonObject { ["_weave_eval_meta"] = new JsonObject { ["imperative"] = true, ["score"] = true } };
            await WriteAsync(
                Call("b-root", Ops + "Evaluation.evaluate:E", "2026-12-04T18:14:00.000Z", "2026-12-04T18:14:01.000Z", null,
                    new JsonObject { ["self"] = evaluation, ["model"] = model }, new JsonObject(), meta),
                Call("b-pas", Ops + "Evaluation.predict_and_score:P", "2026-12-04T18:14:00.100Z", "2026-12-04T18:14:00.300Z", "b-root",
                    new JsonObject { ["self"] = evaluation, ["model"] = model, ["example"] = example.DeepClone() },
                    JsonNode.Parse("{\"output\":\"4\",\"scores\":{\"exactMatch\":true}}"), meta),
                Call("b-predict", Ops + "Model.predict:M", "2026-12-04T18:14:00.100Z", "2026-12-04T18:14:00.148Z", "b-pas",
                    new JsonObject { ["arg0"] = example.DeepClone() }, "4", meta),
                Call("b-exact", Ops + "exactMatch.score:S", "2026-12-04T18:14:00.150Z", "2026-12-04T18:14:00.160Z", "b-pas",
                    new JsonObject { ["self"] = $"weave:///{Project}/object/exactMatch:X", ["output"] = "4" }, true, scorerMeta));

            var result = await QueryAsync("b-root");

            var row = result["rows"]!.AsArray().Single()!;
            Assert.Matches("^[0-9A-F]{64}$", (string)row["row_digest"]!);
            Assert.True(JsonNode.DeepEquals(example, row["raw_data_row"]), row["raw_data_row"]!.ToJsonString());
            var trial = row["evaluations"]![0]!["trials"]!.AsArray().Single()!;
            Assert.Equal("\"4\"", trial["model_output"]!.ToJsonString());
            Assert.Equal("b-predict", (string)trial["predict_call_id"]!);
            Assert.Equal(0.048, (double)trial["model_latency_seconds"]!, 6);
            Assert.Equal("{\"exactMatch\":\"b-exact\"}", trial["scorer_call_ids"]!.ToJsonString());
        }
    }
}
