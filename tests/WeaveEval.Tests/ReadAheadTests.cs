using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    /// <summary>Waits with generous limits: they only bound a failing test, never decide a passing one.</summary>
    internal static class Wait
    {
        public static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1);

        public static async Task<bool> Within(Task task, int milliseconds = 10000) =>
            await Task.WhenAny(task, Task.Delay(milliseconds)) == task;

        public static async Task Until(Func<bool> condition, string what)
        {
            var stopwatch = Stopwatch.StartNew();
            while (!condition())
            {
                if (stopwatch.Elapsed > TimeSpan.FromSeconds(10)) Assert.Fail("Timed out waiting until " + what);
                await Task.Delay(5);
            }
        }

        /// <summary>Gives a (wrongly) unbounded producer the chance to run further than it may.</summary>
        public static Task Settle() => Task.Delay(200);
    }

    public class ReadAheadTests
    {
        private sealed class Probe
        {
            public int Asked;
            public readonly TaskCompletionSource<bool> Stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            /// <summary>Items 0, 1, …; <paramref name="hangAt"/> waits for cancellation; <paramref name="failAt"/> throws.</summary>
            public async IAsyncEnumerable<int> Items(int count, int hangAt = -1, int failAt = -1, [EnumeratorCancellation] CancellationToken ct = default)
            {
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        Interlocked.Increment(ref Asked);
                        if (i == hangAt) await Task.Delay(Timeout.Infinite, ct);
                        if (i == failAt) throw new InvalidOperationException("item " + i + " failed");
                        await Task.Yield();
                        yield return i;
                    }
                }
                finally
                {
                    Stopped.TrySetResult(true);
                }
            }
        }

        [Fact]
        public async Task Items_keep_their_order_and_an_error_comes_after_the_items_before_it()
        {
            var probe = new Probe();
            var received = new List<int>();
            var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            {
                await foreach (var item in ReadAhead.ReadAheadAsync(probe.Items(100, failAt: 50), 4, CancellationToken.None)) received.Add(item);
            });
            Assert.Equal("item 50 failed", error.Message);
            Assert.Equal(Enumerable.Range(0, 50), received);
        }

        [Fact]
        public async Task A_full_buffer_stops_the_source()
        {
            var probe = new Probe();
            var enumerator = ReadAhead.ReadAheadAsync(probe.Items(1000), 3, CancellationToken.None).GetAsyncEnumerator();
            try
            {
                Assert.True(await enumerator.MoveNextAsync());
                // One item taken, three waiting in the buffer: the fifth is not even asked for.
                await Wait.Until(() => Volatile.Read(ref probe.Asked) == 4, "the buffer is full");
                await Wait.Settle();
                Assert.Equal(4, Volatile.Read(ref probe.Asked));

                Assert.True(await enumerator.MoveNextAsync());
                Assert.Equal(1, enumerator.Current);
                await Wait.Until(() => Volatile.Read(ref probe.Asked) == 5, "a slot was freed");
                await Wait.Settle();
                Assert.Equal(5, Volatile.Read(ref probe.Asked));
            }
            finally
            {
                await enumerator.DisposeAsync();
            }
            Assert.True(probe.Stopped.Task.IsCompleted);
        }

        [Fact]
        public async Task Cancelling_the_token_stops_a_waiting_source_at_once()
        {
            var probe = new Probe();
            using (var cts = new CancellationTokenSource())
            {
                var enumerator = ReadAhead.ReadAheadAsync(probe.Items(10, hangAt: 1), 4, cts.Token).GetAsyncEnumerator();
                Assert.True(await enumerator.MoveNextAsync());
                var next = enumerator.MoveNextAsync().AsTask();
                await Wait.Until(() => Volatile.Read(ref probe.Asked) == 2, "the source waits");
                var stopwatch = Stopwatch.StartNew();
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
                await enumerator.DisposeAsync();
                Assert.True(stopwatch.Elapsed < Wait.Prompt, $"took {stopwatch.Elapsed}");
                Assert.True(probe.Stopped.Task.IsCompleted, "the source still runs");
            }
        }

        [Fact]
        public async Task Leaving_the_loop_stops_the_source_before_the_loop_has_ended()
        {
            var probe = new Probe();
            var stopwatch = Stopwatch.StartNew();
            await foreach (var item in ReadAhead.ReadAheadAsync(probe.Items(10, hangAt: 1), 4, CancellationToken.None))
            {
                await Wait.Until(() => Volatile.Read(ref probe.Asked) == 2, "the source waits");
                stopwatch.Restart();
                break;
            }
            Assert.True(stopwatch.Elapsed < Wait.Prompt, $"took {stopwatch.Elapsed}");
            Assert.True(probe.Stopped.Task.IsCompleted, "the source still runs");
        }

        [Fact]
        public async Task A_source_that_fails_while_being_stopped_leaves_no_unobserved_exception()
        {
            var marker = Guid.NewGuid().ToString();
            var unobserved = new ConcurrentQueue<Exception>();
            EventHandler<UnobservedTaskExceptionEventArgs> handler = (sender, e) =>
            {
                if (e.Exception.ToString().Contains(marker)) unobserved.Enqueue(e.Exception);
            };
            TaskScheduler.UnobservedTaskException += handler;
            try
            {
                async IAsyncEnumerable<int> FailsWhenStopped([EnumeratorCancellation] CancellationToken ct = default)
                {
                    yield return 0;
                    try
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }
                    finally
                    {
                        throw new InvalidOperationException(marker);
                    }
                }

                await RunAndLeave();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                Assert.Empty(unobserved);

                async Task RunAndLeave()
                {
                    await foreach (var item in ReadAhead.ReadAheadAsync(FailsWhenStopped(), 2, CancellationToken.None)) break;
                }
            }
            finally
            {
                TaskScheduler.UnobservedTaskException -= handler;
            }
        }

        [Fact]
        public void Arguments_are_checked_when_called()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => ReadAhead.ReadAheadAsync(new Probe().Items(1), 0, CancellationToken.None));
        }
    }

    public class ReadyBatchesTests
    {
        [Fact]
        public async Task Items_ready_together_come_in_one_batch_and_a_wait_hands_out_what_is_there()
        {
            var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            async IAsyncEnumerable<int> Source()
            {
                for (var i = 0; i < 5; i++) yield return i;
                await gate.Task;
                for (var i = 5; i < 12; i++) yield return i;
            }

            var batches = new List<IReadOnlyList<int>>();
            await foreach (var batch in ReadAhead.ReadyBatchesAsync(Source(), 4, CancellationToken.None))
            {
                batches.Add(batch);
                // The first items must not wait for the source's pause to end.
                if (batches.Count == 2) gate.SetResult(true);
            }

            Assert.Equal(new[] { new[] { 0, 1, 2, 3 }, new[] { 4 }, new[] { 5, 6, 7, 8 }, new[] { 9, 10, 11 } }, batches.Select(b => b.ToArray()));
        }

        [Fact]
        public async Task Leaving_while_the_source_waits_cancels_it_and_waits_for_it_to_stop()
        {
            var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            async IAsyncEnumerable<int> Source([EnumeratorCancellation] CancellationToken ct = default)
            {
                yield return 1;
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                finally
                {
                    stopped.TrySetResult(true);
                }
                yield return 2;
            }

            var stopwatch = Stopwatch.StartNew();
            await foreach (var batch in ReadAhead.ReadyBatchesAsync(Source(), 10, CancellationToken.None))
            {
                Assert.Equal(new[] { 1 }, batch);
                break;
            }

            Assert.True(stopwatch.Elapsed < Wait.Prompt, $"took {stopwatch.Elapsed}");
            Assert.True(stopped.Task.IsCompleted, "the source still runs");
        }

        [Fact]
        public async Task An_error_of_the_source_comes_after_the_items_before_it()
        {
            async IAsyncEnumerable<int> Source()
            {
                yield return 1;
                await Task.Yield();
                throw new InvalidOperationException("broken");
            }

            var received = new List<int>();
            var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            {
                await foreach (var batch in ReadAhead.ReadyBatchesAsync(Source(), 10, CancellationToken.None)) received.AddRange(batch);
            });

            Assert.Equal("broken", error.Message);
            Assert.Equal(new[] { 1 }, received);
        }
    }

    public class EvalResultsReadAheadTests
    {
        private const int PageSize = 3;
        private const int TrialsPerRow = 2;

        private static string Page(int offset, int limit, int total)
        {
            var rows = Enumerable.Range(offset, Math.Max(0, Math.Min(limit, total - offset)));
            var builder = new StringBuilder("{\"rows\":[");
            builder.Append(string.Join(",", rows.Select(i =>
                "{\"row_digest\":\"d" + i + "\",\"raw_data_row\":{\"n\":" + i + "},\"evaluations\":[{\"evaluation_call_id\":\"A\",\"trials\":[" +
                string.Join(",", Enumerable.Range(0, TrialsPerRow).Select(t => "{\"predict_and_score_call_id\":\"r" + i + "t" + t + "\"}")) + "]}]}")));
            builder.Append("],\"total_rows\":").Append(total).Append(",\"summary\":null,\"warnings\":[]}");
            return builder.ToString();
        }

        private static (long Offset, int Limit) Paging(RecordedRequest request)
        {
            var body = (JsonMap)JsonText.Parse(request.Body!)!;
            return ((long)body["offset"]!, (int)(long)body["limit"]!);
        }

        private static EvalResultsQuery Query() => new EvalResultsQuery { RunIds = new[] { "A" }, PageSize = PageSize };

        /// <summary>Pages of <paramref name="total"/> rows; the request for <paramref name="hangingOffset"/> waits until it is cancelled.</summary>
        private sealed class Server
        {
            public readonly TaskCompletionSource<bool> HangingRequestStarted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            public readonly TaskCompletionSource<bool> HangingRequestCancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            public readonly StubHandler Handler;

            public Server(int total, long hangingOffset = -1, Func<long, System.Net.Http.HttpResponseMessage?>? special = null)
            {
                Handler = new StubHandler(async (request, index, token) =>
                {
                    var (offset, limit) = Paging(request);
                    if (offset == hangingOffset)
                    {
                        HangingRequestStarted.TrySetResult(true);
                        try
                        {
                            await Task.Delay(Timeout.Infinite, token);
                        }
                        finally
                        {
                            HangingRequestCancelled.TrySetResult(true);
                        }
                    }
                    var answer = special?.Invoke(offset);
                    if (answer != null) return answer;
                    return StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(Page((int)offset, limit, total), 64, seed: index + 1));
                });
            }
        }

        [Fact]
        public async Task The_next_page_is_requested_while_the_current_one_is_still_being_consumed()
        {
            var consumed = 0;
            var consumedWhenPage2WasRequested = -1;
            var handler = new StubHandler((request, index) =>
            {
                var (offset, limit) = Paging(request);
                if (offset == PageSize) consumedWhenPage2WasRequested = Volatile.Read(ref consumed);
                return StubHandler.Stream(HttpStatusCode.OK, new TrickleStream(Page((int)offset, limit, 9), 64, seed: index + 1));
            });
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, handler);
            var progress = new List<(long Done, long Total, int Consumed)>();
            var ids = new List<string>();

            await foreach (var result in client.QueryEvalResultsAsync(Query(), (done, total) => progress.Add((done, total, Volatile.Read(ref consumed))), CancellationToken.None))
            {
                ids.Add(result.PredictAndScoreCallId!);
                Interlocked.Increment(ref consumed);
                if (consumed == 1)
                {
                    // Without read-ahead page 2 would only be asked for after all of page 1 was taken: this would time out.
                    await Wait.Until(() => handler.Requests.Count == 2, "page 2 is requested");
                }
            }

            Assert.InRange(consumedWhenPage2WasRequested, 0, 1);
            Assert.Equal(Enumerable.Range(0, 9).SelectMany(i => Enumerable.Range(0, TrialsPerRow).Select(t => "r" + i + "t" + t)), ids);
            Assert.Equal(3, handler.Requests.Count);
            Assert.Equal(new long[] { 0, 3, 6 }, handler.Requests.Select(r => Paging(r).Offset));
            // Progress comes with the caller's iteration, once the page's results have been handed out.
            Assert.Equal(new[] { (3L, 9L, 6), (6L, 9L, 12), (9L, 9L, 18) }, progress);
        }

        [Fact]
        public async Task Without_read_ahead_the_next_page_is_requested_only_when_the_caller_asks_for_it()
        {
            var server = new Server(total: 1000);
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, server.Handler);
            var query = Query();
            query.ReadAhead = false;
            var enumerator = client.QueryEvalResultsAsync(query, null, CancellationToken.None).GetAsyncEnumerator();
            try
            {
                for (var i = 0; i < PageSize * TrialsPerRow; i++) Assert.True(await enumerator.MoveNextAsync());
                await Wait.Settle();
                Assert.Single(server.Handler.Requests);
                Assert.True(await enumerator.MoveNextAsync());
                Assert.Equal("r3t0", enumerator.Current.PredictAndScoreCallId);
                Assert.Equal(2, server.Handler.Requests.Count);
            }
            finally
            {
                await enumerator.DisposeAsync();
            }
        }

        [Fact]
        public async Task Read_ahead_stops_one_page_ahead_of_the_caller()
        {
            var server = new Server(total: 1000);
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, server.Handler);
            var enumerator = client.QueryEvalResultsAsync(Query(), null, CancellationToken.None).GetAsyncEnumerator();
            try
            {
                Assert.True(await enumerator.MoveNextAsync());
                await Wait.Until(() => server.Handler.Requests.Count == 2, "page 2 is requested");
                await Wait.Settle();
                Assert.Equal(2, server.Handler.Requests.Count);
            }
            finally
            {
                await enumerator.DisposeAsync();
            }
        }

        [Fact]
        public async Task Leaving_early_cancels_the_page_request_in_flight_at_once()
        {
            var server = new Server(total: 9, hangingOffset: PageSize);
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, server.Handler);
            var stopwatch = new Stopwatch();
            await foreach (var result in client.QueryEvalResultsAsync(Query(), null, CancellationToken.None))
            {
                Assert.True(await Wait.Within(server.HangingRequestStarted.Task), "page 2 was not requested");
                stopwatch.Start();
                break;
            }
            Assert.True(stopwatch.Elapsed < Wait.Prompt, $"took {stopwatch.Elapsed}");
            Assert.True(await Wait.Within(server.HangingRequestCancelled.Task, 1000), "the request still runs");
        }

        [Fact]
        public async Task Cancelling_the_token_ends_the_results_at_once()
        {
            var server = new Server(total: 9, hangingOffset: PageSize);
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, server.Handler);
            using (var cts = new CancellationTokenSource())
            {
                var stopwatch = new Stopwatch();
                var received = 0;
                var canceller = Task.Run(async () =>
                {
                    await server.HangingRequestStarted.Task;
                    await Wait.Until(() => Volatile.Read(ref received) == PageSize * TrialsPerRow, "page 1 is consumed");
                    stopwatch.Start();
                    cts.Cancel();
                });
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
                {
                    await foreach (var result in client.QueryEvalResultsAsync(Query(), null, cts.Token)) Interlocked.Increment(ref received);
                });
                stopwatch.Stop();
                await canceller;
                Assert.True(stopwatch.Elapsed < Wait.Prompt, $"took {stopwatch.Elapsed}");
                Assert.Equal(PageSize * TrialsPerRow, received);
                Assert.True(await Wait.Within(server.HangingRequestCancelled.Task, 1000), "the request still runs");
            }
        }

        [Fact]
        public async Task A_page_that_fails_is_reported_after_the_results_before_it()
        {
            var server = new Server(total: 9, special: offset => offset == PageSize
                ? StubHandler.Json(HttpStatusCode.NotFound, "{\"reason\":\"Evaluation run A not found\"}")
                : null);
            var client = new WeaveClient(Connections.Create(), NullWeaveLog.Instance, server.Handler);
            var received = new List<EvalResult>();
            var error = await Assert.ThrowsAsync<WeaveStreamInterruptedException>(async () =>
            {
                await foreach (var result in client.QueryEvalResultsAsync(Query(), null, CancellationToken.None)) received.Add(result);
            });
            Assert.Equal("NotFound", Assert.IsType<WeaveApiException>(error.InnerException).ErrorId);
            Assert.Equal(PageSize * TrialsPerRow, received.Count);
            Assert.Equal(received.Count, error.ItemsReceived);
        }
    }
}
