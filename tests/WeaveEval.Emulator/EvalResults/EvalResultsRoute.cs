using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.EvalResults
{
    /// <summary>POST /v2/{entity}/{project}/eval_results/query.</summary>
    public static class EvalResultsRoute
    {
        /// <param name="strictUnknownKeys">true: 422 extra_forbidden for unknown body keys (older servers); false: ignore them (newest).</param>
        /// <param name="trialCostMicroseconds">
        /// The production server's work per request: it groups, filters, sorts and counts every trial of the
        /// queried runs again for each page. The answer comes no sooner than this many microseconds per trial
        /// after the request arrived. The work is charged as time, not done again here: on a machine the
        /// client shares with the emulator, real regrouping would take the client's cores, which a remote
        /// server's work never does. 0: no charge.
        /// </param>
        public static async Task HandleAsync(HttpContext context, EmulatorStore store, string entity, string project, bool strictUnknownKeys,
            double trialCostMicroseconds = 0)
        {
            ArgumentNullException.ThrowIfNull(context);
            ArgumentNullException.ThrowIfNull(store);
            var cancellation = context.RequestAborted;
            byte[] body;
            using (var buffer = new MemoryStream())
            {
                await context.Request.Body.CopyToAsync(buffer, cancellation).ConfigureAwait(false);
                body = buffer.ToArray();
            }

            var request = EvalResultsRequest.Parse(body, strictUnknownKeys, out var status, out var errorBody);
            if (request is null)
            {
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(errorBody, cancellation).ConfigureAwait(false);
                return;
            }

            var serverWork = Stopwatch.StartNew();
            var projectId = entity + "/" + project;
            var index = EvalResultsEngine.Index(store, projectId, request.RootIds);
            EvalResultsSelection? selection = request.IncludeRows || request.HasFiltersOrSort
                ? EvalResultsEngine.Select(store, index, request)
                : null;
            var page = Page(selection, request);
            var summary = request.IncludeSummary ? EvalResultsEngine.Summary(store, index, request) : null;
            if (trialCostMicroseconds > 0)
            {
                // The first query of a run builds the cache; it counts towards the modelled time.
                var remaining = TimeSpan.FromMicroseconds(index.TrialCount * trialCostMicroseconds) - serverWork.Elapsed;
                if (remaining > TimeSpan.Zero) await Task.Delay(remaining, cancellation).ConfigureAwait(false);
            }
            var writer = new EvalResultsRowWriter(store, index, request);
            var warning = request.IncludeRawDataRows && request.ResolveRowRefs ? writer.PrepareRefResolution(page) : null;

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await WriteAsync(context.Response.Body, writer, page, selection, request, summary, warning, cancellation).ConfigureAwait(false);
        }

        private static ArraySegment<int> Page(EvalResultsSelection? selection, EvalResultsRequest request)
        {
            if (selection is null || !request.IncludeRows) return ArraySegment<int>.Empty;
            var total = selection.Ordered.Length;
            var offset = (int)Math.Clamp(request.Offset, 0, total);
            var count = request.Limit is { } limit ? (int)Math.Clamp(limit, 0, total - offset) : total - offset;
            return new ArraySegment<int>(selection.Ordered, offset, count);
        }

        private static async Task WriteAsync(Stream output, EvalResultsRowWriter rows, ArraySegment<int> page, EvalResultsSelection? selection,
            EvalResultsRequest request, byte[]? summary, string? warning, CancellationToken cancellation)
        {
            const int flushThreshold = 64 * 1024;
            var writer = new Utf8JsonWriter(output, Json.WireWriter);
            await using (writer.ConfigureAwait(false))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("rows");
                foreach (var position in page)
                {
                    rows.WriteRow(writer, position);
                    if (writer.BytesPending > flushThreshold) await writer.FlushAsync(cancellation).ConfigureAwait(false);
                }
                writer.WriteEndArray();
                // Without filters/sort, include_rows=false answers total_rows 0; with them the reference server
                // still counts the filtered rows.
                writer.WriteNumber("total_rows", request.IncludeRows || request.HasFiltersOrSort ? selection!.Ordered.Length : 0);
                writer.WritePropertyName("summary");
                if (summary is null) writer.WriteNullValue();
                else writer.WriteRawValue(summary, skipInputValidation: true);
                writer.WriteStartArray("warnings");
                if (warning is not null) writer.WriteRawString(warning);
                writer.WriteEndArray();
                writer.WriteEndObject();
                await writer.FlushAsync(cancellation).ConfigureAwait(false);
            }
        }
    }
}
