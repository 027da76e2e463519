using System;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.EvalResults;
using WeaveEval.Emulator.Seeding;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Tests.EvalResults
{
    /// <summary>Runs the eval_results route in-process against a store and finds the shared API examples.</summary>
    internal static class EvalResultsHarness
    {
        public static EmulatorStore SeededStore()
        {
            var store = new EmulatorStore();
            SupportBotScenario.Seed(store);
            return store;
        }

        public static async Task<(int Status, string Body)> QueryAsync(EmulatorStore store, string body, bool strictUnknownKeys = false)
        {
            var context = new DefaultHttpContext();
            context.Request.Method = "POST";
            context.Request.ContentType = "application/json";
            context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
            var response = new MemoryStream();
            context.Response.Body = response;
            await EvalResultsRoute.HandleAsync(context, store, SupportBotScenario.Entity, SupportBotScenario.ProjectName, strictUnknownKeys);
            return (context.Response.StatusCode, Encoding.UTF8.GetString(response.ToArray()));
        }

        public static async Task<JsonObject> QueryOkAsync(EmulatorStore store, string body)
        {
            var (status, text) = await QueryAsync(store, body);
            Assert.True(status == 200, $"status {status}: {text}");
            return JsonNode.Parse(text)!.AsObject();
        }

        /// <summary><c>weave-api/examples</c> beside the repository (<c>../shared</c>), or <c>WEAVE_API_EXAMPLES</c>.</summary>
        public static string ExamplesDirectory
        {
            get
            {
                var configured = Environment.GetEnvironmentVariable("WEAVE_API_EXAMPLES");
                if (!string.IsNullOrEmpty(configured)) return configured;
                for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
                {
                    var candidate = Path.Combine(directory.FullName, "shared", "weave-api", "examples");
                    if (Directory.Exists(candidate)) return candidate;
                    candidate = Path.Combine(directory.FullName, "..", "shared", "weave-api", "examples");
                    if (File.Exists(Path.Combine(directory.FullName, "Directory.Build.props")) && Directory.Exists(candidate)) return Path.GetFullPath(candidate);
                }
                throw new DirectoryNotFoundException("weave-api/examples not found; set WEAVE_API_EXAMPLES");
            }
        }

        public static string Example(string fileName) => File.ReadAllText(Path.Combine(ExamplesDirectory, fileName));

        /// <summary>A pretty-printed example as FastAPI would put it on the wire (compact, numbers as written).</summary>
        public static string OnTheWire(string json) => Encoding.UTF8.GetString(PyJson.Serialize(JsonNode.Parse(json)));

        /// <summary>Compact form that keeps key order and the exact text of every number.</summary>
        public static string Canonical(string json)
        {
            using var document = JsonDocument.Parse(json);
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Json.WireWriter)) document.RootElement.WriteTo(writer);
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        public static string Body(string ids, string extra = "") =>
            "{\"evaluation_call_ids\":[" + ids + "]" + (extra.Length > 0 ? "," + extra : "") + "}";

        public static string Quote(params string[] ids) => string.Join(",", Array.ConvertAll(ids, id => "\"" + id + "\""));
    }
}
