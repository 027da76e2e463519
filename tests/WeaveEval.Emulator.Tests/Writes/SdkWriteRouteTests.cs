using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using WeaveEval.Emulator.Tests.Host;

namespace WeaveEval.Emulator.Tests.Writes
{
    /// <summary>An empty emulator that forbids one project, for the write routes.</summary>
    public sealed class WriteFixture : EmulatorFixture
    {
        public const string ForbiddenProject = "interop/forbidden";

        protected override EmulatorOptions Options => new() { Seed = "none", ForbiddenProjects = new[] { ForbiddenProject } };
    }

    /// <summary>The SDK write routes: what each stores, answers and rejects (each test writes to a project of its own).</summary>
    public sealed class SdkWriteRouteTests : IClassFixture<WriteFixture>
    {
        private readonly WriteFixture emulator;

        public SdkWriteRouteTests(WriteFixture emulator)
        {
            this.emulator = emulator;
        }

        /// <summary>43-character Weave digest computed here from the text Python's json.dumps(sort_keys=True) prints.</summary>
        private static string Digest(string pythonJson) => Digest(Encoding.UTF8.GetBytes(pythonJson));

        private static string Digest(byte[] content) =>
            Convert.ToBase64String(SHA256.HashData(content)).TrimEnd('=').Replace('+', 'X').Replace('/', 'Y');

        private Task<Reply> PostAsync(string path, JsonNode body) => emulator.PostAsync(path, body.ToJsonString());

        private static JsonObject Start(string project, string id, string op, string startedAt, string? parent = null, string? trace = null, JsonObject? inputs = null) => new()
        {
            ["mode"] = "start",
            ["req"] = new JsonObject
            {
                ["start"] = new JsonObject
                {
                    ["project_id"] = project,
                    ["id"] = id,
                    ["op_name"] = op,
                    ["trace_id"] = trace ?? "trace-" + project,
                    ["parent_id"] = parent,
                    ["started_at"] = startedAt,
                    ["attributes"] = new JsonObject { ["weave"] = new JsonObject { ["client_version"] = "0.11.1", ["source"] = "js-sdk" } },
                    ["inputs"] = inputs ?? new JsonObject(),
                },
            },
        };

        private static JsonObject End(string project, string id, string endedAt, JsonNode? output, string? exception = null)
        {
            var end = new JsonObject { ["project_id"] = project, ["id"] = id, ["ended_at"] = endedAt, ["output"] = output, ["summary"] = new JsonObject() };
            if (exception is not null) end["exception"] = exception;
            return new JsonObject { ["mode"] = "end", ["req"] = new JsonObject { ["end"] = end } };
        }

        private static JsonObject Batch(params JsonObject[] items) => new() { ["batch"] = new JsonArray(items) };

        private async Task<JsonObject[]> CallsAsync(string project, string extra = "")
        {
            var reply = await emulator.PostAsync("/calls/stream_query", $"{{\"project_id\":\"{project}\"{extra}}}");
            Assert.True(reply.Status == HttpStatusCode.OK, reply.Body);
            return reply.Lines.ToArray();
        }

        [Fact]
        public async Task File_create_stores_the_content_under_its_content_digest_and_file_content_reads_it_back()
        {
            const string source = "function exactMatch({ datasetRow, modelOutput }) { return modelOutput === datasetRow.expected; }";
            using var form = new MultipartFormDataContent
            {
                { new StringContent("interop/files"), "project_id" },
                { new ByteArrayContent(Encoding.UTF8.GetBytes(source)), "file", "blob" },
            };

            var reply = await Reply.ReadAsync(emulator.Client.PostAsync("/file/create", form));

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            var digest = (string)reply.Json["digest"]!;
            Assert.Equal(Digest(Encoding.UTF8.GetBytes(source)), digest);
            var content = await PostAsync("/file/content", new JsonObject { ["project_id"] = "interop/files", ["digest"] = digest });
            Assert.Equal(HttpStatusCode.OK, content.Status);
            Assert.Equal("application/octet-stream", content.ContentType);
            Assert.Equal(source, content.Body);
            var unknown = await PostAsync("/file/content", new JsonObject { ["project_id"] = "interop/files", ["digest"] = "missing" });
            Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
            Assert.Equal("{\"reason\":\"File missing not found\"}", unknown.Body);
        }

        [Fact]
        public async Task File_create_without_the_file_part_is_a_422_naming_it()
        {
            using var form = new MultipartFormDataContent { { new StringContent("interop/files"), "project_id" } };

            var reply = await Reply.ReadAsync(emulator.Client.PostAsync("/file/create", form));

            Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
            Assert.Equal("[\"body\",\"file\"]", reply.Json["detail"]![0]!["loc"]!.ToJsonString());
        }

        [Fact]
        public async Task Obj_create_answers_the_content_digest_and_keeps_one_version_per_distinct_value()
        {
            JsonObject Scorer(string description) => new()
            {
                ["obj"] = new JsonObject
                {
                    ["project_id"] = "interop/objects",
                    ["object_id"] = "exactMatch",
                    ["val"] = new JsonObject
                    {
                        ["_type"] = "exactMatch",
                        ["_class_name"] = "exactMatch",
                        ["_bases"] = new JsonArray("Scorer", "Object", "BaseModel"),
                        ["name"] = "exactMatch",
                        ["description"] = description,
                    },
                },
            };

            var first = await PostAsync("/obj/create", Scorer("v1"));
            var again = await PostAsync("/obj/create", Scorer("v1"));
            var changed = await PostAsync("/obj/create", Scorer("v2"));

            Assert.Equal(HttpStatusCode.OK, first.Status);
            Assert.Equal(
                Digest("{\"_bases\": [\"Scorer\", \"Object\", \"BaseModel\"], \"_class_name\": \"exactMatch\", \"_type\": \"exactMatch\", \"description\": \"v1\", \"name\": \"exactMatch\"}"),
                (string)first.Json["digest"]!);
            Assert.Equal("exactMatch", (string)first.Json["object_id"]!);
            Assert.Equal(first.Body, again.Body);
            Assert.NotEqual((string)first.Json["digest"]!, (string)changed.Json["digest"]!);
            var versions = emulator.Server.Store.ObjectVersions("interop/objects", "exactMatch");
            Assert.Equal(new[] { 0, 1 }, versions.Select(v => v.VersionIndex));
            Assert.All(versions, v => Assert.Equal("Scorer", v.BaseObjectClass));

            // The base class makes the SDK's scorer object a scorer of the v2 routes.
            var scorer = await emulator.GetAsync($"/v2/interop/objects/scorers/exactMatch/versions/{first.Json["digest"]}");
            Assert.Equal(HttpStatusCode.OK, scorer.Status);
            Assert.Equal("exactMatch", (string)scorer.Json["name"]!);
        }

        [Theory]
        [InlineData("{\"_type\":\"Dataset\",\"_class_name\":\"Dataset\",\"_bases\":[\"Object\",\"BaseModel\"],\"name\":\"d\"}", "Dataset")]
        [InlineData("{\"_type\":\"Model\",\"_class_name\":\"Model\",\"_bases\":[\"Object\",\"BaseModel\"],\"name\":\"m\"}", "Model")]
        [InlineData("{\"_type\":\"CustomWeaveType\",\"weave_type\":{\"type\":\"Op\"},\"files\":{\"obj.py\":\"abc\"},\"load_op\":\"NO_LOAD_OP\"}", null)]
        public async Task Obj_create_derives_the_base_class_from_bases_as_the_server_does(string val, string? expected)
        {
            var objectId = "object-" + Guid.NewGuid().ToString("N");
            var reply = await emulator.PostAsync("/obj/create", $"{{\"obj\":{{\"project_id\":\"interop/classes\",\"object_id\":\"{objectId}\",\"val\":{val}}}}}");

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(expected, emulator.Server.Store.ObjectVersions("interop/classes", objectId).Single().BaseObjectClass);
        }

        [Fact]
        public async Task Table_create_answers_row_digests_in_insertion_order_and_table_query_returns_them_in_that_order()
        {
            // Row digests of these rows do not sort in insertion order, so a sorted answer would be caught.
            var rows = new JsonArray(
                new JsonObject { ["id"] = "q1", ["question"] = "What is 2+2?" },
                new JsonObject { ["id"] = "q2", ["question"] = "Capital of France?" },
                new JsonObject { ["id"] = "q3", ["question"] = "Sky colour?" });
            var expectedRows = new[]
            {
                Digest("{\"id\": \"q1\", \"question\": \"What is 2+2?\"}"),
                Digest("{\"id\": \"q2\", \"question\": \"Capital of France?\"}"),
                Digest("{\"id\": \"q3\", \"question\": \"Sky colour?\"}"),
            };
            Assert.NotEqual(expectedRows.Order(StringComparer.Ordinal), expectedRows);

            var created = await PostAsync("/table/create", new JsonObject { ["table"] = new JsonObject { ["project_id"] = "interop/tables", ["rows"] = rows } });
            var tableDigest = (string)created.Json["digest"]!;
            var all = await PostAsync("/table/query", new JsonObject { ["project_id"] = "interop/tables", ["digest"] = tableDigest });
            var page = await PostAsync("/table/query", new JsonObject { ["project_id"] = "interop/tables", ["digest"] = tableDigest, ["offset"] = 1, ["limit"] = 1 });
            var unknown = await PostAsync("/table/query", new JsonObject { ["project_id"] = "interop/tables", ["digest"] = new string('0', 64) });

            Assert.Equal(HttpStatusCode.OK, created.Status);
            Assert.Equal(expectedRows, created.Json["row_digests"]!.AsArray().Select(d => (string)d!));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(expectedRows)))), tableDigest);
            Assert.Equal(expectedRows, all.Json["rows"]!.AsArray().Select(r => (string)r!["digest"]!));
            Assert.Equal(new[] { 0, 1, 2 }, all.Json["rows"]!.AsArray().Select(r => (int)r!["original_index"]!));
            Assert.Equal("{\"id\":\"q2\",\"question\":\"Capital of France?\"}", all.Json["rows"]![1]!["val"]!.ToJsonString());
            Assert.Equal(expectedRows[1], (string)page.Json["rows"]!.AsArray().Single()!["digest"]!);
            Assert.Equal("{\"rows\":[]}", unknown.Body);
        }

        [Fact]
        public async Task Upsert_batch_stores_children_that_start_before_their_parent_and_ends_that_come_before_their_start()
        {
            const string project = "interop/out-of-order";
            var reply = await PostAsync("/call/upsert_batch", Batch(
                Start(project, "child", "weave:///interop/out-of-order/op/tsModel:abc", "2026-12-04T18:13:20.400Z", parent: "root"),
                End(project, "root", "2026-12-04T18:13:21.000Z", new JsonObject { ["exactMatch"] = new JsonObject { ["true_count"] = 1 } }),
                End(project, "child", "2026-12-04T18:13:20.500Z", "4"),
                Start(project, "root", "weave:///interop/out-of-order/op/Evaluation.evaluate:def", "2026-12-04T18:13:20.335Z")));

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("{\"res\":[{\"id\":\"child\",\"trace_id\":\"trace-interop/out-of-order\"},{},{},{\"id\":\"root\",\"trace_id\":\"trace-interop/out-of-order\"}]}", reply.Body);
            var calls = await CallsAsync(project);
            Assert.Equal(new[] { "root", "child" }, calls.Select(c => (string)c["id"]!));
            Assert.Equal("2026-12-04T18:13:21Z", (string)calls[0]["ended_at"]!);
            Assert.Equal("{\"exactMatch\":{\"true_count\":1}}", calls[0]["output"]!.ToJsonString());
            Assert.Equal("success", (string)calls[0]["summary"]!["weave"]!["status"]!);
            Assert.Equal("root", (string)calls[1]["parent_id"]!);
            Assert.Equal("\"4\"", calls[1]["output"]!.ToJsonString());
            Assert.Equal(100, (int)calls[1]["summary"]!["weave"]!["latency_ms"]!);
        }

        [Fact]
        public async Task An_end_sent_before_its_start_leaves_the_call_invisible_until_the_start_arrives()
        {
            const string project = "interop/start-end";
            var ended = await PostAsync("/call/end", End(project, "late-start", "2026-12-04T18:13:22.000Z", null, exception: "model exploded")["req"]!.DeepClone());
            var invisible = await CallsAsync(project);
            var started = await PostAsync("/call/start", Start(project, "late-start", "tsModel", "2026-12-04T18:13:21.000Z")["req"]!.DeepClone());
            var visible = await CallsAsync(project);

            Assert.Equal("{}", ended.Body);
            Assert.Empty(invisible);
            Assert.Equal("{\"id\":\"late-start\",\"trace_id\":\"trace-interop/start-end\"}", started.Body);
            var call = visible.Single();
            Assert.Equal("model exploded", (string)call["exception"]!);
            Assert.Equal("error", (string)call["summary"]!["weave"]!["status"]!);
        }

        [Fact]
        public async Task A_start_without_ids_gets_server_made_UUIDv7_ids_and_a_resent_start_changes_nothing()
        {
            const string project = "interop/ids";
            var start = Start(project, "x", "tsModel", "2026-12-04T18:13:21.000Z")["req"]!.AsObject();
            start["start"]!.AsObject().Remove("id");
            start["start"]!.AsObject().Remove("trace_id");

            var made = await PostAsync("/call/start", start);
            var id = (string)made.Json["id"]!;
            var resent = Start(project, id, "another-op", "2026-12-04T18:13:25.000Z", trace: (string)made.Json["trace_id"]!)["req"]!;
            await PostAsync("/call/start", resent);

            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-7", (string)made.Json["trace_id"]!);
            Assert.NotEqual(id, (string)made.Json["trace_id"]!);
            Assert.Equal("tsModel", (string)(await CallsAsync(project)).Single()["op_name"]!);
        }

        [Fact]
        public async Task A_batch_with_one_invalid_item_is_a_422_that_stores_nothing()
        {
            const string project = "interop/invalid";
            var broken = Start(project, "broken", "op", "2026-12-04T18:13:21.000Z");
            broken["req"]!["start"]!.AsObject().Remove("op_name");

            var reply = await PostAsync("/call/upsert_batch", Batch(Start(project, "fine", "op", "2026-12-04T18:13:20.000Z"), broken,
                new JsonObject { ["mode"] = "update", ["req"] = new JsonObject() }));

            Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
            var detail = reply.Json["detail"]!.AsArray();
            Assert.Equal("[\"body\",\"batch\",1,\"req\",\"start\",\"op_name\"]", detail[0]!["loc"]!.ToJsonString());
            Assert.Equal("missing", (string)detail[0]!["type"]!);
            Assert.Equal("[\"body\",\"batch\",2,\"mode\"]", detail[1]!["loc"]!.ToJsonString());
            Assert.Equal("literal_error", (string)detail[1]!["type"]!);
            Assert.Empty(await CallsAsync(project));
        }

        [Fact]
        public async Task Feedback_create_answers_its_id_and_the_calls_query_shows_it_on_the_call()
        {
            const string project = "interop/feedback";
            await PostAsync("/call/upsert_batch", Batch(Start(project, "predict", "Model.predict", "2026-12-04T18:13:20.000Z"), End(project, "predict", "2026-12-04T18:13:20.010Z", "4")));

            var reply = await PostAsync("/feedback/create", new JsonObject
            {
                ["project_id"] = project,
                ["weave_ref"] = "weave:///interop/feedback/call/predict",
                ["feedback_type"] = "wandb.runnable.exactMatch",
                ["payload"] = new JsonObject { ["output"] = true },
                ["runnable_ref"] = "weave:///interop/feedback/object/exactMatch:abc",
                ["call_ref"] = "weave:///interop/feedback/call/scorer",
            });
            var withFeedback = (await CallsAsync(project, ",\"include_feedback\":true")).Single();
            var without = (await CallsAsync(project)).Single();

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-7", (string)reply.Json["id"]!);
            Assert.Equal("{\"output\":true}", reply.Json["payload"]!.ToJsonString());
            var feedback = withFeedback["summary"]!["weave"]!["feedback"]!.AsArray().Single()!;
            Assert.Equal((string)reply.Json["id"]!, (string)feedback["id"]!);
            Assert.Equal("wandb.runnable.exactMatch", (string)feedback["feedback_type"]!);
            Assert.Equal("weave:///interop/feedback/call/scorer", (string)feedback["call_ref"]!);
            Assert.Null(without["summary"]!["weave"]!["feedback"]);
        }

        [Theory]
        [InlineData("/call/upsert_batch")]
        [InlineData("/traces/call/upsert_batch")]
        [InlineData("/obj/create")]
        [InlineData("/traces/table/query")]
        public async Task Write_routes_need_the_key_and_also_answer_under_the_traces_prefix(string path)
        {
            using var anonymous = EmulatorFixture.CreateClient(emulator.Server, apiKey: null);

            var refused = await Reply.ReadAsync(anonymous.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json")));
            var validated = await emulator.PostAsync(path, "{}");

            Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, validated.Status);
        }

        [Fact]
        public async Task Writes_to_a_forbidden_project_are_refused_with_403_and_store_nothing()
        {
            var reply = await PostAsync("/call/upsert_batch", Batch(Start(WriteFixture.ForbiddenProject, "no", "op", "2026-12-04T18:13:20.000Z")));

            Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
            Assert.Equal("{\"reason\":\"Forbidden\"}", reply.Body);
            Assert.Empty(emulator.Server.Store.Calls(WriteFixture.ForbiddenProject));
        }

        [Fact]
        public async Task A_GET_on_a_write_route_is_405_with_Allow_POST()
        {
            var reply = await emulator.GetAsync("/table/create");

            Assert.Equal(HttpStatusCode.MethodNotAllowed, reply.Status);
            Assert.Equal("POST", reply.Message.Content.Headers.Allow.Single());
        }
    }
}
