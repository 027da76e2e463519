using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using WeaveEval.Client;
using WeaveEval.Commands;
using Xunit;

namespace WeaveEval.Tests
{
    /// <summary>The direct export's writer: rows formatted by their pages, on other threads, equal rows written one by one.</summary>
    public class EvalResultWriterTests : IDisposable
    {
        private readonly string folder = Path.Combine(Path.GetTempPath(), "weaveeval-writer-" + Guid.NewGuid().ToString("N"));

        public EvalResultWriterTests()
        {
            Directory.CreateDirectory(folder);
        }

        public void Dispose() => Directory.Delete(folder, recursive: true);

        private static EvalResult Result(int i, string scores, int padding) => new EvalResult
        {
            EvaluationRunId = "run-1",
            ModelName = "model \"m\"",
            RowDigest = "d" + (i / 2),
            TrialIndex = i % 2,
            PredictAndScoreCallId = "pas-" + i,
            Inputs = (JsonMap)JsonText.Parse("{\"q\":\"question " + (i / 2) + " ש " + new string('x', padding) + "\"}")!,
            Output = "answer, " + i,
            Scores = (JsonMap)JsonText.Parse(scores)!,
            ModelLatencySeconds = i / 8.0,
            Entity = "acme-ai",
            Project = "p",
        };

        /// <summary>Rows of two trials; from row 20 on some trials have a score the columns lack.</summary>
        private static List<List<EvalResult>> Rows(int padding) => Enumerable.Range(0, 60).Select(r => Enumerable.Range(2 * r, 2).Select(i =>
            Result(i, "{\"correct\":" + (i % 3 == 0 ? "true" : "false") + (r >= 20 && i % 4 == 1 ? ",\"extra\":" + i : "") + "}", padding)).ToList()).ToList();

        public enum Mode
        {
            /// <summary>Every result written by the writer itself.</summary>
            OneByOne,

            /// <summary>Pages of 10 rows formatted first, at once on other threads, the last page first (as a network may deliver them).</summary>
            PagesAtOnce,

            /// <summary>Each page formatted on another thread, then written, so that later pages reuse the blocks of earlier ones.</summary>
            PageAfterPage,

            /// <summary>Pages formatted on another thread up to 15 rows ahead of the writer, which frees blocks while they are being filled.</summary>
            RunningAhead,
        }

        /// <summary>Writes the rows into a new file: the first row result by result, the others as <paramref name="mode"/> says.</summary>
        private (byte[] Bytes, List<string> LateKeys) Export(ExportFormat format, Mode mode, int padding = 0)
        {
            var path = Path.Combine(folder, Guid.NewGuid().ToString("N"));
            var columns = new EvalResultColumns();
            columns.AddScorers(new[] { "correct" });
            var late = new List<string>();
            var rows = Rows(padding).Select(results => new EvalRow { Results = results }).ToList();
            var pages = rows.Skip(1).Select((row, i) => (row, i)).GroupBy(x => x.i / 10, x => x.row).Select(g => g.ToList()).ToList();
            using (var writer = EvalResultWriter.Create(format, ExportTarget.Open(path, append: false, byteOrderMark: false, readCsvHeader: format == ExportFormat.Csv), columns, (r, keys) => late.Add(r.PredictAndScoreCallId + ": " + string.Join(",", keys!)), _ => { }))
            {
                Assert.Null(writer.StartPage());
                foreach (var result in rows[0].Results) writer.Write(result);
                void Format(List<EvalRow> page)
                {
                    var prepare = writer.StartPage()!;
                    foreach (var row in page) prepare(row);
                    Assert.All(page, row => Assert.Empty(row.Results));
                }
                switch (mode)
                {
                    case Mode.OneByOne:
                        foreach (var row in rows.Skip(1)) foreach (var result in row.Results) writer.Write(result);
                        break;
                    case Mode.PagesAtOnce:
                        Parallel.ForEach(Enumerable.Reverse(pages), Format);
                        foreach (var row in rows.Skip(1)) writer.Take(row);
                        break;
                    case Mode.PageAfterPage:
                        foreach (var page in pages)
                        {
                            Task.Run(() => Format(page)).Wait();
                            foreach (var row in page) writer.Take(row);
                        }
                        break;
                    case Mode.RunningAhead:
                        using (var ready = new System.Collections.Concurrent.BlockingCollection<EvalRow>(boundedCapacity: 15))
                        {
                            var formatter = Task.Run(() =>
                            {
                                foreach (var page in pages)
                                {
                                    var prepare = writer.StartPage()!;
                                    foreach (var row in page)
                                    {
                                        prepare(row);
                                        ready.Add(row);
                                    }
                                }
                                ready.CompleteAdding();
                            });
                            foreach (var row in ready.GetConsumingEnumerable()) writer.Take(row);
                            formatter.Wait();
                        }
                        break;
                }
                writer.Commit();
            }
            return (File.ReadAllBytes(path), late);
        }

        [Theory]
        [InlineData(ExportFormat.Csv, Mode.PagesAtOnce, 0)]
        [InlineData(ExportFormat.JsonLines, Mode.PagesAtOnce, 0)]
        [InlineData(ExportFormat.Csv, Mode.PageAfterPage, 40_000)]
        [InlineData(ExportFormat.JsonLines, Mode.PageAfterPage, 40_000)]
        [InlineData(ExportFormat.Csv, Mode.RunningAhead, 40_000)]
        [InlineData(ExportFormat.JsonLines, Mode.RunningAhead, 40_000)]
        public void RowsFormattedByTheirPagesOnOtherThreadsEqualRowsWrittenOneByOne(ExportFormat format, Mode mode, int padding)
        {
            // With 40 KB inputs a page's lines fill several blocks, which later pages then reuse.
            var oneByOne = Export(format, Mode.OneByOne, padding);
            var byPages = Export(format, mode, padding);
            Assert.Equal(oneByOne.Bytes, byPages.Bytes);
            Assert.Equal(120, System.Text.Encoding.UTF8.GetString(byPages.Bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - (format == ExportFormat.Csv ? 1 : 0));
        }

        [Fact]
        public void AScoreWithoutAColumnIsReportedOnceAtItsFirstTrialInTheFileWhicheverPageFoundItFirst()
        {
            var oneByOne = Export(ExportFormat.Csv, Mode.OneByOne);
            var byPages = Export(ExportFormat.Csv, Mode.PagesAtOnce);
            Assert.Equal(new[] { "pas-41: Score.extra" }, oneByOne.LateKeys);
            Assert.Equal(oneByOne.LateKeys, byPages.LateKeys);
        }

        [Fact]
        public void ABlockIsReusedOnlyOnceTheWriterHasMovedPastItsLastRow()
        {
            var blocks = new TextBlocks();
            var first = blocks.StartPage();
            var row = new byte[100_000];
            var a = first.Keep(row);
            var b = first.Keep(row);
            var c = first.Keep(row);
            Assert.Same(a.Array, b.Array);
            Assert.NotSame(b.Array, c.Array);
            blocks.Written(a);
            blocks.Written(b);
            // Rows of the first block are written, but the writer has not moved on: nothing is free yet.
            Assert.NotSame(a.Array, blocks.StartPage().Keep(row).Array);
            blocks.Written(c);
            Assert.Same(a.Array, blocks.StartPage().Keep(row).Array);
            // A row larger than a block gets an array of its own, never reused.
            var large = blocks.StartPage().Keep(new byte[TextBlocks.BlockSize + 1]);
            blocks.Written(large);
            blocks.Written(blocks.StartPage().Keep(row));
            Assert.NotSame(large.Array, blocks.StartPage().Keep(new byte[TextBlocks.BlockSize + 1]).Array);
        }
    }
}
