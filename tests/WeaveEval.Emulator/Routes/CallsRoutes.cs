using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.Calls;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Routes
{
    /// <summary><c>POST /calls/stream_query</c> and <c>POST /calls/query_stats</c>.</summary>
    internal static class CallsRoutes
    {
        public static async Task StreamQueryAsync(HttpContext context, EmulatorStore store)
        {
            var request = await ParseAsync(context);
            if (request is null) return;

            IEnumerable<CallRecord> page = CallSorter.Sort(Select(store, request), request.SortBy);
            if (request.Offset is long offset) page = page.Skip((int)Math.Min(offset, int.MaxValue));
            if (request.Limit is long limit) page = page.Take((int)Math.Min(limit, int.MaxValue));

            var schema = new CallSchemaWriter(request, store);
            var lines = JsonLinesWriter.Start(context);
            foreach (var call in page)
            {
                await lines.WriteLineAsync(writer => schema.Write(writer, call));
            }
            await lines.CompleteAsync();
        }

        public static async Task QueryStatsAsync(HttpContext context, EmulatorStore store)
        {
            var request = await ParseAsync(context);
            if (request is null) return;

            long count;
            if (request.Limit == 1 && request.Query is not null && request.Filter.IsEmpty)
            {
                // The server short-circuits this shape to "does any call have a W&B run id", ignoring the query.
                count = store.Calls(request.ProjectId).Any(c => c.WbRunId is not null) ? 1 : 0;
            }
            else
            {
                count = Select(store, request).LongCount();
            }
            var hasMore = request.Limit is long limit && count >= limit;
            if (request.Limit is long cap) count = Math.Min(count, cap);

            JsonNode? totalStorage = null;
            if (request.IncludeTotalStorageSize)
            {
                var traces = Select(store, request).Select(c => c.TraceId).ToHashSet();
                totalStorage = store.Calls(request.ProjectId).Where(c => traces.Contains(c.TraceId)).Sum(CallSchemaWriter.StorageSize);
            }
            await Responses.WriteJsonAsync(context, 200, new JsonObject
            {
                ["count"] = count,
                ["has_more"] = hasMore,
                ["total_storage_size_bytes"] = totalStorage,
            });
        }

        private static IEnumerable<CallRecord> Select(EmulatorStore store, CallsQueryRequest request) =>
            request.Filter.Candidates(store, request.ProjectId).Where(call => request.Filter.Matches(call, request.ProjectId)
                && (request.Query is null || request.Query.IsTrue(new CallFields(call))));

        /// <summary>The request, or null after a 400/422 answer was written.</summary>
        private static async Task<CallsQueryRequest?> ParseAsync(HttpContext context)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            var errors = new List<ValidationError>();
            try
            {
                var request = CallsQueryRequest.Parse(buffer.ToArray(), errors);
                if (errors.Count == 0) return request;
            }
            catch (CallsQueryException rejected)
            {
                await Responses.ReasonAsync(context, rejected.Status, rejected.Message);
                return null;
            }
            await Responses.ValidationAsync(context, errors);
            return null;
        }
    }
}
