using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.EvalResults
{
    /// <summary>POST /v2/{entity}/{project}/eval_results/query (API.md §4).</summary>
    public static class EvalResultsRoute
    {
        /// <param name="strictUnknownKeys">true: 422 extra_forbidden for unknown body keys (older servers); false: ignore them (newest).</param>
        public static Task HandleAsync(HttpContext context, EmulatorStore store, string entity, string project, bool strictUnknownKeys)
        {
            context.Response.StatusCode = 501;
            return context.Response.WriteAsync("{\"reason\":\"eval_results/query is not implemented yet\"}");
        }
    }
}
