using System;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace WeaveEval.Emulator.Tests.Host
{
    public sealed class CommandLineTests
    {
        private static Process Start(string arguments)
        {
            var emulator = typeof(EmulatorServer).Assembly.Location;
            var start = new ProcessStartInfo("dotnet", $"\"{emulator}\" {arguments}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            return Process.Start(start)!;
        }

        [Fact]
        public async Task The_host_prints_one_parseable_line_and_serves_on_that_address()
        {
            using var process = Start("--seed none --port 0 --api-key cli-key --generate project=acme-ai/cli,rows=3,runs=2");
            try
            {
                var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                var match = Regex.Match(line ?? "", "^WeaveEval emulator listening on (http://127\\.0\\.0\\.1:\\d+)$");
                Assert.True(match.Success, $"first line was '{line}'");

                using var client = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value) };
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("api:cli-key")));
                var reply = await client.GetAsync("/v2/acme-ai/cli/evaluation_runs");
                Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
                Assert.Single((await reply.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n'));
            }
            finally
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }

        [Fact]
        public async Task Bad_arguments_exit_with_usage()
        {
            using var process = Start("--colour blue");
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(2, process.ExitCode);
            Assert.Contains("unknown argument --colour", error);
        }
    }
}
