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
    /// <summary>Trials whose SDK wrote the model output as model_output, completed from their predict_and_score calls.</summary>
    public class ModelOutputCompletionTests
    {
        private const string ModelOp = "weave:///acme-ai/support-bot/op/tsModel:xQDWXce1";

        /// <summary>A trial as the server gives it: JSON properties after the id.</summary>
        private static string Trial(string id, string rest = "") => "{\"predict_and_score_call_id\":\"" + id + "\"" + rest + "}";

        /// <summary>A TypeScript declarative trial as eval_results reads it: scores, but no output, latency or predict call.</summary>
        private static string Declarative(string id) => Trial(id, ",\"predict_call_id\":null,\"model_output\":null,\"scores\":{\"exactMatch\":true},\"model_latency_seconds\":null");

        /// <summary>A trial of a shape the server reads (output.output and a predict child).</summary>
        private static string Complete(string id) => Trial(id, ",\"predict_call_id\":\"" + id + "-predict\",\"model_output\":\"out-" + id + "\",\"scores\":{\"exactMatch\":true},\"model_latency_seconds\":0.5");

        private static string Page(long total, params string[][] rowTrials)
        {
            var rows = rowTrials.Select((trials, i) =>
                "{\"row_digest\":\"d" + i + "\",\"raw_data_row\":{\"n\":" + i + "},\"evaluations\":[{\"evaluation_call_id\":\"A\",\"trials\":[" + string.Join(",", trials) + "]}]}");
            return "{\"rows\":[" + string.Join(",", rows) + "],\"total_rows\":" + total + ",\"summary\":null,\"warnings\":[]}";
        }

        /// <summary>The predict_and_score call of a declarative trial (output, inputs.model) and its children: the model op and a scorer.</summary>
        private static IEnumerable<string> DeclarativeCalls(string id, string? output, object latency)
        {
            var outputJson = output == null
                ? "{\"model_success\":false,\"scores\":{},\"model_latency\":" + latency + "}"
                : "{\"model_success\":true,\"model_output\":\"" + output + "\",\"scores\":{\"exactMatch\":true},\"model_latency\":" + latency + "}";
            yield return "{\"id\":\"" + id + "\",\"op_name\":\"weave:///acme-ai/support-bot/op/Evaluation.predictAndScore:abc\",\"parent_id\":\"A\",\"inputs\":{\"self\":\"weave:///acme-ai/support-bot/object/ev:1\",\"model\":\"" + ModelOp + "\",\"example\":\"weave:///acme-ai/support-bot/object/ds:1/attr/rows/id/d\"},\"output\":" + outputJson + "}";
            yield return "{\"id\":\"" + id + "-score\",\"op_name\":\"weave:///acme-ai/support-bot/op/exactMatch:s1\",\"parent_id\":\"" + id + "\",\"inputs\":{},\"output\":true}";
            yield return "{\"id\":\"" + id + "-model\",\"op_name\":\"" + ModelOp + "\",\"parent_id\":\"" + id + "\",\"inputs\":{\"arg0\":{}},\"output\":" + (output == null ? "null" : "\"" + output + "\"") + "}";
        }

        private static HttpResponseMessage Lines(IEnumerable<string> lines) =>
            StubHandler.Stream(HttpStatusCode.OK, new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")));

        private static bool IsCallsQuery(RecordedRequest request) => request.Uri.AbsolutePath.EndsWith("/calls/stream_query", StringComparison.Ordinal);

        private static JsonMap BodyOf(RecordedRequest request) => (JsonMap)JsonText.Parse(request.Body!)!;

        /// <summary>The ids in the query's $or of $in on id and on parent_id.</summary>
        private static string[] QueriedIds(RecordedRequest request, string field)
        {
            var or = (JsonList)((JsonMap)((JsonMap)BodyOf(request)["query"]!)["$expr"]!)["$or"]!;
            var @in = or.Cast<JsonMap>().Select(o => (JsonList)o["$in"]!).Single(i => (string)((JsonMap)i[0]!)["$getField"]! == field);
            return ((JsonList)@in[1]!).Cast<JsonMap>().Select(literal => (string)literal["$literal"]!).ToArray();
        }

        [Fact]
        public async Task A_page_with_declarative_trials_is_completed_with_one_calls_query_and_failed_models_stay_empty()
        {
            var log = new RecordingLog();
            var page = Page(3, new[] { Complete("p0") }, new[] { Declarative("p1"), Trial("p2", ",\"scores\":{}") }, new[] { Declarative("p3") });
            var handler = new StubHandler((request, index) => IsCallsQuery(request)
                ? Lines(DeclarativeCalls("p1", "Paris", 0.096).Concat(DeclarativeCalls("p2", null, 0.01)).Concat(DeclarativeCalls("p3", "green", 2L)))
                : StubHandler.Json(HttpStatusCode.OK, page));
            var client = new WeaveClient(Connections.Create(), log, handler);
            var results = await client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "A" } }, CancellationToken.None).ToListAsync();

            Assert.Equal(new[] { "p0", "p1", "p2", "p3" }, results.Select(r => r.PredictAndScoreCallId));
            Assert.Equal(new object?[] { "out-p0", "Paris", null, "green" }, results.Select(r => r.Output));
            Assert.Equal(new double?[] { 0.5, 0.096, null, 2.0 }, results.Select(r => r.ModelLatencySeconds));
            Assert.Equal(new[] { "p0-predict", "p1-model", null, "p3-model" }, results.Select(r => r.PredictionId));
            Assert.Empty(results[2].Scores);

            var calls = handler.Requests.Where(IsCallsQuery).ToList();
            Assert.Single(calls);
            // The trial that has its output costs nothing; the failed model's trial is asked about (its shape
            // cannot be told from a model that ran without scorers) and stays empty.
            Assert.Equal(new[] { "p1", "p2", "p3" }, QueriedIds(calls[0], "id"));
            Assert.Equal(new[] { "p1", "p2", "p3" }, QueriedIds(calls[0], "parent_id"));
            var body = BodyOf(calls[0]);
            Assert.Equal("acme-ai/support-bot", body["project_id"]);
            Assert.False(body.ContainsKey("filter"));
            Assert.Equal(ModelOutputCompletion.Columns, ((JsonList)body["columns"]!).Cast<string>());
            Assert.Equal(1, log.VerboseLines.Count(l => l == "Completed 2 of 3 trials without a model output from their predict_and_score calls (model_output)."));
            Assert.Empty(log.WarningLines);
        }

        [Fact]
        public async Task Pages_without_such_trials_send_no_calls_query()
        {
            var handler = new StubHandler((request, index) =>
            {
                if (IsCallsQuery(request)) return Lines(DeclarativeCalls("p3", "green", 0.2));
                var offset = (long)BodyOf(request)["offset"]!;
                // Page 1: a trial the server read whole, and a failed model in a shape it reads (a predict
                // call, no scores). Page 2: a declarative trial.
                return StubHandler.Json(HttpStatusCode.OK, offset == 0
                    ? Page(4, new[] { Complete("p0") }, new[] { Trial("p1", ",\"predict_call_id\":\"p1-predict\",\"model_output\":null,\"scores\":{}") })
                    : Page(4, new[] { Complete("p2") }, new[] { Declarative("p3") }));
            });
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var results = await client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "A" }, PageSize = 2 }, CancellationToken.None).ToListAsync();

            Assert.Equal(new[] { "p0", "p1", "p2", "p3" }, results.Select(r => r.PredictAndScoreCallId));
            Assert.Equal("green", results[3].Output);
            var calls = handler.Requests.Where(IsCallsQuery).ToList();
            Assert.Single(calls);
            Assert.Equal(new[] { "p3" }, QueriedIds(calls[0], "id"));
            // The calls query went out for the second page, once it had been received.
            Assert.Equal(2, handler.Requests.IndexOf(calls[0]));
        }

        [Fact]
        public async Task What_the_server_gave_is_kept_and_only_what_it_left_empty_is_filled()
        {
            // An older Python SDK: the server found the predict child (id, latency) but not the output.
            var older = Trial("p0", ",\"predict_call_id\":\"p0-predict\",\"model_output\":null,\"scores\":{\"exactMatch\":true},\"model_latency_seconds\":1.25");
            var handler = new StubHandler((request, index) => IsCallsQuery(request)
                ? Lines(new[]
                {
                    "{\"id\":\"p0\",\"parent_id\":\"A\",\"inputs\":{\"model\":\"weave:///acme-ai/support-bot/object/M:1\"},\"output\":{\"model_output\":{\"answer\":42},\"scores\":{},\"model_latency\":3.0}}",
                    "{\"id\":\"p1\",\"parent_id\":\"A\",\"inputs\":{\"model\":\"" + ModelOp + "\"},\"output\":{\"model_output\":\"x\",\"model_latency\":{\"mean\":\"slow\"}}}",
                })
                : StubHandler.Json(HttpStatusCode.OK, Page(2, new[] { older }, new[] { Declarative("p1") })));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var results = await client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "A" } }, CancellationToken.None).ToListAsync();

            Assert.Equal(42L, ((JsonMap)results[0].Output!)["answer"]);
            Assert.Equal(1.25, results[0].ModelLatencySeconds);
            Assert.Equal("p0-predict", results[0].PredictionId);
            Assert.Equal("x", results[1].Output);
            // Only a number of seconds is a latency; and without children there is no predict call to name.
            Assert.Null(results[1].ModelLatencySeconds);
            Assert.Null(results[1].PredictionId);
        }

        [Fact]
        public async Task A_failed_calls_query_leaves_the_rows_as_the_server_gave_them_with_one_warning()
        {
            var log = new RecordingLog();
            var handler = new StubHandler((request, index) =>
            {
                if (IsCallsQuery(request)) return StubHandler.Json(HttpStatusCode.BadRequest, "{\"reason\":\"Parameter too long\"}");
                var offset = (long)BodyOf(request)["offset"]!;
                return StubHandler.Json(HttpStatusCode.OK, offset == 0
                    ? Page(4, new[] { Declarative("p0") }, new[] { Declarative("p1") })
                    : Page(4, new[] { Declarative("p2") }, new[] { Declarative("p3") }));
            });
            var client = new WeaveClient(Connections.Create(), log, handler);
            var results = await client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "A" }, PageSize = 2 }, CancellationToken.None).ToListAsync();

            Assert.Equal(new[] { "p0", "p1", "p2", "p3" }, results.Select(r => r.PredictAndScoreCallId));
            Assert.All(results, r => Assert.Null(r.Output));
            Assert.All(results, r => Assert.Equal(true, r.Scores["exactMatch"]));
            Assert.Equal(2, handler.Requests.Count(IsCallsQuery));
            var warning = Assert.Single(log.WarningLines);
            Assert.Contains("Parameter too long", warning);
            Assert.Contains("without Output", warning);
        }

        [Fact]
        public async Task A_page_held_for_its_calls_query_is_cancelled_with_everything_else()
        {
            var callsQueryStarted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var handler = new StubHandler(async (request, index, token) =>
            {
                if (!IsCallsQuery(request)) return StubHandler.Json(HttpStatusCode.OK, Page(2, new[] { Complete("p0") }, new[] { Declarative("p1") }));
                callsQueryStarted.TrySetResult(true);
                await Task.Delay(Timeout.Infinite, token);
                throw new InvalidOperationException("not reached");
            });
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            using (var cancel = new CancellationTokenSource())
            {
                var taken = new List<string>();
                var firstTaken = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var reading = Task.Run(async () =>
                {
                    await foreach (var result in client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "A" } }, cancel.Token))
                    {
                        taken.Add(result.PredictAndScoreCallId);
                        firstTaken.TrySetResult(true);
                    }
                });
                await Task.WhenAll(callsQueryStarted.Task, firstTaken.Task).WaitAsync(TimeSpan.FromSeconds(10));
                cancel.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(TimeSpan.FromSeconds(10)));
                // The row before the one that needed completing was handed out as soon as it arrived.
                Assert.Equal(new[] { "p0" }, taken);
            }
        }

        [Fact]
        public async Task A_page_that_breaks_off_resumes_and_is_completed_once()
        {
            var page = Page(3, new[] { Declarative("p0") }, new[] { Declarative("p1") }, new[] { Declarative("p2") });
            var handler = new StubHandler((request, index) =>
            {
                if (IsCallsQuery(request))
                {
                    return Lines(QueriedIds(request, "id").SelectMany(id => DeclarativeCalls(id, "out-" + id, 0.1)));
                }
                var offset = (long)BodyOf(request)["offset"]!;
                var body = offset == 0 ? page : Page(3, new[] { Declarative("p1") }, new[] { Declarative("p2") });
                // The first answer drops in the middle of its second row.
                var failAfter = index == 0 ? page.IndexOf("\"p1\"", StringComparison.Ordinal) : long.MaxValue;
                return StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(body, 7, failAfter));
            });
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler, new RecordingDelay().DelayAsync);
            var results = await client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "A" }, PageSize = 3 }, CancellationToken.None).ToListAsync();

            Assert.Equal(new[] { "p0", "p1", "p2" }, results.Select(r => r.PredictAndScoreCallId));
            Assert.Equal(new[] { "out-p0", "out-p1", "out-p2" }, results.Select(r => (string)r.Output!));
            Assert.Equal(1L, BodyOf(handler.Requests[1])["offset"]);
            var calls = Assert.Single(handler.Requests, IsCallsQuery);
            Assert.Equal(new[] { "p0", "p1", "p2" }, QueriedIds(calls, "id"));
        }
    }
}
