using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>
    /// A producer task enumerating a source into a bounded buffer, and the consumer's end of that buffer.
    /// The producer takes a free slot before it asks the source for the next item, so a full buffer
    /// stops the source itself (no request or parse runs ahead of the bound): at most <c>capacity</c>
    /// items have been asked for and not yet taken.
    /// </summary>
    /// <remarks>
    /// Items cross between the threads in batches: the producer collects the items its source gives
    /// without waiting (the rest of a received network read) and hands them over together when the
    /// source would wait, when the batch is full, or when the buffer is. A page of rows therefore costs a
    /// few lock round trips, not two contended semaphores and often a thread-pool wake-up per row (the
    /// direct export, whose per-row work is small, measured the difference: bench/README.md). Slots are
    /// still counted per item, without a lock on the consumer's side except when it frees the slot the
    /// producer waits for; a producer stopped by a full buffer waits until a batch's worth is free, so a
    /// slower consumer does not wake it for every item it takes.
    /// </remarks>
    internal sealed class ReadAheadBuffer<T> : IAsyncDisposable
    {
        /// <summary>Most items handed over at once.</summary>
        private const int MaxBatch = 64;

        private readonly object gate = new object();
        private readonly Queue<List<T>> batches = new Queue<List<T>>();
        private readonly int capacity;

        /// <summary>A full buffer wakes its producer once this many items are held or fewer (see <see cref="RoomAsync"/>).</summary>
        private readonly int refillAt;
        private readonly CancellationTokenSource stop;
        private Task producer = Task.CompletedTask;
        private ExceptionDispatchInfo? failure;
        private TaskCompletionSource<bool>? itemsWaiter;
        private TaskCompletionSource<bool>? roomWaiter;
        private int held;
        private bool completed;

        // The consumer's own: the batch it is taking items from.
        private List<T>? current;
        private int index;
        private bool ended;
        private bool disposed;

        private ReadAheadBuffer(int capacity, CancellationToken ct)
        {
            if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
            this.capacity = capacity;
            refillAt = capacity - Math.Max(1, Math.Min(MaxBatch, capacity / 2));
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
            while (!ended)
            {
                if (current != null && index < current.Count)
                {
                    Current = current[index++];
                    FreeSlot();
                    return true;
                }
                Task wait;
                lock (gate)
                {
                    if (batches.Count > 0)
                    {
                        current = batches.Dequeue();
                        index = 0;
                        continue;
                    }
                    if (completed)
                    {
                        ended = true;
                        current = null;
                        Current = default!;
                        break;
                    }
                    itemsWaiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = itemsWaiter.Task;
                }
                await WaitAsync(wait, ct).ConfigureAwait(false);
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
            }
        }

        private async Task ProduceAsync(Func<CancellationToken, IAsyncEnumerable<T>> open)
        {
            var token = stop.Token;
            var batch = new List<T>();
            try
            {
                var source = open(token).GetAsyncEnumerator(token);
                try
                {
                    while (true)
                    {
                        if (!TryTakeSlot())
                        {
                            // Full: what is collected goes to the consumer, whose taking frees the slots.
                            batch = Publish(batch);
                            await RoomAsync(token).ConfigureAwait(false);
                            continue;
                        }
                        token.ThrowIfCancellationRequested();
                        var next = source.MoveNextAsync();
                        // The source is about to wait (for the network): hand over what it gave so far first.
                        if (!next.IsCompleted) batch = Publish(batch);
                        if (!await next.ConfigureAwait(false)) break;
                        batch.Add(source.Current);
                        if (batch.Count >= MaxBatch) batch = Publish(batch);
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
                // The items before an error are handed over before it.
                Publish(batch);
                TaskCompletionSource<bool>? waiting;
                lock (gate)
                {
                    completed = true;
                    waiting = Take(ref itemsWaiter);
                }
                waiting?.TrySetResult(true);
            }
        }

        /// <summary>
        /// Reserves a slot for the next item; false when the buffer is full. Only the producer takes slots, so
        /// a slot seen free stays free until it takes it: no lock per item (the consumer only frees slots).
        /// </summary>
        private bool TryTakeSlot()
        {
            if (Volatile.Read(ref held) >= capacity) return false;
            Interlocked.Increment(ref held);
            return true;
        }

        /// <summary>
        /// Completes once the consumer has taken a batch's worth from a full buffer (at once when it has): a
        /// producer woken for every slot freed parsed one item per wake-up, a thread-pool hop per row whenever
        /// the writer was the slower side.
        /// </summary>
        private Task RoomAsync(CancellationToken token)
        {
            Task wait;
            lock (gate)
            {
                if (Volatile.Read(ref held) <= refillAt) return Task.CompletedTask;
                roomWaiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = roomWaiter.Task;
            }
            return WaitAsync(wait, token);
        }

        /// <summary>The consumer took an item: its slot is free; the producer is woken if it waits for room and now has it.</summary>
        private void FreeSlot()
        {
            if (Interlocked.Decrement(ref held) != refillAt) return;
            TaskCompletionSource<bool>? waiting;
            lock (gate) waiting = Take(ref roomWaiter);
            waiting?.TrySetResult(true);
        }

        /// <summary>Hands the batch to the consumer; returns the list to collect the next one in.</summary>
        private List<T> Publish(List<T> batch)
        {
            if (batch.Count == 0) return batch;
            TaskCompletionSource<bool>? waiting;
            lock (gate)
            {
                batches.Enqueue(batch);
                waiting = Take(ref itemsWaiter);
            }
            waiting?.TrySetResult(true);
            return new List<T>();
        }

        /// <summary>
        /// The waiter to wake, taken under the lock and completed after it: completing queues the waiter's
        /// continuation and may wake a thread, which inside the lock kept the other side spinning on it.
        /// </summary>
        private static TaskCompletionSource<bool>? Take(ref TaskCompletionSource<bool>? waiter)
        {
            var taken = waiter;
            waiter = null;
            return taken;
        }

        private static async Task WaitAsync(Task wait, CancellationToken ct)
        {
            if (!ct.CanBeCanceled)
            {
                await wait.ConfigureAwait(false);
                return;
            }
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (ct.Register(state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), cancelled))
            {
                if (await Task.WhenAny(wait, cancelled.Task).ConfigureAwait(false) != wait) throw new OperationCanceledException(ct);
            }
        }
    }
}
