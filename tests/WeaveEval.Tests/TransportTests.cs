using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    public class TransportTests
    {
        private const string PredictionJson = "{\"prediction_id\":\"p1\",\"model\":\"weave:///acme-ai/support-bot/object/M:abc\",\"inputs\":{\"q\":1},\"output\":\"o\",\"evaluation_run_id\":null,\"wb_user_id\":null}";

        private static HttpResponseMessage Status(int status, string body = "{\"reason\":\"nope\"}") => StubHandler.Json((HttpStatusCode)status, body);

        [Fact]
        public async Task Requests_carry_basic_auth_accept_and_user_agent()
        {
            var handler = new StubHandler((request, index) => StubHandler.Json(HttpStatusCode.OK, PredictionJson));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var prediction = await client.ReadPredictionAsync("p1", CancellationToken.None);

            Assert.Equal("p1", prediction.PredictionId);
            Assert.Equal("M", prediction.ModelName);
            var sent = Assert.Single(handler.Requests);
            Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + TestKeys.Secret)), sent.Authorization);
            Assert.Equal("application/json", sent.Accept);
            Assert.StartsWith("WeaveEval/", sent.UserAgent);
            Assert.Equal("https://trace.example.test/v2/acme-ai/support-bot/predictions/p1", sent.Uri.AbsoluteUri);
        }

        [Fact]
        public async Task Retry_after_429_honours_Retry_After_seconds()
        {
            var delay = new RecordingDelay();
            var log = new RecordingLog();
            var handler = new StubHandler((request, index) =>
            {
                if (index > 0) return StubHandler.Json(HttpStatusCode.OK, PredictionJson);
                var response = Status(429);
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(2));
                return response;
            });
            var transport = Connections.FastRetries.WithMaximumRetryInterval(TimeSpan.FromSeconds(60));
            var client = new WeaveClient(Connections.Create(transport), log, handler, delay.DelayAsync);
            await client.ReadPredictionAsync("p1", CancellationToken.None);

            Assert.Equal(2, handler.Requests.Count);
            Assert.Equal(new[] { TimeSpan.FromSeconds(2) }, delay.Waits);
            Assert.Contains("Retry 1/4 of GET /v2/acme-ai/support-bot/predictions/p1 in 2.0 s after HTTP 429", log.VerboseLines);
            Assert.Contains(log.VerboseLines, line => line.StartsWith("GET /v2/acme-ai/support-bot/predictions/p1 -> 200 (", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Retry_after_503_honours_an_HTTP_date()
        {
            var delay = new RecordingDelay();
            var handler = new StubHandler((request, index) =>
            {
                if (index > 0) return StubHandler.Json(HttpStatusCode.OK, PredictionJson);
                var response = Status(503);
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddSeconds(30));
                return response;
            });
            var transport = Connections.FastRetries.WithMaximumRetryInterval(TimeSpan.FromSeconds(60));
            var client = new WeaveClient(Connections.Create(transport), NullWeaveLog.Instance, handler, delay.DelayAsync);
            await client.ReadPredictionAsync("p1", CancellationToken.None);

            var wait = Assert.Single(delay.Waits);
            Assert.InRange(wait.TotalSeconds, 25, 31);
        }

        [Fact]
        public async Task Retry_after_ms_is_honoured_and_server_waits_are_capped()
        {
            var delay = new RecordingDelay();
            var handler = new StubHandler((request, index) =>
            {
                if (index == 0)
                {
                    var response = Status(429);
                    response.Headers.TryAddWithoutValidation("retry-after-ms", "1500");
                    return response;
                }
                if (index == 1)
                {
                    var response = Status(429);
                    response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromHours(1));
                    return response;
                }
                return StubHandler.Json(HttpStatusCode.OK, PredictionJson);
            });
            var transport = Connections.FastRetries.WithMaximumRetryInterval(TimeSpan.FromSeconds(10));
            var client = new WeaveClient(Connections.Create(transport), NullWeaveLog.Instance, handler, delay.DelayAsync);
            await client.ReadPredictionAsync("p1", CancellationToken.None);

            Assert.Equal(new[] { TimeSpan.FromMilliseconds(1500), TimeSpan.FromSeconds(10) }, delay.Waits);
        }

        [Theory]
        [InlineData(400, "BadRequest", WeaveErrorKind.InvalidArgument)]
        [InlineData(404, "NotFound", WeaveErrorKind.NotFound)]
        [InlineData(403, "Forbidden", WeaveErrorKind.PermissionDenied)]
        [InlineData(413, "RequestTooLarge", WeaveErrorKind.LimitsExceeded)]
        [InlineData(422, "ValidationFailed", WeaveErrorKind.InvalidArgument)]
        public async Task Client_errors_are_not_retried(int status, string errorId, WeaveErrorKind kind)
        {
            var handler = new StubHandler((request, index) => Status(status));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler, new RecordingDelay().DelayAsync);
            var error = await Assert.ThrowsAsync<WeaveApiException>(() => client.ReadPredictionAsync("p1", CancellationToken.None));

            Assert.Single(handler.Requests);
            Assert.Equal(errorId, error.ErrorId);
            Assert.Equal(kind, error.Kind);
            Assert.Equal(status, error.StatusCode);
            Assert.Equal("nope", error.Reason);
            Assert.Equal("GET", error.Method);
            Assert.Equal("/v2/acme-ai/support-bot/predictions/p1", error.RequestPath);
        }

        [Fact]
        public async Task Gives_up_after_the_maximum_retry_count()
        {
            var delay = new RecordingDelay();
            var log = new RecordingLog();
            var handler = new StubHandler((request, index) => Status(502, "{\"reason\":\"Temporary backend error\"}"));
            var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithMaximumRetryCount(2)), log, handler, delay.DelayAsync);
            var error = await Assert.ThrowsAsync<WeaveApiException>(() => client.QueryEvalSummaryAsync(new[] { "r1" }, false, CancellationToken.None));

            Assert.Equal(3, handler.Requests.Count);
            Assert.Equal(2, delay.Waits.Count);
            Assert.Equal("ServerError", error.ErrorId);
            Assert.Equal("Temporary backend error", error.Reason);
            Assert.Contains(log.VerboseLines, line => line.StartsWith("Retry 2/2 of POST /v2/acme-ai/support-bot/eval_results/query in ", StringComparison.Ordinal) && line.EndsWith(" after HTTP 502", StringComparison.Ordinal));
        }

        [Fact]
        public void Back_off_grows_exponentially_with_jitter_and_is_capped()
        {
            var options = TransportOptions.Default.WithRetryInterval(TimeSpan.FromSeconds(1)).WithMaximumRetryInterval(TimeSpan.FromSeconds(5));
            var transport = new WeaveTransport(Connections.Create(options), NullWeaveLog.Instance, new HttpClient(new StubHandler((r, i) => Status(200))), null);
            Assert.InRange(transport.ComputeBackOff(1).TotalSeconds, 0.75, 1.25);
            Assert.InRange(transport.ComputeBackOff(2).TotalSeconds, 1.5, 2.5);
            Assert.InRange(transport.ComputeBackOff(3).TotalSeconds, 3.0, 5.0);
            Assert.Equal(5.0, transport.ComputeBackOff(10).TotalSeconds);
        }

        [Fact]
        public async Task Network_errors_are_retried_then_reported_as_NetworkError()
        {
            var delay = new RecordingDelay();
            var handler = new StubHandler((request, index, token) => Task.FromException<HttpResponseMessage>(new HttpRequestException("Connection refused")));
            var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithMaximumRetryCount(3)), NullWeaveLog.Instance, handler, delay.DelayAsync);
            var error = await Assert.ThrowsAsync<WeaveException>(() => client.ReadPredictionAsync("p1", CancellationToken.None));

            Assert.Equal(4, handler.Requests.Count);
            Assert.Equal("NetworkError", error.ErrorId);
            Assert.Equal(WeaveErrorKind.Connection, error.Kind);
        }

        [Fact]
        public async Task A_request_that_takes_too_long_is_a_Timeout()
        {
            var handler = new StubHandler(async (request, index, token) =>
            {
                await Task.Delay(Timeout.Infinite, token);
                return Status(200);
            });
            var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithTimeout(TimeSpan.FromMilliseconds(200))), NullWeaveLog.Instance, handler);
            var error = await Assert.ThrowsAsync<WeaveException>(() => client.ReadPredictionAsync("p1", CancellationToken.None));
            Assert.Equal("Timeout", error.ErrorId);
            Assert.Equal(WeaveErrorKind.Timeout, error.Kind);
        }

        [Fact]
        public async Task A_body_that_stalls_is_a_Timeout()
        {
            var handler = new StubHandler((request, index) => StubHandler.Stream(HttpStatusCode.OK, new StallingStream("{\"id\":\"a\"}\n")));
            var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithTimeout(TimeSpan.FromMilliseconds(300))), NullWeaveLog.Instance, handler);
            var received = 0;
            // Part of the list was received: the list stops with StreamInterrupted, the timeout its cause.
            var error = await Assert.ThrowsAsync<WeaveStreamInterruptedException>(async () =>
            {
                await foreach (var run in client.ListEvaluationRunsAsync(new RunListQuery(), CancellationToken.None)) received++;
            });
            Assert.Equal("Timeout", Assert.IsType<WeaveException>(error.InnerException).ErrorId);
            Assert.Equal(1, error.ItemsReceived);
            Assert.Equal(1, received);
        }

        /// <summary>Sends its text, then never sends another byte.</summary>
        private sealed class StallingStream : System.IO.Stream
        {
            private readonly byte[] data;
            private bool sent;

            public StallingStream(string text) { data = Encoding.UTF8.GetBytes(text); }

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                if (!sent)
                {
                    sent = true;
                    Buffer.BlockCopy(data, 0, buffer, offset, data.Length);
                    return data.Length;
                }
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return 0;
            }

            public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => 0; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, System.IO.SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }

        [Fact]
        public async Task Caller_cancellation_is_not_reported_as_a_timeout()
        {
            var handler = new StubHandler(async (request, index, token) =>
            {
                await Task.Delay(Timeout.Infinite, token);
                return Status(200);
            });
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReadPredictionAsync("p1", cancel.Token));
            }
        }

        [Fact]
        public async Task Cancellation_during_back_off_is_prompt()
        {
            var handler = new StubHandler((request, index) =>
            {
                var response = Status(429);
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(30));
                return response;
            });
            var transport = TransportOptions.Default.WithMaximumRetryInterval(TimeSpan.FromSeconds(60));
            var client = new WeaveClient(Connections.Create(transport), NullWeaveLog.Instance, handler);
            var stopwatch = Stopwatch.StartNew();
            using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReadPredictionAsync("p1", cancel.Token));
            }
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"took {stopwatch.Elapsed}");
        }

        [Fact]
        public async Task Unauthorized_names_the_key_source_and_never_the_key()
        {
            var log = new RecordingLog();
            var handler = new StubHandler((request, index) => Status(401, "{\"reason\":\"401 Error: bad key " + TestKeys.Secret + "\"}"));
            var client = new WeaveClient(Connections.Create(), log, handler);
            var error = await Assert.ThrowsAsync<WeaveApiException>(() => client.ReadPredictionAsync("p1", CancellationToken.None));

            Assert.Equal("Unauthorized", error.ErrorId);
            Assert.Equal(WeaveErrorKind.Authentication, error.Kind);
            Assert.StartsWith("The server rejected the API key from the netrc file /home/tester/.netrc (machine api.wandb.ai) (HTTP 401)", error.Message);
            Assert.DoesNotContain(TestKeys.Secret, error.Message);
            Assert.DoesNotContain(TestKeys.Secret, error.Reason);
            Assert.DoesNotContain(TestKeys.Secret, error.ResponseBody);
            Assert.All(log.Lines, line => Assert.DoesNotContain(TestKeys.Secret, line));
        }

        [Fact]
        public async Task The_key_appears_in_no_log_line_or_message_of_any_outcome()
        {
            var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + TestKeys.Secret));
            var log = new RecordingLog();
            var outcomes = new Func<int, HttpResponseMessage>[]
            {
                i => Status(500),
                i => Status(404),
                i => StubHandler.Json(HttpStatusCode.OK, "not json"),
                i => StubHandler.Json(HttpStatusCode.OK, PredictionJson),
            };
            foreach (var outcome in outcomes)
            {
                var handler = new StubHandler((request, index) => outcome(index));
                var client = new WeaveClient(Connections.Create(Connections.FastRetries.WithMaximumRetryCount(1)), log, handler, new RecordingDelay().DelayAsync);
                try
                {
                    await client.ReadPredictionAsync("p1", CancellationToken.None);
                }
                catch (WeaveException e)
                {
                    Assert.DoesNotContain(TestKeys.Secret, e.ToString());
                    Assert.DoesNotContain(base64, e.ToString());
                }
            }
            Assert.Contains(log.Lines, line => line.Contains("Authorization: Basic [redacted]"));
            Assert.All(log.Lines, line =>
            {
                Assert.DoesNotContain(TestKeys.Secret, line);
                Assert.DoesNotContain(base64, line);
            });
        }

        [Theory]
        [InlineData("error__404_evaluation_run_not_found.json", "Evaluation run 019f5075-0000-7000-8000-000000000000 not found")]
        [InlineData("error__404_unknown_route.json", "Not Found")]
        [InlineData("error__413_request_too_large.json", "Request too large")]
        [InlineData("error__422_eval_results_bad_enum.json", "body.filter_logic_operator: Input should be 'and' or 'or'")]
        [InlineData("error__422_list_bad_limit_query_param.json", "query.limit: Input should be a valid integer, unable to parse string as an integer")]
        [InlineData("error__422_eval_results_no_ids.json", "body: Value error, At least one of evaluation_call_ids or evaluation_run_ids must be provided")]
        [InlineData("error__502_backend.json", "Temporary backend error")]
        public void Error_bodies_of_both_shapes_give_the_reason(string file, string reason)
        {
            Assert.Equal(reason, ErrorBody.ParseReason(Examples.Text(file)));
        }

        [Fact]
        public void Error_bodies_that_are_not_json_give_no_reason()
        {
            Assert.Null(ErrorBody.ParseReason("<html>Bad gateway</html>"));
            Assert.Null(ErrorBody.ParseReason(""));
            Assert.Null(ErrorBody.ParseReason("[1,2]"));
        }

        [Fact]
        public async Task An_error_response_keeps_the_body_for_error_details()
        {
            var body = Examples.Text("error__400_eval_results_unsupported_sort_field.json");
            var handler = new StubHandler((request, index) => Status(400, body));
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var error = await Assert.ThrowsAsync<WeaveApiException>(() => client.QueryEvalSummaryAsync(new[] { "r" }, false, CancellationToken.None));
            Assert.Equal(body, error.ResponseBody);
            Assert.Equal("Unsupported sort field: 'outputs.label'. Supported: scores.*, inputs.*, output.*.", error.Reason);
            Assert.Contains(error.Reason!, error.Message);
        }
    }
}
