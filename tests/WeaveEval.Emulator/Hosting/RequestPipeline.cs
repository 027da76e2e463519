using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.EvalResults;
using WeaveEval.Emulator.Faults;
using WeaveEval.Emulator.Profile;
using WeaveEval.Emulator.Routes;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;
using WeaveEval.Emulator.Writes;

namespace WeaveEval.Emulator.Hosting
{
    /// <summary>
    /// Every request goes through here, in the order the real server applies things: routing (404/405),
    /// then HTTP Basic auth, project access, injected faults, and finally the route handler.
    /// </summary>
    internal sealed class RequestPipeline
    {
        private readonly EmulatorStore store;
        private readonly EmulatorOptions options;
        private readonly FaultInjector faults;
        private readonly RequestLog requests;
        private readonly ProfileSetting profile;
        private readonly AdminRoutes admin;
        private readonly SdkWriteRoutes writes;

        public RequestPipeline(EmulatorStore store, EmulatorOptions options, FaultInjector faults, RequestLog requests, ProfileSetting profile)
        {
            this.store = store;
            this.options = options;
            this.faults = faults;
            this.requests = requests;
            this.profile = profile;
            admin = new AdminRoutes(store, faults, requests, profile);
            writes = new SdkWriteRoutes(store, options.ForbiddenProjects);
        }

        public async Task HandleAsync(HttpContext context)
        {
            var startedAt = DateTime.UtcNow;
            byte[] body;
            try
            {
                body = await ReadBodyAsync(context);
            }
            catch (Microsoft.AspNetCore.Http.BadHttpRequestException)
            {
                await Responses.ReasonAsync(context, 413, "Request too large");
                return;
            }
            context.Request.Body = new MemoryStream(body, writable: false);

            if (AdminRoutes.Owns(context.Request.Path))
            {
                await admin.HandleAsync(context, body);
                return;
            }

            try
            {
                await ServeApiAsync(context, body);
            }
            catch (Exception error) when (!context.RequestAborted.IsCancellationRequested)
            {
                Console.Error.WriteLine($"emulator: {context.Request.Method} {context.Request.Path} failed: {error}");
                if (context.Response.HasStarted) context.Abort();
                else await Responses.ReasonAsync(context, 500, "Internal server error");
            }
            catch (Exception) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away or a fault cut the connection; nothing left to answer.
            }
            finally
            {
                requests.Add(new RecordedRequest
                {
                    Method = context.Request.Method,
                    Path = context.Request.Path.Value ?? "",
                    Query = context.Request.QueryString.Value ?? "",
                    Status = context.Response.StatusCode,
                    StartedAt = startedAt,
                    BodyLength = body.Length,
                    Body = Encoding.UTF8.GetString(body),
                });
            }
        }

        private async Task ServeApiAsync(HttpContext context, byte[] body)
        {
            // One profile for the whole request, even if the admin route swaps it meanwhile.
            var served = profile.Current;
            if (served.LatencyMs > 0) await Task.Delay(served.LatencyMs, context.RequestAborted);
            if (served.BandwidthBytesPerSecond > 0) context.Response.Body = new PacedStream(context.Response.Body, served.BandwidthBytesPerSecond);

            var match = RouteTable.Match(context.Request.Method, context.Request.Path.Value ?? "");
            if (match.Outcome == RouteOutcome.NotFound)
            {
                await Responses.DetailAsync(context, 404, "Not Found");
                return;
            }
            if (match.Outcome == RouteOutcome.MethodNotAllowed)
            {
                context.Response.Headers.Allow = match.AllowedMethod;
                await Responses.DetailAsync(context, 405, "Method Not Allowed");
                return;
            }

            if (!await Authentication.CheckAsync(context, options.ApiKey)) return;

            var projectId = match.ProjectId ?? ProjectIdFromBody(body);
            if (projectId is not null && options.ForbiddenProjects.Contains(projectId, StringComparer.Ordinal))
            {
                await Responses.ReasonAsync(context, 403, "Forbidden");
                return;
            }

            var fault = faults.Take(context.Request.Method, context.Request.Path.Value ?? "", Encoding.UTF8.GetString(body));
            if (fault is not null)
            {
                if (fault.DelayMs is int delay) await Task.Delay(delay, context.RequestAborted);
                if (fault.Headers is not null)
                {
                    foreach (var header in fault.Headers) context.Response.Headers[header.Key] = header.Value;
                }
                if (fault.Status is int status)
                {
                    await WriteFaultBodyAsync(context, status, fault);
                    return;
                }
                if (fault.NotJson)
                {
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "text/html; charset=utf-8";
                    await context.Response.WriteAsync("<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Please sign in</h1></body></html>\n");
                    return;
                }
                if (fault.DamagesStream) context.Response.Body = new DamagingStream(context.Response.Body, context, fault);
            }

            await DispatchAsync(context, match, served);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        private Task DispatchAsync(HttpContext context, RouteMatch match, ServerProfile served)
        {
            var entity = match.Entity!;
            var project = match.Project!;
            return match.Route switch
            {
                ApiRoute.EvaluationRunsList => EvaluationRunRoutes.ListAsync(context, store, entity, project),
                ApiRoute.EvaluationRunRead => EvaluationRunRoutes.ReadAsync(context, store, entity, project, match.Id!),
                ApiRoute.EvalResultsQuery => EvalResultsRoute.HandleAsync(context, store, entity, project, options.StrictUnknownKeys, served.TrialCostMicroseconds),
                ApiRoute.PredictionsList => V2CallRoutes.Predictions.ListAsync(context, store, entity, project),
                ApiRoute.PredictionRead => V2CallRoutes.Predictions.ReadAsync(context, store, entity, project, match.Id!),
                ApiRoute.ScoresList => V2CallRoutes.Scores.ListAsync(context, store, entity, project),
                ApiRoute.ScoreRead => V2CallRoutes.Scores.ReadAsync(context, store, entity, project, match.Id!),
                ApiRoute.ScorersList => ScorerRoutes.ListAsync(context, store, entity, project),
                ApiRoute.ScorerRead => ScorerRoutes.ReadAsync(context, store, entity, project, match.Id!, match.Version!),
                ApiRoute.CallsStreamQuery => CallsRoutes.StreamQueryAsync(context, store),
                ApiRoute.CallsQueryStats => CallsRoutes.QueryStatsAsync(context, store),
                ApiRoute.FileCreate or ApiRoute.FileContent or ApiRoute.ObjCreate or ApiRoute.TableCreate or ApiRoute.TableQuery
                    or ApiRoute.CallUpsertBatch or ApiRoute.CallStart or ApiRoute.CallEnd or ApiRoute.FeedbackCreate
                    => writes.HandleAsync(context, match.Route),
                _ => throw new InvalidOperationException($"no handler for {match.Route}"),
            };
        }

        private static async Task WriteFaultBodyAsync(HttpContext context, int status, FaultAction fault)
        {
            if (fault.Body is System.Text.Json.Nodes.JsonValue text && text.TryGetValue(out string? raw))
            {
                context.Response.StatusCode = status;
                await context.Response.WriteAsync(raw);
                return;
            }
            if (fault.Body is not null)
            {
                await Responses.WriteJsonAsync(context, status, fault.Body);
                return;
            }
            await Responses.ReasonAsync(context, status, status switch
            {
                500 => "Internal server error",
                502 => "Temporary backend error",
                413 => "Request too large",
                504 => "Query timed out",
                _ => $"{status} Error",
            });
        }

        /// <summary>The calls routes name their project in the body; a body that does not parse is left to the route's validation.</summary>
        private static string? ProjectIdFromBody(byte[] body)
        {
            if (body.Length == 0) return null;
            try
            {
                using var document = JsonDocument.Parse(body);
                return document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("project_id", out var projectId)
                    && projectId.ValueKind == JsonValueKind.String ? projectId.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static async Task<byte[]> ReadBodyAsync(HttpContext context)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            if (buffer.Length > EmulatorServer.MaximumRequestBodyBytes) throw new Microsoft.AspNetCore.Http.BadHttpRequestException("Request too large", 413);
            return buffer.ToArray();
        }
    }
}
