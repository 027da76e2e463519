using System;
using System.IO;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.EvalResults;
using WeaveEval.Emulator.Seeding;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.Tests.EvalResults
{
    /// <summary>Runs the eval_results route in-process against a store.</summary>
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

        public static string Body(string ids, string extra = "") =>
            "{\"evaluation_call_ids\":[" + ids + "]" + (extra.Length > 0 ? "," + extra : "") + "}";

        public static string Quote(params string[] ids) => string.Join(",", Array.ConvertAll(ids, id => "\"" + id + "\""));
    }
}
