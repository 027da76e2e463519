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
    internal sealed class ItemResult<TIn, TOut>
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
    internal static class FanOut
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
            var window = new OrderedFetchQueue<TIn, TOut>(fetch, throttle, ct);
            var pending = inputs.GetEnumerator();
            try
            {
                while (true)
                {
                    while (window.Count < 2 * throttle && pending.MoveNext()) window.Add(pending.Current);
                    if (window.Count == 0) yield break;
                    var outcome = await window.TakeAsync().ConfigureAwait(false);
                    ct.ThrowIfCancellationRequested();
                    yield return outcome;
                }
            }
            finally
            {
                try
                {
                    await window.DisposeAsync().ConfigureAwait(false);
                }
                finally
                {
                    pending.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// The ordered fan-out for inputs that arrive one at a time (a cmdlet's pipeline input), as
    /// <see cref="FanOut.OrderedConcurrentAsync"/> uses it for a sequence: <see cref="Add"/> starts the
    /// fetch of an input, at most <c>throttle</c> run at once, and <see cref="TakeAsync"/> hands out the
    /// outcomes in the order the inputs were added. The caller bounds memory by taking outcomes before
    /// <see cref="Count"/> grows too large. Disposing cancels the fetches still running and waits for them.
    /// Internal: a public type implementing IAsyncDisposable would make PowerShell load Microsoft.Bcl.AsyncInterfaces
    /// while it lists the module's types, before the module's assembly resolver is installed.
    /// </summary>
    internal sealed class OrderedFetchQueue<TIn, TOut> : IAsyncDisposable
    {
        private readonly Func<TIn, CancellationToken, Task<TOut>> fetch;
        private readonly SemaphoreSlim slots;
        private readonly CancellationTokenSource stop;
        private readonly Queue<Task<ItemResult<TIn, TOut>>> window = new Queue<Task<ItemResult<TIn, TOut>>>();
        private bool disposed;

        public OrderedFetchQueue(Func<TIn, CancellationToken, Task<TOut>> fetch, int throttle, CancellationToken ct)
        {
            this.fetch = fetch ?? throw new ArgumentNullException(nameof(fetch));
            if (throttle < 1) throw new ArgumentOutOfRangeException(nameof(throttle), throttle, "throttle must be at least 1.");
            slots = new SemaphoreSlim(throttle);
            stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        }

        /// <summary>Inputs added and not yet taken.</summary>
        public int Count => window.Count;

        /// <summary>The oldest input's fetch has ended: <see cref="TakeAsync"/> will not wait.</summary>
        public bool IsNextComplete => window.Count > 0 && window.Peek().IsCompleted;

        /// <summary>Starts fetching <paramref name="input"/> (as soon as a slot is free).</summary>
        public void Add(TIn input)
        {
            if (disposed) throw new ObjectDisposedException(nameof(OrderedFetchQueue<TIn, TOut>));
            var token = stop.Token;
            window.Enqueue(Task.Run(() => FetchOneAsync(input, token)));
        }

        /// <summary>The outcome of the oldest input not yet taken, once its fetch has ended; never faults.</summary>
        public Task<ItemResult<TIn, TOut>> TakeAsync()
        {
            if (window.Count == 0) throw new InvalidOperationException("No input is waiting to be taken.");
            return window.Dequeue();
        }

        public async ValueTask DisposeAsync()
        {
            if (disposed) return;
            disposed = true;
            try
            {
                stop.Cancel();
            }
            finally
            {
                // FetchOneAsync never faults; this only waits for the cancelled fetches to stop.
                await Task.WhenAll(window).ConfigureAwait(false);
                window.Clear();
                slots.Dispose();
                stop.Dispose();
            }
        }

        private async Task<ItemResult<TIn, TOut>> FetchOneAsync(TIn input, CancellationToken ct)
        {
            try
            {
                await slots.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    // A slot freed by a cancelled fetch can reach a waiter before its own cancellation does.
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
    }
}
