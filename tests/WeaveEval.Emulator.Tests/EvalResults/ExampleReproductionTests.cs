using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using static WeaveEval.Emulator.Tests.EvalResults.EvalResultsHarness;
using static WeaveEval.Emulator.Tests.ExampleFiles;

namespace WeaveEval.Emulator.Tests.EvalResults
{
    public sealed class ExampleReproductionTests
    {
        public static IEnumerable<object[]> RequestResponsePairs() =>
            System.IO.Directory.GetFiles(ExampleFiles.Directory, "eval_results_query__*__request.json")
                .Select(path => Path.GetFileName(path).Replace("__request.json", ""))
                .OrderBy(name => name)
                .Select(name => new object[] { name });

        [Theory]
        [MemberData(nameof(RequestResponsePairs))]
        public async Task ReproducesExampleByteForByte(string name)
        {
            var store = SeededStore();
            var (status, body) = await QueryAsync(store, Read(name + "__request.json"));

            Assert.Equal(200, status);
            var expected = OnTheWire(Read(name + "__response.json"));
            Assert.Equal(Canonical(expected), Canonical(body));
            Assert.Equal(expected, body);
        }

        [Fact]
        public void AllFivePairsAreFound() => Assert.Equal(5, RequestResponsePairs().Count());

        [Theory]
        [InlineData("error__422_eval_results_no_ids.json", 422, "{\"include_summary\": true}", false)]
        [InlineData("error__422_eval_results_bad_enum.json", 422,
            "{\"evaluation_run_ids\": [\"019f4c56-e6b4-7923-bc1a-adbde48b1697\"], \"filter_logic_operator\": \"xor\"}", false)]
        [InlineData("error__422_eval_results_extra_field.json", 422,
            "{\"evaluation_run_ids\": [\"019f4c56-e6b4-7923-bc1a-adbde48b1697\"], \"include_scores\": true}", true)]
        [InlineData("error__400_eval_results_unsupported_sort_field.json", 400,
            "{\"evaluation_run_ids\": [\"019f4c56-e6b4-7923-bc1a-adbde48b1697\"], \"sort_by\": [{\"field\": \"outputs.label\", \"direction\": \"asc\"}]}", false)]
        [InlineData("error__400_eval_results_difference_mode_non_numeric.json", 400,
            "{\"evaluation_run_ids\": [\"019f4c56-e6b4-7923-bc1a-adbde48b1697\", \"019f4c9d-48f7-719a-868f-32b7a6b38b6b\"], \"sort_by\": [{\"field\": \"inputs.question\", \"direction\": \"desc\", \"mode\": \"difference\"}]}", false)]
        public async Task ReproducesErrorExample(string file, int expectedStatus, string request, bool strict)
        {
            var (status, body) = await QueryAsync(SeededStore(), request, strict);

            Assert.Equal(expectedStatus, status);
            Assert.Equal(OnTheWire(Read(file)), body);
        }
    }
}
