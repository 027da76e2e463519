using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;
using WeaveEval.Emulator;
using WeaveEval.Emulator.Seeding;

namespace WeaveEval.Tests.Integration
{
    /// <summary>What Compare-WeaveEvaluation asks of the client, against the emulator's acme-ai/compare-bot runs.</summary>
    public class ComparisonEmulatorTests : IClassFixture<EmulatorFixture>
    {
        private readonly EmulatorServer server;

        public ComparisonEmulatorTests(EmulatorFixture fixture)
        {
            server = fixture.Server;
        }

        private WeaveClient Client()
        {
            var request = new ConnectionRequest
            {
                Entity = "acme-ai",
                Project = "compare-bot",
                BaseUri = server.BaseUri,
                ApiKey = new ApiKey(server.ApiKey),
                RetryIntervalSec = 0.01,
            };
            return new WeaveClient(ConnectionResolver.Resolve(request, null, new FakeEnvironment()), new RecordingLog());
        }

        [Fact]
        public async Task Reads_the_scorer_refs_of_each_run_s_evaluation()
        {
            var scorers = await Client().ReadEvaluationScorersAsync(new[] { CompareScenario.Baseline, CompareScenario.Candidate, "019f0000-0000-7000-8000-000000000000" }, CancellationToken.None);
            Assert.Equal(new[] { CompareScenario.Baseline, CompareScenario.Candidate }.OrderBy(id => id), scorers.Keys.OrderBy(id => id));
            Assert.Equal(new[] { "exact_match", "similarity", "latency_s", "judge", "tone" }, scorers[CompareScenario.Baseline].Select(r => Mapping.ShortName(r)));
            Assert.NotEqual(scorers[CompareScenario.Baseline][0], scorers[CompareScenario.Candidate][0]);
            Assert.Equal(scorers[CompareScenario.Baseline][1], scorers[CompareScenario.Candidate][1]);
        }

        [Fact]
        public async Task One_query_of_both_runs_streams_through_the_comparer()
        {
            var client = Client();
            var comparer = new RunComparer(CompareScenario.Baseline, new[] { CompareScenario.Candidate }, new ComparisonRules(), client.Entity, client.Project);
            var list = client.EvalResultsList(new EvalResultsQuery { RunIds = new[] { CompareScenario.Baseline, CompareScenario.Candidate }, IncludeInputs = false, PageSize = 2 }, completeOutputs: false);
            await foreach (var step in PagedReader.ReadAsync(new[] { list }, PagingOptions.ForEvalResults(2, null), CancellationToken.None))
            {
                Assert.Null(step.Failure);
                if (step.IsItem) comparer.Add(step.Item, describe: false);
            }
            var exact = comparer.Results().Single(r => r.Scorer == "exact_match");
            Assert.Equal((4L, 2L, 2L, 1L, 1L), (exact.RowsCompared, exact.Regressed, exact.Improved, exact.OnlyInBaseline, exact.OnlyInCandidate));
            Assert.Equal((4L, 6L), (comparer.RowsInBoth(0), comparer.RowsInEither(0)));
        }

        [Fact]
        public async Task The_server_sorts_the_pair_by_the_difference_of_a_score_largest_first()
        {
            var client = Client();
            var query = new EvalResultsQuery { RunIds = new[] { CompareScenario.Baseline, CompareScenario.Candidate }, Selection = RowSelection.LargestDifferenceFirst("similarity", null) };
            var rows = await client.QueryEvalResultsAsync(query, CancellationToken.None)
                .Select(result => result.Inputs!["id"] as string)
                .Distinct()
                .ToListAsync();
            Assert.Equal(new[] { "r3", "r5" }, rows.Take(2).OrderBy(id => id));
            Assert.Equal(new[] { "r4", "r2" }, rows.Skip(2).Take(2));
            Assert.Equal(new[] { "r1", "r6" }, rows.Skip(4).OrderBy(id => id));
        }
    }
}
