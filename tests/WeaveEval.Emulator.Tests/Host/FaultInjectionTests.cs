using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using WeaveEval.Emulator.Faults;
using WeaveEval.Emulator.Seeding;

namespace WeaveEval.Emulator.Tests.Host
{
    public sealed class FaultInjectionTests : IClassFixture<EmulatorFixture>
    {
        private const string RunsList = "/v2/acme-ai/support-bot/evaluation_runs";
        private const string AllCallsQuery = "{\"project_id\":\"acme-ai/support-bot\"}";
        private readonly EmulatorFixture emulator;

        public FaultInjectionTests(EmulatorFixture emulator)
        {
            this.emulator = emulator;
            emulator.Server.Faults.Clear();
            emulator.Server.Requests.Clear();
        }

        private FaultInjector Faults => emulator.Server.Faults;

        /// <summary>Reads as much of the body as arrives; the failure is what the client would see when the connection drops.</summary>
        private async Task<(byte[] Received, Exception? Failure)> ReadPartialAsync(HttpRequestMessage request)
        {
            using var response = await emulator.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var received = new MemoryStream();
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync();
                await stream.CopyToAsync(received);
                return (received.ToArray(), null);
            }
            catch (Exception failure) when (failure is HttpRequestException or IOException)
            {
                return (received.ToArray(), failure);
            }
        }

        private static HttpRequestMessage AllCalls() =>
            new(HttpMethod.Post, "/calls/stream_query") { Content = new StringContent(AllCallsQuery, Encoding.UTF8, "application/json") };

        [Fact]
        public async Task A_status_rule_answers_for_its_count_with_headers_then_the_real_response_returns()
        {
            Faults.Add("GET", "evaluation_runs$", new FaultAction { Status = 429, Headers = new() { ["Retry-After"] = "1", ["retry-after-ms"] = "1000" } }, times: 2);

            var first = await emulator.GetAsync(RunsList);
            var second = await emulator.GetAsync(RunsList);
            var third = await emulator.GetAsync(RunsList);

            Assert.Equal(HttpStatusCode.TooManyRequests, first.Status);
            Assert.Equal("{\"reason\":\"429 Error\"}", first.Body);
            Assert.Equal("1", first.Message.Headers.GetValues("Retry-After").Single());
            Assert.Equal("1000", first.Message.Headers.GetValues("retry-after-ms").Single());
            Assert.Equal(HttpStatusCode.TooManyRequests, second.Status);
            Assert.Equal(HttpStatusCode.OK, third.Status);
            Assert.Equal(0, Faults.PendingCount);
        }

        [Fact]
        public async Task Rules_apply_in_order_and_only_to_matching_method_and_path()
        {
            Faults.Add("POST", "^/calls/", new FaultAction { Status = 500 });
            Faults.Add(null, "^/calls/stream_query$", new FaultAction { Status = 502, Body = JsonNode.Parse("{\"reason\":\"custom\"}") });

            var unaffected = await emulator.GetAsync(RunsList);
            var first = await emulator.PostAsync("/calls/stream_query", AllCallsQuery);
            var second = await emulator.PostAsync("/calls/stream_query", AllCallsQuery);
            var third = await emulator.PostAsync("/calls/stream_query", AllCallsQuery);

            Assert.Equal(HttpStatusCode.OK, unaffected.Status);
            Assert.Equal((HttpStatusCode.InternalServerError, "{\"reason\":\"Internal server error\"}"), (first.Status, first.Body));
            Assert.Equal((HttpStatusCode.BadGateway, "{\"reason\":\"custom\"}"), (second.Status, second.Body));
            Assert.Equal(HttpStatusCode.OK, third.Status);
        }

        [Fact]
        public async Task A_rule_with_a_body_pattern_affects_only_the_requests_whose_body_matches()
        {
            Faults.Add(new FaultRule { Method = "POST", Path = "^/calls/stream_query$", Body = "\"limit\":\\s*7\\b", Action = new FaultAction { Status = 500 } });
            var other = AllCallsQuery.Replace("}", ",\"limit\":70}", StringComparison.Ordinal);
            var matching = AllCallsQuery.Replace("}", ",\"limit\":7}", StringComparison.Ordinal);

            var unaffected = await emulator.PostAsync("/calls/stream_query", other);
            var faulted = await emulator.PostAsync("/calls/stream_query", matching);
            var after = await emulator.PostAsync("/calls/stream_query", matching);

            Assert.Equal(HttpStatusCode.OK, unaffected.Status);
            Assert.Equal(HttpStatusCode.InternalServerError, faulted.Status);
            Assert.Equal(HttpStatusCode.OK, after.Status);
        }

        [Fact]
        public async Task A_delay_holds_the_real_response_back()
        {
            Faults.Add("GET", "evaluation_runs$", new FaultAction { DelayMs = 300 });
            var clock = Stopwatch.StartNew();

            var reply = await emulator.GetAsync(RunsList);

            Assert.True(clock.ElapsedMilliseconds >= 290, $"answered after {clock.ElapsedMilliseconds} ms");
            Assert.Equal(2, reply.Lines.Count);
        }

        [Fact]
        public async Task DropAfterBytes_sends_that_many_bytes_and_cuts_the_connection()
        {
            Faults.Add("GET", "evaluation_runs$", new FaultAction { DropAfterBytes = 100 });

            var (received, failure) = await ReadPartialAsync(new HttpRequestMessage(HttpMethod.Get, RunsList));

            Assert.NotNull(failure);
            Assert.Equal(100, received.Length);
        }

        [Fact]
        public async Task TruncateLines_sends_complete_lines_then_cuts_the_connection()
        {
            Faults.Add("POST", "stream_query", new FaultAction { TruncateLines = 3 });

            var (received, failure) = await ReadPartialAsync(AllCalls());

            Assert.NotNull(failure);
            var text = Encoding.UTF8.GetString(received);
            Assert.EndsWith("\n", text);
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            Assert.All(lines, line => JsonDocument.Parse(line).Dispose());
        }

        [Fact]
        public async Task MalformedLineAt_corrupts_exactly_that_line()
        {
            Faults.Add("POST", "stream_query", new FaultAction { MalformedLineAt = 2 });

            var reply = await emulator.PostAsync("/calls/stream_query", AllCallsQuery);
            var clean = await emulator.PostAsync("/calls/stream_query", AllCallsQuery);

            var lines = reply.Body.TrimEnd('\n').Split('\n');
            var cleanLines = clean.Body.TrimEnd('\n').Split('\n');
            Assert.Equal(cleanLines.Length, lines.Length);
            Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(lines[1]));
            Assert.Equal(cleanLines.Where((_, i) => i != 1), lines.Where((_, i) => i != 1));
        }

        [Fact]
        public async Task NotJson_answers_200_with_an_HTML_page()
        {
            Faults.Add("GET", "evaluation_runs", new FaultAction { NotJson = true });

            var reply = await emulator.GetAsync(RunsList);

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("text/html", reply.ContentType);
            Assert.StartsWith("<!DOCTYPE html>", reply.Body);
        }

        [Fact]
        public async Task Trickle_slows_the_stream_but_delivers_all_of_it()
        {
            Faults.Add("GET", "evaluation_runs/", new FaultAction { TrickleBytesPerSecond = 2000 });
            var clock = Stopwatch.StartNew();

            var slow = await emulator.GetAsync(RunsList + "/" + SupportBotScenario.RunA);
            var elapsed = clock.ElapsedMilliseconds;
            var normal = await emulator.GetAsync(RunsList + "/" + SupportBotScenario.RunA);

            Assert.True(elapsed >= 250, $"{slow.Body.Length} bytes in {elapsed} ms");
            Assert.Equal(normal.Body, slow.Body);
        }

        [Fact]
        public async Task Admin_routes_control_faults_and_read_the_request_log_without_auth()
        {
            using var admin = new HttpClient { BaseAddress = emulator.Server.BaseUri };
            var added = await admin.PostAsync("/__emulator/faults", new StringContent(
                "{\"method\":\"GET\",\"path\":\"evaluation_runs$\",\"times\":1,\"action\":{\"status\":503,\"headers\":{\"Retry-After\":\"2\"}}}"));
            var faulted = await emulator.GetAsync(RunsList + "?limit=1");
            await admin.PostAsync("/__emulator/faults", new StringContent("{\"path\":\".*\",\"action\":{\"status\":500}}"));
            var cleared = await admin.DeleteAsync("/__emulator/faults");
            var normal = await emulator.GetAsync(RunsList);
            var log = JsonNode.Parse(await admin.GetStringAsync("/__emulator/requests"))!.AsArray();

            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, faulted.Status);
            Assert.Equal("2", faulted.Message.Headers.GetValues("Retry-After").Single());
            Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
            Assert.Equal(HttpStatusCode.OK, normal.Status);
            Assert.Equal(2, log.Count);
            Assert.Equal("{\"method\":\"GET\",\"path\":\"/v2/acme-ai/support-bot/evaluation_runs\",\"query\":\"?limit=1\",\"status\":503}",
                new JsonObject { ["method"] = log[0]!["method"]!.DeepClone(), ["path"] = log[0]!["path"]!.DeepClone(), ["query"] = log[0]!["query"]!.DeepClone(), ["status"] = log[0]!["status"]!.DeepClone() }.ToJsonString());
            Assert.DoesNotContain(emulator.Server.ApiKey, log.ToJsonString());
            Assert.DoesNotContain("Authorization", log.ToJsonString(), StringComparison.OrdinalIgnoreCase);

            var emptied = await admin.DeleteAsync("/__emulator/requests");
            Assert.Equal(HttpStatusCode.NoContent, emptied.StatusCode);
            Assert.Empty(emulator.Server.Requests.Entries);
        }

        [Fact]
        public async Task The_request_log_records_bodies_and_statuses_in_process()
        {
            await emulator.PostAsync("/calls/query_stats", AllCallsQuery);
            await emulator.GetAsync("/v2/acme-ai/support-bot/scores/missing");

            var entries = emulator.Server.Requests.Entries;
            Assert.Equal(2, entries.Count);
            Assert.Equal(("POST", "/calls/query_stats", 200, (long)AllCallsQuery.Length, AllCallsQuery), (entries[0].Method, entries[0].Path, entries[0].Status, entries[0].BodyLength, entries[0].Body));
            Assert.Equal(404, entries[1].Status);
        }

        [Fact]
        public async Task The_generate_admin_route_adds_a_project()
        {
            using var admin = new HttpClient { BaseAddress = emulator.Server.BaseUri };
            var reply = await admin.PostAsync("/__emulator/generate", new StringContent("{\"project\":\"acme-ai/admin-generated\",\"rows\":5,\"trials\":2,\"runs\":2}"));
            var result = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!;
            var listed = await emulator.GetAsync("/v2/acme-ai/admin-generated/evaluation_runs");

            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            Assert.Equal(20, (int)result["trials"]!);
            Assert.Equal((string)result["apiRunIds"]![0]!, (string)listed.Lines.Single()["evaluation_run_id"]!);
        }
    }
}
