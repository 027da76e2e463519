using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>
    /// Reads evaluation runs, predictions and eval results of one W&amp;B project. Cheap to create (the
    /// HttpClient underneath is shared) and safe to use from several threads at once.
    /// </summary>
    public sealed class WeaveClient
    {
        /// <summary>Most ids per calls query of <see cref="ReadEvaluationRunsAsync"/>.</summary>
        internal const int ReadBatchSize = 100;

        internal static readonly string[] RunColumns =
        {
            "id", "op_name", "display_name", "trace_id", "parent_id", "started_at",
            "ended_at", "exception", "attributes", "inputs", "summary", "wb_user_id",
        };

        private readonly WeaveTransport transport;
        private readonly string projectPath;

        public WeaveClient(ResolvedConnection connection, IWeaveLog log)
            : this(new WeaveTransport(connection ?? throw new ArgumentNullException(nameof(connection)), log ?? NullWeaveLog.Instance))
        {
        }

        /// <summary>For tests: a client over a given handler, with back-off waits going through <paramref name="delay"/>.</summary>
        internal WeaveClient(ResolvedConnection connection, IWeaveLog log, HttpMessageHandler handler, DelayAsync? delay = null)
            : this(new WeaveTransport(connection, log, new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan }, delay))
        {
        }

        private WeaveClient(WeaveTransport transport)
        {
            this.transport = transport;
            projectPath = "v2/" + UrlPath.Segment(Entity, "entity") + "/" + UrlPath.Segment(Project, "project") + "/";
        }

        public string Entity => transport.Connection.Entity;

        public string Project => transport.Connection.Project;

        private IWeaveLog Log => transport.Log;

        /// <summary>
        /// Every run of the project (SDK and API), newest first, through POST /calls/stream_query with the
        /// Evaluation.evaluate:* wildcard; paged, de-duplicated by id; stops requesting when the caller stops.
        /// </summary>
        public IAsyncEnumerable<EvaluationRun> ListEvaluationRunsAsync(RunListQuery query, CancellationToken ct)
        {
            if (query == null) throw new ArgumentNullException(nameof(query));
            var pageSize = Math.Max(1, query.PageSize);
            var inputRefs = query.InputRefs?.Where(r => !string.IsNullOrEmpty(r)).Distinct(StringComparer.Ordinal).ToArray();
            var calls = PagedJsonLinesAsync(
                (offset, limit) => new WeaveRequest(HttpMethod.Post, "calls/stream_query", RunsQueryBody(inputRefs, query.TopLevelOnly, null, limit, offset), jsonLines: true),
                WireFormat.ParseCall,
                call => call.Id,
                pageSize,
                0,
                null,
                ct);
            return StopsWithCountAsync(MapAsync(calls, call => Mapping.ToEvaluationRun(call, Entity, Project), ct), "evaluation runs", ct);
        }

        /// <summary>Reads runs by id, one calls query per ≤100 ids; ids the server does not know are absent from the answer.</summary>
        public async Task<IReadOnlyDictionary<string, EvaluationRun>> ReadEvaluationRunsAsync(IReadOnlyList<string> ids, CancellationToken ct)
        {
            if (ids == null) throw new ArgumentNullException(nameof(ids));
            var result = new Dictionary<string, EvaluationRun>(StringComparer.Ordinal);
            var distinct = ids.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToList();
            for (var first = 0; first < distinct.Count; first += ReadBatchSize)
            {
                var batch = distinct.GetRange(first, Math.Min(ReadBatchSize, distinct.Count - first));
                var calls = PagedJsonLinesAsync(
                    (offset, limit) => new WeaveRequest(HttpMethod.Post, "calls/stream_query", RunsQueryBody(null, false, batch, limit, offset), jsonLines: true),
                    WireFormat.ParseCall,
                    call => call.Id,
                    batch.Count,
                    0,
                    batch.Count,
                    ct);
                await foreach (var call in calls.ConfigureAwait(false))
                {
                    if (call.Id != null) result[call.Id] = Mapping.ToEvaluationRun(call, Entity, Project);
                }
            }
            return result;
        }

        /// <summary>Reads one prediction (any call id); an unknown id is a <see cref="WeaveApiException"/> with ErrorId NotFound.</summary>
        public async Task<Prediction> ReadPredictionAsync(string predictionId, CancellationToken ct)
        {
            if (predictionId == null) throw new ArgumentNullException(nameof(predictionId));
            var request = new WeaveRequest(HttpMethod.Get, projectPath + "predictions/" + UrlPath.Segment(predictionId, "prediction id"), null, jsonLines: false);
            var (body, display) = await ReadSmallBodyAsync(request, ct).ConfigureAwait(false);
            return ParseDocument(body, display, (ref Utf8JsonReader reader) => WireFormat.ParsePrediction(ref reader, Entity, Project));
        }

        /// <summary>The v2 predictions of a run (or of the project when <paramref name="evaluationRunId"/> is null), paged.</summary>
        public IAsyncEnumerable<Prediction> ListPredictionsAsync(string? evaluationRunId, PageRequest page, CancellationToken ct)
        {
            if (page == null) throw new ArgumentNullException(nameof(page));
            var filter = string.IsNullOrEmpty(evaluationRunId) ? string.Empty : "evaluation_run_id=" + UrlPath.QueryValue(evaluationRunId!) + "&";
            var predictions = PagedJsonLinesAsync(
                (offset, limit) => new WeaveRequest(HttpMethod.Get, projectPath + "predictions?" + filter + "limit=" + limit + "&offset=" + offset, null, jsonLines: true),
                (ref Utf8JsonReader reader) => WireFormat.ParsePrediction(ref reader, Entity, Project),
                null,
                Math.Max(1, page.PageSize),
                Math.Max(0, page.Offset),
                page.MaxItems,
                ct);
            return StopsWithCountAsync(predictions, "predictions", ct);
        }

        /// <summary>Aggregated scorer statistics of the runs (eval_results/query with include_rows=false, include_summary=true).</summary>
        public async Task<EvalSummaryResult> QueryEvalSummaryAsync(IReadOnlyList<string> runIds, bool requireIntersection, CancellationToken ct)
        {
            var ids = CheckRunIds(runIds);
            var body = Json.Build(writer =>
            {
                Json.WriteStrings(writer, "evaluation_run_ids", ids);
                writer.WriteBoolean("include_rows", false);
                writer.WriteBoolean("include_summary", true);
                writer.WriteBoolean("require_intersection", requireIntersection);
            });
            var request = new WeaveRequest(HttpMethod.Post, projectPath + "eval_results/query", body, jsonLines: false);
            var (bytes, display) = await ReadSmallBodyAsync(request, ct).ConfigureAwait(false);
            var document = ParseDocument(bytes, display, (ref Utf8JsonReader reader) => JsonText.ReadValue(ref reader)) as JsonMap
                ?? throw new WeaveProtocolException($"The response of {display} is not a JSON object.");
            LogWarnings(document["warnings"] as JsonList, new HashSet<string>(StringComparer.Ordinal));
            return Mapping.ToSummary(document["summary"] as JsonMap, Entity, Project);
        }

        /// <summary>
        /// One result per row × evaluation × trial, page by page, each handed out as soon as its row has been
        /// parsed. A page that breaks off is re-requested from the first row not yet handed out. Unless
        /// <see cref="EvalResultsQuery.ReadAhead"/> is off, the next page is requested and parsed while the
        /// caller works through the current one (one page ahead at most); <paramref name="progress"/> is
        /// called on the caller's thread once it has had a page's results.
        /// A failure after results were handed out is a <see cref="WeaveStreamInterruptedException"/>.
        /// </summary>
        public IAsyncEnumerable<EvalResult> QueryEvalResultsAsync(EvalResultsQuery query, Action<long, long>? progress, CancellationToken ct) =>
            StopsWithCountAsync(ReadEvalResultsAsync(query, progress, ct), "evaluation results", ct);

        private async IAsyncEnumerable<EvalResult> ReadEvalResultsAsync(EvalResultsQuery query, Action<long, long>? progress, [EnumeratorCancellation] CancellationToken ct)
        {
            if (query == null) throw new ArgumentNullException(nameof(query));
            var ids = CheckRunIds(query.RunIds);
            var pageSize = Math.Max(1, query.PageSize);
            // Capacity: a page's rows and its end mark, so the next request starts once the caller has taken
            // the first row of the current page.
            var pieces = query.ReadAhead
                ? ReadAhead.ReadAheadAsync(EvalResultPiecesAsync(ids, query, pageSize, CancellationToken.None), pageSize + 1, ct)
                : EvalResultPiecesAsync(ids, query, pageSize, ct);
            await foreach (var piece in pieces.WithCancellation(ct).ConfigureAwait(false))
            {
                if (piece.Row != null)
                {
                    foreach (var result in piece.Row.Results) yield return result;
                }
                else
                {
                    progress?.Invoke(piece.RowsDone, piece.TotalRows);
                }
            }
        }

        /// <summary>What the eval_results pages bring, in order: each row, and after each page its end mark.</summary>
        private sealed class EvalResultsPiece
        {
            private EvalResultsPiece(EvalRow? row, long rowsDone, long totalRows)
            {
                Row = row;
                RowsDone = rowsDone;
                TotalRows = totalRows;
            }

            public EvalRow? Row { get; }

            public long RowsDone { get; }

            public long TotalRows { get; }

            public static EvalResultsPiece OfRow(EvalRow row) => new EvalResultsPiece(row, 0, 0);

            public static EvalResultsPiece EndOfPage(long rowsDone, long totalRows) => new EvalResultsPiece(null, rowsDone, totalRows);
        }

        private async IAsyncEnumerable<EvalResultsPiece> EvalResultPiecesAsync(IReadOnlyList<string> ids, EvalResultsQuery query, int pageSize, [EnumeratorCancellation] CancellationToken ct)
        {
            var warned = new HashSet<string>(StringComparer.Ordinal);
            long rowsDone = 0;
            long delivered = 0;
            while (true)
            {
                var rowsInPage = 0;
                var failuresWithoutProgress = 0;
                long? totalRows;
                while (true)
                {
                    var body = EvalResultsBody(ids, query, rowsDone + rowsInPage, pageSize - rowsInPage);
                    var request = new WeaveRequest(HttpMethod.Post, projectPath + "eval_results/query", body, jsonLines: false);
                    using (var response = await transport.SendAsync(request, ct).ConfigureAwait(false))
                    using (var reader = new EvalResultsReader(response, query.IncludeInputs, Entity, Project))
                    {
                        StreamDroppedException? dropped = null;
                        var rowsThisAttempt = 0;
                        while (true)
                        {
                            EvalRow? row;
                            try
                            {
                                row = await reader.ReadRowAsync(ct).ConfigureAwait(false);
                            }
                            catch (StreamDroppedException e)
                            {
                                dropped = e;
                                break;
                            }
                            if (row == null) break;
                            rowsInPage++;
                            rowsThisAttempt++;
                            delivered += row.Results.Count;
                            yield return EvalResultsPiece.OfRow(row);
                        }
                        if (dropped == null)
                        {
                            totalRows = reader.TotalRows;
                            LogWarnings(reader.Warnings, warned);
                            break;
                        }
                        failuresWithoutProgress = rowsThisAttempt > 0 ? 1 : failuresWithoutProgress + 1;
                        await ResumeOrGiveUpAsync(response.Display, dropped, failuresWithoutProgress, rowsDone + rowsInPage, delivered, ct).ConfigureAwait(false);
                    }
                }
                rowsDone += rowsInPage;
                yield return EvalResultsPiece.EndOfPage(rowsDone, Math.Max(totalRows ?? rowsDone, rowsDone));
                if (rowsInPage < pageSize || (totalRows.HasValue && rowsDone >= totalRows.Value)) yield break;
            }
        }

        private static IReadOnlyList<string> CheckRunIds(IReadOnlyList<string>? runIds)
        {
            var ids = runIds?.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToList();
            if (ids == null || ids.Count == 0)
            {
                throw new WeaveException("At least one evaluation run id is required.", "InvalidArgument", WeaveErrorKind.InvalidArgument);
            }
            return ids;
        }

        private byte[] RunsQueryBody(IReadOnlyList<string>? inputRefs, bool topLevelOnly, IReadOnlyList<string>? callIds, int limit, long offset)
        {
            return Json.Build(writer =>
            {
                writer.WriteString("project_id", Entity + "/" + Project);
                writer.WriteStartObject("filter");
                if (callIds == null) Json.WriteStrings(writer, "op_names", new[] { $"weave:///{Entity}/{Project}/op/Evaluation.evaluate:*" });
                if (inputRefs != null && inputRefs.Count > 0) Json.WriteStrings(writer, "input_refs", inputRefs);
                if (callIds != null && callIds.Count > 0) Json.WriteStrings(writer, "call_ids", callIds);
                if (topLevelOnly) writer.WriteBoolean("trace_roots_only", true);
                writer.WriteEndObject();
                writer.WriteStartArray("sort_by");
                writer.WriteStartObject();
                writer.WriteString("field", "started_at");
                writer.WriteString("direction", "desc");
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteNumber("limit", limit);
                writer.WriteNumber("offset", offset);
                Json.WriteStrings(writer, "columns", RunColumns);
            });
        }

        private static byte[] EvalResultsBody(IReadOnlyList<string> ids, EvalResultsQuery query, long offset, int limit)
        {
            return Json.Build(writer =>
            {
                Json.WriteStrings(writer, "evaluation_run_ids", ids);
                writer.WriteBoolean("require_intersection", query.RequireIntersection);
                writer.WriteBoolean("include_raw_data_rows", query.IncludeInputs);
                writer.WriteBoolean("resolve_row_refs", query.IncludeInputs && query.ResolveRowRefs);
                writer.WriteBoolean("include_costs", query.IncludeCosts);
                writer.WriteBoolean("include_summary", false);
                writer.WriteNumber("limit", limit);
                writer.WriteNumber("offset", offset);
            });
        }

        /// <summary>
        /// Pages through a JSON Lines route with limit/offset. A page that breaks off mid-stream is
        /// re-requested from the first item not yet yielded; after <see cref="TransportOptions.MaximumRetryCount"/>
        /// breaks in a row without progress the enumeration fails with <see cref="WeaveStreamInterruptedException"/>.
        /// With <paramref name="identity"/>, items seen before are dropped and a full page of nothing new ends the list.
        /// </summary>
        private async IAsyncEnumerable<T> PagedJsonLinesAsync<T>(
            Func<long, int, WeaveRequest> makeRequest,
            Utf8Parser<T> parser,
            Func<T, string?>? identity,
            int pageSize,
            long offset,
            long? maxItems,
            [EnumeratorCancellation] CancellationToken ct)
        {
            var seen = identity == null ? null : new HashSet<string>(StringComparer.Ordinal);
            long delivered = 0;
            while (true)
            {
                var limit = maxItems.HasValue ? (int)Math.Min(pageSize, maxItems.Value - delivered) : pageSize;
                if (limit <= 0) yield break;
                var linesInPage = 0;
                var newInPage = 0;
                var failuresWithoutProgress = 0;
                while (true)
                {
                    using (var response = await transport.SendAsync(makeRequest(offset + linesInPage, limit - linesInPage), ct).ConfigureAwait(false))
                    using (var reader = new JsonLinesReader<T>(response, parser))
                    {
                        StreamDroppedException? dropped = null;
                        var linesThisAttempt = 0;
                        while (linesInPage < limit)
                        {
                            bool more;
                            try
                            {
                                more = await reader.MoveNextAsync(ct).ConfigureAwait(false);
                            }
                            catch (StreamDroppedException e)
                            {
                                dropped = e;
                                break;
                            }
                            if (!more) break;
                            linesInPage++;
                            linesThisAttempt++;
                            var item = reader.Current;
                            var id = identity?.Invoke(item);
                            if (seen != null && id != null && !seen.Add(id)) continue;
                            newInPage++;
                            delivered++;
                            yield return item;
                            if (maxItems.HasValue && delivered >= maxItems.Value) yield break;
                        }
                        if (dropped == null) break;
                        failuresWithoutProgress = linesThisAttempt > 0 ? 1 : failuresWithoutProgress + 1;
                        await ResumeOrGiveUpAsync(response.Display, dropped, failuresWithoutProgress, offset + linesInPage, delivered, ct).ConfigureAwait(false);
                    }
                }
                if (linesInPage < limit) yield break;
                if (seen != null && newInPage == 0) yield break;
                offset += linesInPage;
            }
        }

        private async Task ResumeOrGiveUpAsync(string display, StreamDroppedException dropped, int failuresWithoutProgress, long resumeOffset, long delivered, CancellationToken ct)
        {
            var maximum = transport.Options.MaximumRetryCount;
            if (failuresWithoutProgress > maximum)
            {
                throw new WeaveStreamInterruptedException(
                    $"The response of {display} kept breaking off ({dropped.Message}); gave up after {maximum} attempts to resume, {delivered} items received.",
                    delivered,
                    dropped);
            }
            var wait = transport.ComputeBackOff(failuresWithoutProgress);
            Log.Verbose($"Retry {failuresWithoutProgress}/{maximum} of {display} from offset {resumeOffset} in {WeaveTransport.Seconds(wait)} after the response broke off");
            await transport.BackOffAsync(wait, ct).ConfigureAwait(false);
        }

        /// <summary>
        /// Passes the items through; a failure after some were handed out becomes a
        /// <see cref="WeaveStreamInterruptedException"/> that says how many (the original error is its
        /// inner exception), so that a caller who has written part of a list cannot take it for the whole.
        /// </summary>
        private static async IAsyncEnumerable<T> StopsWithCountAsync<T>(IAsyncEnumerable<T> source, string what, [EnumeratorCancellation] CancellationToken ct)
        {
            long delivered = 0;
            var items = source.GetAsyncEnumerator(ct);
            try
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await items.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (WeaveException e) when (delivered > 0 && !(e is WeaveStreamInterruptedException))
                    {
                        throw new WeaveStreamInterruptedException($"Reading {what} stopped after {delivered} had been received: {e.Message}", delivered, e);
                    }
                    if (!more) yield break;
                    delivered++;
                    yield return items.Current;
                }
            }
            finally
            {
                await items.DisposeAsync().ConfigureAwait(false);
            }
        }

        private static async IAsyncEnumerable<TOut> MapAsync<TIn, TOut>(IAsyncEnumerable<TIn> source, Func<TIn, TOut> map, [EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var item in source.WithCancellation(ct).ConfigureAwait(false)) yield return map(item);
        }

        private void LogWarnings(IEnumerable<object?>? warnings, HashSet<string> warned)
        {
            if (warnings == null) return;
            foreach (var warning in warnings)
            {
                var text = Mapping.AsText(warning);
                if (!string.IsNullOrEmpty(text) && warned.Add(text!)) Log.Warning("The server warned: " + transport.Scrub(text!));
            }
        }

        /// <summary>
        /// Sends a request whose answer is one small document and reads it whole. A body that breaks off
        /// is a network error like any other: the request is sent again, up to MaximumRetryCount times.
        /// </summary>
        private async Task<(byte[] Body, string Display)> ReadSmallBodyAsync(WeaveRequest request, CancellationToken ct)
        {
            for (var failures = 1; ; failures++)
            {
                using (var response = await transport.SendAsync(request, ct).ConfigureAwait(false))
                {
                    try
                    {
                        return (await response.ReadAllBytesAsync(ct).ConfigureAwait(false), response.Display);
                    }
                    catch (StreamDroppedException e)
                    {
                        var maximum = transport.Options.MaximumRetryCount;
                        if (failures > maximum)
                        {
                            throw new WeaveException($"The connection dropped while reading the response of {response.Display}.", "NetworkError", WeaveErrorKind.Connection, e);
                        }
                        var wait = transport.ComputeBackOff(failures);
                        Log.Verbose($"Retry {failures}/{maximum} of {response.Display} in {WeaveTransport.Seconds(wait)} after the response broke off");
                        await transport.BackOffAsync(wait, ct).ConfigureAwait(false);
                    }
                }
            }
        }

        private static T ParseDocument<T>(byte[] body, string display, Utf8Parser<T> parser)
        {
            try
            {
                var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
                if (!reader.Read()) throw new JsonException("The body is empty.");
                var value = parser(ref reader);
                if (reader.Read()) throw new JsonException("Unexpected data after the JSON value.");
                return value;
            }
            catch (Exception e) when (e is JsonException || e is InvalidOperationException || e is FormatException || e is ArgumentException)
            {
                throw new WeaveProtocolException($"The response of {display} is not valid JSON: {e.Message}", e);
            }
        }
    }

    internal static class Json
    {
        public static byte[] Build(Action<Utf8JsonWriter> writeProperties)
        {
            using (var buffer = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    writeProperties(writer);
                    writer.WriteEndObject();
                }
                return buffer.ToArray();
            }
        }

        public static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
        {
            writer.WriteStartArray(name);
            foreach (var value in values) writer.WriteStringValue(value);
            writer.WriteEndArray();
        }
    }
}
