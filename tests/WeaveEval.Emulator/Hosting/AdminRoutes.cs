using System;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.Faults;
using WeaveEval.Emulator.Generation;
using WeaveEval.Emulator.Profile;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Hosting
{
    /// <summary>
    /// Test controls under <c>/__emulator/</c> for out-of-process use (Pester, scripts): faults, the
    /// request log, the generator and the server profile. No auth, loopback callers only, never faulted or logged.
    /// </summary>
    internal sealed class AdminRoutes
    {
        public const string Prefix = "/__emulator/";

        private static readonly JsonSerializerOptions ReadOptions = new() { PropertyNameCaseInsensitive = true };

        private readonly EmulatorStore store;
        private readonly FaultInjector faults;
        private readonly RequestLog requests;
        private readonly ProfileSetting profile;

        public AdminRoutes(EmulatorStore store, FaultInjector faults, RequestLog requests, ProfileSetting profile)
        {
            this.store = store;
            this.faults = faults;
            this.requests = requests;
            this.profile = profile;
        }

        public static bool Owns(PathString path) => path.StartsWithSegments(Prefix.TrimEnd('/'));

        public async Task HandleAsync(HttpContext context, byte[] body)
        {
            if (context.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
            {
                await Responses.ReasonAsync(context, 403, "Forbidden");
                return;
            }

            var route = (context.Request.Method.ToUpperInvariant(), (context.Request.Path.Value ?? "").TrimEnd('/'));
            try
            {
                switch (route)
                {
                    case ("POST", "/__emulator/faults"):
                        faults.Add(Deserialize<FaultRule>(body));
                        await Responses.WriteJsonAsync(context, 200, new JsonObject { ["pending"] = faults.PendingCount });
                        break;
                    case ("DELETE", "/__emulator/faults"):
                        faults.Clear();
                        context.Response.StatusCode = 204;
                        break;
                    case ("GET", "/__emulator/requests"):
                        await Responses.WriteJsonAsync(context, 200, RequestsAsJson());
                        break;
                    case ("DELETE", "/__emulator/requests"):
                        requests.Clear();
                        context.Response.StatusCode = 204;
                        break;
                    case ("POST", "/__emulator/generate"):
                        var result = EvaluationGenerator.Generate(store, Deserialize<GeneratorSpec>(body));
                        await Responses.WriteJsonAsync(context, 200, result.ToJson());
                        break;
                    case ("GET", "/__emulator/profile"):
                        await Responses.WriteJsonAsync(context, 200, profile.Current.ToJson());
                        break;
                    case ("POST", "/__emulator/profile"):
                        profile.Current = ChangedProfile(profile.Current, body);
                        await Responses.WriteJsonAsync(context, 200, profile.Current.ToJson());
                        break;
                    default:
                        await Responses.DetailAsync(context, 404, "Not Found");
                        break;
                }
            }
            catch (Exception error) when (error is JsonException or ArgumentException or InvalidOperationException or FormatException)
            {
                await Responses.ReasonAsync(context, 400, error.Message);
            }
        }

        /// <summary>
        /// <c>{"profile":"remote","latencyMs":20}</c>: start from the named profile (or the current one when
        /// absent) and replace the values given; keys are case-insensitive, unknown keys are refused.
        /// </summary>
        private static ServerProfile ChangedProfile(ServerProfile current, byte[] body)
        {
            if (JsonNode.Parse(body) is not JsonObject change) throw new JsonException("the profile change must be a JSON object");
            var changed = current;
            foreach (var (key, value) in change)
            {
                if (key.Equals("profile", StringComparison.OrdinalIgnoreCase)) changed = ServerProfile.Named(value?.GetValue<string>() ?? "");
            }
            foreach (var (key, value) in change)
            {
                if (value is null) throw new ArgumentException($"{key} must not be null");
                changed = key.ToLowerInvariant() switch
                {
                    "profile" => changed,
                    "latencyms" => changed with { LatencyMs = value.GetValue<int>() },
                    "trialcostmicroseconds" => changed with { TrialCostMicroseconds = value.GetValue<double>() },
                    "bandwidthbytespersecond" => changed with { BandwidthBytesPerSecond = value.GetValue<long>() },
                    _ => throw new ArgumentException($"unknown profile key '{key}'; use profile, latencyMs, trialCostMicroseconds, bandwidthBytesPerSecond"),
                };
            }
            return changed.Validated();
        }

        private static T Deserialize<T>(byte[] body) =>
            JsonSerializer.Deserialize<T>(body, ReadOptions) ?? throw new JsonException("request body is null");

        private JsonArray RequestsAsJson()
        {
            var list = new JsonArray();
            foreach (var entry in requests.Entries)
            {
                list.Add(new JsonObject
                {
                    ["method"] = entry.Method,
                    ["path"] = entry.Path,
                    ["query"] = entry.Query,
                    ["status"] = entry.Status,
                    ["startedAt"] = PyJson.FormatTimestamp(entry.StartedAt),
                    ["bodyLength"] = entry.BodyLength,
                    ["body"] = entry.Body,
                });
            }
            return list;
        }
    }
}
