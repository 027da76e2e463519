using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.Hosting;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Writes
{
    /// <summary>
    /// The routes the Weave SDKs write an evaluation with: <c>/file/create</c> (and <c>/file/content</c>, which reads a file back), <c>/obj/create</c>,
    /// <c>/table/create</c>, <c>/table/query</c>, <c>/call/upsert_batch</c>, <c>/call/start</c>,
    /// <c>/call/end</c>, <c>/feedback/create</c>. They store into the same store the read routes use, so a
    /// written run is listed, queried and summarised like a seeded one. A request is validated whole
    /// before anything is stored; digests are the server's content digests; the answers carry every
    /// field the server's response models have.
    /// </summary>
    internal sealed class SdkWriteRoutes
    {
        private readonly EmulatorStore store;
        private readonly IReadOnlyList<string> forbiddenProjects;

        public SdkWriteRoutes(EmulatorStore store, IReadOnlyList<string> forbiddenProjects)
        {
            this.store = store;
            this.forbiddenProjects = forbiddenProjects;
        }

        public async Task HandleAsync(HttpContext context, ApiRoute route)
        {
            if (route == ApiRoute.FileContent)
            {
                await FileContentAsync(context);
                return;
            }
            var reader = new BodyReader();
            Func<JsonNode>? apply = route == ApiRoute.FileCreate
                ? await ReadFileCreateAsync(context, reader)
                : ReadJsonRoute(route, await ReadBodyAsync(context), reader);
            if (reader.Errors.Count > 0 || apply is null)
            {
                await Responses.ValidationAsync(context, reader.Errors);
                return;
            }
            if (reader.ProjectIds.Any(p => forbiddenProjects.Contains(p, StringComparer.Ordinal)))
            {
                await Responses.ReasonAsync(context, 403, "Forbidden");
                return;
            }
            await Responses.WriteJsonAsync(context, 200, apply());
        }

        /// <summary>Validates the request; returns the write to perform (and its answer), or null when the body is unusable.</summary>
        private Func<JsonNode>? ReadJsonRoute(ApiRoute route, byte[] body, BodyReader reader)
        {
            var root = reader.Root(body);
            if (root is null) return null;
            object[] at = { "body" };
            return route switch
            {
                ApiRoute.ObjCreate => ReadObjCreate(root, at, reader),
                ApiRoute.TableCreate => ReadTableCreate(root, at, reader),
                ApiRoute.TableQuery => ReadTableQuery(root, at, reader),
                ApiRoute.CallUpsertBatch => ReadUpsertBatch(root, at, reader),
                ApiRoute.CallStart => ReadCallStart(root, at, reader) is { } start ? () => StartCall(start) : null,
                ApiRoute.CallEnd => ReadCallEnd(root, at, reader) is { } end ? () => EndCall(end) : null,
                ApiRoute.FeedbackCreate => ReadFeedbackCreate(root, at, reader),
                _ => throw new InvalidOperationException($"{route} is not a write route"),
            };
        }

        /// <summary><c>POST /file/create</c>: multipart form with <c>project_id</c> and <c>file</c>; answers <c>{digest}</c>.</summary>
        private async Task<Func<JsonNode>?> ReadFileCreateAsync(HttpContext context, BodyReader reader)
        {
            string? projectId = null;
            byte[]? content = null;
            if (context.Request.HasFormContentType)
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted);
                if (form.TryGetValue("project_id", out var project) && project.Count > 0) projectId = project[^1];
                if (form.Files.GetFile("file") is { } file)
                {
                    using var buffer = new MemoryStream();
                    await file.CopyToAsync(buffer, context.RequestAborted);
                    content = buffer.ToArray();
                }
            }
            if (projectId is null) reader.Errors.Add(ValidationError.Missing(ValidationError.Loc("body", "project_id"), null));
            else reader.ProjectIds.Add(projectId);
            if (content is null) reader.Errors.Add(ValidationError.Missing(ValidationError.Loc("body", "file"), null));
            if (projectId is null || content is null) return null;
            return () =>
            {
                // The SDKs compute this digest themselves and later ask for the file by it.
                var digest = WeaveDigest.OfBytes(content);
                store.AddFile(projectId, digest, content);
                return new JsonObject { ["digest"] = digest };
            };
        }

        /// <summary><c>POST /file/content</c> <c>{project_id, digest}</c>: the stored bytes, or 404 for an unknown digest.</summary>
        private async Task FileContentAsync(HttpContext context)
        {
            var reader = new BodyReader();
            var root = reader.Root(await ReadBodyAsync(context));
            object[] at = { "body" };
            var projectId = root is null ? null : reader.Project(root, at);
            var digest = root is null ? null : reader.String(root, "digest", at, required: true);
            if (projectId is null || digest is null || reader.Errors.Count > 0)
            {
                await Responses.ValidationAsync(context, reader.Errors);
                return;
            }
            if (forbiddenProjects.Contains(projectId, StringComparer.Ordinal))
            {
                await Responses.ReasonAsync(context, 403, "Forbidden");
                return;
            }
            var content = store.GetFile(projectId, digest);
            if (content is null)
            {
                await Responses.ReasonAsync(context, 404, $"File {digest} not found");
                return;
            }
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = content.Length;
            await context.Response.Body.WriteAsync(content, context.RequestAborted);
        }

        /// <summary><c>POST /obj/create</c> <c>{"obj": {project_id, object_id, val, builtin_object_class?}}</c>; answers <c>{digest, object_id}</c>.</summary>
        private Func<JsonNode>? ReadObjCreate(JsonObject root, object[] at, BodyReader reader)
        {
            var obj = reader.Object(root, "obj", at, required: true);
            if (obj is null) return null;
            var objAt = BodyReader.At(at, "obj");
            var projectId = reader.Project(obj, objAt);
            var objectId = reader.String(obj, "object_id", objAt, required: true);
            var builtinClass = reader.String(obj, "builtin_object_class", objAt, required: false);
            if (!obj.TryGetPropertyValue("val", out var val)) reader.Errors.Add(ValidationError.Missing(ValidationError.Loc(BodyReader.At(objAt, "val")), obj.DeepClone()));
            if (projectId is null || objectId is null || reader.Errors.Count > 0) return null;
            return () =>
            {
                var stored = store.AddObjectVersion(projectId, objectId, WeaveDigest.Of(val), Json.Bytes(val), builtinClass ?? BaseObjectClass(val), DateTime.UtcNow);
                return new JsonObject { ["digest"] = stored.Digest, ["object_id"] = stored.ObjectId };
            };
        }

        /// <summary>
        /// The server's base class of an object value: with <c>_bases</c> ending in <c>Object, BaseModel</c>, the
        /// base before them (<c>Scorer</c> for <c>[Scorer, Object, BaseModel]</c>) or, when there is none,
        /// the object's own <c>_class_name</c> (<c>Dataset</c>, <c>Evaluation</c>, <c>Model</c>).
        /// </summary>
        private static string? BaseObjectClass(JsonNode? val)
        {
            if (val is not JsonObject obj || obj["_bases"] is not JsonArray bases) return null;
            var names = bases.Select(b => b is JsonValue v && v.TryGetValue(out string? s) ? s : null).ToList();
            if (names.Count < 2 || names[^1] != "BaseModel" || names[^2] != "Object") return null;
            if (names.Count > 2) return names[^3];
            return obj["_class_name"] is JsonValue className && className.TryGetValue(out string? name) ? name : null;
        }

        /// <summary><c>POST /table/create</c> <c>{"table": {project_id, rows}}</c>; answers <c>{digest, row_digests}</c>, row digests in row order.</summary>
        private Func<JsonNode>? ReadTableCreate(JsonObject root, object[] at, BodyReader reader)
        {
            var table = reader.Object(root, "table", at, required: true);
            if (table is null) return null;
            var tableAt = BodyReader.At(at, "table");
            var projectId = reader.Project(table, tableAt);
            var rows = reader.Array(table, "rows", tableAt, required: true);
            if (rows is not null)
            {
                for (var i = 0; i < rows.Count; i++)
                {
                    if (rows[i] is not JsonObject) reader.Errors.Add(new ValidationError("dict_type", ValidationError.Loc(BodyReader.At(tableAt, "rows", i)), "Input should be a valid dictionary", rows[i]?.DeepClone()));
                }
            }
            if (projectId is null || rows is null || reader.Errors.Count > 0) return null;
            return () =>
            {
                var stored = rows.Select(row => (Digest: WeaveDigest.Of(row), Json: Json.Bytes(row))).ToList();
                var digest = WeaveDigest.OfTable(stored.Select(r => r.Digest));
                store.AddTable(projectId, digest, stored);
                return new JsonObject
                {
                    ["digest"] = digest,
                    ["row_digests"] = new JsonArray(stored.Select(r => (JsonNode)JsonValue.Create(r.Digest)!).ToArray()),
                };
            };
        }

        /// <summary>
        /// <c>POST /table/query</c> <c>{project_id, digest, filter?: {row_digests}, limit?, offset?}</c>; answers
        /// <c>{rows: [{digest, val, original_index}]}</c> in table order, all rows unless limited (the SDK
        /// reads row refs by position, so the order is the contract). An unknown table has no rows.
        /// </summary>
        private Func<JsonNode>? ReadTableQuery(JsonObject root, object[] at, BodyReader reader)
        {
            var projectId = reader.Project(root, at);
            var digest = reader.String(root, "digest", at, required: true);
            var filter = reader.Object(root, "filter", at, required: false);
            var wanted = filter is null ? null : reader.Array(filter, "row_digests", BodyReader.At(at, "filter"), required: false);
            var limit = reader.Integer(root, "limit", at);
            var offset = reader.Integer(root, "offset", at);
            if (root["sort_by"] is not null) reader.Errors.Add(new ValidationError("value_error", ValidationError.Loc("body", "sort_by"), "Value error, the emulator does not sort table rows", root["sort_by"]!.DeepClone()));
            if (projectId is null || digest is null || reader.Errors.Count > 0) return null;
            var wantedDigests = wanted?.Select(d => d?.ToString()).ToHashSet(StringComparer.Ordinal);
            return () =>
            {
                var digests = store.TableRowDigests(projectId, digest) ?? Array.Empty<string>();
                IEnumerable<(string Digest, int Index)> rows = digests.Select((d, i) => (d, i));
                if (wantedDigests is not null) rows = rows.Where(r => wantedDigests.Contains(r.Digest));
                if (offset is long skip) rows = rows.Skip((int)Math.Clamp(skip, 0, int.MaxValue));
                if (limit is long take) rows = rows.Take((int)Math.Clamp(take, 0, int.MaxValue));
                var answer = new JsonArray();
                foreach (var (rowDigest, index) in rows)
                {
                    var json = store.GetTableRow(projectId, rowDigest);
                    answer.Add(new JsonObject
                    {
                        ["digest"] = rowDigest,
                        ["val"] = json is null ? null : JsonNode.Parse(json),
                        ["original_index"] = index,
                    });
                }
                return new JsonObject { ["rows"] = answer };
            };
        }

        /// <summary>
        /// <c>POST /call/upsert_batch</c> <c>{"batch": [{"mode": "start"|"end", "req": {"start"|"end": …}}]}</c>;
        /// answers <c>{res: […]}</c>, <c>{id, trace_id}</c> per start and <c>{}</c> per end. Items apply in
        /// order; an end whose start has not arrived yet waits for it (children may also start before their parents).
        /// </summary>
        private Func<JsonNode>? ReadUpsertBatch(JsonObject root, object[] at, BodyReader reader)
        {
            var batch = reader.Array(root, "batch", at, required: true);
            if (batch is null) return null;
            var items = new List<Func<JsonNode>>();
            for (var i = 0; i < batch.Count; i++)
            {
                var itemAt = BodyReader.At(at, "batch", i);
                if (batch[i] is not JsonObject item)
                {
                    reader.Errors.Add(new ValidationError("model_attributes_type", ValidationError.Loc(itemAt), "Input should be a valid dictionary or object to extract fields from", batch[i]?.DeepClone()));
                    continue;
                }
                var mode = reader.String(item, "mode", itemAt, required: true);
                var request = reader.Object(item, "req", itemAt, required: true);
                if (mode is null || request is null) continue;
                var requestAt = BodyReader.At(itemAt, "req");
                switch (mode)
                {
                    case "start":
                        if (ReadCallStart(request, requestAt, reader) is { } start) items.Add(() => StartCall(start));
                        break;
                    case "end":
                        if (ReadCallEnd(request, requestAt, reader) is { } end) items.Add(() => EndCall(end));
                        break;
                    default:
                        reader.Errors.Add(ValidationError.Literal(ValidationError.Loc(BodyReader.At(itemAt, "mode")), mode, "'start' or 'end'"));
                        break;
                }
            }
            if (reader.Errors.Count > 0) return null;
            return () => new JsonObject { ["res"] = new JsonArray(items.Select(apply => apply()).ToArray()) };
        }

        /// <summary>The <c>start</c> of a call: project_id, op_name, started_at, attributes, inputs required; id and trace_id made up when absent.</summary>
        private static CallRecord? ReadCallStart(JsonObject request, object[] at, BodyReader reader)
        {
            var start = reader.Object(request, "start", at, required: true);
            if (start is null) return null;
            var startAt = BodyReader.At(at, "start");
            var errorsBefore = reader.Errors.Count;
            var projectId = reader.Project(start, startAt);
            var id = reader.String(start, "id", startAt, required: false);
            var opName = reader.String(start, "op_name", startAt, required: true);
            var displayName = reader.String(start, "display_name", startAt, required: false);
            var traceId = reader.String(start, "trace_id", startAt, required: false);
            var parentId = reader.String(start, "parent_id", startAt, required: false);
            var threadId = reader.String(start, "thread_id", startAt, required: false);
            var turnId = reader.String(start, "turn_id", startAt, required: false);
            var startedAt = reader.Time(start, "started_at", startAt);
            var attributes = reader.Object(start, "attributes", startAt, required: true);
            var inputs = reader.Object(start, "inputs", startAt, required: true);
            var wbUserId = reader.String(start, "wb_user_id", startAt, required: false);
            var wbRunId = reader.String(start, "wb_run_id", startAt, required: false);
            if (reader.Errors.Count > errorsBefore) return null;
            return new CallRecord
            {
                Id = id ?? NewId(),
                ProjectId = projectId!,
                OpName = opName!,
                DisplayName = displayName,
                TraceId = traceId ?? NewId(),
                ParentId = parentId,
                ThreadId = threadId,
                TurnId = turnId,
                StartedAt = startedAt!.Value,
                Attributes = Json.Bytes(attributes),
                Inputs = Json.Bytes(inputs),
                WbUserId = wbUserId,
                WbRunId = wbRunId,
            };
        }

        private sealed record PendingEnd(string ProjectId, string Id, CallEnd End);

        /// <summary>The <c>end</c> of a call: project_id, id, ended_at, summary required; output and exception optional.</summary>
        private static PendingEnd? ReadCallEnd(JsonObject request, object[] at, BodyReader reader)
        {
            var end = reader.Object(request, "end", at, required: true);
            if (end is null) return null;
            var endAt = BodyReader.At(at, "end");
            var errorsBefore = reader.Errors.Count;
            var projectId = reader.Project(end, endAt);
            var id = reader.String(end, "id", endAt, required: true);
            var endedAt = reader.Time(end, "ended_at", endAt);
            var summary = reader.Object(end, "summary", endAt, required: true);
            var exception = reader.String(end, "exception", endAt, required: false);
            var displayName = reader.String(end, "display_name", endAt, required: false);
            if (reader.Errors.Count > errorsBefore) return null;
            var output = end["output"];
            return new PendingEnd(projectId!, id!, new CallEnd
            {
                EndedAt = endedAt!.Value,
                Output = output is null ? null : Json.Bytes(output),
                Summary = Json.Bytes(summary),
                Exception = exception,
                DisplayName = displayName,
            });
        }

        private JsonNode StartCall(CallRecord call)
        {
            store.StartCall(call);
            return new JsonObject { ["id"] = call.Id, ["trace_id"] = call.TraceId };
        }

        private JsonNode EndCall(PendingEnd end)
        {
            store.EndCall(end.ProjectId, end.Id, end.End);
            return new JsonObject();
        }

        /// <summary>
        /// <c>POST /feedback/create</c> <c>{project_id, weave_ref, feedback_type, payload, creator?, annotation_ref?,
        /// runnable_ref?, call_ref?, trigger_ref?}</c>; answers <c>{id, created_at, wb_user_id, payload}</c>.
        /// </summary>
        private Func<JsonNode>? ReadFeedbackCreate(JsonObject root, object[] at, BodyReader reader)
        {
            var projectId = reader.Project(root, at);
            var weaveRef = reader.String(root, "weave_ref", at, required: true);
            var feedbackType = reader.String(root, "feedback_type", at, required: true);
            var payload = reader.Object(root, "payload", at, required: true);
            var creator = reader.String(root, "creator", at, required: false);
            var annotationRef = reader.String(root, "annotation_ref", at, required: false);
            var runnableRef = reader.String(root, "runnable_ref", at, required: false);
            var callRef = reader.String(root, "call_ref", at, required: false);
            var triggerRef = reader.String(root, "trigger_ref", at, required: false);
            if (projectId is null || weaveRef is null || feedbackType is null || payload is null || reader.Errors.Count > 0) return null;
            return () =>
            {
                var item = new FeedbackRecord
                {
                    Id = NewId(),
                    ProjectId = projectId,
                    WeaveRef = weaveRef,
                    FeedbackType = feedbackType,
                    Payload = Json.Bytes(payload),
                    Creator = creator,
                    AnnotationRef = annotationRef,
                    RunnableRef = runnableRef,
                    CallRef = callRef,
                    TriggerRef = triggerRef,
                    CreatedAt = DateTime.UtcNow,
                };
                store.AddFeedback(item);
                return new JsonObject
                {
                    ["id"] = item.Id,
                    ["created_at"] = PyJson.FormatTimestamp(item.CreatedAt),
                    ["wb_user_id"] = null,
                    ["payload"] = payload.DeepClone(),
                };
            };
        }

        /// <summary>A server-made id: a UUIDv7 like the ids the SDKs make.</summary>
        private static string NewId() => Guid.CreateVersion7().ToString("D");

        private static async Task<byte[]> ReadBodyAsync(HttpContext context)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return buffer.ToArray();
        }
    }
}
