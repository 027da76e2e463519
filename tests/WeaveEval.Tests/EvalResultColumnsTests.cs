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
    }
}
