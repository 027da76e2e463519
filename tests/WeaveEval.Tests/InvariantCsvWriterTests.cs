using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using WeaveEval.Commands;

namespace WeaveEval.Tests
{
    /// <summary>The CSV writer of both export forms: UTF-8 bytes equal to the invariant text of each cell, quoted, quotes doubled.</summary>
    public class InvariantCsvWriterTests
    {
        /// <summary>What a record must be, built from the cell texts the contract defines.</summary>
        private static string Expected(IEnumerable<object?> cells) =>
            string.Join(",", cells.Select(c => "\"" + InvariantCsv.Format(c).Replace("\"", "\"\"") + "\"")) + "\r\n";

        private static string Written(Action<InvariantCsvWriter> write)
        {
            var stream = new MemoryStream();
            using (var writer = new InvariantCsvWriter(stream))
            {
                write(writer);
                writer.Flush();
            }
            return new UTF8Encoding(false, true).GetString(stream.ToArray());
        }

        public static IEnumerable<object?[]> Cells()
        {
            var map = (JsonMap)JsonText.Parse("{\"q\":\"say \\\"hi\\\" \u05e9\u05dc\u05d5\u05dd\",\"n\":[1,2.5,null],\"ok\":true}")!;
            yield return new object?[] { new object?[] { "plain", "with \"quotes\"", "", null, "\u05e9\u05e2\u05d5\u05ea \ud83d\ude00", "line\r\nbreak,comma" } };
            yield return new object?[] { new object?[] { true, false, 0, -17, long.MaxValue, long.MinValue, int.MinValue, 0.1, 1e-7, -2.5e300, double.NaN } };
            yield return new object?[] { new object?[] { map, map["n"], new JsonMap(), new JsonList(), new DateTime(2026, 12, 7, 1, 2, 3, 456, DateTimeKind.Utc), TimeSpan.FromSeconds(1.5) } };
        }

        [Theory]
        [MemberData(nameof(Cells))]
        public void CellsAreTheirInvariantTextQuoted(object?[] cells)
        {
            Assert.Equal(Expected(cells), Written(w =>
            {
                foreach (var cell in cells) w.WriteValue(cell);
                w.EndRecord();
            }));
        }

        [Fact]
        public void CellTextIsInvariant()
        {
            // The texts themselves, pinned: the theory above compares with InvariantCsv.Format.
            Assert.Equal("\"0.1\",\"1E-07\",\"-2.5E+300\",\"NaN\",\"true\",\"-9223372036854775808\",\"2026-12-07T01:02:03.456Z\",\"00:00:01.5000000\"\r\n", Written(w =>
            {
                foreach (var cell in new object?[] { 0.1, 1e-7, -2.5e300, double.NaN, true, long.MinValue, new DateTime(2026, 12, 7, 1, 2, 3, 456, DateTimeKind.Utc), TimeSpan.FromSeconds(1.5) }) w.WriteValue(cell);
                w.EndRecord();
            }));
        }

        [Fact]
        public void FieldsLargerThanTheBufferAndRecordsAcrossFlushesAreWhole()
        {
            // A field of quotes larger than the writer's buffer, and enough records that several flushes fall
            // inside fields: the bytes are still exactly the records, in order.
            var huge = string.Concat(Enumerable.Repeat("ab\"\u05e9", 90000));
            var json = new JsonMap { ["text"] = huge };
            var records = new List<object?[]> { new object?[] { huge, json } };
            for (var i = 0; i < 6000; i++) records.Add(new object?[] { "row " + i, i, i / 7.0, "q\"" + i });
            var text = Written(w =>
            {
                foreach (var record in records)
                {
                    foreach (var cell in record) w.WriteValue(cell);
                    w.EndRecord();
                }
            });
            Assert.Equal(string.Concat(records.Select(Expected)), text);
        }

        [Fact]
        public void RepeatedValuesAreCopiedAsTheyWereWritten()
        {
            // Cells that repeat by reference (a run's names, a row's inputs) are copied, the others written:
            // the bytes equal those of writing every cell, across flushes and when a column's value changes.
            var shared = (JsonMap)JsonText.Parse("{\"q\":\"a \\\"b\\\" ש\",\"n\":1}")!;
            var run = "run \"x\" é";
            var records = new List<object?[]>();
            for (var i = 0; i < 20000; i++)
            {
                var inputs = i % 3 == 0 ? shared : (JsonMap)JsonText.Parse("{\"i\":" + (i / 2) + "}")!;
                records.Add(new object?[] { run, inputs, "trial " + i, i % 2 == 0, i, i % 5 == 0 ? null : run, new JsonList { i, "x" } });
            }
            var direct = Written(w =>
            {
                foreach (var record in records)
                {
                    for (var c = 0; c < record.Length; c++) w.WriteRepeatedValue(record[c], c);
                    w.EndRecord();
                }
            });
            Assert.Equal(string.Concat(records.Select(Expected)), direct);
        }

        [Fact]
        public void RecordsKeptInMemoryAndAddedWholeEqualRecordsWrittenAtOnce()
        {
            // A page's writer keeps its records in memory (growing past its first buffer for a 100 KB field);
            // the file's writer adds them whole, across its own flushes: the same bytes as writing them there.
            var big = new string('x', 100_000) + "\"";
            var records = new List<object?[]>();
            for (var i = 0; i < 3000; i++) records.Add(new object?[] { "run", i % 1000 == 7 ? big : "row " + i, i, i / 3.0, i % 2 == 0 });
            var page = new InvariantCsvWriter();
            var stream = new MemoryStream();
            using (var file = new InvariantCsvWriter(stream))
            {
                file.WriteRecord(new[] { "A", "B", "C", "D", "E" });
                for (var i = 0; i < records.Count; i++)
                {
                    for (var c = 0; c < records[i].Length; c++) page.WriteRepeatedValue(records[i][c], c);
                    page.EndRecord();
                    if (i % 3 == 2) file.WriteRecords(page.TakeRecords());
                }
                file.WriteRecords(page.TakeRecords());
                file.Flush();
            }
            Assert.Equal("\"A\",\"B\",\"C\",\"D\",\"E\"\r\n" + string.Concat(records.Select(Expected)), new UTF8Encoding(false, true).GetString(stream.ToArray()));
            Assert.Equal(0, page.TakeRecords().Length);
        }

        [Fact]
        public void OnlyWholeRecordsOfAWriterWithoutAStreamAreTaken()
        {
            var page = new InvariantCsvWriter();
            page.WriteValue("half");
            Assert.Throws<InvalidOperationException>(() => { page.TakeRecords(); });
            using (var file = new InvariantCsvWriter(new MemoryStream()))
            {
                Assert.Throws<InvalidOperationException>(() => { file.TakeRecords(); });
                file.WriteValue("half");
                Assert.Throws<InvalidOperationException>(() => file.WriteRecords(new byte[0]));
            }
        }

        [Fact]
        public void HeaderAndLineBreaks()
        {
            Assert.Equal("\r\n\"A\",\"B \"\"x\"\"\"\r\n", Written(w =>
            {
                w.LineBreak();
                w.WriteRecord(new[] { "A", "B \"x\"" });
            }));
        }

        [Fact]
        public void NothingReachesTheStreamBeforeAFlushOfASmallFile()
        {
            var stream = new MemoryStream();
            using (var writer = new InvariantCsvWriter(stream))
            {
                writer.WriteValue("a");
                writer.EndRecord();
                Assert.Equal(0, stream.Length);
                writer.Flush();
            }
            Assert.Equal("\"a\"\r\n", Encoding.UTF8.GetString(stream.ToArray()));
        }
    }
}
