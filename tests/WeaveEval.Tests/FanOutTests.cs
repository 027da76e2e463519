using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    /// <summary>Counts the calls (or streams) running at once and those that have stopped.</summary>
    internal sealed class ConcurrencyMeter
    {
        private int running;
        private int peak;
        private int started;
        private int stopped;

        public int Running => Volatile.Read(ref running);

        public int Peak => Volatile.Read(ref peak);

        public int Started => Volatile.Read(ref started);

        public int Stopped => Volatile.Read(ref stopped);

        public int Enter()
        {
            Interlocked.Increment(ref started);
            var now = Interlocked.Increment(ref running);
            int before;
            while (now > (before = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, before) != before)
            {
            }
            return now;
        }

        public void Leave()
        {
            Interlocked.Decrement(ref running);
            Interlocked.Increment(ref stopped);
        }
    }

    public class OrderedConcurrentTests
    {
        [Fact]
        public async Task Outcomes_keep_input_order_under_random_delays_and_the_throttle_holds()
        {
            const int Throttle = 4;
            var random = new Random(7);
            var delays = Enumerable.Range(0, 60).Select(_ => random.Next(0, 15)).ToArray();
            var meter = new ConcurrencyMeter();
            var throttleReached = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            async Task<string> Fetch(int input, CancellationToken ct)
            {
                if (meter.Enter() == Throttle) throttleReached.TrySetResult(true);
                try
                {
                    // The first calls wait for each other, so the throttle is certainly reached once.
                    await Wait.Within(throttleReached.Task);
                    await Task.Delay(delays[input], ct);
                    return "v" + input;
                }
                finally
                {
                    meter.Leave();
                }
            }

            var outcomes = await FanOut.OrderedConcurrentAsync(Enumerable.Range(0, delays.Length), Fetch, Throttle, CancellationToken.None).ToListAsync();

            Assert.Equal(Enumerable.Range(0, delays.Length), outcomes.Select(o => o.Input));
            Assert.Equal(Enumerable.Range(0, delays.Length).Select(i => "v" + i), outcomes.Select(o => o.Value));
            Assert.All(outcomes, o => Assert.True(o.Succeeded));
            Assert.Equal(Throttle, meter.Peak);
            Assert.Equal(meter.Started, meter.Stopped);
        }

        [Fact]
        public async Task Each_outcome_is_handed_out_once_it_and_those_before_it_are_done()
        {
            var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            async Task<int> Fetch(int input, CancellationToken ct)
            {
                if (input == 1) Assert.True(await Wait.Within(release.Task), "input 1 was never released");
                return input;
            }

            var received = new List<int>();
            await foreach (var outcome in FanOut.OrderedConcurrentAsync(new[] { 0, 1, 2 }, Fetch, 3, CancellationToken.None))
            {
                if (outcome.Input == 0) Assert.False(release.Task.IsCompleted);
                received.Add(outcome.Value);
                release.TrySetResult(true);
            }
            Assert.Equal(new[] { 0, 1, 2 }, received);
        }

        [Fact]
        public async Task A_failed_input_is_reported_in_its_place_and_the_others_go_on()
        {
            Task<int> Fetch(int input, CancellationToken ct)
            {
                if (input == 4) throw new ArgumentException("synchronous failure");
                return input == 2
                    ? Task.FromException<int>(new WeaveException("not found", "NotFound", WeaveErrorKind.NotFound))
                    : Task.FromResult(input * 10);
            }

            var outcomes = await FanOut.OrderedConcurrentAsync(Enumerable.Range(0, 6), Fetch, 2, CancellationToken.None).ToListAsync();

            Assert.Equal(Enumerable.Range(0, 6), outcomes.Select(o => o.Input));
            Assert.Equal(new[] { true, true, false, true, false, true }, outcomes.Select(o => o.Succeeded));
            Assert.Equal("NotFound", Assert.IsType<WeaveException>(outcomes[2].Exception).ErrorId);
            Assert.IsType<ArgumentException>(outcomes[4].Exception);
            Assert.Equal(0, outcomes[2].Value);
            Assert.Equal(50, outcomes[5].Value);
        }

        [Fact]
        public async Task Cancelling_stops_every_request_at_once()
        {
            var meter = new ConcurrencyMeter();

            async Task<int> Fetch(int input, CancellationToken ct)
            {
                meter.Enter();
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                    return input;
                }
                finally
                {
                    meter.Leave();
                }
            }

            using (var cts = new CancellationTokenSource())
            {
                var stopwatch = new Stopwatch();
                var run = Task.Run(async () =>
                {
                    await foreach (var outcome in FanOut.OrderedConcurrentAsync(Enumerable.Range(0, 20), Fetch, 3, cts.Token))
                    {
                    }
                });
                await Wait.Until(() => meter.Running == 3, "three requests run");
                stopwatch.Start();
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
                Assert.True(stopwatch.Elapsed < Wait.Prompt, $"took {stopwatch.Elapsed}");
                Assert.Equal(0, meter.Running);
                Assert.Equal(3, meter.Started);
            }
        }

        [Fact]
        public async Task Leaving_early_stops_the_requests_still_running()
        {
            var meter = new ConcurrencyMeter();

            async Task<int> Fetch(int input, CancellationToken ct)
            {
                meter.Enter();
                try
                {
                    if (input > 0) await Task.Delay(Timeout.Infinite, ct);
                    return input;
                }
                finally
                {
                    meter.Leave();
                }
            }

            var stopwatch = new Stopwatch();
            await foreach (var outcome in FanOut.OrderedConcurrentAsync(Enumerable.Range(0, 20), Fetch, 4, CancellationToken.None))
            {
                await Wait.Until(() => meter.Running == 4, "four other requests run");
                stopwatch.Start();
                break;
            }
            Assert.True(stopwatch.Elapsed < Wait.Prompt, $"took {stopwatch.Elapsed}");
            Assert.Equal(0, meter.Running);
        }

        [Fact]
        public void Arguments_are_checked_when_called()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => FanOut.OrderedConcurrentAsync(new[] { 1 }, (i, ct) => Task.FromResult(i), 0, CancellationToken.None));
        }

        private static async IAsyncEnumerable<int> Stream(int input, int count, [EnumeratorCancellation] CancellationToken ct = default)
        {
            for (var i = 0; i < count; i++)
            {
                await Task.Yield();
                yield return input * 100 + i;
            }
        }
    }

    public class OrderedFetchQueueTests
    {
        [Fact]
        public async Task Inputs_added_over_time_come_out_in_order_within_the_throttle()
        {
            const int Throttle = 3;
            var meter = new ConcurrencyMeter();
            var random = new Random(11);
            var delays = Enumerable.Range(0, 30).Select(_ => random.Next(0, 10)).ToArray();

            async Task<string> Fetch(int input, CancellationToken ct)
            {
                meter.Enter();
                try
                {
                    await Task.Delay(delays[input], ct);
                    return "v" + input;
                }
                finally
                {
                    meter.Leave();
                }
            }

            var outcomes = new List<ItemResult<int, string>>();
            await using (var queue = new OrderedFetchQueue<int, string>(Fetch, Throttle, CancellationToken.None))
            {
                // Like a pipeline: a few inputs at a time, taking what is ready in between.
                for (var input = 0; input < delays.Length; input++)
                {
                    queue.Add(input);
                    while (queue.IsNextComplete || queue.Count > 2 * Throttle) outcomes.Add(await queue.TakeAsync());
                }
                while (queue.Count > 0) outcomes.Add(await queue.TakeAsync());
            }

            Assert.Equal(Enumerable.Range(0, delays.Length), outcomes.Select(o => o.Input));
            Assert.Equal(Enumerable.Range(0, delays.Length).Select(i => "v" + i), outcomes.Select(o => o.Value));
            Assert.True(meter.Peak <= Throttle, $"peak {meter.Peak}");
            Assert.Equal(meter.Started, meter.Stopped);
        }

        [Fact]
        public async Task A_failed_fetch_is_an_outcome_in_its_place()
        {
            Task<int> Fetch(int input, CancellationToken ct) =>
                input == 1 ? Task.FromException<int>(new InvalidOperationException("no")) : Task.FromResult(input * 10);

            await using var queue = new OrderedFetchQueue<int, int>(Fetch, 2, CancellationToken.None);
            for (var input = 0; input < 3; input++) queue.Add(input);
            var outcomes = new[] { await queue.TakeAsync(), await queue.TakeAsync(), await queue.TakeAsync() };

            Assert.Equal(new[] { true, false, true }, outcomes.Select(o => o.Succeeded));
            Assert.IsType<InvalidOperationException>(outcomes[1].Exception);
            Assert.Equal(20, outcomes[2].Value);
            // TakeAsync throws at once (not through its task) when nothing is waiting.
            Exception? empty = null;
            try
            {
                _ = queue.TakeAsync();
            }
            catch (InvalidOperationException e)
            {
                empty = e;
            }
            Assert.NotNull(empty);
        }

        [Fact]
        public async Task Disposing_stops_the_fetches_still_running_and_waits_for_them()
        {
            var meter = new ConcurrencyMeter();

            async Task<int> Fetch(int input, CancellationToken ct)
            {
                meter.Enter();
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                    return input;
                }
                finally
                {
                    meter.Leave();
                }
            }

            var queue = new OrderedFetchQueue<int, int>(Fetch, 2, CancellationToken.None);
            for (var input = 0; input < 5; input++) queue.Add(input);
            await Wait.Until(() => meter.Running == 2, "two fetches run");
            var stopwatch = Stopwatch.StartNew();
            await queue.DisposeAsync();

            Assert.True(stopwatch.Elapsed < Wait.Prompt, $"took {stopwatch.Elapsed}");
            Assert.Equal(0, meter.Running);
            Assert.Equal(2, meter.Started);
            Assert.Equal(0, queue.Count);
            Assert.Throws<ObjectDisposedException>(() => queue.Add(6));
        }
    }
}
