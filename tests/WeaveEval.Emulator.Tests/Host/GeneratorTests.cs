using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using WeaveEval.Emulator.Generation;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Tests.Host
{
    public sealed class GeneratorTests : IClassFixture<GeneratorTests.EmptyEmulator>
    {
        private readonly EmptyEmulator emulator;

        public GeneratorTests(EmptyEmulator emulator)
        {
            this.emulator = emulator;
        }

        public sealed class EmptyEmulator : EmulatorFixture
        {
            protected override EmulatorOptions Options => new() { Seed = "none" };
        }

        [Fact]
        public void The_command_line_form_parses_every_key()
        {
            var spec = GeneratorSpec.Parse("project=acme-ai/big,rows=1000,trials=3,runs=4,apiRuns=1,scorers=bool+text,outputBytes=200,withChildren=false,seed=7");

            Assert.Equal(("acme-ai/big", 1000, 3, 4, 1, 200, false, 7), (spec.Project, spec.Rows, spec.Trials, spec.Runs, spec.ApiRuns, spec.OutputBytes, spec.WithChildren, spec.Seed));
            Assert.Equal(new[] { "bool", "text" }, spec.Scorers);
            Assert.Throws<ArgumentException>(() => GeneratorSpec.Parse("rows=ten"));
            Assert.Throws<ArgumentException>(() => GeneratorSpec.Parse("scorers=bool+emoji"));
        }

        [Fact]
        public async Task Generated_runs_have_the_shapes_of_real_SDK_and_API_runs()
        {
            var result = EvaluationGenerator.Generate(emulator.Server.Store, new GeneratorSpec { Project = "acme-ai/shapes", Rows = 10, Trials = 3, Runs = 2 });
            var sdkRun = result.SdkRunIds.Single();
            var apiRun = result.ApiRunIds.Single();

            Assert.Equal(2 + 60 * (1 + 1 + 4), result.Calls);
            Assert.Equal(new[] { apiRun }, (await emulator.GetAsync("/v2/acme-ai/shapes/evaluation_runs")).Lines.Select(l => (string)l["evaluation_run_id"]!));
            Assert.Equal("completed", (string)(await emulator.GetAsync("/v2/acme-ai/shapes/evaluation_runs/" + sdkRun)).Json["status"]!);
            Assert.Equal(30, (await emulator.GetAsync($"/v2/acme-ai/shapes/predictions?evaluation_run_id={apiRun}")).Lines.Count);
            Assert.Equal(120, (await emulator.GetAsync($"/v2/acme-ai/shapes/scores?evaluation_run_id={apiRun}")).Lines.Count);

            var results = await emulator.PostAsync("/v2/acme-ai/shapes/eval_results/query",
                $"{{\"evaluation_call_ids\":[\"{sdkRun}\",\"{apiRun}\"],\"include_summary\":true}}");
            Assert.Equal(HttpStatusCode.OK, results.Status);
            Assert.Equal(20, (int)results.Json["total_rows"]!);
            Assert.All(results.Json["summary"]!["evaluations"]!.AsArray(), e => Assert.Equal(30, (int)e!["trial_count"]!));
        }

        [Fact]
        public void Dataset_rows_are_stored_under_their_Weave_digest()
        {
            var store = new EmulatorStore();
            EvaluationGenerator.Generate(store, new GeneratorSpec { Project = "acme-ai/rows", Rows = 12, Runs = 1, ApiRuns = 0 });
            var firstTrial = store.Calls("acme-ai/rows").First(c => c.OpShortName == "Evaluation.predict_and_score");
            var rowRef = (string)JsonNode.Parse(firstTrial.Inputs)!["example"]!;
            var digest = rowRef.Substring(rowRef.LastIndexOf('/') + 1);

            var row = JsonNode.Parse(store.GetTableRow("acme-ai/rows", digest)!);

            Assert.Equal(digest, WeaveDigest.Of(row));
        }

        [Fact]
        public void The_same_seed_gives_the_same_data()
        {
            var first = new EmulatorStore();
            var second = new EmulatorStore();
            var spec = new GeneratorSpec { Project = "acme-ai/same", Rows = 5, Trials = 2, Runs = 2, Seed = 42 };

            EvaluationGenerator.Generate(first, spec);
            EvaluationGenerator.Generate(second, spec);

            Assert.Equal(first.Calls("acme-ai/same").Select(c => (c.Id, Convert.ToBase64String(c.Output ?? Array.Empty<byte>()))),
                second.Calls("acme-ai/same").Select(c => (c.Id, Convert.ToBase64String(c.Output ?? Array.Empty<byte>()))));
        }

        [Fact]
        public void Without_children_only_runs_and_trials_are_written()
        {
            var store = new EmulatorStore();
            var result = EvaluationGenerator.Generate(store, new GeneratorSpec { Project = "acme-ai/flat", Rows = 7, Trials = 2, Runs = 3, WithChildren = false });

            Assert.Equal(3 + 42, result.Calls);
            Assert.Equal(42, store.Calls("acme-ai/flat").Count(c => c.OpShortName == "Evaluation.predict_and_score"));
        }

        [Fact]
        [Trait("Category", "Performance")]
        public void A_million_trials_generate_well_under_a_minute()
        {
            var store = new EmulatorStore();
            var clock = Stopwatch.StartNew();

            var result = EvaluationGenerator.Generate(store, new GeneratorSpec { Project = "acme-ai/million", Rows = 10_000, Trials = 50, Runs = 2, WithChildren = false });

            Assert.Equal(1_000_000, result.Trials);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"took {clock.Elapsed}");
        }
    }
}
