using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>
    /// One outcome of <see cref="FanOut"/>: a value of <see cref="Input"/>, or the failure of the request
    /// (or stream) for <see cref="Input"/>, so that the caller can report that input and go on.
    /// </summary>
    public sealed class ItemResult<TIn, TOut>
    {
        internal ItemResult(TIn input, TOut? value, Exception? exception)
        {
            Input = input;
            Value = value;
            Exception = exception;
        }

        public TIn Input { get; }

        /// <summary>The value; default when <see cref="Exception"/> is set.</summary>
        public TOut? Value { get; }

        public Exception? Exception { get; }

        public bool Succeeded => Exception == null;
    }

    /// <summary>
    /// Runs independent requests concurrently, at most a given number at a time, and hands out their
    /// outcomes in input order. Cancelling the token or disposing the enumerator cancels the requests
    /// still running and waits until they have stopped.
    /// </summary>
    public static class FanOut
    {
        /// <summary>
        /// <paramref name="fetch"/> for every input, at most <paramref name="throttle"/> at a time; each
        /// outcome is yielded, in input order, as soon as it and every one before it are complete. At most
        /// 2 × <paramref name="throttle"/> outcomes are held, so a slow input does not stop the next ones,
        /// yet memory stays bounded. A failed fetch becomes an <see cref="ItemResult{TIn,TOut}"/> with its
        /// exception in that input's place; only the cancellation of <paramref name="ct"/> ends the enumeration early.
        /// </summary>
        public static IAsyncEnumerable<ItemResult<TIn, TOut>> OrderedConcurrentAsync<TIn, TOut>(
            IEnumerable<TIn> inputs,
            Func<TIn, CancellationToken, Task<TOut>> fetch,
            int throttle,
            CancellationToken ct)
        {
            if (inputs == null) throw new ArgumentNullException(nameof(inputs));
            if (fetch == null) throw new ArgumentNullException(nameof(fetch));
            CheckAtLeastOne(throttle, nameof(throttle));
            return OrderedConcurrentIterator(inputs, fetch, throttle, ct);
        }

        /// <summary>
        /// The items of the stream <paramref name="open"/> returns for each input: all of the first
        /// input's stream, then all of the second one's, and so on. Up to <paramref name="throttle"/>
        /// streams (the one being handed out and the next ones) are read at once, each at most
        /// <paramref name="capacity"/> items ahead of the caller. A stream that fails yields, after the
        /// items it delivered, one <see cref="ItemResult{TIn,TOut}"/> with the exception, and the next
        /// stream follows. <paramref name="open"/> gets the token that stops its stream; it is also passed
        /// to the stream's enumerator.
        /// </summary>
        public static IAsyncEnumerable<ItemResult<TIn, TOut>> OrderedConcurrentStreamsAsync<TIn, TOut>(
            IEnumerable<TIn> inputs,
            Func<TIn, CancellationToken, IAsyncEnumerable<TOut>> open,
            int throttle,
            int capacity,
            CancellationToken ct)
        {
            if (inputs == null) throw new ArgumentNullException(nameof(inputs));
            if (open == null) throw new ArgumentNullException(nameof(open));
            CheckAtLeastOne(throttle, nameof(throttle));
            CheckAtLeastOne(capacity, nameof(capacity));
            return OrderedConcurrentStreamsIterator(inputs, open, throttle, capacity, ct);
        }

        private static void CheckAtLeastOne(int value, string name)
        {
            if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");
        }

        private static async IAsyncEnumerable<ItemResult<TIn, TOut>> OrderedConcurrentIterator<TIn, TOut>(
            IEnumerable<TIn> inputs,
            Func<TIn, CancellationToken, Task<TOut>> fetch,
            int throttle,
            [EnumeratorCancellation] CancellationToken ct)
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var slots = new SemaphoreSlim(throttle);
            var window = new Queue<Task<ItemResult<TIn, TOut>>>();
            var pending = inputs.GetEnumerator();
            try
            {
                while (true)
                {
                    while (window.Count < 2 * throttle && pending.MoveNext())
                    {
                        var input = pending.Current;
                        window.Enqueue(Task.Run(() => FetchOneAsync(input, fetch, slots, stop.Token)));
                    }
                    if (window.Count == 0) yield break;
                    var outcome = await window.Dequeue().ConfigureAwait(false);
                    ct.ThrowIfCancellationRequested();
                    yield return outcome;
                }
            }
            finally
            {
                try
                {
                    stop.Cancel();
                }
                finally
                {
                    // FetchOneAsync never faults; this only waits for the cancelled requests to stop.
                    await Task.WhenAll(window).ConfigureAwait(false);
                    pending.Dispose();
                    slots.Dispose();
                    stop.Dispose();
                }
            }
        }

        private static async Task<ItemResult<TIn, TOut>> FetchOneAsync<TIn, TOut>(
            TIn input,
            Func<TIn, CancellationToken, Task<TOut>> fetch,
            SemaphoreSlim slots,
            CancellationToken ct)
        {
            try
            {
                await slots.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    // A slot freed by a cancelled request can reach a waiter before its own cancellation does.
                    ct.ThrowIfCancellationRequested();
                    return new ItemResult<TIn, TOut>(input, await fetch(input, ct).ConfigureAwait(false), null);
                }
                finally
                {
                    slots.Release();
                }
            }
            catch (Exception e)
            {
                return new ItemResult<TIn, TOut>(input, default, e);
            }
        }

        private static async IAsyncEnumerable<ItemResult<TIn, TOut>> OrderedConcurrentStreamsIterator<TIn, TOut>(
            IEnumerable<TIn> inputs,
            Func<TIn, CancellationToken, IAsyncEnumerable<TOut>> open,
            int throttle,
            int capacity,
            [EnumeratorCancellation] CancellationToken ct)
        {
            var window = new Queue<(TIn Input, ReadAheadBuffer<TOut> Buffer)>();
            var pending = inputs.GetEnumerator();
            try
            {
                while (true)
                {
                    while (window.Count < throttle && pending.MoveNext())
                    {
                        var input = pending.Current;
                        window.Enqueue((input, ReadAheadBuffer<TOut>.Start(token => open(input, token), capacity, ct)));
                    }
                    if (window.Count == 0) yield break;
                    var (current, buffer) = window.Peek();
                    Exception? failure = null;
                    while (true)
                    {
                        bool more;
                        try
                        {
                            more = await buffer.MoveNextAsync(ct).ConfigureAwait(false);
                        }
                        catch (Exception e) when (!ct.IsCancellationRequested)
                        {
                            failure = e;
                            break;
                        }
                        if (!more) break;
                        yield return new ItemResult<TIn, TOut>(current, buffer.Current, null);
                    }
                    window.Dequeue();
                    await buffer.DisposeAsync().ConfigureAwait(false);
                    if (failure != null) yield return new ItemResult<TIn, TOut>(current, default, failure);
                }
            }
            finally
            {
                try
                {
                    await Task.WhenAll(window.Select(entry => entry.Buffer.DisposeAsync().AsTask())).ConfigureAwait(false);
                }
                finally
                {
                    pending.Dispose();
                }
            }
        }
    }
}
