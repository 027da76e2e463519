using System.Collections.Generic;
using System.Linq;
using WeaveEval.Commands;

namespace WeaveEval.Tests
{
    /// <summary>The flat Score.*/Input.* cells of the exports.</summary>
    public class EvalResultColumnsTests
    {
        private static EvalResult Result(string scores) => new EvalResult { Scores = (JsonMap)JsonText.Parse(scores)! };

        [Fact]
        public void ScoreKeysThatDifferPerTrialAreEachReportedOnceBeyondThePathsKept()
        {
            // A scorer whose keys change from trial to trial: more paths than the column set keeps names for.
            // Each new key is still reported once, and the known columns are still filled.
            var columns = new EvalResultColumns();
            columns.AddScorers(new[] { "correct" });
            var cells = new List<object?>();
            columns.Row(Result("{\"correct\":true,\"first\":{\"x\":0}}"), cells, out var adopted);
            Assert.Null(adopted);
            Assert.Equal(new[] { "Score.correct", "Score.first.x" }, columns.Names);
            for (var i = 0; i < 6000; i++)
            {
                columns.Row(Result("{\"correct\":" + (i % 2 == 0 ? "true" : "false") + ",\"first\":{\"x\":" + i + "},\"k" + i + "\":{\"x\":1}}"), cells, out var newKeys);
                Assert.Equal(new[] { "Score.k" + i + ".x" }, newKeys);
                Assert.Equal(new object?[] { i % 2 == 0, (long)i }, cells);
            }
            columns.Row(Result("{\"correct\":false,\"first\":{\"x\":1},\"k5999\":{\"x\":2}}"), cells, out var again);
            Assert.Null(again);
        }

        [Fact]
        public void CopiesForOtherThreadsGiveTheSameCellsAndAKeyWithoutAColumnIsReportedOnceOverAll()
        {
            var columns = new EvalResultColumns();
            columns.AddScorers(new[] { "correct" });
            Assert.Throws<System.InvalidOperationException>(() => columns.ForAnotherThread());
            var cells = new List<object?>();
            var first = new EvalResult { Scores = (JsonMap)JsonText.Parse("{\"correct\":true,\"judge\":{\"score\":0.5}}")!, Inputs = (JsonMap)JsonText.Parse("{\"q\":\"a\"}")! };
            columns.Row(first, cells, out _);
            Assert.True(columns.IsFixed);
            var pages = new[] { columns.ForAnotherThread(), columns.ForAnotherThread() };

            // Each copy flattens on a thread of its own, at once: the same cells as the original's.
            var results = Enumerable.Range(0, 2000).Select(i => new EvalResult
            {
                Scores = (JsonMap)JsonText.Parse("{\"correct\":" + (i % 2 == 0 ? "true" : "false") + ",\"judge\":{\"score\":" + i + "}" + (i % 10 == 3 ? ",\"extra\":1" : "") + "}")!,
                Inputs = (JsonMap)JsonText.Parse("{\"q\":\"" + i + "\",\"late\":" + i + "}")!,
            }).ToList();
            var reports = pages.Select(_ => new List<List<string>>()).ToArray();
            var flattened = pages.Select(_ => new List<object?[]>()).ToArray();
            System.Threading.Tasks.Parallel.For(0, pages.Length, p =>
            {
                var own = new List<object?>();
                foreach (var result in results)
                {
                    pages[p].Row(result, own, out var newKeys);
                    flattened[p].Add(own.ToArray());
                    if (newKeys != null) reports[p].Add(newKeys);
                }
            });
            var expected = results.Select(r =>
            {
                columns.Row(r, cells, out _);
                return cells.ToArray();
            }).ToList();
            Assert.All(flattened, f => Assert.Equal(expected, f));

            // Each copy reports a key once itself; the original makes it once over all of them.
            Assert.All(reports, r => Assert.Equal(new[] { new[] { "Input.late" }, new[] { "Score.extra" } }, r.Select(k => k.ToArray())));
            var other = new EvalResultColumns();
            other.AddScorers(new[] { "correct" });
            other.Row(first, cells, out _);
            Assert.Equal(new[] { "Score.extra" }, other.FirstReports(new List<string> { "Score.extra" }));
            Assert.Null(other.FirstReports(new List<string> { "Score.extra", "score.EXTRA" }));
            other.Row(results[3], cells, out var afterReport);
            Assert.Equal(new[] { "Input.late" }, afterReport);
        }
    }
}
