using System;
using System.Collections.Generic;
using System.Globalization;
using WeaveEval.Emulator.Generation;
using WeaveEval.Emulator.Profile;

namespace WeaveEval.Emulator.Hosting
{
    /// <summary>The emulator host's arguments, turned into <see cref="EmulatorOptions"/>.</summary>
    internal static class CommandLine
    {
        public const string Usage = "usage: WeaveEval.Emulator [--seed demo|none|<file.json>] [--port N] [--api-key KEY] [--strict-unknown-keys] [--forbid entity/project]... [--generate key=value,...]"
            + " [--profile loopback|remote] [--latency-ms N] [--trial-cost-us N] [--bandwidth-bytes-per-second N]";

        /// <summary>
        /// Throws <see cref="ArgumentException"/> on anything it does not know. The profile's single values
        /// override <c>--profile</c> wherever they stand on the line.
        /// </summary>
        public static EmulatorOptions Parse(IReadOnlyList<string> arguments)
        {
            var options = new EmulatorOptions();
            var forbidden = new List<string>();
            var profile = ServerProfile.Loopback;
            int? latencyMs = null;
            double? trialCostMicroseconds = null;
            long? bandwidthBytesPerSecond = null;
            for (var i = 0; i < arguments.Count; i++)
            {
                var name = arguments[i];
                string Value() => i + 1 < arguments.Count ? arguments[++i] : throw new ArgumentException($"{name} needs a value");
                switch (name)
                {
                    case "--seed": options.Seed = Value(); break;
                    case "--port": options.Port = Whole(name, Value()); break;
                    case "--api-key": options.ApiKey = Value(); break;
                    case "--strict-unknown-keys": options.StrictUnknownKeys = true; break;
                    case "--forbid": forbidden.Add(Value()); break;
                    case "--generate": options.Generate = GeneratorSpec.Parse(Value()); break;
                    case "--profile": profile = ServerProfile.Named(Value()); break;
                    case "--latency-ms": latencyMs = Whole(name, Value()); break;
                    case "--trial-cost-us":
                        trialCostMicroseconds = double.TryParse(Value(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cost)
                            ? cost
                            : throw new ArgumentException($"{name} needs a non-negative number");
                        break;
                    case "--bandwidth-bytes-per-second":
                        bandwidthBytesPerSecond = long.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var rate)
                            ? rate
                            : throw new ArgumentException($"{name} needs a whole number");
                        break;
                    default: throw new ArgumentException($"unknown argument {name}");
                }
            }
            options.ForbiddenProjects = forbidden;
            options.Profile = (profile with
            {
                LatencyMs = latencyMs ?? profile.LatencyMs,
                TrialCostMicroseconds = trialCostMicroseconds ?? profile.TrialCostMicroseconds,
                BandwidthBytesPerSecond = bandwidthBytesPerSecond ?? profile.BandwidthBytesPerSecond,
            }).Validated();
            return options;
        }

        private static int Whole(string name, string value) =>
            int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new ArgumentException($"{name} needs a whole number");
    }
}
