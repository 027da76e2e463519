using System.Net;
using System.Threading.Tasks;
using WeaveEval.Emulator.Tests.Host;
using static WeaveEval.Emulator.Tests.ExampleFiles;

namespace WeaveEval.Emulator.Tests.EvalResults
{
    public sealed class EvalResultsHttpTests : IClassFixture<EmulatorFixture>
    {
        private const string Route = "/v2/acme-ai/support-bot/eval_results/query";
        private readonly EmulatorFixture emulator;

        public EvalResultsHttpTests(EmulatorFixture emulator) => this.emulator = emulator;

        [Theory]
        [InlineData("eval_results_query__single_run_resolved_rows_with_summary")]
        [InlineData("eval_results_query__two_runs_intersection_paged")]
        public async Task ServesTheExampleOverHttp(string name)
        {
            var reply = await emulator.PostAsync(Route, Read(name + "__request.json"));

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("application/json", reply.ContentType);
            Assert.Equal(OnTheWire(Read(name + "__response.json")), reply.Body);
        }

        [Fact]
        public async Task ValidationErrorsTravelOverHttp()
        {
            var reply = await emulator.PostAsync(Route, "{\"include_summary\": true}");

            Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
            Assert.Equal(OnTheWire(Read("error__422_eval_results_no_ids.json")), reply.Body);
        }
    }
}
