using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Emulator.Generation;
using WeaveEval.Emulator.Hosting;
using WeaveEval.Emulator.Profile;

namespace WeaveEval.Emulator.Tests.Host
{
    /// <summary>
    /// The production-like profile: each of latency, per-query server cost and bandwidth must show in what a
    /// client measures. Only lower bounds are asserted (a loaded machine is slow, never fast); each test puts
    /// the loopback profile back, since the class shares one server.
    /// </summary>
    public sealed class ProfileTests : IClassFixture<ProfileTests.GeneratedEmulator>
    {
        private const string Project = "acme-ai/profile";
        private const int TrialsOfTheRun = 4000;

        /// <summary>Timer waits may end a hair early on some platforms; a lower bound a little under the model is still a lower bound.</summary>
        private const double TimerSlack = 0.9;

        private readonly GeneratedEmulator emulator;

        public ProfileTests(GeneratedEmulator emulator)
        {
            this.emulator = emulator;
        }

        public sealed class GeneratedEmulator : EmulatorFixture
        {
            protected override EmulatorOptions Options => new()
            {
                Seed = "none",
                Generate = new GeneratorSpec { Project = Project, Rows = TrialsOfTheRun / 2, Trials = 2, Runs = 1, ApiRuns = 0, WithChildren = false },
            };

            public string RunId => Server.Store.Calls(Project).Single(c => c.ParentId is null && c.OpShortName == "Evaluation.evaluate").Id;
        }

        [Fact]
        public async Task Latency_delays_the_response_head_of_API_requests_and_ends_when_the_client_aborts()
        {
            try
            {
                emulator.Server.Profile = ServerProfile.Loopback with { LatencyMs = 50 };
                var clock = Stopwatch.StartNew();
                using (var reply = await emulator.Client.GetAsync($"/v2/{Project}/evaluation_runs", HttpCompletionOption.ResponseHeadersRead))
                {
                    Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
                    Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(50 * TimerSlack), $"head after {clock.Elapsed.TotalMilliseconds} ms");
                }

                emulator.Server.Profile = ServerProfile.Loopback with { LatencyMs = 30_000 };
                emulator.Server.Requests.Clear();
                var admin = await emulator.GetAsync("/__emulator/profile");
                Assert.Equal(30_000, (int)admin.Json["latencyMs"]!);

                using var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => emulator.Client.GetAsync($"/v2/{Project}/evaluation_runs", abort.Token));
                // The server stops waiting when the client goes: the request is finished and logged long before 30 s.
                var deadline = Stopwatch.StartNew();
                while (emulator.Server.Requests.Entries.Count == 0 && deadline.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(50);
                Assert.Single(emulator.Server.Requests.Entries);
            }
            finally
            {
                emulator.Server.Profile = ServerProfile.Loopback;
            }
        }

        [Theory]
        [InlineData("{\"evaluation_call_ids\":[\"RUN\"],\"limit\":10}")]
        [InlineData("{\"evaluation_call_ids\":[\"RUN\"],\"include_rows\":false,\"include_summary\":true}")]
        public async Task Every_eval_results_query_costs_the_trials_of_its_runs_again(string body)
        {
            const double microsecondsPerTrial = 25;
            var modelled = TimeSpan.FromMicroseconds(TrialsOfTheRun * microsecondsPerTrial * TimerSlack);
            body = body.Replace("RUN", emulator.RunId, StringComparison.Ordinal);
            var loopback = await emulator.PostAsync($"/v2/{Project}/eval_results/query", body);
            try
            {
                emulator.Server.Profile = ServerProfile.Loopback with { TrialCostMicroseconds = microsecondsPerTrial };
                for (var attempt = 1; attempt <= 2; attempt++)
                {
                    var clock = Stopwatch.StartNew();
                    var reply = await emulator.PostAsync($"/v2/{Project}/eval_results/query", body);
                    var elapsed = clock.Elapsed;

                    Assert.Equal(HttpStatusCode.OK, reply.Status);
                    Assert.Equal(loopback.Body, reply.Body);
                    Assert.True(elapsed >= modelled, $"query {attempt} took {elapsed.TotalMilliseconds} ms, modelled {modelled.TotalMilliseconds} ms");
                }
            }
            finally
            {
                emulator.Server.Profile = ServerProfile.Loopback;
            }
        }

        [Fact]
        public async Task The_bandwidth_cap_holds_a_response_to_its_size_over_the_rate()
        {
            var body = $"{{\"evaluation_call_ids\":[\"{emulator.RunId}\"],\"limit\":400}}";
            var uncapped = await emulator.PostAsync($"/v2/{Project}/eval_results/query", body);
            var size = Encoding.UTF8.GetByteCount(uncapped.Body);
            Assert.True(size > 100_000, $"the page is only {size} bytes");
            try
            {
                const long bytesPerSecond = 1_000_000;
                emulator.Server.Profile = ServerProfile.Loopback with { BandwidthBytesPerSecond = bytesPerSecond };
                var clock = Stopwatch.StartNew();
                var capped = await emulator.PostAsync($"/v2/{Project}/eval_results/query", body);
                var elapsed = clock.Elapsed;

                Assert.Equal(uncapped.Body, capped.Body);
                var floor = TimeSpan.FromSeconds((double)size / bytesPerSecond * TimerSlack);
                Assert.True(elapsed >= floor, $"{size} bytes in {elapsed.TotalMilliseconds} ms at {bytesPerSecond} B/s");
            }
            finally
            {
                emulator.Server.Profile = ServerProfile.Loopback;
            }
        }

        [Fact]
        public async Task The_admin_route_reads_and_changes_the_profile_at_run_time()
        {
            try
            {
                var remote = await emulator.PostAsync("/__emulator/profile", "{\"profile\":\"remote\"}");
                Assert.Equal(HttpStatusCode.OK, remote.Status);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"latencyMs\":100,\"trialCostMicroseconds\":3,\"bandwidthBytesPerSecond\":25000000}"), remote.Json), remote.Body);

                var changed = await emulator.PostAsync("/__emulator/profile", "{\"latencyMs\":60,\"trialCostMicroseconds\":0.5}");
                Assert.Equal(ServerProfile.Remote with { LatencyMs = 60, TrialCostMicroseconds = 0.5 }, emulator.Server.Profile);
                Assert.Equal(changed.Body, (await emulator.GetAsync("/__emulator/profile")).Body);

                var clock = Stopwatch.StartNew();
                using (await emulator.Client.GetAsync($"/v2/{Project}/evaluation_runs", HttpCompletionOption.ResponseHeadersRead))
                {
                    Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(60 * TimerSlack), $"head after {clock.Elapsed.TotalMilliseconds} ms");
                }

                foreach (var bad in new[] { "{\"latencyMs\":-1}", "{\"latency\":5}", "{\"profile\":\"lan\"}", "{\"latencyMs\":\"fast\"}", "[]" })
                {
                    var refused = await emulator.PostAsync("/__emulator/profile", bad);
                    Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
                }
                Assert.Equal(60, emulator.Server.Profile.LatencyMs);

                await emulator.PostAsync("/__emulator/profile", "{\"profile\":\"loopback\"}");
                Assert.Equal(ServerProfile.Loopback, emulator.Server.Profile);
            }
            finally
            {
                emulator.Server.Profile = ServerProfile.Loopback;
            }
        }

        [Fact]
        public void The_command_line_names_a_profile_and_overrides_its_values_in_any_order()
        {
            Assert.Equal(ServerProfile.Loopback, CommandLine.Parse(Array.Empty<string>()).Profile);
            Assert.Equal(new ServerProfile { LatencyMs = 100, TrialCostMicroseconds = 3, BandwidthBytesPerSecond = 25_000_000 },
                CommandLine.Parse(new[] { "--profile", "remote" }).Profile);
            Assert.Equal(ServerProfile.Remote with { LatencyMs = 20, BandwidthBytesPerSecond = 0 },
                CommandLine.Parse(new[] { "--profile", "remote", "--latency-ms", "20", "--bandwidth-bytes-per-second", "0" }).Profile);
            Assert.Equal(ServerProfile.Remote with { TrialCostMicroseconds = 1.5 },
                CommandLine.Parse(new[] { "--trial-cost-us", "1.5", "--profile", "remote" }).Profile);
            Assert.Throws<ArgumentException>(() => CommandLine.Parse(new[] { "--profile", "lan" }));
            Assert.Throws<ArgumentException>(() => CommandLine.Parse(new[] { "--latency-ms", "-5" }));
            Assert.Throws<ArgumentException>(() => CommandLine.Parse(new[] { "--trial-cost-us" }));
        }
    }
}
