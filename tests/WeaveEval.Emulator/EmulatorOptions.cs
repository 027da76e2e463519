using System;
using System.Collections.Generic;
using WeaveEval.Emulator.Generation;
using WeaveEval.Emulator.Profile;

namespace WeaveEval.Emulator
{
    /// <summary>How to start an <see cref="EmulatorServer"/>.</summary>
    public sealed class EmulatorOptions
    {
        /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
        public int Port { get; set; }

        /// <summary>The only API key accepted (any Basic user name).</summary>
        public string ApiKey { get; set; } = "emulator-key-0123456789";

        /// <summary><c>demo</c> (the example projects), <c>none</c>, or the path of a scenario JSON file.</summary>
        public string Seed { get; set; } = "demo";

        /// <summary>Older servers' 422 <c>extra_forbidden</c> for unknown body keys instead of the newest server's silence.</summary>
        public bool StrictUnknownKeys { get; set; }

        /// <summary>Projects (<c>entity/project</c>) the key may not read: 403 <c>{"reason":"Forbidden"}</c>.</summary>
        public IReadOnlyList<string> ForbiddenProjects { get; set; } = Array.Empty<string>();

        /// <summary>Generated data added after seeding, or null.</summary>
        public GeneratorSpec? Generate { get; set; }

        /// <summary>Latency, server cost and bandwidth at start; <see cref="EmulatorServer.Profile"/> changes them while running.</summary>
        public ServerProfile Profile { get; set; } = ServerProfile.Loopback;
    }
}
