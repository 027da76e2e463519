using System;
using System.Text.Json.Nodes;

namespace WeaveEval.Emulator.Profile
{
    /// <summary>
    /// How far the emulator behaves like a production server behind the internet rather than a loopback
    /// process: a wait per API request, server time per eval_results query that grows with the trials of
    /// the queried runs, and a bandwidth cap per connection. Immutable: a running server swaps the whole
    /// profile at once (<see cref="ProfileSetting"/>), so a request never sees half of a change.
    /// </summary>
    public sealed record ServerProfile
    {
        /// <summary>No waits, no cost, no cap: what every test gets unless it asks otherwise.</summary>
        public static readonly ServerProfile Loopback = new();

        /// <summary>A W&amp;B server as users meet it: 100 ms per request, 3 µs per trial, 25 MB/s per connection.</summary>
        public static readonly ServerProfile Remote = new() { LatencyMs = 100, TrialCostMicroseconds = 3, BandwidthBytesPerSecond = 25_000_000 };

        /// <summary>Wait before the response head of every API request (not the admin routes); 0 = none.</summary>
        public int LatencyMs { get; init; }

        /// <summary>
        /// Server time per trial of the queried runs on every eval_results query, charged as a wait from the
        /// request's arrival (the production server groups the run again for every page); 0 = none.
        /// </summary>
        public double TrialCostMicroseconds { get; init; }

        /// <summary>Most response bytes per second on one connection; 0 = unlimited.</summary>
        public long BandwidthBytesPerSecond { get; init; }

        /// <summary>The profile called <paramref name="name"/> (<c>loopback</c> or <c>remote</c>, any case).</summary>
        public static ServerProfile Named(string name) => name.ToLowerInvariant() switch
        {
            "loopback" => Loopback,
            "remote" => Remote,
            _ => throw new ArgumentException($"unknown profile '{name}'; use loopback or remote"),
        };

        /// <summary>Throws when a value is negative or not a number.</summary>
        public ServerProfile Validated()
        {
            if (LatencyMs < 0) throw new ArgumentException("latency must not be negative");
            if (!(TrialCostMicroseconds >= 0) || double.IsInfinity(TrialCostMicroseconds)) throw new ArgumentException("trial cost must be a non-negative number");
            if (BandwidthBytesPerSecond < 0) throw new ArgumentException("bandwidth must not be negative");
            return this;
        }

        /// <summary>The admin route's JSON shape.</summary>
        public JsonObject ToJson() => new()
        {
            ["latencyMs"] = LatencyMs,
            ["trialCostMicroseconds"] = TrialCostMicroseconds,
            ["bandwidthBytesPerSecond"] = BandwidthBytesPerSecond,
        };
    }
}
