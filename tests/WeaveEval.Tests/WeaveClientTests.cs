using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    public class WeaveClientTests
    {
        private const string RunA = "019f4c56-e6b4-7923-bc1a-adbde48b1697";
        private const string RunB = "019f4c9d-48f7-719a-868f-32b7a6b38b6b";
        private const string RunC = "019f5075-7266-71c2-8e28-b26c57472737";
        private const string RunD = "019f5733-9c01-785b-9858-9a43ce0bba75";

        private static HttpResponseMessage Lines(string body) => StubHandler.Stream(HttpStatusCode.OK, new MemoryStream(Encoding.UTF8.GetBytes(body)));

        private static JsonMap BodyOf(RecordedRequest request) => (JsonMap)JsonText.Parse(request.Body!)!;

        private static string[] Strings(object? list) => ((JsonList)list!).Cast<string>().ToArray();

        [Fact]
        public async Task Runs_are_listed_newest_first_across_pages_with_the_documented_body()
        {
            var pages = new[]
            {
                Examples.Text("calls_stream_query__eval_runs_page1__response.jsonl"),
                Examples.Text("calls_stream_query__eval_runs_page2__response.jsonl"),
                string.Empty,
            };
            var handler = new StubHandler((request, index) => Lines(pages[index]));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var runs = await client.ListEvaluationRunsAsync(new RunListQuery { PageSize = 2 }, CancellationToken.None).ToListAsync();

            Assert.Equal(new[] { RunD, RunC, RunB, RunA }, runs.Select(r => r.EvaluationRunId));
            Assert.Equal(new[] { RunSource.Api, RunSource.Api, RunSource.Sdk, RunSource.Sdk }, runs.Select(r => r.Source));
            Assert.Equal(new[] { "completed", "completed", "running", "completed" }, runs.Select(r => r.Status));
            Assert.Equal(3, handler.Requests.Count);

            var first = handler.Requests[0];
            Assert.Equal("https://trace.example.test/calls/stream_query", first.Uri.AbsoluteUri);
            Assert.Equal("application/jsonl", first.Accept);
            var expected = (JsonMap)JsonText.Parse(Examples.Text("calls_stream_query__eval_runs_page1__request.json"))!;
            Assert.Equal(expected.ToString(), BodyOf(first).ToString());
            Assert.Equal(2L, BodyOf(handler.Requests[1])["offset"]);
            Assert.Equal(4L, BodyOf(handler.Requests[2])["offset"]);
        }

        [Fact]
        public async Task Runs_map_exactly_like_the_v2_single_read()
        {
            var lines = Examples.Text("calls_stream_query__eval_runs_page1__response.jsonl") + Examples.Text("calls_stream_query__eval_runs_page2__response.jsonl");
            var handler = new StubHandler((request, index) => Lines(lines));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var runs = (await client.ListEvaluationRunsAsync(new RunListQuery(), CancellationToken.None).ToListAsync()).ToDictionary(r => r.EvaluationRunId);

            foreach (var file in new[] { "evaluation_run_read__sdk_run_completed__200.json", "evaluation_run_read__sdk_run_running__200.json", "evaluation_run_read__v2_api_run_completed__200.json" })
            {
                var read = (JsonMap)JsonText.Parse(Examples.Text(file))!;
                var run = runs[(string)read["evaluation_run_id"]!];
                Assert.Equal(read["evaluation"], run.Evaluation);
                Assert.Equal(read["model"], run.Model);
                Assert.Equal(read["status"], run.Status);
                Assert.Equal(Timestamps.Parse((string?)read["started_at"]), run.StartedAt);
                Assert.Equal(Timestamps.Parse((string?)read["finished_at"]), run.FinishedAt);
                Assert.Equal(read["summary"]?.ToString(), run.Summary?.ToString());
                Assert.Equal(read["source_evaluation_run_id"], run.SourceEvaluationRunId);
            }

            var a = runs[RunA];
            Assert.Equal("support-qa-eval", a.EvaluationName);
            Assert.Equal("GPT4oSupportModel", a.ModelName);
            Assert.Equal("eval-2026-07-10-brave-otter", a.DisplayName);
            Assert.Equal(DateTimeKind.Utc, a.StartedAt!.Value.Kind);
            Assert.Equal(TimeSpan.FromMilliseconds(18234), a.Duration);
            Assert.Equal("success", a.WeaveStatus);
            Assert.Equal("VXNlcjo0MjQyNDI=", a.WbUserId);
            Assert.Equal("acme-ai", a.Entity);
            Assert.Equal("support-bot", a.Project);
            Assert.Equal(RunA, runs[RunD].SourceEvaluationRunId);
            Assert.Null(runs[RunB].FinishedAt);
            Assert.Null(runs[RunB].Duration);
        }

        [Fact]
        public async Task Filters_go_into_the_body_and_empty_filters_are_not_sent()
        {
            var handler = new StubHandler((request, index) => Lines(string.Empty));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            await client.ListEvaluationRunsAsync(new RunListQuery { InputRefs = new[] { "weave:///acme-ai/support-bot/object/M:x" }, TopLevelOnly = true }, CancellationToken.None).ToListAsync();
            await client.ListEvaluationRunsAsync(new RunListQuery { InputRefs = Array.Empty<string>() }, CancellationToken.None).ToListAsync();

            var filtered = (JsonMap)BodyOf(handler.Requests[0])["filter"]!;
            Assert.Equal(new[] { "weave:///acme-ai/support-bot/object/M:x" }, Strings(filtered["input_refs"]));
            Assert.Equal(true, filtered["trace_roots_only"]);
            var plain = (JsonMap)BodyOf(handler.Requests[1])["filter"]!;
            Assert.Equal(new[] { "op_names" }, plain.Keys);
        }

        [Fact]
        public async Task Runs_seen_on_an_earlier_page_are_not_repeated()
        {
            var page1 = "{\"id\":\"r3\",\"ended_at\":null}\n{\"id\":\"r2\"}\n";
            var page2 = "{\"id\":\"r2\"}\n{\"id\":\"r1\"}\n";
            var page3 = "{\"id\":\"r1\"}\n";
            var pages = new[] { page1, page2, page3 };
            var handler = new StubHandler((request, index) => Lines(pages[index]));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var runs = await client.ListEvaluationRunsAsync(new RunListQuery { PageSize = 2 }, CancellationToken.None).ToListAsync();
            Assert.Equal(new[] { "r3", "r2", "r1" }, runs.Select(r => r.EvaluationRunId));
        }

        [Fact]
        public async Task Breaking_out_of_the_list_stops_requesting_pages()
        {
            var handler = new StubHandler((request, index) => Lines("{\"id\":\"a" + index + "\"}\n{\"id\":\"b" + index + "\"}\n"));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            await foreach (var run in client.ListEvaluationRunsAsync(new RunListQuery { PageSize = 2 }, CancellationToken.None))
            {
                break;
            }
            Assert.Single(handler.Requests);
        }

        [Fact]
        public async Task A_list_that_breaks_off_resumes_without_duplicates_or_gaps()
        {
            var full = "{\"id\":\"r1\"}\n{\"id\":\"r2\"}\n{\"id\":\"r3\"}\n";
            var log = new RecordingLog();
            var handler = new StubHandler((request, index) =>
            {
                if (index == 0) return StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(full, 7, failAfter: full.IndexOf("r2", StringComparison.Ordinal) + 3));
                return Lines(index == 1 ? "{\"id\":\"r2\"}\n{\"id\":\"r3\"}\n" : string.Empty);
            });
            var client = new WeaveClient(Connections.Create(), log, handler, new RecordingDelay().DelayAsync);
            var runs = await client.ListEvaluationRunsAsync(new RunListQuery { PageSize = 3 }, CancellationToken.None).ToListAsync();

            Assert.Equal(new[] { "r1", "r2", "r3" }, runs.Select(r => r.EvaluationRunId));
            Assert.Equal(3, handler.Requests.Count);
            Assert.Equal(1L, BodyOf(handler.Requests[1])["offset"]);
            Assert.Equal(3L, BodyOf(handler.Requests[2])["offset"]);
            Assert.Equal(2L, BodyOf(handler.Requests[1])["limit"]);
            Assert.Contains(log.VerboseLines, line => line.StartsWith("Retry 1/4 of POST /calls/stream_query from offset 1", StringComparison.Ordinal));
        }

        [Fact]
        public async Task A_list_that_keeps_breaking_off_fails_with_the_items_received()
        {
            var handler = new StubHandler((request, index) =>
                index == 0 ? Lines("{\"id\":\"r1\"}\n{\"id\":\"r2\"") : Lines("{\"id\":\"r2\""));
            var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithMaximumRetryCount(2)), NullWeaveLog.Instance, handler, new RecordingDelay().DelayAsync);
            var received = new List<EvaluationRun>();
            var error = await Assert.ThrowsAsync<WeaveStreamInterruptedException>(async () =>
            {
                await foreach (var run in client.ListEvaluationRunsAsync(new RunListQuery { PageSize = 10 }, CancellationToken.None)) received.Add(run);
            });
            Assert.Equal("StreamInterrupted", error.ErrorId);
            Assert.Equal(1, error.ItemsReceived);
            Assert.Single(received);
            Assert.Equal(3, handler.Requests.Count);
        }

        [Fact]
        public async Task Runs_are_read_by_id_in_batches_of_100_without_an_op_filter()
        {
            var ids = Enumerable.Range(0, 250).Select(i => "id" + i).ToList();
            var handler = new StubHandler((request, index) =>
            {
                var asked = Strings(((JsonMap)BodyOf(request)["filter"]!)["call_ids"]);
                return Lines(string.Join("\n", asked.Where(id => id != "id7").Select(id => "{\"id\":\"" + id + "\"}")));
            });
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var runs = await client.ReadEvaluationRunsAsync(ids, CancellationToken.None);

            Assert.Equal(249, runs.Count);
            Assert.False(runs.ContainsKey("id7"));
            Assert.Equal(3, handler.Requests.Count);
            Assert.Equal(new[] { 100, 100, 50 }, handler.Requests.Select(r => Strings(((JsonMap)BodyOf(r)["filter"]!)["call_ids"]).Length));
            Assert.All(handler.Requests, r => Assert.Null(((JsonMap)BodyOf(r)["filter"]!)["op_names"]));
        }

        [Fact]
        public async Task Predictions_are_listed_page_by_page()
        {
            var lines = Examples.Text("predictions_list_by_evaluation_run__200.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var handler = new StubHandler((request, index) =>
            {
                var offset = int.Parse(request.Uri.Query.Split("offset=")[1]);
                return Lines(offset == 5 ? lines[0] : offset < lines.Length ? lines[offset] + "\n" : string.Empty);
            });
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var predictions = await client.ListPredictionsAsync(RunC, new PageRequest { PageSize = 1 }, CancellationToken.None).ToListAsync();

            Assert.Equal(2, predictions.Count);
            Assert.Equal("HaikuSupportModel", predictions[0].ModelName);
            Assert.Equal("Where can I download invoices?", predictions[0].Inputs["question"]);
            Assert.Equal(RunC, predictions[1].EvaluationRunId);
            Assert.Equal("/v2/acme-ai/support-bot/predictions?evaluation_run_id=" + RunC + "&limit=1&offset=0", handler.Requests[0].Uri.PathAndQuery);
            Assert.Equal("/v2/acme-ai/support-bot/predictions?evaluation_run_id=" + RunC + "&limit=1&offset=1", handler.Requests[1].Uri.PathAndQuery);
            Assert.Equal(3, handler.Requests.Count);

            var limited = await client.ListPredictionsAsync(null, new PageRequest { PageSize = 50, Offset = 5, MaxItems = 1 }, CancellationToken.None).ToListAsync();
            Assert.Single(limited);
            Assert.Equal("/v2/acme-ai/support-bot/predictions?limit=1&offset=5", handler.Requests[3].Uri.PathAndQuery);
        }

        [Fact]
        public async Task A_prediction_read_of_an_sdk_call_maps_every_field()
        {
            var handler = new StubHandler((request, index) => StubHandler.Json(HttpStatusCode.OK, Examples.Text("prediction_read__sdk_predict_call__200.json")));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var prediction = await client.ReadPredictionAsync("019f4c56-ea9f-7afc-94da-3bdd19614774", CancellationToken.None);
            Assert.Equal("019f4c56-ea9f-7afc-94da-3bdd19614774", prediction.PredictionId);
            Assert.Equal(string.Empty, prediction.Model);
            Assert.Null(prediction.ModelName);
            Assert.Empty(prediction.Inputs);
            Assert.Equal(RunA, prediction.EvaluationRunId);
            Assert.Equal("acme-ai", prediction.Entity);
        }

        [Fact]
        public async Task The_summary_becomes_one_stat_per_run_and_dimension()
        {
            var handler = new StubHandler((request, index) => StubHandler.Json(HttpStatusCode.OK, Examples.Text("eval_results_query__summary_only__response.json")));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var summary = await client.QueryEvalSummaryAsync(new[] { RunA }, true, CancellationToken.None);

            var body = BodyOf(handler.Requests.Single());
            Assert.Equal(new[] { "evaluation_run_ids", "include_rows", "include_summary", "require_intersection" }, body.Keys);
            Assert.Equal(false, body["include_rows"]);
            Assert.Equal(true, body["require_intersection"]);

            Assert.Equal(3, summary.RowCount);
            Assert.Equal(new[] { "exact_match", "similarity", "LLMJudge.correct", "LLMJudge.score" }, summary.ScorerNames);
            var score = summary.Stats.Single(s => s.Scorer == "LLMJudge.score");
            Assert.Equal(0.7000000000000001, score.Value);
            Assert.Equal(0.7000000000000001, score.NumericMean);
            Assert.Equal("continuous", score.ValueType);
            Assert.Equal("LLMJudge", score.ScorerKey);
            Assert.Equal("score", score.Path);
            var exact = summary.Stats.Single(s => s.Scorer == "exact_match");
            Assert.Equal(0.5, exact.Value);
            Assert.Null(exact.Path);
            Assert.Equal(3, exact.PassTrueCount);
            Assert.Equal(6, exact.EvaluationTrialCount);
            Assert.Equal(3, exact.RowCount);
            Assert.Equal(2435L, exact.TotalTokens);
            Assert.Null(exact.TotalCost);
            Assert.Equal("GPT4oSupportModel", exact.ModelName);
            Assert.Equal("support-qa-eval", exact.EvaluationName);
            Assert.Equal("eval-2026-07-10-brave-otter", exact.DisplayName);
            Assert.Equal(new DateTime(2026, 7, 10, 14, 3, 11, 412, DateTimeKind.Utc), exact.StartedAt);
            Assert.Equal(DateTimeKind.Utc, exact.StartedAt!.Value.Kind);
            Assert.Equal(RunA, exact.EvaluationRunId);
        }

        private static string ResultsPage(IEnumerable<int> rows, long total, params string[] warnings)
        {
            var builder = new StringBuilder("{\"rows\":[");
            builder.Append(string.Join(",", rows.Select(i =>
                "{\"row_digest\":\"d" + i + "\",\"raw_data_row\":{\"n\":" + i + "},\"evaluations\":[" +
                "{\"evaluation_call_id\":\"A\",\"trials\":[{\"predict_and_score_call_id\":\"a" + i + "t0\",\"model_output\":\"o\"},{\"predict_and_score_call_id\":\"a" + i + "t1\",\"model_output\":\"o\"}]}," +
                "{\"evaluation_call_id\":\"B\",\"trials\":[{\"predict_and_score_call_id\":\"b" + i + "t0\",\"model_output\":\"o\"}]}]}")));
            builder.Append("],\"total_rows\":").Append(total).Append(",\"summary\":null,\"warnings\":[");
            builder.Append(string.Join(",", warnings.Select(w => "\"" + w + "\"")));
            builder.Append("]}");
            return builder.ToString();
        }

        [Fact]
        public async Task Eval_results_are_paged_and_yielded_per_trial_in_order()
        {
            var log = new RecordingLog();
            var handler = new StubHandler((request, index) =>
            {
                var body = BodyOf(request);
                var offset = (int)(long)body["offset"]!;
                var limit = (int)(long)body["limit"]!;
                var rows = Enumerable.Range(offset, Math.Max(0, Math.Min(limit, 5 - offset)));
                return StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(ResultsPage(rows, 5, "Failed to resolve dataset row refs; raw_data_row may contain refs"), 7, seed: index + 1));
            });
            var client = new WeaveClient(Connections.Create(), log, handler);
            var query = new EvalResultsQuery { RunIds = new[] { "A", "B" }, RequireIntersection = true, PageSize = 2 };
            var results = await client.QueryEvalResultsAsync(query, CancellationToken.None).ToListAsync();

            Assert.Equal(15, results.Count);
            Assert.Equal(new[] { "a0t0", "a0t1", "b0t0", "a1t0" }, results.Take(4).Select(r => r.PredictAndScoreCallId));
            Assert.Equal(new[] { 0, 1, 0 }, results.Take(3).Select(r => r.TrialIndex));
            Assert.Equal("B", results[2].EvaluationRunId);
            Assert.Equal("d4", results.Last().RowDigest);
            Assert.Equal(4L, results.Last().Inputs!["n"]);
            Assert.Equal(3, handler.Requests.Count);
            Assert.Single(log.WarningLines);

            var first = BodyOf(handler.Requests[0]);
            Assert.Equal(new[] { "evaluation_run_ids", "require_intersection", "include_raw_data_rows", "resolve_row_refs", "include_costs", "include_summary", "limit", "offset" }, first.Keys);
            Assert.Equal(new[] { "A", "B" }, Strings(first["evaluation_run_ids"]));
            Assert.Equal(true, first["include_raw_data_rows"]);
            Assert.Equal(true, first["resolve_row_refs"]);
            Assert.Equal(false, first["include_summary"]);
            Assert.Equal("/v2/acme-ai/support-bot/eval_results/query", handler.Requests[0].Uri.AbsolutePath);
        }

        [Fact]
        public async Task An_eval_results_page_that_breaks_off_is_resumed_from_the_first_row_not_yet_yielded()
        {
            var handler = new StubHandler((request, index) =>
            {
                var body = BodyOf(request);
                var offset = (int)(long)body["offset"]!;
                var limit = (int)(long)body["limit"]!;
                var page = ResultsPage(Enumerable.Range(offset, Math.Max(0, Math.Min(limit, 6 - offset))), 6);
                // The first answer drops in the middle of its third row.
                var failAfter = index == 0 ? page.IndexOf("\"d2\"", StringComparison.Ordinal) + 30 : long.MaxValue;
                return StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(page, 7, failAfter));
            });
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler, new RecordingDelay().DelayAsync);
            var results = await client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "A", "B" }, PageSize = 4 }, CancellationToken.None).ToListAsync();

            Assert.Equal(Enumerable.Range(0, 6).Select(i => "d" + i), results.Select(r => r.RowDigest).Distinct());
            Assert.Equal(18, results.Count);
            Assert.Equal(results.Count, results.Select(r => r.PredictAndScoreCallId).Distinct().Count());
            var resumed = BodyOf(handler.Requests[1]);
            Assert.Equal(2L, resumed["offset"]);
            Assert.Equal(2L, resumed["limit"]);
            Assert.Equal(4L, BodyOf(handler.Requests[2])["offset"]);
        }

        [Fact]
        public async Task Unresolved_rows_keep_their_ref_and_inputs_can_be_left_out()
        {
            var page = "{\"rows\":[{\"row_digest\":\"d\",\"raw_data_row\":\"weave:///acme-ai/support-bot/object/support-qa:x/attr/rows/id/d\",\"evaluations\":[{\"evaluation_call_id\":\"A\",\"trials\":[{\"predict_and_score_call_id\":\"p\",\"model_output\":\"o\"}]}]}],\"total_rows\":1,\"summary\":null,\"warnings\":[]}";
            var handler = new StubHandler((request, index) => StubHandler.Json(HttpStatusCode.OK, page));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var result = (await client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "A" } }, CancellationToken.None).ToListAsync()).Single();
            Assert.Null(result.Inputs);
            Assert.Equal("weave:///acme-ai/support-bot/object/support-qa:x/attr/rows/id/d", result.DatasetRowRef);

            var without = (await client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "A" }, IncludeInputs = false }, CancellationToken.None).ToListAsync()).Single();
            Assert.Null(without.DatasetRowRef);
            Assert.Equal(false, BodyOf(handler.Requests[1])["include_raw_data_rows"]);
        }

        [Fact]
        public async Task Eval_results_without_run_ids_are_refused()
        {
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, new StubHandler((r, i) => StubHandler.Json(HttpStatusCode.OK, "{}")));
            var error = await Assert.ThrowsAsync<WeaveException>(() => client.QueryEvalResultsAsync(new EvalResultsQuery(), CancellationToken.None).ToListAsync());
            Assert.Equal("InvalidArgument", error.ErrorId);
        }
    }

    public class MappingTests
    {
        [Theory]
        [InlineData("weave:///acme-ai/support-bot/object/GPT4oSupportModel:rgtM", "GPT4oSupportModel")]
        [InlineData("weave:///acme-ai/support-bot/op/answer_question:abc", "answer_question")]
        [InlineData("weave:///acme-ai/support-bot/object/support-qa:CJiz/attr/rows/id/39XF", "support-qa")]
        [InlineData("eval://basic", "eval://basic")]
        [InlineData("MyModel", "MyModel")]
        [InlineData("weave:///acme-ai/support-bot/call/019f", "weave:///acme-ai/support-bot/call/019f")]
        [InlineData("", null)]
        [InlineData(null, null)]
        public void Short_names_come_from_object_and_op_refs(string? reference, string? expected)
        {
            Assert.Equal(expected, Mapping.ShortName(reference));
        }

        [Fact]
        public void Expanded_inputs_give_their_ref()
        {
            var expanded = new JsonMap { ["name"] = "x", ["_ref"] = "weave:///e/p/object/M:d" };
            Assert.Equal("weave:///e/p/object/M:d", Mapping.RefText(expanded));
            Assert.Null(Mapping.RefText(new JsonMap()));
            Assert.Null(Mapping.RefText(42L));
        }

        [Theory]
        [InlineData("2026-07-10T14:03:11.412000Z")]
        [InlineData("2026-07-10T14:03:11.412000+00:00")]
        [InlineData("2026-07-10T14:03:11.412Z")]
        [InlineData("2026-07-10T16:03:11.412+02:00")]
        public void Timestamps_of_every_server_form_become_utc(string text)
        {
            var parsed = Timestamps.Parse(text);
            Assert.Equal(new DateTime(2026, 7, 10, 14, 3, 11, 412, DateTimeKind.Utc), parsed);
            Assert.Equal(DateTimeKind.Utc, parsed!.Value.Kind);
        }

        [Fact]
        public void Timestamps_without_fraction_and_garbage_are_handled()
        {
            Assert.Equal(new DateTime(2026, 7, 11, 9, 15, 2, DateTimeKind.Utc), Timestamps.Parse("2026-07-11T09:15:02Z"));
            Assert.Equal(new DateTime(2026, 7, 11, 9, 15, 2, DateTimeKind.Utc), Timestamps.Parse("2026-07-11T09:15:02+00:00"));
            Assert.Null(Timestamps.Parse("yesterday"));
            Assert.Null(Timestamps.Parse(null));
        }

        [Fact]
        public void A_failed_run_and_an_sdk_run_without_refs_map_leniently()
        {
            var call = new CallLine { Id = "x", StartedAt = "2026-07-10T14:03:11Z", EndedAt = "2026-07-10T14:03:12Z", HasException = true, Inputs = new JsonMap { ["this"] = "weave:///e/p/object/E:d" } };
            var run = Mapping.ToEvaluationRun(call, "e", "p");
            Assert.Equal("failed", run.Status);
            Assert.Equal("E", run.EvaluationName);
            Assert.Equal(string.Empty, run.Model);
            Assert.Null(run.ModelName);
            Assert.Equal(RunSource.Sdk, run.Source);
        }
    }
}
