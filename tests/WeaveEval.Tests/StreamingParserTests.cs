using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    public class JsonLinesReaderTests
    {
        private static async Task<List<CallLine>> ReadAll(Stream stream, int bufferSize = 16)
        {
            var list = new List<CallLine>();
            using (var reader = new JsonLinesReader<CallLine>(new StreamBody(stream), WireFormat.ParseCall, bufferSize))
            {
                while (await reader.MoveNextAsync(CancellationToken.None)) list.Add(reader.Current);
            }
            return list;
        }

        [Theory]
        [InlineData("{\"id\":\"a\"}\n{\"id\":\"b\"}\n")]
        [InlineData("{\"id\":\"a\"}\n{\"id\":\"b\"}")]
        [InlineData("\n{\"id\":\"a\"}\n\n   \n{\"id\":\"b\"}\n\n")]
        [InlineData("{\"id\":\"a\"}\r\n{\"id\":\"b\"}\r\n")]
        [InlineData("{\"id\":\"a\"}\r\n{\"id\":\"b\"}\r")]
        public async Task Lines_are_split_on_newlines_whatever_the_chunking(string body)
        {
            for (var chunk = 1; chunk <= 7; chunk++)
            {
                var calls = await ReadAll(new TrickleStream(body, chunk, seed: chunk));
                Assert.Equal(new[] { "a", "b" }, calls.Select(c => c.Id));
            }
        }

        [Fact]
        public async Task An_empty_body_is_an_empty_list()
        {
            Assert.Empty(await ReadAll(new MemoryStream()));
        }

        [Fact]
        public async Task A_huge_line_spans_many_buffer_refills()
        {
            var big = new string('x', 300_000) + "é漢";
            var body = "{\"id\":\"a\",\"summary\":{\"text\":\"" + big + "\"}}\n{\"id\":\"b\"}";
            var calls = await ReadAll(new TrickleStream(body, 4096));
            Assert.Equal(2, calls.Count);
            Assert.Equal(big, calls[0].Summary!["text"]);
        }

        [Fact]
        public async Task A_malformed_line_is_a_protocol_error_naming_the_line()
        {
            var body = "{\"id\":\"a\"}\n{\"id\": oops}\n{\"id\":\"c\"}\n";
            var error = await Assert.ThrowsAsync<WeaveProtocolException>(() => ReadAll(new TrickleStream(body)));
            Assert.Equal("ProtocolError", error.ErrorId);
            Assert.Contains("Line 2", error.Message);
            Assert.Contains("POST /test", error.Message);
        }

        [Fact]
        public async Task A_body_that_is_not_json_is_a_protocol_error()
        {
            var error = await Assert.ThrowsAsync<WeaveProtocolException>(() => ReadAll(new TrickleStream("<html><body>Gateway</body></html>")));
            Assert.Contains("Line 1", error.Message);
            await Assert.ThrowsAsync<WeaveProtocolException>(() => ReadAll(new TrickleStream("[1,2,3]\n")));
        }

        [Fact]
        public async Task A_cut_off_final_line_reports_a_dropped_stream()
        {
            await Assert.ThrowsAsync<StreamDroppedException>(() => ReadAll(new TrickleStream("{\"id\":\"a\"}\n{\"id\":\"b\",\"summ")));
        }

        [Fact]
        public async Task Unknown_fields_nulls_and_odd_types_are_tolerated()
        {
            var body = "{\"id\":42,\"display_name\":null,\"future_field\":{\"deep\":[1,{\"x\":null}]},\"inputs\":\"not an object\",\"exception\":\"\"}\n";
            var call = (await ReadAll(new TrickleStream(body))).Single();
            Assert.Equal("42", call.Id);
            Assert.Null(call.DisplayName);
            Assert.Null(call.Inputs);
            Assert.True(call.HasException);
        }
    }

    public class EvalResultsReaderTests
    {
        private static async Task<(List<EvalRow> Rows, EvalResultsReader Reader)> ReadAll(Stream stream, int bufferSize = 16)
        {
            var rows = new List<EvalRow>();
            var reader = new EvalResultsReader(new StreamBody(stream), includeInputs: true, "acme-ai", "support-bot", bufferSize);
            while (true)
            {
                var row = await reader.ReadRowAsync(CancellationToken.None);
                if (row == null) break;
                rows.Add(row);
            }
            return (rows, reader);
        }

        [Fact]
        public async Task Rows_split_across_tiny_chunks_are_parsed_one_by_one()
        {
            var body = Examples.Compact("eval_results_query__single_run_resolved_rows_with_summary__response.json");
            for (var seed = 1; seed <= 5; seed++)
            {
                var (rows, reader) = await ReadAll(new TrickleStream(body, 7, seed: seed));
                Assert.Equal(3, rows.Count);
                Assert.Equal(3, reader.TotalItems);
                Assert.Empty(reader.Warnings);
                var first = rows[0].Results;
                Assert.Equal(2, first.Count);
                Assert.Equal(new[] { 0, 1 }, first.Select(r => r.TrialIndex));
                Assert.All(first, r => Assert.Equal("39XFQ1BfHkDTyZH24XSl0S7NL9ZCYE4ew2oYtYYgLQA", r.RowDigest));
                Assert.Equal("019f4c56-e6b4-7923-bc1a-adbde48b1697", first[0].EvaluationRunId);
                Assert.Equal("How do I reset my password?", first[0].Inputs!["question"]);
                Assert.Same(first[0].Inputs, first[1].Inputs);
                Assert.Equal(true, first[0].Scores["exact_match"]);
                Assert.Equal(0.9, ((JsonMap)first[0].Scores["LLMJudge"]!)["score"]);
                Assert.Equal(1.284, first[0].ModelLatencySeconds);
                Assert.Equal(412L, first[0].TotalTokens);
                Assert.Null(first[0].TotalCost);
                Assert.Equal("019f4c56-ea9f-7afc-94da-3bdd19614774", first[0].PredictionId);
                Assert.Equal("019f4c56-f078-75ab-84b3-efaea5129ba2", first[0].ScorerCallIds!["exact_match"]);
            }
        }

        [Fact]
        public async Task Trailing_fields_before_rows_and_warnings_are_read_in_any_order()
        {
            var body = "{\"warnings\":[\"w1\",\"w2\"],\"summary\":{\"row_count\":1,\"evaluations\":[]},\"total_rows\":12,\"rows\":[{\"row_digest\":\"d\",\"raw_data_row\":\"weave:///e/p/object/ds:x/attr/rows/id/d\",\"evaluations\":[{\"evaluation_call_id\":\"r\",\"trials\":[{\"predict_and_score_call_id\":\"pas\",\"scores\":null}]}],\"extra\":[1,2]}],\"later\":true}";
            var (rows, reader) = await ReadAll(new TrickleStream(body, 3));
            var result = rows.Single().Results.Single();
            Assert.Equal(12, reader.TotalItems);
            Assert.Equal(new[] { "w1", "w2" }, reader.Warnings);
            Assert.Null(result.Inputs);
            Assert.Equal("weave:///e/p/object/ds:x/attr/rows/id/d", result.DatasetRowRef);
            Assert.Empty(result.Scores);
            Assert.Null(result.PredictionId);
        }

        [Fact]
        public async Task A_large_row_grows_the_buffer()
        {
            var big = new string('y', 200_000);
            var body = "{\"rows\":[{\"row_digest\":\"a\",\"raw_data_row\":{\"t\":\"" + big + "\"},\"evaluations\":[]},{\"row_digest\":\"b\",\"evaluations\":[]}],\"total_rows\":2,\"summary\":null,\"warnings\":[]}";
            var (rows, _) = await ReadAll(new TrickleStream(body, 5000));
            Assert.Equal(new[] { "a", "b" }, rows.Select(r => r.RowDigest));
            Assert.Equal(big, ((JsonMap)rows[0].RawDataRow!)["t"]);
        }

        [Fact]
        public async Task A_body_cut_off_mid_row_reports_a_dropped_stream_after_the_complete_rows()
        {
            var body = Examples.Compact("eval_results_query__single_run_resolved_rows_with_summary__response.json");
            var cut = body.IndexOf("XohVTOjt", StringComparison.Ordinal) + 40;
            var rows = new List<EvalRow>();
            var reader = new EvalResultsReader(new StreamBody(new TrickleStream(body.Substring(0, cut))), true, "e", "p", 16);
            await Assert.ThrowsAsync<StreamDroppedException>(async () =>
            {
                while (true)
                {
                    var row = await reader.ReadRowAsync(CancellationToken.None);
                    if (row == null) break;
                    rows.Add(row);
                }
            });
            Assert.Single(rows);
        }

        [Theory]
        [InlineData("<html>oops</html>")]
        [InlineData("[1,2]")]
        [InlineData("{\"rows\":[{\"row_digest\":}]}")]
        public async Task A_body_that_is_not_the_expected_json_is_a_protocol_error(string body)
        {
            var error = await Assert.ThrowsAsync<WeaveProtocolException>(() => ReadAll(new TrickleStream(body)));
            Assert.Equal("ProtocolError", error.ErrorId);
        }

        [Fact]
        public async Task Memory_stays_at_one_row_however_many_rows_the_page_has()
        {
            var builder = new StringBuilder("{\"rows\":[");
            for (var i = 0; i < 5000; i++)
            {
                if (i > 0) builder.Append(',');
                builder.Append("{\"row_digest\":\"d").Append(i).Append("\",\"raw_data_row\":{\"q\":\"question number ").Append(i).Append("\"},\"evaluations\":[{\"evaluation_call_id\":\"r\",\"trials\":[{\"predict_and_score_call_id\":\"p").Append(i).Append("\",\"scores\":{\"s\":0.5}}]}]}");
            }
            builder.Append("],\"total_rows\":5000,\"summary\":null,\"warnings\":[]}");
            var bytes = Encoding.UTF8.GetBytes(builder.ToString());
            var source = new SizeProbeBody(new MemoryStream(bytes));
            var reader = new EvalResultsReader(source, true, "e", "p", 4096);
            var count = 0;
            while (await reader.ReadRowAsync(CancellationToken.None) != null) count++;
            Assert.Equal(5000, count);
            Assert.True(source.LargestRequest <= 8192, $"buffer grew to {source.LargestRequest} bytes for a {bytes.Length}-byte body");
        }

        private sealed class SizeProbeBody : IBodySource
        {
            private readonly Stream stream;

            public SizeProbeBody(Stream stream) { this.stream = stream; }

            public string RequestLine => "POST /probe";

            public int LargestRequest { get; private set; }

            public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                LargestRequest = Math.Max(LargestRequest, buffer.Length);
                return stream.ReadAsync(buffer, offset, count, cancellationToken);
            }
        }
    }
}
