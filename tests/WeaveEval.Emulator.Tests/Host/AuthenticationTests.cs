using System.Net;
using System.Threading.Tasks;

namespace WeaveEval.Emulator.Tests.Host
{
    public sealed class AuthenticationTests : IClassFixture<AuthenticationTests.ForbiddingEmulator>
    {
        private readonly ForbiddingEmulator emulator;

        public AuthenticationTests(ForbiddingEmulator emulator)
        {
            this.emulator = emulator;
        }

        public sealed class ForbiddingEmulator : EmulatorFixture
        {
            protected override EmulatorOptions Options => new() { ApiKey = "the-right-key", ForbiddenProjects = new[] { "acme-ai/secret" } };
        }

        [Fact]
        public async Task A_request_without_credentials_gets_FastAPIs_401_and_a_Basic_challenge()
        {
            using var anonymous = EmulatorFixture.CreateClient(emulator.Server, apiKey: null);
            var reply = await Reply.ReadAsync(anonymous.GetAsync("/v2/acme-ai/support-bot/evaluation_runs"));

            Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
            Assert.Equal("{\"detail\":\"Not authenticated\"}", reply.Body);
            Assert.Equal("Basic", reply.Message.Headers.WwwAuthenticate.ToString());
        }

        [Fact]
        public async Task A_wrong_key_gets_the_backends_401()
        {
            using var wrongKey = EmulatorFixture.CreateClient(emulator.Server, "not-the-key");
            var reply = await Reply.ReadAsync(wrongKey.GetAsync("/v2/acme-ai/support-bot/evaluation_runs"));

            Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
            Assert.Equal("{\"reason\":\"401 Error\"}", reply.Body);
        }

        [Fact]
        public async Task Calls_routes_need_credentials_too()
        {
            using var anonymous = EmulatorFixture.CreateClient(emulator.Server, apiKey: null);
            var reply = await Reply.ReadAsync(anonymous.PostAsync("/calls/stream_query", new System.Net.Http.StringContent("{\"project_id\":\"acme-ai/support-bot\"}")));

            Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        }

        [Theory]
        [InlineData("api")]
        [InlineData("someone-else")]
        public async Task Any_user_name_is_accepted_with_the_right_key(string user)
        {
            using var client = EmulatorFixture.CreateClient(emulator.Server, "the-right-key", user);
            var reply = await Reply.ReadAsync(client.GetAsync("/v2/acme-ai/support-bot/evaluation_runs"));

            Assert.Equal(HttpStatusCode.OK, reply.Status);
        }

        [Fact]
        public async Task A_forbidden_project_gets_403_on_v2_and_calls_routes()
        {
            var v2 = await emulator.GetAsync("/v2/acme-ai/secret/evaluation_runs");
            var calls = await emulator.PostAsync("/calls/stream_query", "{\"project_id\":\"acme-ai/secret\"}");

            Assert.Equal(HttpStatusCode.Forbidden, v2.Status);
            Assert.Equal("{\"reason\":\"Forbidden\"}", v2.Body);
            Assert.Equal(HttpStatusCode.Forbidden, calls.Status);
        }

        [Fact]
        public async Task Unknown_routes_and_wrong_methods_are_answered_before_auth()
        {
            using var anonymous = EmulatorFixture.CreateClient(emulator.Server, apiKey: null);
            var unknown = await Reply.ReadAsync(anonymous.GetAsync("/v2/acme-ai/support-bot/nothing_here"));
            var wrongMethod = await Reply.ReadAsync(anonymous.DeleteAsync("/calls/stream_query"));

            Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
            Assert.Equal("{\"detail\":\"Not Found\"}", unknown.Body);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.Status);
            Assert.Equal("{\"detail\":\"Method Not Allowed\"}", wrongMethod.Body);
        }
    }
}
