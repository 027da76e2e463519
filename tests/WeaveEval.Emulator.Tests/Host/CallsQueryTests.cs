using System;
using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using WeaveEval.Emulator.Seeding;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.Tests.Host
{
    public sealed class CallsQueryTests : IClassFixture<EmulatorFixture>
    {
        private const string EvaluateWildcard = "weave:///acme-ai/support-bot/op/Evaluation.evaluate:*";
        private const string SdkEvaluateOp = "weave:///acme-ai/support-bot/op/Evaluation.evaluate:eDarY3UZ92eY5NFMUd7LuU0YQb7STGiYBxLEa7KMnhg";
        private readonly EmulatorFixture emulator;

        public CallsQueryTests(EmulatorFixture emulator)
        {
            this.emulator = emulator;
        }

        private async Task<Reply> QueryAsync(string bodyFields, string project = "acme-ai/support-bot") =>
            await emulator.PostAsync("/calls/stream_query", $"{{\"project_id\":\"{project}\"{(bodyFields.Length > 0 ? "," : "")}{bodyFields}}}");

        private async Task<string[]> IdsAsync(string bodyFields, string project = "acme-ai/support-bot")
        {
            var reply = await QueryAsync(bodyFields, project);
            Assert.True(reply.Status == HttpStatusCode.OK, reply.Body);
            return reply.Lines.Select(line => (string)line["id"]!).ToArray();
        }

        private static string Runs(string extra = "") => $"\"filter\":{{\"op_names\":[\"{EvaluateWildcard}\"]}}{extra}";

        [Fact]
        public async Task The_version_wildcard_finds_SDK_and_API_runs_and_exact_names_find_one_op_version()
        {
            var all = await IdsAsync(Runs());
            var sdkOnly = await IdsAsync($"\"filter\":{{\"op_names\":[\"{SdkEvaluateOp}\"]}}");
            var latest = await IdsAsync("\"filter\":{\"op_names\":[\"weave:///acme-ai/support-bot/op/Evaluation.evaluate:latest\"]}");
            var plainName = await IdsAsync("\"filter\":{\"op_names\":[\"Evaluation.evaluate\"]}");

            Assert.Equal(new[] { SupportBotScenario.RunA, SupportBotScenario.RunB, SupportBotScenario.RunC, SupportBotScenario.RunD }, all);
            Assert.Equal(new[] { SupportBotScenario.RunA, SupportBotScenario.RunB }, sdkOnly);
            Assert.Empty(latest);
            Assert.Empty(plainName);
        }

        [Fact]
        public async Task Sorting_follows_sort_by_and_limit_offset_page_the_sorted_list()
        {
            var newestFirst = await IdsAsync(Runs(",\"sort_by\":[{\"field\":\"started_at\",\"direction\":\"desc\"}]"));
            var page = await IdsAsync(Runs(",\"sort_by\":[{\"field\":\"started_at\",\"direction\":\"desc\"}],\"limit\":2,\"offset\":1"));
            var byLatency = await IdsAsync(Runs(",\"sort_by\":[{\"field\":\"summary.weave.latency_ms\",\"direction\":\"asc\"}]"));

            Assert.Equal(new[] { SupportBotScenario.RunD, SupportBotScenario.RunC, SupportBotScenario.RunB, SupportBotScenario.RunA }, newestFirst);
            Assert.Equal(newestFirst.Skip(1).Take(2), page);
            Assert.Equal(new[] { SupportBotScenario.RunD, SupportBotScenario.RunA, SupportBotScenario.RunC, SupportBotScenario.RunB }, byLatency);
        }

        [Fact]
        public async Task Equal_sort_keys_are_broken_by_id_ascending_in_both_directions()
        {
            var writer = new ProjectWriter(emulator.Server.Store, "acme-ai/ties", seed: 3);
            var at = new DateTime(2026, 7, 1, 0, 0, 0, DateTimeKind.Utc);
            foreach (var id in new[] { "0000000c", "0000000a", "0000000b" })
            {
                writer.AddCall("plain-op", at, at.AddSeconds(1), new JsonObject(), new JsonObject(), null, null, id: id);
            }

            var ascending = await IdsAsync("\"sort_by\":[{\"field\":\"started_at\",\"direction\":\"asc\"}]", "acme-ai/ties");
            var descending = await IdsAsync("\"sort_by\":[{\"field\":\"started_at\",\"direction\":\"desc\"}]", "acme-ai/ties");

            Assert.Equal(new[] { "0000000a", "0000000b", "0000000c" }, ascending);
            Assert.Equal(ascending, descending);
        }

        [Fact]
        public async Task Unselected_columns_come_back_as_defaults_and_summary_pulls_in_its_dependencies()
        {
            var idOnly = (await QueryAsync($"\"filter\":{{\"call_ids\":[\"{SupportBotScenario.RunA}\"]}},\"columns\":[\"id\"]")).Lines.Single();
            var withSummary = (await QueryAsync($"\"filter\":{{\"call_ids\":[\"{SupportBotScenario.RunA}\"]}},\"columns\":[\"summary\"]")).Lines.Single();
            var everything = (await QueryAsync($"\"filter\":{{\"call_ids\":[\"{SupportBotScenario.RunA}\"]}}")).Lines.Single();

            Assert.Equal(everything.Select(p => p.Key), idOnly.Select(p => p.Key));
            Assert.Null(idOnly["ended_at"]);
            Assert.Null(idOnly["display_name"]);
            Assert.Equal("{}", idOnly["inputs"]!.ToJsonString());
            Assert.Equal("{}", idOnly["attributes"]!.ToJsonString());
            Assert.Equal("{\"weave\":{\"status\":\"running\",\"trace_name\":\"Evaluation.evaluate\"}}", idOnly["summary"]!.ToJsonString());
            Assert.NotNull(withSummary["ended_at"]);
            Assert.Equal("eval-2026-07-10-brave-otter", (string)withSummary["display_name"]!);
            Assert.Equal("success", (string)withSummary["summary"]!["weave"]!["status"]!);
            Assert.Equal("{}", withSummary["inputs"]!.ToJsonString());
        }

        [Fact]
        public async Task Filters_narrow_by_refs_parents_roots_and_users()
        {
            const string gpt4o = "weave:///acme-ai/support-bot/object/GPT4oSupportModel:rgtMmTRF5OVm6r67vwDZBarYfDJ4QXRAvODjCWT4TxM";
            var byModel = await IdsAsync($"\"filter\":{{\"op_names\":[\"{EvaluateWildcard}\"],\"input_refs\":[\"{gpt4o}\"]}}");
            var children = await IdsAsync($"\"filter\":{{\"parent_ids\":[\"{SupportBotScenario.RunA}\"]}}");
            var roots = await IdsAsync("\"filter\":{\"trace_roots_only\":true}");
            var byUser = await IdsAsync($"\"filter\":{{\"op_names\":[\"{EvaluateWildcard}\"],\"wb_user_ids\":[\"VXNlcjo0MjQyNDI=\"]}}");

            Assert.Equal(new[] { SupportBotScenario.RunA, SupportBotScenario.RunD }, byModel);
            Assert.Equal(emulator.Server.Store.Children(SupportBotScenario.ProjectId, SupportBotScenario.RunA).Select(c => c.Id).OrderBy(id => id), children.OrderBy(id => id));
            Assert.Equal(new[] { SupportBotScenario.RunA, SupportBotScenario.RunB, SupportBotScenario.RunC, SupportBotScenario.RunD }, roots);
            Assert.Equal(new[] { SupportBotScenario.RunA, SupportBotScenario.RunB }, byUser);
        }

        [Fact]
        public async Task Empty_thread_and_turn_lists_have_their_quirks()
        {
            Assert.Empty(await IdsAsync("\"filter\":{\"thread_ids\":[]}"));
            Assert.Empty(await IdsAsync(Runs().Replace("]}", "],\"turn_ids\":[]}")));
            Assert.NotEmpty(await IdsAsync("\"filter\":{\"turn_ids\":[],\"call_ids\":[]}"));
            Assert.Equal(4, (await IdsAsync(Runs().Replace("]}", "],\"call_ids\":[]}"))).Length);
        }

        [Theory]
        [InlineData("{\"$eq\":[{\"$getField\":\"summary.weave.status\"},{\"$literal\":\"running\"}]}", new[] { SupportBotScenario.RunB })]
        [InlineData("{\"$not\":[{\"$eq\":[{\"$getField\":\"summary.weave.status\"},{\"$literal\":\"running\"}]}]}", new[] { SupportBotScenario.RunA, SupportBotScenario.RunC, SupportBotScenario.RunD })]
        [InlineData("{\"$eq\":[{\"$getField\":\"attributes.weave.evaluation_run\"},{\"$literal\":\"true\"}]}", new[] { SupportBotScenario.RunC, SupportBotScenario.RunD })]
        [InlineData("{\"$gt\":[{\"$getField\":\"started_at\"},{\"$literal\":1783728000}]}", new[] { SupportBotScenario.RunC, SupportBotScenario.RunD })]
        [InlineData("{\"$contains\":{\"input\":{\"$getField\":\"display_name\"},\"substr\":{\"$literal\":\"OTTER\"},\"case_insensitive\":true}}", new[] { SupportBotScenario.RunA })]
        [InlineData("{\"$contains\":{\"input\":{\"$getField\":\"display_name\"},\"substr\":{\"$literal\":\"OTTER\"}}}", new string[0])]
        [InlineData("{\"$in\":[{\"$getField\":\"id\"},[{\"$literal\":\"" + SupportBotScenario.RunD + "\"},{\"$literal\":\"" + SupportBotScenario.RunB + "\"}]]}", new[] { SupportBotScenario.RunB, SupportBotScenario.RunD })]
        [InlineData("{\"$and\":[{\"$gte\":[{\"$convert\":{\"input\":{\"$getField\":\"summary.weave.latency_ms\"},\"to\":\"double\"}},{\"$literal\":10000}]},{\"$lt\":[{\"$getField\":\"summary.weave.latency_ms\"},{\"$literal\":20000}]}]}", new[] { SupportBotScenario.RunA })]
        [InlineData("{\"$or\":[{\"$eq\":[{\"$getField\":\"display_name\"},{\"$literal\":null}]},{\"$eq\":[{\"$getField\":\"summary.status_counts.error\"},{\"$literal\":0}]}]}", new[] { SupportBotScenario.RunA, SupportBotScenario.RunC, SupportBotScenario.RunD })]
        public async Task The_query_language_is_evaluated_per_call(string expression, string[] expected)
        {
            var ids = await IdsAsync(Runs($",\"query\":{{\"$expr\":{expression}}}"));

            Assert.Equal(expected, ids);
        }

        [Fact]
        public async Task Query_stats_counts_the_same_selection_and_caps_with_limit()
        {
            var all = await emulator.PostAsync("/calls/query_stats", $"{{\"project_id\":\"acme-ai/support-bot\",{Runs()}}}");
            var capped = await emulator.PostAsync("/calls/query_stats", $"{{\"project_id\":\"acme-ai/support-bot\",{Runs()},\"limit\":3}}");
            var running = await emulator.PostAsync("/calls/query_stats",
                $"{{\"project_id\":\"acme-ai/support-bot\",{Runs()},\"query\":{{\"$expr\":{{\"$eq\":[{{\"$getField\":\"summary.weave.status\"}},{{\"$literal\":\"running\"}}]}}}}}}");

            Assert.Equal("{\"count\":4,\"has_more\":false,\"total_storage_size_bytes\":null}", all.Body);
            Assert.Equal("{\"count\":3,\"has_more\":true,\"total_storage_size_bytes\":null}", capped.Body);
            Assert.Equal(1, (int)running.Json["count"]!);
        }

        [Theory]
        [InlineData("\"limit\":-1", HttpStatusCode.BadRequest, "{\"reason\":\"Limit must be a positive integer\"}")]
        [InlineData("\"offset\":-1", HttpStatusCode.BadRequest, "{\"reason\":\"Offset must be a positive integer\"}")]
        [InlineData("\"query\":{\"$expr\":{\"$and\":[]}}", HttpStatusCode.BadRequest, "{\"reason\":\"Empty AND operation\"}")]
        [InlineData("\"sort_by\":[{\"field\":\"storage_size_bytes\",\"direction\":\"asc\"}]", HttpStatusCode.BadRequest, "{\"reason\":\"Field storage_size_bytes is not allowed in ORDER BY\"}")]
        [InlineData("\"limit\":\"ten\"", HttpStatusCode.UnprocessableEntity, "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"limit\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"ten\"}]}")]
        [InlineData("\"query\":{\"$expr\":{\"$eq\":[{\"$literal\":1},{\"$literal\":1}]},\"extra\":1}", HttpStatusCode.UnprocessableEntity, "{\"detail\":[{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"query\",\"extra\"],\"msg\":\"Extra inputs are not permitted\",\"input\":1}]}")]
        public async Task Bad_requests_get_the_servers_error_bodies(string fields, HttpStatusCode status, string body)
        {
            var reply = await QueryAsync(fields);

            Assert.Equal(status, reply.Status);
            Assert.Equal(body, reply.Body);
        }

        [Fact]
        public async Task Unknown_fields_in_queries_and_columns_are_422_with_the_allowed_list()
        {
            var inQuery = await QueryAsync("\"query\":{\"$expr\":{\"$eq\":[{\"$getField\":\"outputs.x\"},{\"$literal\":1}]}}");
            var inColumns = await QueryAsync("\"columns\":[\"id\",\"nonsense\"]");

            Assert.Equal(HttpStatusCode.UnprocessableEntity, inQuery.Status);
            Assert.StartsWith("{\"reason\":\"Field outputs.x is not allowed. Allowed fields: attributes,", inQuery.Body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, inColumns.Status);
            Assert.StartsWith("{\"reason\":\"Field nonsense is not allowed.", inColumns.Body);
        }

        [Fact]
        public async Task More_than_1000_filter_values_are_refused()
        {
            var ids = string.Join(",", Enumerable.Range(0, 1234).Select(i => $"\"id-{i}\""));
            var reply = await QueryAsync($"\"filter\":{{\"call_ids\":[{ids}]}}");

            Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
            Assert.Equal("{\"reason\":\"Parameter: 'call_ids' request length is greater than max length (1000). Actual length: 1234\"}", reply.Body);
        }

        [Fact]
        public async Task Malformed_JSON_is_a_json_invalid_422()
        {
            var reply = await emulator.PostAsync("/calls/stream_query", "{\"project_id\": ");

            Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
            Assert.Equal("json_invalid", (string)reply.Json["detail"]![0]!["type"]!);
            Assert.Equal("JSON decode error", (string)reply.Json["detail"]![0]!["msg"]!);
        }

        [Fact]
        public async Task Expand_columns_replaces_object_refs_by_the_stored_object_with_its_ref()
        {
            var filter = $"\"filter\":{{\"call_ids\":[\"{SupportBotScenario.RunA}\"]}},\"columns\":[\"inputs\",\"op_name\"]";
            var expanded = (await QueryAsync(filter + ",\"expand_columns\":[\"inputs.model\"]")).Lines.Single();
            var notReturned = (await QueryAsync(filter + ",\"expand_columns\":[\"inputs.model\"],\"return_expanded_column_values\":false")).Lines.Single();

            var model = expanded["inputs"]!["model"]!.AsObject();
            Assert.Equal("weave:///acme-ai/support-bot/object/GPT4oSupportModel:rgtMmTRF5OVm6r67vwDZBarYfDJ4QXRAvODjCWT4TxM", (string)model["_ref"]!);
            Assert.Equal(System.Text.Json.JsonValueKind.String, expanded["inputs"]!["self"]!.GetValueKind());
            Assert.Equal(System.Text.Json.JsonValueKind.String, notReturned["inputs"]!["model"]!.GetValueKind());
        }

        [Fact]
        public async Task Include_feedback_adds_an_empty_feedback_list_before_the_derived_keys()
        {
            var line = (await QueryAsync($"\"filter\":{{\"call_ids\":[\"{SupportBotScenario.RunC}\"]}},\"include_feedback\":true")).Lines.Single();

            Assert.Equal("{\"feedback\":[],\"status\":\"success\",\"latency_ms\":41327,\"trace_name\":\"Evaluation.evaluate\"}", line["summary"]!["weave"]!.ToJsonString());
        }

        [Fact]
        public async Task Deleted_calls_disappear_from_queries_and_reads()
        {
            var writer = new ProjectWriter(emulator.Server.Store, "acme-ai/deleted", seed: 9);
            var at = new DateTime(2026, 7, 2, 0, 0, 0, DateTimeKind.Utc);
            var op = "weave:///acme-ai/deleted/op/Evaluation.evaluate:x";
            var kept = writer.AddCall(op, at, at.AddSeconds(1), new JsonObject(), new JsonObject(), null, null);
            var deleted = writer.AddCall(op, at.AddSeconds(2), at.AddSeconds(3), new JsonObject(), new JsonObject(), null, null);
            emulator.Server.Store.DeleteCall("acme-ai/deleted", deleted.Id, at.AddDays(1));

            var ids = await IdsAsync("\"filter\":{\"op_names\":[\"weave:///acme-ai/deleted/op/Evaluation.evaluate:*\"]}", "acme-ai/deleted");
            var read = await emulator.GetAsync("/v2/acme-ai/deleted/evaluation_runs/" + deleted.Id);

            Assert.Equal(new[] { kept.Id }, ids);
            Assert.Equal(HttpStatusCode.NotFound, read.Status);
        }

        [Fact]
        public async Task A_project_without_calls_streams_an_empty_body()
        {
            var reply = await QueryAsync("", "acme-ai/empty");

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("", reply.Body);
        }
    }
}
