using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace WeaveEval.Emulator.Generation
{
    /// <summary>
    /// What <see cref="EvaluationGenerator"/> writes: <see cref="Runs"/> evaluation runs (the first
    /// <c>Runs - ApiRuns</c> made by the SDK, the rest through the v2 API) over one dataset of
    /// <see cref="Rows"/> rows, each row scored <see cref="Trials"/> times.
    /// Command-line form: <c>project=acme-ai/big,rows=1000,trials=3,runs=2,apiRuns=1,scorers=bool+float,outputBytes=200,withChildren=false,seed=7</c>.
    /// </summary>
    public sealed class GeneratorSpec
    {
        public static readonly IReadOnlyList<string> ScorerKinds = new[] { "bool", "float", "nested", "text" };

        public string Project { get; set; } = "acme-ai/generated";
        public int Rows { get; set; } = 100;
        public int Trials { get; set; } = 1;
        public int Runs { get; set; } = 2;

        /// <summary>How many of the runs are v2-API runs; null → half of them (rounded down).</summary>
        public int? ApiRuns { get; set; }

        /// <summary>Score kinds per trial, each once: <c>bool</c>, <c>float</c>, <c>nested</c> ({correct, score}), <c>text</c> (a label).</summary>
        public List<string> Scorers { get; set; } = ScorerKinds.ToList();

        /// <summary>Approximate UTF-8 size of each model output text.</summary>
        public int OutputBytes { get; set; } = 64;

        /// <summary>Also write the predict and scorer child calls under each predict_and_score call.</summary>
        public bool WithChildren { get; set; } = true;

        public int Seed { get; set; } = 1;

        internal int ApiRunCount => Math.Clamp(ApiRuns ?? Runs / 2, 0, Runs);

        internal void Validate()
        {
            if (Project.Split('/') is not { Length: 2 } parts || parts.Any(string.IsNullOrEmpty)) throw new ArgumentException($"project must be entity/project, got '{Project}'");
            if (Rows < 1 || Trials < 1 || Runs < 1) throw new ArgumentException("rows, trials and runs must be at least 1");
            if (OutputBytes < 1) throw new ArgumentException("outputBytes must be at least 1");
            var unknown = Scorers.Where(s => !ScorerKinds.Contains(s)).ToList();
            if (unknown.Count > 0) throw new ArgumentException($"unknown scorer kind(s) {string.Join(", ", unknown)}; use {string.Join(", ", ScorerKinds)}");
        }

        /// <summary>Parses the <c>--generate</c> value (keys case-insensitive; scorer kinds joined with <c>+</c>).</summary>
        public static GeneratorSpec Parse(string text)
        {
            var spec = new GeneratorSpec();
            foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var equals = pair.IndexOf('=');
                if (equals < 1) throw new ArgumentException($"--generate: expected key=value, got '{pair}'");
                var key = pair.Substring(0, equals).Trim().ToLowerInvariant();
                var value = pair.Substring(equals + 1).Trim();
                switch (key)
                {
                    case "project": spec.Project = value; break;
                    case "rows": spec.Rows = Integer(key, value); break;
                    case "trials": spec.Trials = Integer(key, value); break;
                    case "runs": spec.Runs = Integer(key, value); break;
                    case "apiruns": spec.ApiRuns = Integer(key, value); break;
                    case "scorers": spec.Scorers = value.Split('+', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(); break;
                    case "outputbytes": spec.OutputBytes = Integer(key, value); break;
                    case "withchildren": spec.WithChildren = bool.Parse(value); break;
                    case "seed": spec.Seed = Integer(key, value); break;
                    default: throw new ArgumentException($"--generate: unknown key '{key}'");
                }
            }
            spec.Validate();
            return spec;
        }

        private static int Integer(string key, string value) =>
            int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new ArgumentException($"--generate: {key} must be an integer, got '{value}'");
    }
}
