using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
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

        /// <summary>The run's inputs, whose evaluation ref <see cref="ReadEvaluationScorersAsync"/> has expanded into the object.</summary>
        private static readonly string[] EvaluationColumns = { "id", "inputs" };
        private static readonly string[] ExpandEvaluation = { "inputs.self" };

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
        /// Evaluation.evaluate:* wildcard; paged (a page of 100, then pages of a few MB), de-duplicated by id;
        /// lazy: the next page is asked for only once the caller has taken the last run of the one before.
        /// </summary>
        public IAsyncEnumerable<EvaluationRun> ListEvaluationRunsAsync(RunListQuery query, CancellationToken ct)
        {
            if (query == null) throw new ArgumentNullException(nameof(query));
            var inputRefs = query.InputRefs?.Where(r => !string.IsNullOrEmpty(r)).Distinct(StringComparer.Ordinal).ToArray();
            var list = new PagedList<CallLine>(
                transport,
                "evaluation runs",
                (offset, limit) => new WeaveRequest(HttpMethod.Post, "calls/stream_query", RunsQueryBody(inputRefs, query.TopLevelOnly, null, limit, offset), jsonLines: true),
                response => new JsonLinesReader<CallLine>(response, WireFormat.ParseCall))
            {
                Identity = call => call.Id,
            };
            var options = PagingOptions.Lazy(query.PageSize, query.MaxItems);
            return MapAsync(ReadOneListAsync(list, options, ct), call => Mapping.ToEvaluationRun(call, Entity, Project), ct);
        }

        /// <summary>Reads runs by id, one calls query per ≤100 ids; ids the server does not know are absent from the answer.</summary>
        public async Task<IReadOnlyDictionary<string, EvaluationRun>> ReadEvaluationRunsAsync(IReadOnlyList<string> ids, CancellationToken ct)
        {
            if (ids == null) throw new ArgumentNullException(nameof(ids));
            var result = new Dictionary<string, EvaluationRun>(StringComparer.Ordinal);
            await ReadRunCallsAsync(ids, (batch, limit, offset) => RunsQueryBody(null, false, batch, limit, offset), call =>
            {
                if (call.Id != null) result[call.Id] = Mapping.ToEvaluationRun(call, Entity, Project);
            }, ct).ConfigureAwait(false);
            return result;
        }

        /// <summary>
        /// The scorer refs of each run's evaluation, by run id: the runs read with their evaluation ref
        /// expanded into the Evaluation object, whose <c>scorers</c> list names each scorer with its version.
        /// A run whose evaluation is not a stored object (v2 runs may name any string) or lists no scorers is
        /// absent, as is an unknown id.
        /// </summary>
        public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadEvaluationScorersAsync(IReadOnlyList<string> runIds, CancellationToken ct)
        {
            if (runIds == null) throw new ArgumentNullException(nameof(runIds));
            var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            await ReadRunCallsAsync(
                runIds,
                (batch, limit, offset) => CallsQueryBody(filter => Json.WriteStrings(filter, "call_ids", batch), null, newestFirst: false, EvaluationColumns, limit, offset, ExpandEvaluation),
                call =>
                {
                    if (call.Id == null || !(Mapping.Path(call.Inputs, "self", "scorers") is JsonList scorers)) return;
                    var refs = scorers.Select(Mapping.RefText).Where(r => r != null).Select(r => r!).ToList();
                    if (refs.Count > 0) result[call.Id] = refs;
                },
                ct).ConfigureAwait(false);
            return result;
        }

        /// <summary>
        /// Reads run calls by id, one calls query per ≤<see cref="ReadBatchSize"/> ids (blank and repeated ids
        /// left out), with the body <paramref name="body"/> gives for a batch, and hands each line to <paramref name="take"/>.
        /// </summary>
        private async Task ReadRunCallsAsync(IReadOnlyList<string> ids, Func<IReadOnlyList<string>, int, long, byte[]> body, Action<CallLine> take, CancellationToken ct)
        {
            var distinct = ids.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToList();
            for (var first = 0; first < distinct.Count; first += ReadBatchSize)
            {
                var batch = distinct.GetRange(first, Math.Min(ReadBatchSize, distinct.Count - first));
                var list = new PagedList<CallLine>(
                    transport,
                    "evaluation runs",
                    (offset, limit) => new WeaveRequest(HttpMethod.Post, "calls/stream_query", body(batch, limit, offset), jsonLines: true),
                    response => new JsonLinesReader<CallLine>(response, WireFormat.ParseCall));
                await foreach (var call in ReadOneListAsync(list, PagingOptions.Lazy(batch.Count, batch.Count), ct).ConfigureAwait(false)) take(call);
            }
        }

        /// <summary>Reads one prediction (any call id); an unknown id is a <see cref="WeaveApiException"/> with ErrorId NotFound.</summary>
        public async Task<Prediction> ReadPredictionAsync(string predictionId, CancellationToken ct)
        {
            if (predictionId == null) throw new ArgumentNullException(nameof(predictionId));
            var request = new WeaveRequest(HttpMethod.Get, projectPath + "predictions/" + UrlPath.Segment(predictionId, "prediction id"), null, jsonLines: false);
            var (body, requestLine) = await ReadSmallBodyAsync(request, ct).ConfigureAwait(false);
            return ParseDocument(body, requestLine, (ref Utf8JsonReader reader) => WireFormat.ParsePrediction(ref reader, Entity, Project));
        }

        /// <summary>The v2 predictions of a run (or of the project when <paramref name="evaluationRunId"/> is null), paged lazily.</summary>
        public IAsyncEnumerable<Prediction> ListPredictionsAsync(string? evaluationRunId, PageRequest page, CancellationToken ct)
        {
            if (page == null) throw new ArgumentNullException(nameof(page));
            var filter = string.IsNullOrEmpty(evaluationRunId) ? string.Empty : "evaluation_run_id=" + UrlPath.QueryValue(evaluationRunId!) + "&";
            var list = new PagedList<Prediction>(
                transport,
                "predictions",
                (offset, limit) => new WeaveRequest(HttpMethod.Get, projectPath + "predictions?" + filter + "limit=" + limit + "&offset=" + offset, null, jsonLines: true),
                response => new JsonLinesReader<Prediction>(response, (ref Utf8JsonReader reader) => WireFormat.ParsePrediction(ref reader, Entity, Project)))
            {
                Offset = Math.Max(0, page.Offset),
            };
            return ReadOneListAsync(list, PagingOptions.Lazy(page.PageSize, page.MaxItems), ct);
        }

        /// <summary>
        /// Aggregated scorer statistics of the runs (eval_results/query with include_rows=false, include_summary=true);
        /// with <paramref name="includeCosts"/> the server also prices each run's model calls.
        /// </summary>
        public async Task<EvalSummaryResult> QueryEvalSummaryAsync(IReadOnlyList<string> runIds, bool requireIntersection, CancellationToken ct, bool includeCosts = false)
        {
            var ids = CheckRunIds(runIds);
            var body = Json.Build(writer =>
            {
                Json.WriteStrings(writer, "evaluation_run_ids", ids);
                writer.WriteBoolean("include_rows", false);
                writer.WriteBoolean("include_summary", true);
                writer.WriteBoolean("require_intersection", requireIntersection);
                if (includeCosts) writer.WriteBoolean("include_costs", true);
            });
            var request = new WeaveRequest(HttpMethod.Post, projectPath + "eval_results/query", body, jsonLines: false);
            var (bytes, requestLine) = await ReadSmallBodyAsync(request, ct).ConfigureAwait(false);
            var document = ParseDocument(bytes, requestLine, (ref Utf8JsonReader reader) => JsonText.ReadValue(ref reader)) as JsonMap
                ?? throw new WeaveProtocolException($"The response of {requestLine} is not a JSON object.");
            // The server's warnings, scrubbed once: logged (each text once) and kept on the summary.
            var warningTexts = (document["warnings"] as JsonList)?.Select(Mapping.AsText).Where(text => !string.IsNullOrEmpty(text)).Select(text => transport.Scrub(text!)).ToList();
            foreach (var text in warningTexts?.Distinct(StringComparer.Ordinal) ?? Enumerable.Empty<string>()) Log.Warning("The server warned: " + text);
            return Mapping.ToSummary(document["summary"] as JsonMap, Entity, Project, warningTexts);
        }

        /// <summary>
        /// One result per row × evaluation × trial, each handed out as soon as its row has been parsed, with
        /// pages in flight as <see cref="PagingOptions.ForEvalResults"/> sets them (see <see cref="PagedReader"/>).
        /// A failure after results were handed out is a <see cref="WeaveStreamInterruptedException"/>.
        /// </summary>
        public IAsyncEnumerable<EvalResult> QueryEvalResultsAsync(EvalResultsQuery query, CancellationToken ct) =>
            FlattenRowsAsync(ReadOneListAsync(EvalResultsList(query), PagingOptions.ForEvalResults(query.PageSize, null), ct), ct);

        /// <summary>
        /// The input field names of the runs, their union in run order: one request of one row per run,
        /// at most <paramref name="throttle"/> at once. A run whose request fails contributes nothing (Verbose
        /// says so); its fields then show up in the results' Inputs only.
        /// </summary>
        public async Task<IReadOnlyList<string>> ReadInputKeysAsync(IReadOnlyList<string> runIds, bool resolveRowRefs, int throttle, CancellationToken ct)
        {
            var keys = new List<string>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var firstRows = FanOut.OrderedConcurrentAsync(
                runIds,
                (id, token) => FirstOrNullAsync(ReadOneListAsync(EvalResultsList(new EvalResultsQuery { RunIds = new[] { id }, ResolveRowRefs = resolveRowRefs }, completeOutputs: false), PagingOptions.Lazy(1, 1), token), token),
                throttle,
                ct);
            await foreach (var outcome in firstRows.WithCancellation(ct).ConfigureAwait(false))
            {
                if (!outcome.Succeeded)
                {
                    Log.Verbose($"The input fields of run {outcome.Input} could not be read ({outcome.Exception!.Message}).");
                    continue;
                }
                var inputs = outcome.Value?.Results.FirstOrDefault()?.Inputs;
                if (inputs == null) continue;
                foreach (var key in inputs.Keys) if (seen.Add(key)) keys.Add(key);
            }
            return keys;
        }

        /// <summary>
        /// The eval_results rows of <paramref name="query"/> as a list for <see cref="PagedReader"/>; with
        /// <paramref name="completeOutputs"/>, trials the server left without a model output because their SDK
        /// wrote it as <c>model_output</c> are completed from their calls (<see cref="ModelOutputCompletion"/>).
        /// </summary>
        internal PagedList<EvalRow> EvalResultsList(EvalResultsQuery query, bool completeOutputs = true)
        {
            if (query == null) throw new ArgumentNullException(nameof(query));
            var ids = CheckRunIds(query.RunIds);
            return new PagedList<EvalRow>(
                transport,
                "evaluation results",
                (offset, limit) => new WeaveRequest(HttpMethod.Post, projectPath + "eval_results/query", EvalResultsBody(ids, query, offset, limit), jsonLines: false),
                response => new EvalResultsReader(response, query.IncludeInputs, Entity, Project))
            {
                ObjectsIn = row => row.Trials,
                SplitsRefusedPages = true,
                Completion = completeOutputs ? new ModelOutputCompletion(ReadTrialCallsAsync, Log) : null,
            };
        }

        /// <summary>
        /// Predict_and_score calls by id with their children (the model and scorer calls), oldest first, in
        /// pages of <see cref="ModelOutputCompletion.CallsPerRequest"/>: for a page of trials that is one request.
        /// </summary>
        private IAsyncEnumerable<CallLine> ReadTrialCallsAsync(IReadOnlyList<string> predictAndScoreIds, CancellationToken ct)
        {
            var list = new PagedList<CallLine>(
                transport,
                "predict_and_score calls",
                (offset, limit) => new WeaveRequest(HttpMethod.Post, "calls/stream_query", CallsAndChildrenQueryBody(predictAndScoreIds, ModelOutputCompletion.Columns, limit, offset), jsonLines: true),
                response => new JsonLinesReader<CallLine>(response, WireFormat.ParseCall))
            {
                Identity = call => call.Id,
            };
            return ReadOneListAsync(list, PagingOptions.Lazy(ModelOutputCompletion.CallsPerRequest, null), ct);
        }

        private static async Task<T?> FirstOrNullAsync<T>(IAsyncEnumerable<T> source, CancellationToken ct) where T : class
        {
            await foreach (var item in source.WithCancellation(ct).ConfigureAwait(false)) return item;
            return null;
        }

        private static async IAsyncEnumerable<EvalResult> FlattenRowsAsync(IAsyncEnumerable<EvalRow> rows, [EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var row in rows.WithCancellation(ct).ConfigureAwait(false))
            {
                foreach (var result in row.Results) yield return result;
            }
        }

        /// <summary>The items of one list; its failure is thrown.</summary>
        private static async IAsyncEnumerable<T> ReadOneListAsync<T>(PagedList<T> list, PagingOptions options, [EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var step in PagedReader.ReadAsync(new[] { list }, options, ct).WithCancellation(ct).ConfigureAwait(false))
            {
                if (step.Failure != null) ExceptionDispatchInfo.Capture(step.Failure).Throw();
                if (step.IsItem) yield return step.Item;
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
            return CallsQueryBody(
                filter =>
                {
                    if (callIds == null) Json.WriteStrings(filter, "op_names", new[] { $"weave:///{Entity}/{Project}/op/Evaluation.evaluate:*" });
                    if (inputRefs != null && inputRefs.Count > 0) Json.WriteStrings(filter, "input_refs", inputRefs);
                    if (callIds != null && callIds.Count > 0) Json.WriteStrings(filter, "call_ids", callIds);
                    if (topLevelOnly) filter.WriteBoolean("trace_roots_only", true);
                },
                null,
                newestFirst: true,
                RunColumns,
                limit,
                offset);
        }

        /// <summary>
        /// The calls <paramref name="ids"/> and their children. Filter fields are AND-ed, so "these calls or
        /// their children" cannot be a filter; it is a query expression (<c>$or</c> of two <c>$in</c>).
        /// </summary>
        private byte[] CallsAndChildrenQueryBody(IReadOnlyList<string> ids, IReadOnlyList<string> columns, int limit, long offset)
        {
            return CallsQueryBody(
                null,
                expression =>
                {
                    expression.WriteStartArray("$or");
                    foreach (var field in new[] { "id", "parent_id" })
                    {
                        expression.WriteStartObject();
                        expression.WriteStartArray("$in");
                        expression.WriteStartObject();
                        expression.WriteString("$getField", field);
                        expression.WriteEndObject();
                        expression.WriteStartArray();
                        foreach (var id in ids)
                        {
                            expression.WriteStartObject();
                            expression.WriteString("$literal", id);
                            expression.WriteEndObject();
                        }
                        expression.WriteEndArray();
                        expression.WriteEndArray();
                        expression.WriteEndObject();
                    }
                    expression.WriteEndArray();
                },
                newestFirst: false,
                columns,
                limit,
                offset);
        }

        /// <summary>
        /// A calls-query body: the project, the filter's fields and the <c>$expr</c> operation's property
        /// (each left out when null), the order (newest first, or the server's default: oldest first; the
        /// server adds <c>id</c> as the tie-breaker either way, so offsets are stable), the page and the columns.
        /// </summary>
        private byte[] CallsQueryBody(Action<Utf8JsonWriter>? writeFilter, Action<Utf8JsonWriter>? writeExpression, bool newestFirst, IReadOnlyList<string> columns, int limit, long offset, IReadOnlyList<string>? expandColumns = null)
        {
            return Json.Build(writer =>
            {
                writer.WriteString("project_id", Entity + "/" + Project);
                if (writeFilter != null)
                {
                    writer.WriteStartObject("filter");
                    writeFilter(writer);
                    writer.WriteEndObject();
                }
                if (writeExpression != null)
                {
                    writer.WriteStartObject("query");
                    writer.WriteStartObject("$expr");
                    writeExpression(writer);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
                if (newestFirst)
                {
                    writer.WriteStartArray("sort_by");
                    writer.WriteStartObject();
                    writer.WriteString("field", "started_at");
                    writer.WriteString("direction", "desc");
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                }
                writer.WriteNumber("limit", limit);
                writer.WriteNumber("offset", offset);
                Json.WriteStrings(writer, "columns", columns);
                if (expandColumns != null) Json.WriteStrings(writer, "expand_columns", expandColumns);
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
                query.Selection.WriteTo(writer);
                writer.WriteBoolean("include_summary", false);
                writer.WriteNumber("limit", limit);
                writer.WriteNumber("offset", offset);
            });
        }

        private static async IAsyncEnumerable<TOut> MapAsync<TIn, TOut>(IAsyncEnumerable<TIn> source, Func<TIn, TOut> map, [EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var item in source.WithCancellation(ct).ConfigureAwait(false)) yield return map(item);
        }

        /// <summary>
        /// Sends a request whose answer is one small document and reads it whole. A body that breaks off
        /// is a network error like any other: the request is sent again, up to MaximumRetryCount times.
        /// </summary>
        private async Task<(byte[] Body, string RequestLine)> ReadSmallBodyAsync(WeaveRequest request, CancellationToken ct)
        {
            for (var failures = 1; ; failures++)
            {
                using (var response = await transport.SendAsync(request, ct).ConfigureAwait(false))
                {
                    try
                    {
                        return (await response.ReadAllBytesAsync(ct).ConfigureAwait(false), response.RequestLine);
                    }
                    catch (StreamDroppedException e)
                    {
                        var maximum = transport.Options.MaximumRetryCount;
                        if (failures > maximum)
                        {
                            throw new WeaveException($"The connection dropped while reading the response of {response.RequestLine}.", "NetworkError", WeaveErrorKind.Connection, e);
                        }
                        var wait = transport.ComputeBackOff(failures);
                        Log.Verbose($"Retry {failures}/{maximum} of {response.RequestLine} in {WeaveTransport.Seconds(wait)} after the response broke off");
                        await transport.BackOffAsync(wait, ct).ConfigureAwait(false);
                    }
                }
            }
        }

        private static T ParseDocument<T>(byte[] body, string requestLine, Utf8Parser<T> parser)
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
                throw new WeaveProtocolException($"The response of {requestLine} is not valid JSON: {e.Message}", e);
            }
        }
    }
}
