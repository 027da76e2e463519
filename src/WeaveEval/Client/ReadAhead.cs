using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>Lets a sequence run ahead of its consumer by a bounded number of items.</summary>
    internal static class ReadAhead
    {
        /// <summary>
        /// The items of <paramref name="source"/>, which is enumerated on a background task up to
        /// <paramref name="capacity"/> items ahead of the caller, so that its waits (network) overlap with
        /// the caller's work. An error of the source reaches the caller after the items before it.
        /// Cancelling <paramref name="ct"/> or disposing the enumerator cancels the source and waits
        /// for it to stop, so nothing keeps running once the enumeration has ended.
        /// </summary>
        public static IAsyncEnumerable<T> ReadAheadAsync<T>(IAsyncEnumerable<T> source, int capacity, CancellationToken ct)
        {
            if (source == null) throw new ArgumentNullException(nameof(source));
            if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The read-ahead capacity must be at least 1.");
            return ReadAheadIterator(source, capacity, ct);
        }

        /// <summary>
        /// The items of <paramref name="source"/> in lists: each list holds the items that were ready
        /// without waiting, at most <paramref name="maxBatch"/>, and is handed out before the next wait. A
        /// consumer on another thread then pays for the hand-over once per list instead of once per item,
        /// and an item never waits for the ones after it.
        /// </summary>
        public static IAsyncEnumerable<IReadOnlyList<T>> ReadyBatchesAsync<T>(IAsyncEnumerable<T> source, int maxBatch, CancellationToken ct)
        {
            if (source == null) throw new ArgumentNullException(nameof(source));
            if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "The batch size must be at least 1.");
            return ReadyBatchesIterator(source, maxBatch, ct);
        }

        private static async IAsyncEnumerable<IReadOnlyList<T>> ReadyBatchesIterator<T>(IAsyncEnumerable<T> source, int maxBatch, [EnumeratorCancellation] CancellationToken ct)
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var items = source.GetAsyncEnumerator(stop.Token);
            var next = default(ValueTask<bool>);
            var moving = false;
            try
            {
                var batch = new List<T>();
                while (true)
                {
                    next = items.MoveNextAsync();
                    moving = true;
                    if (!next.IsCompleted && batch.Count > 0)
                    {
                        yield return batch;
                        batch = new List<T>();
                    }
                    moving = false;
                    bool more;
                    ExceptionDispatchInfo? failure = null;
                    try
                    {
                        more = await next.ConfigureAwait(false);
                    }
                    catch (Exception e) when (batch.Count > 0)
                    {
                        // The move failed before its wait was noticed: the items before the error go first.
                        failure = ExceptionDispatchInfo.Capture(e);
                        more = false;
                    }
                    if (failure != null)
                    {
                        yield return batch;
                        failure.Throw();
                    }
                    if (!more) break;
                    batch.Add(items.Current);
                    if (batch.Count < maxBatch) continue;
                    yield return batch;
                    batch = new List<T>();
                }
                if (batch.Count > 0) yield return batch;
            }
            finally
            {
                try
                {
                    stop.Cancel();
                    // The consumer left while the source was moving: that move must end before the source is disposed.
                    if (moving)
                    {
                        try
                        {
                            await next.ConfigureAwait(false);
                        }
                        catch (Exception)
                        {
                            // The consumer has gone: nothing is left to receive this move's outcome.
                        }
                    }
                }
                finally
                {
                    await items.DisposeAsync().ConfigureAwait(false);
                    stop.Dispose();
                }
            }
        }

        private static async IAsyncEnumerable<T> ReadAheadIterator<T>(IAsyncEnumerable<T> source, int capacity, [EnumeratorCancellation] CancellationToken ct)
        {
            var buffer = ReadAheadBuffer<T>.Start(_ => source, capacity, ct);
            try
            {
                while (await buffer.MoveNextAsync(ct).ConfigureAwait(false)) yield return buffer.Current;
            }
            finally
            {
                await buffer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A producer task enumerating a source into a bounded queue, and the consumer's end of that queue.
    /// The producer takes a free slot before it asks the source for the next item, so a full buffer
    /// stops the source itself (no request or parse runs ahead of the bound).
    /// </summary>
    internal sealed class ReadAheadBuffer<T> : IAsyncDisposable
    {
        private readonly ConcurrentQueue<T> items = new ConcurrentQueue<T>();
        private readonly SemaphoreSlim filled = new SemaphoreSlim(0);
        private readonly SemaphoreSlim free;
        private readonly CancellationTokenSource stop;
        private Task producer = Task.CompletedTask;
        private ExceptionDispatchInfo? failure;
        private bool ended;
        private bool disposed;

        private ReadAheadBuffer(int capacity, CancellationToken ct)
        {
            free = new SemaphoreSlim(capacity);
            stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        }

        /// <summary>Starts enumerating the sequence that <paramref name="open"/> returns for the producer's token.</summary>
        public static ReadAheadBuffer<T> Start(Func<CancellationToken, IAsyncEnumerable<T>> open, int capacity, CancellationToken ct)
        {
            var buffer = new ReadAheadBuffer<T>(capacity, ct);
            buffer.producer = Task.Run(() => buffer.ProduceAsync(open));
            return buffer;
        }

        public T Current { get; private set; } = default!;

        /// <summary>The next item; false at the end; the source's error once the items before it are taken.</summary>
        public async Task<bool> MoveNextAsync(CancellationToken ct)
        {
            if (!ended)
            {
                await filled.WaitAsync(ct).ConfigureAwait(false);
                if (items.TryDequeue(out var item))
                {
                    free.Release();
                    Current = item;
                    return true;
                }
                // The producer signals once more than it enqueued: this is its end.
                ended = true;
                Current = default!;
            }
            failure?.Throw();
            return false;
        }

        /// <summary>Cancels the producer and waits until it has stopped (it never faults).</summary>
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
                await producer.ConfigureAwait(false);
                stop.Dispose();
                free.Dispose();
                filled.Dispose();
            }
        }

        private async Task ProduceAsync(Func<CancellationToken, IAsyncEnumerable<T>> open)
        {
            var token = stop.Token;
            try
            {
                var source = open(token).GetAsyncEnumerator(token);
                try
                {
                    while (true)
                    {
                        await free.WaitAsync(token).ConfigureAwait(false);
                        token.ThrowIfCancellationRequested();
                        if (!await source.MoveNextAsync().ConfigureAwait(false)) break;
                        items.Enqueue(source.Current);
                        filled.Release();
                    }
                }
                finally
                {
                    await source.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                filled.Release();
            }
        }
    }
}
