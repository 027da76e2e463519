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

    /// <summary>The bounded buffer that each page of the paging engine reads into.</summary>
    public class ReadAheadTests
    {
        /// <summary>The source's items through a <see cref="ReadAheadBuffer{T}"/> of the given capacity, disposed at the end.</summary>
        private static async IAsyncEnumerable<T> Ahead<T>(IAsyncEnumerable<T> source, int capacity, [EnumeratorCancellation] CancellationToken ct)
        {
            var buffer = ReadAheadBuffer<T>.Start(_ => source, capacity, ct);
            try
            {
                while (await buffer.MoveNextAsync(ct)) yield return buffer.Current;
            }
            finally
            {
                await buffer.DisposeAsync();
            }
        }

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
                await foreach (var item in Ahead(probe.Items(100, failAt: 50), 4, CancellationToken.None)) received.Add(item);
            });
            Assert.Equal("item 50 failed", error.Message);
            Assert.Equal(Enumerable.Range(0, 50), received);
        }

        [Fact]
        public async Task A_full_buffer_stops_the_source()
        {
            var probe = new Probe();
            var enumerator = Ahead(probe.Items(1000), 3, CancellationToken.None).GetAsyncEnumerator();
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

        /// <summary>Items 0 … count-1 without ever waiting, as a parser gives the rows of a received network read.</summary>
        private static async IAsyncEnumerable<int> Ready(int count, StrongBox<int> asked)
        {
            for (var i = 0; i < count; i++)
            {
                Interlocked.Increment(ref asked.Value);
                yield return i;
            }
            await Task.CompletedTask;
        }

        [Fact]
        public async Task Items_a_source_gives_without_waiting_cross_in_batches_in_order_and_within_the_bound()
        {
            var asked = new StrongBox<int>();
            var buffer = ReadAheadBuffer<int>.Start(_ => Ready(1000, asked), 10, CancellationToken.None);
            try
            {
                var received = new List<int>();
                while (await buffer.MoveNextAsync(CancellationToken.None))
                {
                    received.Add(buffer.Current);
                    Assert.True(Volatile.Read(ref asked.Value) <= received.Count + 10, $"{asked.Value} asked for with {received.Count} taken");
                }
                Assert.Equal(Enumerable.Range(0, 1000), received);
            }
            finally
            {
                await buffer.DisposeAsync();
            }
        }

        [Fact]
        public async Task A_full_buffer_stops_a_source_that_never_waits()
        {
            var asked = new StrongBox<int>();
            var buffer = ReadAheadBuffer<int>.Start(_ => Ready(1000, asked), 3, CancellationToken.None);
            try
            {
                Assert.True(await buffer.MoveNextAsync(CancellationToken.None));
                Assert.Equal(0, buffer.Current);
                await Wait.Until(() => Volatile.Read(ref asked.Value) == 4, "the buffer is full");
                await Wait.Settle();
                Assert.Equal(4, Volatile.Read(ref asked.Value));
                Assert.True(await buffer.MoveNextAsync(CancellationToken.None));
                Assert.Equal(1, buffer.Current);
                await Wait.Until(() => Volatile.Read(ref asked.Value) == 5, "a slot was freed");
                await Wait.Settle();
                Assert.Equal(5, Volatile.Read(ref asked.Value));
            }
            finally
            {
                await buffer.DisposeAsync();
            }
        }

        [Fact]
        public async Task Cancelling_the_token_stops_a_waiting_source_at_once()
        {
            var probe = new Probe();
            using (var cts = new CancellationTokenSource())
            {
                var enumerator = Ahead(probe.Items(10, hangAt: 1), 4, cts.Token).GetAsyncEnumerator();
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
            await foreach (var item in Ahead(probe.Items(10, hangAt: 1), 4, CancellationToken.None))
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
                    await foreach (var item in Ahead(FailsWhenStopped(), 2, CancellationToken.None)) break;
                }
            }
            finally
            {
                TaskScheduler.UnobservedTaskException -= handler;
            }
        }
    }
}
