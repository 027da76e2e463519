using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;
using Xunit;

namespace WeaveEval.Tests
{
    /// <summary>The paging engine over a stub eval_results server: order, sizes, splitting, resuming, laziness, cancellation.</summary>
    public class PagedReaderTests
    {
        private const int TrialsPerRow = 2;

        /// <summary>An eval_results page of rows [offset, offset+limit) of a list of <paramref name="total"/>; each row carries <paramref name="padding"/> bytes of text.</summary>
        private static string Page(string run, long offset, int limit, int total, int padding = 0)
        {
            var rows = Enumerable.Range((int)offset, (int)Math.Max(0, Math.Min(limit, total - offset)));
            var text = new string('x', padding);
            var builder = new StringBuilder("{\"rows\":[");
            builder.Append(string.Join(",", rows.Select(i =>
                "{\"row_digest\":\"d" + i.ToString("D6") + "\",\"raw_data_row\":{\"n\":" + i + ",\"text\":\"" + text + "\"},\"evaluations\":[{\"evaluation_call_id\":\"" + run + "\",\"trials\":[" +
                string.Join(",", Enumerable.Range(0, TrialsPerRow).Select(t => "{\"predict_and_score_call_id\":\"" + run + i + "t" + t + "\",\"model_output\":\"o\"}")) + "]}]}")));
            builder.Append("],\"total_rows\":").Append(total).Append(",\"summary\":null,\"warnings\":[]}");
            return builder.ToString();
        }

        private static (string Run, long Offset, int Limit) Paging(RecordedRequest request)
        {
            var body = (JsonMap)JsonText.Parse(request.Body!)!;
            return ((string)((JsonList)body["evaluation_run_ids"]!)[0]!, (long)body["offset"]!, (int)(long)body["limit"]!);
        }

        private static IEnumerable<string> Expected(string run, int rows) =>
            Enumerable.Range(0, rows).SelectMany(i => Enumerable.Range(0, TrialsPerRow).Select(t => run + i + "t" + t));

        /// <summary>Answers pages of runs of the given sizes after a delay each; <paramref name="special"/> may answer instead.</summary>
        private sealed class Server
        {
            private readonly ConcurrentDictionary<string, int> running = new ConcurrentDictionary<string, int>();
            public readonly StubHandler Handler;
            public int MostAtOnce;

            public Server(IReadOnlyDictionary<string, int> totals, Func<(string Run, long Offset, int Limit), int>? delayMs = null, Func<(string Run, long Offset, int Limit), int, HttpResponseMessage?>? special = null, int padding = 0)
            {
                var current = 0;
                Handler = new StubHandler(async (request, index, token) =>
                {
                    var paging = Paging(request);
                    var now = Interlocked.Increment(ref current);
                    InterlockedMax(ref MostAtOnce, now);
                    try
                    {
                        var delay = delayMs?.Invoke(paging) ?? 0;
                        if (delay > 0) await Task.Delay(delay, token);
                        var answer = special?.Invoke(paging, index);
                        if (answer != null) return answer;
                        return StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(Page(paging.Run, paging.Offset, paging.Limit, totals[paging.Run], padding), 4096, seed: index + 1));
                    }
                    finally
                    {
                        Interlocked.Decrement(ref current);
                    }
                });
            }

            private static void InterlockedMax(ref int target, int value)
            {
                int seen;
                while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
                {
                }
            }
        }

        private static WeaveClient Client(StubHandler handler, TransportOptions? transport = null) =>
            new WeaveClient(Connections.Create(transport), NullWeaveLog.Instance, handler, new RecordingDelay().DelayAsync);

        private static async Task<List<PagedItem<EvalRow>>> ReadAll(WeaveClient client, PagingOptions options, params string[] runs)
        {
            var lists = runs.Select(run => client.EvalResultsList(new EvalResultsQuery { RunIds = new[] { run } })).ToList();
            var steps = new List<PagedItem<EvalRow>>();
            await foreach (var step in PagedReader.ReadAsync(lists, options, CancellationToken.None)) steps.Add(step);
            return steps;
        }

        private static IEnumerable<string> Trials(IEnumerable<PagedItem<EvalRow>> steps) =>
            steps.Where(s => s.IsItem).SelectMany(s => s.Item.Results).Select(r => r.PredictAndScoreCallId);

        [Fact]
        public async Task Pages_in_flight_finish_out_of_order_yet_are_written_in_order()
        {
            // Later pages answer first: each page's delay shrinks with its offset.
            var server = new Server(new Dictionary<string, int> { ["A"] = 40 }, p => p.Offset == 0 ? 0 : 200 - (int)p.Offset * 4);
            var options = new PagingOptions { FixedPageItems = 5, PagesInFlight = 4 };

            var steps = await ReadAll(Client(server.Handler), options, "A");

            Assert.Equal(Expected("A", 40), Trials(steps));
            Assert.Equal(8, server.Handler.Requests.Count);
            Assert.Equal(Enumerable.Range(0, 8).Select(i => i * 5L), server.Handler.Requests.Select(r => Paging(r).Offset).OrderBy(o => o));
            Assert.InRange(server.MostAtOnce, 2, 4);
            Assert.Equal(new long[] { 5, 10, 15, 20, 25, 30, 35, 40 }, steps.Where(s => s.IsPageEnd).Select(s => s.ItemsDone));
            Assert.All(steps.Where(s => s.IsPageEnd), s => Assert.Equal(40L, s.TotalItems));
        }

        [Fact]
        public async Task Page_sizes_grow_from_a_small_first_page_towards_the_target_bytes()
        {
            var server = new Server(new Dictionary<string, int> { ["A"] = 3000 }, padding: 400);
            var options = new PagingOptions { FirstPageItems = 10, TargetPageBytes = 200_000, MaximumPageItems = 10000, PagesInFlight = 1 };

            var steps = await ReadAll(Client(server.Handler), options, "A");

            Assert.Equal(Expected("A", 3000), Trials(steps));
            var limits = server.Handler.Requests.Select(r => Paging(r)).OrderBy(p => p.Offset).Select(p => p.Limit).ToList();
            Assert.Equal(10, limits[0]);
            // A row is about 560 bytes: later pages ask for a few hundred rows each, never more than remain.
            Assert.All(limits.Skip(1).Take(limits.Count - 2), limit => Assert.InRange(limit, 250, 450));
            Assert.True(limits.Count < 20, $"{limits.Count} requests");
        }

        [Fact]
        public async Task With_pages_in_flight_what_is_left_after_the_first_page_goes_out_in_that_many_pages()
        {
            var server = new Server(new Dictionary<string, int> { ["A"] = 3000 }, padding: 400);
            var options = new PagingOptions { FirstPageItems = 10, TargetPageBytes = 200_000, MaximumPageItems = 10000, PagesInFlight = 3 };

            var steps = await ReadAll(Client(server.Handler), options, "A");

            Assert.Equal(Expected("A", 3000), Trials(steps));
            // The server groups the whole run again for every page: 2990 rows left, three at once, three pages.
            var limits = server.Handler.Requests.Select(r => Paging(r)).OrderBy(p => p.Offset).Select(p => p.Limit);
            Assert.Equal(new[] { 10, 997, 997, 996 }, limits);
        }

        [Fact]
        public async Task A_page_holds_a_bounded_number_of_items_ahead_of_a_slow_writer()
        {
            var body = Encoding.UTF8.GetBytes(Page("A", 0, 5000, 5000, padding: 200));
            var stream = new TrickleStream(body, 8192);
            var handler = new StubHandler((request, index) => StubHandler.Stream(HttpStatusCode.OK, stream));
            var lists = new[] { Client(handler).EvalResultsList(new EvalResultsQuery { RunIds = new[] { "A" } }) };
            await foreach (var step in PagedReader.ReadAsync(lists, new PagingOptions { FixedPageItems = 5000, PagesInFlight = 1 }, CancellationToken.None))
            {
                // The writer stalls after the first row: the page's reader stops once its buffer is full.
                await Wait.Settle();
                Assert.InRange(stream.Position, 1, body.Length / 3);
                break;
            }
        }

        [Fact]
        public async Task Pages_started_once_their_preparation_is_ready_are_prepared_on_their_task_and_read_ahead_whole()
        {
            // Preparation is ready once the writer has taken the first item. The first page started before
            // that: its items come unprepared. The second starts after it: all its 2,500 items are prepared
            // while the writer still holds the page's first one, past the 1,000 an unprepared page holds.
            var handler = new StubHandler((request, index) =>
                StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(Page("A", Paging(request).Offset, 2500, 5000, padding: 200), 8192, seed: index + 1)));
            var list = Client(handler).EvalResultsList(new EvalResultsQuery { RunIds = new[] { "A" } });
            var ready = false;
            var prepared = 0;
            list.PreparePage = () => !Volatile.Read(ref ready) ? null : row =>
            {
                row.Prepared = new PreparedRow(Array.Empty<byte>(), row.Results.Count, null);
                Interlocked.Increment(ref prepared);
            };
            var firstPage = new List<bool>();
            // Pages sized by bytes (the target is never reached): 2,500 rows, then the 2,500 left.
            var options = new PagingOptions { FirstPageItems = 2500, TargetPageBytes = 1L << 40, PagesInFlight = 2 };
            await foreach (var step in PagedReader.ReadAsync(new[] { list }, options, CancellationToken.None))
            {
                if (!step.IsItem) continue;
                Volatile.Write(ref ready, true);
                if (firstPage.Count < 2500)
                {
                    firstPage.Add(step.Item.Prepared != null);
                    continue;
                }
                Assert.NotNull(step.Item.Prepared);
                await Wait.Until(() => Volatile.Read(ref prepared) == 2500, "the second page is prepared whole");
                await Wait.Settle();
                Assert.Equal(2500, Volatile.Read(ref prepared));
                break;
            }
            Assert.Equal(2500, firstPage.Count);
            Assert.DoesNotContain(true, firstPage);
        }

        [Theory]
        [InlineData(1500, true)]
        [InlineData(2500, false)]
        public async Task Only_a_page_of_at_most_the_target_bytes_as_the_first_page_measured_them_is_prepared_and_held_whole(int pageItems, bool prepared)
        {
            // Rows of about 430 bytes and a target of 800 KB: about 1,850 rows. The first page (not measured
            // yet, larger than 1,000 rows) is read as any page; a second page of 1,500 rows is prepared and read
            // whole ahead of a writer that holds its first row; one of 2,500 is read as any page, 1,000 rows
            // ahead, unprepared.
            const int total = 3 * 2500;
            var handler = new StubHandler((request, index) =>
                StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(Page("A", Paging(request).Offset, pageItems, total, padding: 200), 8192, seed: index + 1)));
            var list = Client(handler).EvalResultsList(new EvalResultsQuery { RunIds = new[] { "A" } });
            var count = 0;
            list.PreparePage = () => row =>
            {
                row.Prepared = new PreparedRow(Array.Empty<byte>(), row.Results.Count, null);
                Interlocked.Increment(ref count);
            };
            var options = new PagingOptions { FixedPageItems = pageItems, TargetPageBytes = 800_000, PagesInFlight = 1 };
            var rowBytes = Encoding.UTF8.GetByteCount(Page("A", 0, pageItems, total, padding: 200)) / (double)pageItems;
            Assert.InRange(800_000 / rowBytes, 1600, 2200);
            var taken = 0;
            await foreach (var step in PagedReader.ReadAsync(new[] { list }, options, CancellationToken.None))
            {
                if (!step.IsItem) continue;
                taken++;
                if (taken <= pageItems)
                {
                    Assert.Null(step.Item.Prepared);
                    continue;
                }
                Assert.Equal(prepared, step.Item.Prepared != null);
                await Wait.Settle();
                if (prepared)
                {
                    await Wait.Until(() => Volatile.Read(ref count) == pageItems, "the second page is prepared whole");
                }
                else
                {
                    Assert.Equal(0, Volatile.Read(ref count));
                }
                break;
            }
        }

        [Theory]
        [InlineData(413)]
        [InlineData(504)]
        public async Task A_page_refused_as_too_large_is_asked_for_as_smaller_pages_with_no_gap_and_no_duplicate(int status)
        {
            var server = new Server(new Dictionary<string, int> { ["A"] = 50 }, special: (p, index) => p.Limit > 6
                ? StubHandler.Json((HttpStatusCode)status, "{\"reason\":\"too large\"}")
                : null);
            var options = new PagingOptions { FirstPageItems = 2, FixedPageItems = 16, PagesInFlight = 2 };

            var steps = await ReadAll(Client(server.Handler), options, "A");

            Assert.Equal(Expected("A", 50), Trials(steps));
            var answered = server.Handler.Requests.Select(Paging).Where(p => p.Limit <= 6).OrderBy(p => p.Offset).ToList();
            // The answered pieces tile the list exactly.
            var next = 0L;
            foreach (var piece in answered)
            {
                Assert.Equal(next, piece.Offset);
                next += piece.Limit;
            }
            Assert.True(next >= 50);
            // After the first refusal later pages are asked for at the smaller size: few refusals in all.
            Assert.InRange(server.Handler.Requests.Count(r => Paging(r).Limit > 6), 1, 3);
        }

        [Fact]
        public async Task A_page_that_times_out_is_split_instead_of_retried_whole()
        {
            var server = new Server(new Dictionary<string, int> { ["A"] = 12 }, p => p.Limit > 3 ? 5000 : 0);
            var transport = Connections.FastRetries.WithTimeout(TimeSpan.FromMilliseconds(300));
            var options = new PagingOptions { FirstPageItems = 2, FixedPageItems = 12, PagesInFlight = 1 };

            var steps = await ReadAll(Client(server.Handler, transport), options, "A");

            Assert.Equal(Expected("A", 12), Trials(steps));
            Assert.Equal(new[] { (0L, 12), (0L, 6), (0L, 3), (3L, 3), (6L, 6), (6L, 3), (9L, 3) }, server.Handler.Requests.Select(r => { var p = Paging(r); return (p.Offset, p.Limit); }));
        }

        [Fact]
        public async Task A_page_that_breaks_off_is_resumed_from_the_first_row_not_yet_received()
        {
            var first = true;
            var server = new Server(new Dictionary<string, int> { ["A"] = 20 }, special: (p, index) =>
            {
                if (p.Offset != 10 || !first) return null;
                first = false;
                var body = Page("A", p.Offset, p.Limit, 20);
                // Cut inside the fourth row of the page.
                var cut = body.IndexOf("\"row_digest\":\"d000013\"", StringComparison.Ordinal) + 10;
                return StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(body, 4096, failAfter: cut));
            });
            var options = new PagingOptions { FixedPageItems = 10, PagesInFlight = 2 };

            var steps = await ReadAll(Client(server.Handler), options, "A");

            Assert.Equal(Expected("A", 20), Trials(steps));
            Assert.Contains(server.Handler.Requests.Select(Paging), p => p.Offset == 13 && p.Limit == 7);
        }

        [Fact]
        public async Task The_first_pages_of_later_runs_go_out_with_the_first_run_and_each_run_stays_together()
        {
            var started = new ConcurrentQueue<string>();
            var server = new Server(new Dictionary<string, int> { ["A"] = 30, ["B"] = 3, ["C"] = 12 }, p =>
            {
                if (p.Offset == 0) started.Enqueue(p.Run);
                return p.Run == "A" ? 100 : 0;
            });
            var options = new PagingOptions { FixedPageItems = 10, PagesInFlight = 3 };

            var steps = await ReadAll(Client(server.Handler), options, "A", "B", "C");

            Assert.Equal(Expected("A", 30).Concat(Expected("B", 3)).Concat(Expected("C", 12)), Trials(steps));
            // B's and C's first pages did not wait for A's.
            Assert.Equal(new[] { "A", "B", "C" }, started.OrderBy(r => r));
            var firstOfC = server.Handler.Requests.FindIndex(r => Paging(r).Run == "C");
            var secondOfA = server.Handler.Requests.FindIndex(r => Paging(r) == ("A", 10L, 10));
            Assert.True(firstOfC < secondOfA, "C's first page went out only after A's second");
            Assert.Equal(new[] { (0, 10L), (0, 20L), (0, 30L), (1, 3L), (2, 10L), (2, 12L) }, steps.Where(s => s.IsPageEnd).Select(s => (s.List, s.ItemsDone)));
        }

        [Fact]
        public async Task With_a_limit_no_request_runs_ahead_and_none_asks_for_more_than_is_wanted()
        {
            var server = new Server(new Dictionary<string, int> { ["A"] = 1000, ["B"] = 1000 });
            var options = PagingOptions.ForEvalResults(null, 5);

            var steps = await ReadAll(Client(server.Handler), options, "A", "B");

            Assert.Equal(5, steps.Count(s => s.IsItem));
            Assert.Equal(new[] { ("A", 0L, 5) }, server.Handler.Requests.Select(Paging));
        }

        [Fact]
        public async Task A_list_without_a_count_asks_for_its_next_page_only_when_the_last_item_was_taken()
        {
            var handler = new StubHandler((request, index) => StubHandler.Json(HttpStatusCode.OK,
                string.Join("\n", Enumerable.Range(index * 3, 3).Select(i => "{\"id\":\"r" + i + "\",\"started_at\":\"2026-07-10T14:03:11Z\"}"))));
            var client = Client(handler);
            var enumerator = client.ListEvaluationRunsAsync(new RunListQuery { PageSize = 3 }, CancellationToken.None).GetAsyncEnumerator();
            try
            {
                for (var i = 0; i < 3; i++) Assert.True(await enumerator.MoveNextAsync());
                await Wait.Settle();
                Assert.Single(handler.Requests);
                Assert.True(await enumerator.MoveNextAsync());
                Assert.Equal("r3", enumerator.Current.EvaluationRunId);
                Assert.Equal(2, handler.Requests.Count);
            }
            finally
            {
                await enumerator.DisposeAsync();
            }
        }

        [Fact]
        public async Task Leaving_early_cancels_the_requests_in_flight_at_once()
        {
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var handler = new StubHandler(async (request, index, token) =>
            {
                var paging = Paging(request);
                if (paging.Offset > 0)
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, token);
                    }
                    finally
                    {
                        cancelled.TrySetResult(true);
                    }
                }
                return StubHandler.Json(HttpStatusCode.OK, Page("A", paging.Offset, paging.Limit, 100));
            });
            var client = Client(handler);
            var lists = new[] { client.EvalResultsList(new EvalResultsQuery { RunIds = new[] { "A" } }) };
            var stopwatch = new Stopwatch();
            await foreach (var step in PagedReader.ReadAsync(lists, new PagingOptions { FixedPageItems = 10, PagesInFlight = 4 }, CancellationToken.None))
            {
                if (!step.IsPageEnd) continue;
                await Wait.Until(() => handler.Requests.Count >= 2, "the next pages are requested");
                stopwatch.Start();
                break;
            }
            stopwatch.Stop();
            Assert.True(stopwatch.Elapsed < Wait.Prompt, $"took {stopwatch.Elapsed}");
            Assert.True(await Wait.Within(cancelled.Task, 1000), "a request still runs");
        }

        [Fact]
        public async Task A_run_that_fails_after_results_is_StreamInterrupted_and_the_next_run_follows()
        {
            var server = new Server(new Dictionary<string, int> { ["A"] = 20, ["B"] = 2 }, special: (p, index) => p.Run == "A" && p.Offset == 10
                ? StubHandler.Json(HttpStatusCode.NotFound, "{\"reason\":\"Evaluation run A not found\"}")
                : null);
            var options = new PagingOptions { FixedPageItems = 10, PagesInFlight = 2 };

            var steps = await ReadAll(Client(server.Handler), options, "A", "B");

            var failure = Assert.Single(steps, s => s.Failure != null);
            Assert.Equal(0, failure.List);
            var interrupted = Assert.IsType<WeaveStreamInterruptedException>(failure.Failure);
            Assert.Equal(10 * TrialsPerRow, interrupted.ItemsReceived);
            Assert.Equal("NotFound", Assert.IsType<WeaveApiException>(interrupted.InnerException).ErrorId);
            Assert.Equal(Expected("A", 10).Concat(Expected("B", 2)), Trials(steps));
        }
    }
}
