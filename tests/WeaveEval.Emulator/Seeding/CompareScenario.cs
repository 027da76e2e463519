using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>
    /// <c>acme-ai/compare-bot</c>: runs made to be compared, with every score written out so that the
    /// expected flips, deltas and trial aggregations can be worked out by hand. Six dataset rows r1–r6;
    /// scorers <c>exact_match</c> (bool), <c>similarity</c> (float), <c>latency_s</c> (float, lower is
    /// better), <c>judge</c> (<c>{"correct": bool}</c>) and <c>tone</c> (text, never compared).
    /// <list type="bullet">
    /// <item><see cref="Baseline"/>: SDK, evaluation compare-qa-eval v0, rows r1–r5, two trials each.</item>
    /// <item><see cref="Candidate"/>: SDK, compare-qa-eval v1 (its exact_match scorer is another version), rows r2–r6, two trials each.</item>
    /// <item><see cref="ApiCandidate"/>: v2 API, compare-qa-eval v0, rows r1–r5 by dataset-row ref, one trial each.</item>
    /// <item><see cref="SmokeCandidate"/>: SDK, evaluation compare-smoke-eval, rows r5 and r6 only, one trial each.</item>
    /// </list>
    /// </summary>
    public static class CompareScenario
    {
        public const string ProjectId = "acme-ai/compare-bot";
        public const string Baseline = "019f8a10-0000-7000-8000-00000000ba5e";
        public const string Candidate = "019f8a20-0000-7000-8000-0000000000c1";
        public const string ApiCandidate = "019f8a30-0000-7000-8000-0000000000a1";
        public const string SmokeCandidate = "019f8a40-0000-7000-8000-0000000005e1";

        private static readonly DateTime Day = new(2026, 8, 3, 9, 0, 0, DateTimeKind.Utc);

        /// <summary>One trial's scores: exact_match, similarity, latency_s (judge.correct repeats exact_match).</summary>
        private sealed record Trial(bool Exact, double Similarity, double Latency);

        private static Trial T(bool exact, double similarity, double latency) => new(exact, similarity, latency);

        /// <summary>Trials by row (1-based) and trial index.</summary>
        private static readonly Dictionary<int, Trial[]> BaselineTrials = new()
        {
            [1] = new[] { T(true, 1.0, 1), T(true, 1.0, 1) },
            [2] = new[] { T(true, 0.75, 2), T(true, 0.25, 2) },
            [3] = new[] { T(false, 0.5, 1), T(false, 0.5, 3) },
            [4] = new[] { T(true, 0.25, 1), T(false, 0.25, 1) },
            [5] = new[] { T(true, 1.0, 1), T(true, 0.5, 1) },
        };

        private static readonly Dictionary<int, Trial[]> CandidateTrials = new()
        {
            [2] = new[] { T(false, 0.5, 1), T(false, 0.5, 1) },
            [3] = new[] { T(true, 0.75, 2), T(true, 0.75, 2) },
            [4] = new[] { T(true, 0.125, 4), T(true, 0.125, 4) },
            [5] = new[] { T(false, 1.0, 1), T(true, 1.0, 1) },
            [6] = new[] { T(true, 0.5, 1), T(true, 0.5, 1) },
        };

        private static readonly Dictionary<int, Trial[]> ApiCandidateTrials = new()
        {
            [1] = new[] { T(false, 1.0, 1) },
            [2] = new[] { T(true, 0.5, 2) },
            [3] = new[] { T(false, 0.5, 2) },
            [4] = new[] { T(true, 0.25, 1) },
            [5] = new[] { T(true, 0.75, 1) },
        };

        private static readonly Dictionary<int, Trial[]> SmokeTrials = new()
        {
            [5] = new[] { T(true, 1.0, 1) },
            [6] = new[] { T(true, 0.5, 1) },
        };

        public static void Seed(EmulatorStore store)
        {
            var project = new ProjectWriter(store, ProjectId, seed: 8803);
            var created = Day.AddDays(-1);
            var rows = Enumerable.Range(1, 6)
                .Select(i => new JsonObject { ["id"] = $"r{i}", ["question"] = $"Question {i}?", ["expected"] = $"Answer {i}." })
                .ToList();
            var (dataset, rowRefs) = project.AddDataset("compare-qa", rows, created);
            var model = project.AddObject("CompareModel", new JsonObject
            {
                ["_type"] = "CompareModel",
                ["name"] = "CompareModel",
                ["predict"] = project.OpRef("CompareModel.predict"),
                ["_class_name"] = "CompareModel",
                ["_bases"] = new JsonArray("Model", "Object", "BaseModel"),
            }, created, "Model").Ref;
            var candidateModel = project.AddObject("CompareModelNext", new JsonObject
            {
                ["_type"] = "CompareModelNext",
                ["name"] = "CompareModelNext",
                ["predict"] = project.OpRef("CompareModelNext.predict"),
                ["_class_name"] = "CompareModelNext",
                ["_bases"] = new JsonArray("Model", "Object", "BaseModel"),
            }, created, "Model").Ref;

            string Evaluation(string name, string exactMatchVersion, int minutes) => project.AddObject(name, new JsonObject
            {
                ["_type"] = "Evaluation",
                ["name"] = name,
                ["dataset"] = dataset.Ref,
                ["scorers"] = new JsonArray(project.OpRef("exact_match", exactMatchVersion), project.OpRef("similarity"), project.OpRef("latency_s"), project.OpRef("judge"), project.OpRef("tone")),
                ["trials"] = 2,
                ["_class_name"] = "Evaluation",
                ["_bases"] = new JsonArray("Object", "BaseModel"),
            }, created.AddMinutes(minutes), "Evaluation").Ref;

            var evaluationV0 = Evaluation("compare-qa-eval", "", 1);
            var evaluationV1 = Evaluation("compare-qa-eval", "2", 2);
            var smoke = Evaluation("compare-smoke-eval", "", 3);

            SdkRun(project, Baseline, "eval-2026-08-03-steady-owl", evaluationV0, model, rowRefs, BaselineTrials, Day);
            SdkRun(project, Candidate, "eval-2026-08-03-bold-fox", evaluationV1, candidateModel, rowRefs, CandidateTrials, Day.AddHours(1));
            ApiRun(project, evaluationV0, candidateModel, rowRefs, Day.AddHours(2));
            SdkRun(project, SmokeCandidate, "eval-2026-08-03-quick-hare", smoke, candidateModel, rowRefs, SmokeTrials, Day.AddHours(3));
        }

        private static JsonObject Scores(Trial trial) => new()
        {
            ["exact_match"] = trial.Exact,
            ["similarity"] = trial.Similarity,
            ["latency_s"] = trial.Latency,
            ["judge"] = new JsonObject { ["correct"] = trial.Exact },
            ["tone"] = "friendly",
        };

        private static string Answer(int row, Trial trial) => trial.Exact ? $"Answer {row}." : $"Not sure about {row}.";

        /// <summary>An SDK-shaped run: trial 0 of every row, then trial 1, each a predict_and_score call under the root.</summary>
        private static void SdkRun(ProjectWriter project, string id, string displayName, string evaluation, string model, IReadOnlyList<string> rowRefs, Dictionary<int, Trial[]> trials, DateTime start)
        {
            var root = project.AddCall(project.OpRef("Evaluation.evaluate"), start, start.AddMinutes(10), new JsonObject(),
                new JsonObject { ["self"] = evaluation, ["model"] = model }, new JsonObject(), new JsonObject(), displayName: displayName, id: id);
            var clock = start.AddSeconds(1);
            var trialCount = trials.Values.Max(t => t.Length);
            for (var index = 0; index < trialCount; index++)
            {
                foreach (var (row, rowTrials) in trials.OrderBy(p => p.Key))
                {
                    if (index >= rowTrials.Length) continue;
                    var trial = rowTrials[index];
                    project.AddCall(project.OpRef("Evaluation.predict_and_score"), clock, clock.AddMilliseconds(800), new JsonObject(),
                        new JsonObject { ["self"] = evaluation, ["model"] = model, ["example"] = rowRefs[row - 1] },
                        new JsonObject { ["output"] = Answer(row, trial), ["scores"] = Scores(trial), ["model_latency"] = trial.Latency },
                        new JsonObject(), parent: root);
                    clock = clock.AddSeconds(1);
                }
            }
        }

        /// <summary>A v2-API-shaped run over the same dataset rows (by ref), so that it joins the SDK runs on row_digest.</summary>
        private static void ApiRun(ProjectWriter project, string evaluation, string model, IReadOnlyList<string> rowRefs, DateTime start)
        {
            var run = project.AddCall(project.OpRef("Evaluation.evaluate", "v2"), start, start.AddMinutes(5),
                new JsonObject { ["weave"] = new JsonObject { ["evaluation_run"] = "true", ["evaluation"] = evaluation, ["model"] = model } },
                new JsonObject { ["self"] = evaluation, ["model"] = model }, new JsonObject(), new JsonObject(), id: ApiCandidate);
            var clock = start.AddSeconds(1);
            foreach (var (row, rowTrials) in ApiCandidateTrials.OrderBy(p => p.Key))
            {
                foreach (var trial in rowTrials)
                {
                    project.AddCall(project.OpRef("Evaluation.predict_and_score"), clock, clock.AddMilliseconds(5), new JsonObject(),
                        new JsonObject { ["self"] = evaluation, ["model"] = model, ["example"] = rowRefs[row - 1] },
                        new JsonObject { ["output"] = Answer(row, trial), ["scores"] = Scores(trial), ["model_latency"] = new JsonObject { ["mean"] = 0.001 } },
                        null, parent: run);
                    clock = clock.AddSeconds(1);
                }
            }
        }
    }
}
