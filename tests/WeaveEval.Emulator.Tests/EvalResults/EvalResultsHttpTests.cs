using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;
using static WeaveEval.Emulator.Tests.EvalResults.EvalResultsHarness;

namespace WeaveEval.Emulator.Tests.EvalResults
{
    public sealed class EvalResultsHttpTests : IAsyncLifetime
    {
        private EmulatorServer? server;
        private HttpClient? client;

        public async Task InitializeAsync()
        {
            server = await EmulatorServer.StartAsync(new EmulatorOptions());
            client = new HttpClient { BaseAddress = server.BaseUri };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.ASCII.GetBytes("api:" + server.ApiKey)));
        }

        public async Task DisposeAsync()
        {
            client?.Dispose();
            if (server is not null) await server.DisposeAsync();
        }

        [Theory]
        [InlineData("eval_results_query__single_run_resolved_rows_with_summary")]
        [InlineData("eval_results_query__two_runs_intersection_paged")]
        public async Task ServesTheExampleOverHttp(string name)
        {
            using var content = new StringContent(Example(name + "__request.json"), Encoding.UTF8, "application/json");

            using var response = await client!.PostAsync("/v2/acme-ai/support-bot/eval_results/query", content);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(OnTheWire(Example(name + "__response.json")), await response.Content.ReadAsStringAsync());
        }

        [Fact]
        public async Task ValidationErrorsTravelOverHttp()
        {
            using var content = new StringContent("{\"include_summary\": true}", Encoding.UTF8, "application/json");

            using var response = await client!.PostAsync("/v2/acme-ai/support-bot/eval_results/query", content);

            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal(OnTheWire(Example("error__422_eval_results_no_ids.json")), await response.Content.ReadAsStringAsync());
        }
    }
}
