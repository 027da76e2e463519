using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
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
