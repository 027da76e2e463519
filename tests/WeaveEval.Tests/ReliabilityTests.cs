using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    /// <summary>What a caller sees when a list fails part-way, and what a server that echoes secrets cannot leak.</summary>
    public class ReliabilityTests
    {
        private static HttpResponseMessage Lines(string text) =>
            new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(text, Encoding.UTF8, "application/jsonl") };

        private static HttpResponseMessage ServerError() => StubHandler.Json(HttpStatusCode.InternalServerError, "{\"reason\":\"Internal server error\"}");

        private static string Run(string id, string startedAt) => "{\"id\":\"" + id + "\",\"started_at\":\"" + startedAt + "\"}\n";

        [Fact]
        public async Task A_list_whose_next_page_fails_after_items_were_received_is_StreamInterrupted_with_the_count()
        {
            var handler = new StubHandler((request, index) =>
                index == 0 ? Lines(Run("r1", "2026-07-10T14:03:11Z") + Run("r2", "2026-07-09T14:03:11Z")) : ServerError());
            var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithMaximumRetryCount(2)), NullWeaveLog.Instance, handler, new RecordingDelay().DelayAsync);
            var received = new List<EvaluationRun>();

            var error = await Assert.ThrowsAsync<WeaveStreamInterruptedException>(async () =>
            {
                await foreach (var run in client.ListEvaluationRunsAsync(new RunListQuery { PageSize = 2 }, CancellationToken.None)) received.Add(run);
            });

            Assert.Equal(new[] { "r1", "r2" }, received.Select(r => r.EvaluationRunId));
            Assert.Equal("StreamInterrupted", error.ErrorId);
            Assert.Equal(2, error.ItemsReceived);
            Assert.Contains("after 2 had been received", error.Message);
            var cause = Assert.IsType<WeaveApiException>(error.InnerException);
            Assert.Equal(500, cause.StatusCode);
            Assert.Equal("/calls/stream_query", cause.RequestPath);
            Assert.Equal("Internal server error", cause.Reason);
            Assert.Equal(4, handler.Requests.Count);
        }

        [Fact]
        public async Task A_list_that_fails_before_its_first_item_keeps_the_original_error()
        {
            var handler = new StubHandler((request, index) => ServerError());
            var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithMaximumRetryCount(1)), NullWeaveLog.Instance, handler, new RecordingDelay().DelayAsync);

            var error = await Assert.ThrowsAsync<WeaveApiException>(() => client.ListPredictionsAsync("run", new PageRequest(), CancellationToken.None).ToListAsync());

            Assert.Equal("ServerError", error.ErrorId);
            Assert.Equal(2, handler.Requests.Count);
        }

        [Fact]
        public async Task Eval_results_that_fail_on_a_later_page_are_StreamInterrupted_after_every_result_before()
        {
            const string firstPage = "{\"rows\":[" +
                "{\"row_digest\":\"d0\",\"evaluations\":[{\"evaluation_call_id\":\"A\",\"trials\":[{\"predict_and_score_call_id\":\"a0t0\",\"model_output\":\"o\"},{\"predict_and_score_call_id\":\"a0t1\",\"model_output\":\"o\"}]}]}," +
                "{\"row_digest\":\"d1\",\"evaluations\":[{\"evaluation_call_id\":\"A\",\"trials\":[{\"predict_and_score_call_id\":\"a1t0\",\"model_output\":\"o\"}]}]}" +
                "],\"total_rows\":5,\"summary\":null,\"warnings\":[]}";
            var handler = new StubHandler((request, index) => index == 0 ? StubHandler.Json(HttpStatusCode.OK, firstPage) : ServerError());
            var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithMaximumRetryCount(1)), NullWeaveLog.Instance, handler, new RecordingDelay().DelayAsync);
            var received = new List<EvalResult>();

            var error = await Assert.ThrowsAsync<WeaveStreamInterruptedException>(async () =>
            {
                await foreach (var result in client.QueryEvalResultsAsync(new EvalResultsQuery { RunIds = new[] { "A" }, PageSize = 2 }, CancellationToken.None)) received.Add(result);
            });

            Assert.Equal(new[] { "a0t0", "a0t1", "a1t0" }, received.Select(r => r.PredictAndScoreCallId));
            Assert.Equal(3, error.ItemsReceived);
            Assert.Equal("ServerError", Assert.IsType<WeaveApiException>(error.InnerException).ErrorId);
            // The first page, then both remaining pages at once (pages in flight): the first, tried twice, ends
            // the list, and the other is stopped wherever it then is (up to its own two tries).
            Assert.InRange(handler.Requests.Count, 3, 5);
        }

        [Fact]
        public async Task Malformed_data_mid_list_is_StreamInterrupted_caused_by_a_ProtocolError()
        {
            var handler = new StubHandler((request, index) => Lines(Run("r1", "2026-07-10T14:03:11Z") + "{\"id\": \n"));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);

            var error = await Assert.ThrowsAsync<WeaveStreamInterruptedException>(() => client.ListEvaluationRunsAsync(new RunListQuery(), CancellationToken.None).ToListAsync());

            Assert.Equal(1, error.ItemsReceived);
            Assert.Equal("ProtocolError", Assert.IsType<WeaveProtocolException>(error.InnerException).ErrorId);
        }

        [Fact]
        public async Task An_error_body_echoing_the_basic_credentials_is_scrubbed()
        {
            var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + TestKeys.Secret));
            var log = new RecordingLog();
            var handler = new StubHandler((request, index) =>
            {
                var response = StubHandler.Json(HttpStatusCode.BadRequest, "{\"reason\":\"bad header Basic " + base64 + " for key " + TestKeys.Secret + "\"}");
                response.Headers.TryAddWithoutValidation("X-Echo", "Basic " + base64);
                return response;
            });
            var client = new WeaveClient(Connections.Create(), log, handler);

            var error = await Assert.ThrowsAsync<WeaveApiException>(() => client.ReadPredictionAsync("p1", CancellationToken.None));

            foreach (var text in new[] { error.ToString(), error.Reason!, error.ResponseBody! }.Concat(log.Lines))
            {
                Assert.DoesNotContain(base64, text);
                Assert.DoesNotContain(TestKeys.Secret, text);
            }
            Assert.Contains("[redacted]", error.Reason);
        }

        [Fact]
        public async Task A_single_document_whose_body_breaks_off_is_requested_again()
        {
            const string prediction = "{\"prediction_id\":\"p1\",\"output\":\"o\"}";
            var log = new RecordingLog();
            var handler = new StubHandler((request, index) =>
                StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(prediction, failAfter: index < 2 ? 10 : long.MaxValue)));
            var client = new WeaveClient(Connections.Create(), log, handler, new RecordingDelay().DelayAsync);

            var read = await client.ReadPredictionAsync("p1", CancellationToken.None);

            Assert.Equal("o", read.Output);
            Assert.Equal(3, handler.Requests.Count);
            Assert.Contains("Retry 2/4 of GET /v2/acme-ai/support-bot/predictions/p1 in 0.0 s after the response broke off", log.VerboseLines);
        }

        [Fact]
        public async Task A_single_document_that_keeps_breaking_off_is_a_NetworkError()
        {
            var handler = new StubHandler((request, index) => StubHandler.Stream(HttpStatusCode.OK, new TrickleStream("{\"prediction_id\":\"p1\"}", failAfter: 5)));
            var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithMaximumRetryCount(2)), NullWeaveLog.Instance, handler, new RecordingDelay().DelayAsync);

            var error = await Assert.ThrowsAsync<WeaveException>(() => client.ReadPredictionAsync("p1", CancellationToken.None));

            Assert.Equal("NetworkError", error.ErrorId);
            Assert.Equal(WeaveErrorKind.Connection, error.Kind);
            Assert.Equal(3, handler.Requests.Count);
        }

        [Fact]
        public async Task A_request_that_times_out_is_retried_like_a_network_error()
        {
            var log = new RecordingLog();
            var handler = new StubHandler(async (request, index, token) =>
            {
                if (index == 0) await Task.Delay(Timeout.Infinite, token);
                return StubHandler.Json(HttpStatusCode.OK, "{\"prediction_id\":\"p1\"}");
            });
            var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithTimeout(TimeSpan.FromMilliseconds(200))), log, handler, new RecordingDelay().DelayAsync);

            var read = await client.ReadPredictionAsync("p1", CancellationToken.None);

            Assert.Equal("p1", read.PredictionId);
            Assert.Equal(2, handler.Requests.Count);
            Assert.Contains(log.VerboseLines, line => line.StartsWith("Retry 1/4 of GET /v2/acme-ai/support-bot/predictions/p1 in ", StringComparison.Ordinal) && line.EndsWith(" after a timeout", StringComparison.Ordinal));
        }

        [Theory]
        [InlineData(" ")]
        [InlineData("\t")]
        public async Task A_blank_id_is_refused_before_sending(string id)
        {
            var handler = new StubHandler((request, index) => StubHandler.Json(HttpStatusCode.OK, "{}"));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);

            var error = await Assert.ThrowsAsync<WeaveException>(() => client.ReadPredictionAsync(id, CancellationToken.None));

            Assert.Equal("InvalidArgument", error.ErrorId);
            Assert.Empty(handler.Requests);
        }

        [Fact]
        public async Task Clients_of_different_projects_share_nothing_mutable_when_used_at_once()
        {
            var handler = new StubHandler(async (request, index, token) =>
            {
                await Task.Delay(index % 3, token);
                var project = request.Uri.AbsolutePath.Split('/')[3];
                return StubHandler.Json(HttpStatusCode.OK, "{\"prediction_id\":\"" + project + "\"}");
            });
            var projects = Enumerable.Range(0, 8).Select(i => "project-" + i).ToArray();
            var reads = projects.SelectMany(project => Enumerable.Range(0, 20).Select(async _ =>
            {
                var connection = new ResolvedConnection("acme-ai", project, new Uri("https://trace.example.test/"), new ApiKey(TestKeys.Secret), ApiKeySource.Parameter, "the -ApiKey parameter", Connections.FastRetries);
                var prediction = await new WeaveClient(connection, NullWeaveLog.Instance, handler).ReadPredictionAsync("p", CancellationToken.None);
                return (project, prediction);
            })).ToArray();

            var outcomes = await Task.WhenAll(reads);

            Assert.All(outcomes, o =>
            {
                Assert.Equal(o.project, o.prediction.PredictionId);
                Assert.Equal(o.project, o.prediction.Project);
            });
        }
    }
}
