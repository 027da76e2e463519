using System;

namespace WeaveEval.Emulator.Hosting
{
    internal enum ApiRoute
    {
        EvaluationRunsList,
        EvaluationRunRead,
        EvalResultsQuery,
        PredictionsList,
        PredictionRead,
        ScoresList,
        ScoreRead,
        ScorersList,
        ScorerRead,
        CallsStreamQuery,
        CallsQueryStats,
        FileCreate,
        FileContent,
        ObjCreate,
        TableCreate,
        TableQuery,
        CallUpsertBatch,
        CallStart,
        CallEnd,
        FeedbackCreate,
    }

    internal enum RouteOutcome { Found, NotFound, MethodNotAllowed }

    internal sealed class RouteMatch
    {
        public RouteOutcome Outcome { get; init; }
        public ApiRoute Route { get; init; }
        public string? AllowedMethod { get; init; }
        public string? Entity { get; init; }
        public string? Project { get; init; }
        public string? Id { get; init; }
        public string? Version { get; init; }
        public string? ProjectId => Entity is null ? null : $"{Entity}/{Project}";
    }

    /// <summary>
    /// The trace server's v2 evaluation, calls and object routes and the SDK's write routes, matched by path segments like the
    /// FastAPI router. Dedicated and self-managed servers serve the same routes under <c>/traces</c>.
    /// </summary>
    internal static class RouteTable
    {
        public static RouteMatch Match(string method, string path)
        {
            var segments = path.Trim('/').Split('/');
            if (path.EndsWith('/') || Array.Exists(segments, s => s.Length == 0)) return NotFound;
            if (segments.Length > 1 && segments[0] == "traces") segments = segments[1..];

            if (segments.Length == 2 && WriteRoutes.TryGetValue((segments[0], segments[1]), out var write)) return Found(method, "POST", write);

            if (segments.Length == 2 && segments[0] == "calls")
            {
                return segments[1] switch
                {
                    "stream_query" => Found(method, "POST", ApiRoute.CallsStreamQuery),
                    "query_stats" => Found(method, "POST", ApiRoute.CallsQueryStats),
                    _ => NotFound,
                };
            }
            if (segments.Length < 4 || segments[0] != "v2") return NotFound;

            var entity = segments[1];
            var project = segments[2];
            var resource = segments[3];
            var rest = segments.Length - 4;
            (string Allowed, ApiRoute Route, string? Id, string? Version)? target = (resource, rest) switch
            {
                ("evaluation_runs", 0) => ("GET", ApiRoute.EvaluationRunsList, null, null),
                ("evaluation_runs", 1) => ("GET", ApiRoute.EvaluationRunRead, segments[4], null),
                ("eval_results", 1) when segments[4] == "query" => ("POST", ApiRoute.EvalResultsQuery, null, null),
                ("predictions", 0) => ("GET", ApiRoute.PredictionsList, null, null),
                ("predictions", 1) => ("GET", ApiRoute.PredictionRead, segments[4], null),
                ("scores", 0) => ("GET", ApiRoute.ScoresList, null, null),
                ("scores", 1) => ("GET", ApiRoute.ScoreRead, segments[4], null),
                ("scorers", 0) => ("GET", ApiRoute.ScorersList, null, null),
                ("scorers", 3) when segments[5] == "versions" => ("GET", ApiRoute.ScorerRead, segments[4], segments[6]),
                _ => null,
            };
            if (target is null) return NotFound;
            if (!string.Equals(method, target.Value.Allowed, StringComparison.OrdinalIgnoreCase))
            {
                return new RouteMatch { Outcome = RouteOutcome.MethodNotAllowed, AllowedMethod = target.Value.Allowed };
            }
            return new RouteMatch
            {
                Outcome = RouteOutcome.Found,
                Route = target.Value.Route,
                Entity = entity,
                Project = project,
                Id = target.Value.Id,
                Version = target.Value.Version,
            };
        }

        private static readonly RouteMatch NotFound = new() { Outcome = RouteOutcome.NotFound };

        private static readonly System.Collections.Generic.Dictionary<(string, string), ApiRoute> WriteRoutes = new()
        {
            [("file", "create")] = ApiRoute.FileCreate,
            [("file", "content")] = ApiRoute.FileContent,
            [("obj", "create")] = ApiRoute.ObjCreate,
            [("table", "create")] = ApiRoute.TableCreate,
            [("table", "query")] = ApiRoute.TableQuery,
            [("call", "upsert_batch")] = ApiRoute.CallUpsertBatch,
            [("call", "start")] = ApiRoute.CallStart,
            [("call", "end")] = ApiRoute.CallEnd,
            [("feedback", "create")] = ApiRoute.FeedbackCreate,
        };

        private static RouteMatch Found(string method, string allowed, ApiRoute route) =>
            string.Equals(method, allowed, StringComparison.OrdinalIgnoreCase)
                ? new RouteMatch { Outcome = RouteOutcome.Found, Route = route }
                : new RouteMatch { Outcome = RouteOutcome.MethodNotAllowed, AllowedMethod = allowed };
    }
}
