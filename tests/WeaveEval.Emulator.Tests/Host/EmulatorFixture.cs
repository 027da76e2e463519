using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;

namespace WeaveEval.Emulator.Tests.Host
{
    /// <summary>One emulator with the demo seed per test class, plus an authenticated client.</summary>
    public class EmulatorFixture : IAsyncLifetime
    {
        public EmulatorServer Server { get; private set; } = null!;
        public HttpClient Client { get; private set; } = null!;

        protected virtual EmulatorOptions Options => new();

        public async Task InitializeAsync()
        {
            Server = await EmulatorServer.StartAsync(Options);
            Client = CreateClient(Server, Server.ApiKey);
        }

        public async Task DisposeAsync()
        {
            Client.Dispose();
            await Server.DisposeAsync();
        }

        public static HttpClient CreateClient(EmulatorServer server, string? apiKey, string user = "api")
        {
            var client = new HttpClient { BaseAddress = server.BaseUri };
            if (apiKey is not null)
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{apiKey}")));
            }
            return client;
        }

        public Task<Reply> GetAsync(string path) => Reply.ReadAsync(Client.GetAsync(path));

        public Task<Reply> PostAsync(string path, string json) =>
            Reply.ReadAsync(Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json")));
    }

    /// <summary>A response read to the end.</summary>
    public sealed class Reply
    {
        public required HttpStatusCode Status { get; init; }
        public required string Body { get; init; }
        public required HttpResponseMessage Message { get; init; }

        public string? ContentType => Message.Content.Headers.ContentType?.MediaType;

        public JsonNode Json => JsonNode.Parse(Body)!;

        /// <summary>JSON Lines body split into lines (the body must end with a newline when not empty).</summary>
        public IReadOnlyList<JsonObject> Lines
        {
            get
            {
                if (Body.Length == 0) return Array.Empty<JsonObject>();
                Assert.EndsWith("\n", Body);
                return Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
            }
        }

        public static async Task<Reply> ReadAsync(Task<HttpResponseMessage> request)
        {
            var message = await request;
            return new Reply { Status = message.StatusCode, Body = await message.Content.ReadAsStringAsync(), Message = message };
        }
    }
}
