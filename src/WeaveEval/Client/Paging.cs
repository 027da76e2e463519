using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>Reads one response body of a paged route item by item.</summary>
    internal interface IPageParser<T> : IDisposable
    {
        /// <summary>The next item; false at the end of the body. A body cut short throws <see cref="StreamDroppedException"/>.</summary>
        Task<bool> MoveNextAsync(CancellationToken ct);

        T Current { get; }

        /// <summary>Items of the whole list as the server counts them (<c>total_rows</c>), once read; null for routes that do not say.</summary>
        long? TotalItems { get; }

        /// <summary>Non-fatal warnings of the server in this body.</summary>
        IReadOnlyList<string> Warnings { get; }
    }

    /// <summary>
    /// Fills in, from another request, what a route leaves out of some of its items. It runs on the
    /// page's background task once the page has been received and before its items are handed out, so
    /// that pages in flight hide it; a page without an item that <see cref="Needs"/> it sends nothing more.
    /// </summary>
    internal interface IPageCompletion<T>
    {
        /// <summary>Whether the item needs completing; from the first such item on, the page is held until it has been completed.</summary>
        bool Needs(T item);

        /// <summary>Completes the items in place (the first that needs it and every one after it on the page). Failures are its own to handle: the engine hands the items out afterwards as they are.</summary>
        Task CompleteAsync(IReadOnlyList<T> items, CancellationToken ct);
    }

    /// <summary>One list that a route serves with limit/offset: how to ask for a range and how to read the answer.</summary>
    internal sealed class PagedList<T>
    {
        public PagedList(WeaveTransport transport, string what, Func<long, int, WeaveRequest> request, Func<WeaveResponse, IPageParser<T>> parse)
        {
            Transport = transport;
            What = what;
            Request = request;
            Parse = parse;
        }

        public WeaveTransport Transport { get; }

        /// <summary>What the items are, for messages ("evaluation results").</summary>
        public string What { get; }

        /// <summary>The request for <c>limit</c> items from <c>offset</c>.</summary>
        public Func<long, int, WeaveRequest> Request { get; }

        public Func<WeaveResponse, IPageParser<T>> Parse { get; }

        /// <summary>Items to skip first.</summary>
        public long Offset { get; set; }

        /// <summary>How many objects an item stands for (an eval_results row: its trials), for the count a failure reports.</summary>
        public Func<T, int>? ObjectsIn { get; set; }

        /// <summary>
        /// A large page that the server or a gateway refuses as too large or too slow (413, 504, a timeout)
        /// is asked for again as two halves instead of failing: for routes whose cost grows with the page.
        /// </summary>
        public bool SplitsRefusedPages { get; set; }

        /// <summary>Drops items seen before (by this key); a list that shifts while it is paged can repeat one.</summary>
        public Func<T, string?>? Identity { get; set; }

        /// <summary>Completes the items of a page that need more than the route gives (null: nothing to complete).</summary>
        public IPageCompletion<T>? Completion { get; set; }

        /// <summary>
        /// Work on each item on its page's background task, once received (and completed), before it is handed
        /// out. Called as a page starts, it gives what prepares that page's items, or null when items cannot be
        /// prepared yet. Only a page that can be held whole is prepared: one of at most about
        /// <see cref="PagingOptions.TargetPageBytes"/> of items as the list's earlier pages measured them
        /// (between <see cref="PagedReader.BufferedItems"/> and <see cref="PagedReader.MostPreparedItems"/>).
        /// It is then read whole as it arrives, so that the pages in flight are prepared before the caller
        /// reaches them; a prepared item must therefore be no larger than the item was on the wire (the direct
        /// export keeps a row's formatted lines, not its parsed values). A larger page, which must stop
        /// part-way, is read as any page: prepared, it would be parsed and prepared by its one task while the
        /// caller waits, where otherwise the caller does part of the work.
        /// </summary>
        public Func<Action<T>?>? PreparePage { get; set; }
    }

    /// <summary>How <see cref="PagedReader"/> sizes and overlaps its requests.</summary>
    internal sealed class PagingOptions
    {
        /// <summary>Items asked for by a list's first request: small, so the first object comes quickly.</summary>
        public int FirstPageItems { get; set; } = 100;

        /// <summary>Later pages are sized from the bytes per item seen so far towards this many bytes.</summary>
        public long TargetPageBytes { get; set; } = 4L * 1024 * 1024;

        /// <summary>Most items asked for by one request: a bound on what one refused page can waste.</summary>
        public int MaximumPageItems { get; set; } = 100000;

        /// <summary>Every request asks for exactly this many items (the user's -PageSize); null: sized as above.</summary>
        public int? FixedPageItems { get; set; }

        /// <summary>
        /// Requests in flight for the list being written, once its size is known (its first page says
        /// how many items it has); the first pages of up to one fewer later lists are fetched meanwhile.
        /// 1 reads strictly one page after the other, each only once the one before has been written.
        /// </summary>
        public int PagesInFlight { get; set; } = 1;

        /// <summary>Stop after this many items over all lists (null: all); no request asks for more than are still wanted.</summary>
        public long? MaximumItems { get; set; }

        /// <summary>
        /// Pages in flight for eval_results, measured at the emulator's remote profile (bench/README.md:
        /// 2, 3, 4 and 6 at 100k trials): each request pays the latency and the server's grouping of every
        /// trial of the run again, so two at once already hide most of both, and more only add load.
        /// </summary>
        public const int DefaultPagesInFlight = 2;

        /// <summary>
        /// Pages in flight for the direct export, which writes rows without building PowerShell objects: with
        /// the client's CPU no longer the bound, the latency, the server's time and the per-connection
        /// bandwidth are, and the pages of a 100k-trial run (about seven of <see cref="DefaultTargetPageBytes"/>)
        /// then go out together (bench/README.md, remote profile). The pages and so the server's work are
        /// the same as with fewer at once; only their overlap grows.
        /// </summary>
        public const int DirectExportPagesInFlight = 8;

        /// <summary>
        /// Bytes per eval_results page the sizes aim at (bench/README.md): the server groups the whole run
        /// again for every page, so fewer, larger pages cost it less; memory stays at a few pages' worth.
        /// </summary>
        public const long DefaultTargetPageBytes = 8L * 1024 * 1024;

        /// <summary>eval_results rows: a small first page (it says how many rows there are), then pages of about
        /// <see cref="DefaultTargetPageBytes"/>, <paramref name="pagesInFlight"/> at once.</summary>
        public static PagingOptions ForEvalResults(int? pageSize, long? maximumItems, int pagesInFlight = DefaultPagesInFlight) => new PagingOptions
        {
            FirstPageItems = 50,
            TargetPageBytes = DefaultTargetPageBytes,
            FixedPageItems = pageSize,
            MaximumItems = maximumItems,
            // With a limit the caller may stop early: no request runs ahead of what it has taken.
            PagesInFlight = maximumItems.HasValue ? 1 : Math.Max(1, pagesInFlight),
        };

        /// <summary>JSON Lines lists: one page after the other, each only once the caller has taken the one before.</summary>
        public static PagingOptions Lazy(int? pageSize, long? maximumItems) => new PagingOptions
        {
            FixedPageItems = pageSize,
            MaximumItems = maximumItems,
        };
    }

    /// <summary>One step of a paged read, in output order: an item, the end of a page, or the failure of a list.</summary>
    internal readonly struct PagedItem<T>
    {
        private PagedItem(int list, T item, bool isPageEnd, long itemsDone, long? totalItems, Exception? failure)
        {
            List = list;
            Item = item;
            IsPageEnd = isPageEnd;
            ItemsDone = itemsDone;
            TotalItems = totalItems;
            Failure = failure;
        }

        /// <summary>Position of the list in the read's input.</summary>
        public int List { get; }

        public T Item { get; }

        /// <summary>A page of <see cref="List"/> has been handed out: <see cref="ItemsDone"/> of <see cref="TotalItems"/> (when known).</summary>
        public bool IsPageEnd { get; }

        public long ItemsDone { get; }

        public long? TotalItems { get; }

        /// <summary>The list failed here (after the items before); the next list follows.</summary>
        public Exception? Failure { get; }

        public bool IsItem => !IsPageEnd && Failure == null;

        public static PagedItem<T> Of(int list, T item) => new PagedItem<T>(list, item, false, 0, null, null);

        public static PagedItem<T> PageEnd(int list, long itemsDone, long? totalItems) => new PagedItem<T>(list, default!, true, itemsDone, totalItems, null);

        public static PagedItem<T> Failed(int list, Exception failure) => new PagedItem<T>(list, default!, false, 0, null, failure);
    }

    /// <summary>
    /// The one paging engine of the client. Reads lists one after the other and hands out their items
    /// strictly in order, while the requests run ahead: once a list's first page has said how many items
    /// it has, up to <see cref="PagingOptions.PagesInFlight"/> of its pages are requested and read at
    /// once, and the first pages of the next lists are fetched meanwhile. Memory stays bounded by the
    /// pages in flight. Within one page:
    /// <list type="bullet">
    /// <item>a body that breaks off is asked for again from the first item not yet received (nothing
    /// is duplicated or lost), up to MaximumRetryCount times without progress;</item>
    /// <item>a page the server or a gateway refuses as too large or too slow (413, 504, a timeout) is
    /// asked for again as two halves, and later pages of that list are no larger than the halves;</item>
    /// <item>a list with a <see cref="PagedList{T}.Completion"/> has the items of a page that need it
    /// completed once the page has been received, before they are handed out (see <see cref="IPageCompletion{T}"/>).</item>
    /// </list>
    /// A list that fails after some of its items were handed out fails with
    /// <see cref="WeaveStreamInterruptedException"/>, so that a caller cannot take the part for the whole.
    /// Cancelling the token or disposing the enumerator stops every request and waits until they have.
    /// </summary>
    internal static class PagedReader
    {
        /// <summary>Most parsed items a page holds ahead of the writer.</summary>
        public const int BufferedItems = 1000;

        /// <summary>Most prepared items a page holds ahead of the writer, however small (see <see cref="PagedList{T}.PreparePage"/>).</summary>
        public const int MostPreparedItems = 16 * BufferedItems;

        public static async IAsyncEnumerable<PagedItem<T>> ReadAsync<T>(
            IReadOnlyList<PagedList<T>> lists,
            PagingOptions options,
            [EnumeratorCancellation] CancellationToken ct)
        {
            var states = lists.Select((list, index) => new ListState<T>(list, index, options)).ToList();
            long delivered = 0;
            var head = 0;
            try
            {
                while (head < states.Count)
                {
                    Plan(states, head, options, delivered);
                    var state = states[head];
                    if (state.Pages.Count == 0)
                    {
                        head++;
                        continue;
                    }
                    var page = state.Pages.Peek();
                    Exception? failure = null;
                    while (true)
                    {
                        bool more;
                        try
                        {
                            more = await page.Buffer.MoveNextAsync(ct).ConfigureAwait(false);
                        }
                        catch (Exception e) when (!ct.IsCancellationRequested)
                        {
                            failure = e;
                            break;
                        }
                        if (!more) break;
                        var item = page.Buffer.Current;
                        var id = state.List.Identity?.Invoke(item);
                        if (id != null && !state.Seen!.Add(id)) continue;
                        state.Delivered += state.List.ObjectsIn?.Invoke(item) ?? 1;
                        delivered++;
                        yield return PagedItem<T>.Of(state.Index, item);
                        if (options.MaximumItems.HasValue && delivered >= options.MaximumItems.Value) yield break;
                    }
                    state.Pages.Dequeue();
                    await page.Buffer.DisposeAsync().ConfigureAwait(false);
                    if (failure != null)
                    {
                        await state.StopAsync().ConfigureAwait(false);
                        yield return PagedItem<T>.Failed(state.Index, Interrupted(failure, state));
                        head++;
                        continue;
                    }
                    state.Finish(page);
                    // What this page taught (the list's size, bytes per item) lets the next requests go out
                    // before the caller has even seen the page's end.
                    Plan(states, head, options, delivered);
                    yield return PagedItem<T>.PageEnd(state.Index, state.ItemsDone, state.Total);
                }
            }
            finally
            {
                await Task.WhenAll(states.Select(s => s.StopAsync())).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// A failure after items of the list were handed out, or a body that kept breaking off, becomes a
        /// <see cref="WeaveStreamInterruptedException"/> that says how many items were received.
        /// </summary>
        private static Exception Interrupted<T>(Exception failure, ListState<T> state)
        {
            if (failure is ResumeGaveUpException gaveUp)
            {
                return new WeaveStreamInterruptedException($"{gaveUp.Message}, {state.Delivered} items received.", state.Delivered, gaveUp.InnerException);
            }
            if (state.Delivered > 0 && failure is WeaveException weave && !(weave is WeaveStreamInterruptedException))
            {
                return new WeaveStreamInterruptedException($"Reading {state.List.What} stopped after {state.Delivered} had been received: {failure.Message}", state.Delivered, weave);
            }
            return failure;
        }

        /// <summary>
        /// Requests what may run ahead now: the pages of the list being written (up to PagesInFlight,
        /// once its size is known; one after the other for a list whose size the route does not say),
        /// and the first pages of the lists after it.
        /// </summary>
        private static void Plan<T>(List<ListState<T>> states, int head, PagingOptions options, long delivered)
        {
            var wanted = options.MaximumItems.HasValue ? options.MaximumItems.Value - delivered : long.MaxValue;
            var current = states[head];
            wanted -= current.ItemsRequestedAhead;
            if (!current.Started) current.Request(current.FirstPageSize(wanted));
            while (current.Pages.Count < options.PagesInFlight && current.HasMore && wanted > 0)
            {
                // Without a count from the server the end is only known from a short page: one at a time.
                if (current.Total == null && current.Pages.Count > 0) break;
                var size = (int)Math.Min(current.NextPageSize(), wanted);
                current.Request(size);
                wanted -= size;
            }
            if (options.MaximumItems.HasValue) return;
            var ahead = 0;
            for (var i = head + 1; i < states.Count && ahead < options.PagesInFlight - 1; i++)
            {
                if (!states[i].Started) states[i].Request(states[i].FirstPageSize(long.MaxValue));
                ahead++;
            }
        }

        /// <summary>A list's paging state: where the next page starts, its pages in flight, what its pages taught about sizes.</summary>
        private sealed class ListState<T>
        {
            private readonly PagingOptions options;
            private long nextOffset;
            private long bytes;
            private long itemsMeasured;
            private int largestAccepted;
            private readonly HashSet<string> warned = new HashSet<string>(StringComparer.Ordinal);
            private readonly object sizeLock = new object();
            private long shareOfRest;

            public ListState(PagedList<T> list, int index, PagingOptions options)
            {
                List = list;
                Index = index;
                this.options = options;
                SmallestSplitPage = list.SplitsRefusedPages ? options.FirstPageItems : int.MaxValue;
                nextOffset = list.Offset;
                largestAccepted = options.MaximumPageItems;
                if (list.Identity != null) Seen = new HashSet<string>(StringComparer.Ordinal);
            }

            public PagedList<T> List { get; }

            public int Index { get; }

            public Queue<PageRead<T>> Pages { get; } = new Queue<PageRead<T>>();

            /// <summary>Pages above this many items are split when refused; smaller ones are retried as any request.</summary>
            public int SmallestSplitPage { get; }

            public HashSet<string>? Seen { get; }

            public bool Started { get; private set; }

            /// <summary>The list's size as the server counts it, once a page has said.</summary>
            public long? Total { get; private set; }

            /// <summary>A page came back short, or the requests have reached <see cref="Total"/>.</summary>
            public bool HasMore { get; private set; } = true;

            /// <summary>Objects handed out (see <see cref="PagedList{T}.ObjectsIn"/>), for the count a failure reports.</summary>
            public long Delivered { get; set; }

            /// <summary>Items of the pages already handed out (the offset progress counts, duplicates included).</summary>
            public long ItemsDone { get; private set; }

            /// <summary>Items asked for by the pages in flight (none of them handed out yet).</summary>
            public long ItemsRequestedAhead => Pages.Sum(p => (long)p.Limit);

            /// <summary>
            /// Most items of a page that is prepared (and so held whole): <see cref="PagingOptions.TargetPageBytes"/>
            /// of items as the pages so far measured them, so that what the pages in flight hold stays about
            /// pages × that many bytes; <see cref="BufferedItems"/> until a page has been measured.
            /// </summary>
            public int PreparedItemsAhead => itemsMeasured == 0
                ? BufferedItems
                : (int)Math.Max(BufferedItems, Math.Min(MostPreparedItems, options.TargetPageBytes * itemsMeasured / Math.Max(1, bytes)));

            public int FirstPageSize(long wanted) => (int)Math.Max(1, Math.Min(options.FixedPageItems ?? options.FirstPageItems, wanted));

            public int NextPageSize()
            {
                long size = options.FixedPageItems
                    ?? (itemsMeasured == 0 ? options.FirstPageItems : (long)(options.TargetPageBytes * itemsMeasured / Math.Max(1, bytes)));
                // The server does its work again for every page, however small: what is left once the size is
                // known goes out in no more pages than run at once. Memory does not grow with the page (see
                // BufferedItems; only a page of at most PreparedItemsAhead is held whole).
                if (!options.FixedPageItems.HasValue) size = Math.Max(size, shareOfRest);
                size = Math.Min(size, options.MaximumPageItems);
                lock (sizeLock) size = Math.Max(1, Math.Min(size, largestAccepted));
                if (Total.HasValue) size = Math.Min(size, Math.Max(1, Total.Value - nextOffset));
                return (int)size;
            }

            public void Request(int limit)
            {
                Started = true;
                var page = new PageRead<T>(this, nextOffset, limit);
                Pages.Enqueue(page);
                nextOffset += limit;
                if (Total.HasValue && nextOffset >= Total.Value) HasMore = false;
            }

            /// <summary>A page has been handed out: learn from it what it says about the list and about sizes.</summary>
            public void Finish(PageRead<T> page)
            {
                ItemsDone += page.Received;
                bytes += page.Bytes;
                itemsMeasured += page.Received;
                if (page.Total.HasValue && !Total.HasValue && options.PagesInFlight > 1)
                {
                    var rest = page.Total.Value - List.Offset - ItemsDone;
                    shareOfRest = (rest + options.PagesInFlight - 1) / options.PagesInFlight;
                }
                if (page.Total.HasValue) Total = page.Total;
                foreach (var warning in page.Warnings)
                {
                    if (warned.Add(warning)) List.Transport.Log.Warning("The server warned: " + List.Transport.Scrub(warning));
                }
                if (page.Received < page.Limit || (Total.HasValue && List.Offset + ItemsDone >= Total.Value))
                {
                    HasMore = false;
                    return;
                }
                if (Total.HasValue && nextOffset >= Total.Value) HasMore = false;
            }

            /// <summary>A page was refused as too large: later pages of this list stay at or below this size.</summary>
            public void LimitPagesTo(int items)
            {
                lock (sizeLock) largestAccepted = Math.Max(1, Math.Min(largestAccepted, items));
            }

            public async Task StopAsync()
            {
                HasMore = false;
                while (Pages.Count > 0) await Pages.Dequeue().Buffer.DisposeAsync().ConfigureAwait(false);
            }
        }

        /// <summary>
        /// One page: a background task that requests the range and parses its items into a buffer as
        /// they arrive (resuming and splitting as described on <see cref="PagedReader"/>), and the buffer
        /// the writer takes them from.
        /// </summary>
        private sealed class PageRead<T>
        {
            private readonly ListState<T> list;
            private readonly long offset;

            private readonly Action<T>? prepare;

            public PageRead(ListState<T> list, long offset, int limit)
            {
                this.list = list;
                this.offset = offset;
                Limit = limit;
                // A page is prepared only if it can be held whole: one that must stop part-way would be parsed
                // and prepared by its one task while the writer waits, work that the writer otherwise shares.
                prepare = limit <= list.PreparedItemsAhead ? list.List.PreparePage?.Invoke() : null;
                // A full buffer stops the page's reading, and with it (TCP flow control) the server's sending:
                // memory is this many items per page in flight, however large the page.
                var held = prepare == null ? BufferedItems : limit;
                Buffer = ReadAheadBuffer<T>.Start(ReadAsync, Math.Min(limit, held) + 1, CancellationToken.None);
            }

            public int Limit { get; }

            public ReadAheadBuffer<T> Buffer { get; }

            /// <summary>Valid once the buffer has ended.</summary>
            public int Received { get; private set; }

            public long Bytes { get; private set; }

            public long? Total { get; private set; }

            public List<string> Warnings { get; } = new List<string>();

            private IAsyncEnumerable<T> ReadAsync(CancellationToken ct)
            {
                var items = list.List.Completion == null ? ReadRangeAsync(offset, Limit, ct) : ReadCompletedAsync(list.List.Completion, ct);
                return prepare == null ? items : PrepareAsync(items, prepare, ct);
            }

            private static async IAsyncEnumerable<T> PrepareAsync(IAsyncEnumerable<T> items, Action<T> prepare, [EnumeratorCancellation] CancellationToken ct)
            {
                await foreach (var item in items.WithCancellation(ct).ConfigureAwait(false))
                {
                    prepare(item);
                    yield return item;
                }
            }

            /// <summary>
            /// Items flow as they arrive until the first one that needs completing; from there on the page is
            /// held (its order kept) until it has been received or <see cref="BufferedItems"/> are held,
            /// completed with one step, and handed out. A
            /// read that fails hands out what it received, completed, before its failure, as a page without
            /// completion would.
            /// </summary>
            private async IAsyncEnumerable<T> ReadCompletedAsync(IPageCompletion<T> completion, [EnumeratorCancellation] CancellationToken ct)
            {
                var held = new List<T>();
                ExceptionDispatchInfo? failure = null;
                var items = ReadRangeAsync(offset, Limit, ct).GetAsyncEnumerator(ct);
                try
                {
                    while (true)
                    {
                        try
                        {
                            if (!await items.MoveNextAsync().ConfigureAwait(false)) break;
                        }
                        catch (Exception e) when (!ct.IsCancellationRequested)
                        {
                            failure = ExceptionDispatchInfo.Capture(e);
                            break;
                        }
                        if (held.Count == 0 && !completion.Needs(items.Current))
                        {
                            yield return items.Current;
                            continue;
                        }
                        held.Add(items.Current);
                        if (held.Count < BufferedItems) continue;
                        // A large page is completed a part at a time, so that memory stays bounded.
                        await completion.CompleteAsync(held, ct).ConfigureAwait(false);
                        foreach (var item in held) yield return item;
                        held.Clear();
                    }
                }
                finally
                {
                    await items.DisposeAsync().ConfigureAwait(false);
                }
                if (held.Count > 0) await completion.CompleteAsync(held, ct).ConfigureAwait(false);
                foreach (var item in held) yield return item;
                failure?.Throw();
            }

            private async IAsyncEnumerable<T> ReadRangeAsync(long start, int count, [EnumeratorCancellation] CancellationToken ct)
            {
                var transport = list.List.Transport;
                var received = 0;
                var failuresWithoutProgress = 0;
                while (true)
                {
                    var remaining = count - received;
                    var splittable = remaining > list.SmallestSplitPage;
                    WeaveResponse? response = null;
                    WeaveException? refused = null;
                    var resume = false;
                    try
                    {
                        response = await transport.SendAsync(list.List.Request(start + received, remaining), ct, splittable).ConfigureAwait(false);
                    }
                    catch (WeaveException e) when (splittable && IsTooLargeOrSlow(e))
                    {
                        refused = e;
                    }
                    if (response != null)
                    {
                        using (response)
                        using (var parser = list.List.Parse(response))
                        {
                            var receivedThisAttempt = 0;
                            // Read to the end of the body even once the page is complete: total_rows and
                            // warnings come after the rows.
                            while (true)
                            {
                                bool more;
                                try
                                {
                                    more = await parser.MoveNextAsync(ct).ConfigureAwait(false);
                                }
                                catch (StreamDroppedException dropped) when (received < count)
                                {
                                    failuresWithoutProgress = receivedThisAttempt > 0 ? 1 : failuresWithoutProgress + 1;
                                    await ResumeOrGiveUpAsync(transport, response.RequestLine, dropped, failuresWithoutProgress, start + received, ct).ConfigureAwait(false);
                                    resume = true;
                                    break;
                                }
                                catch (StreamDroppedException)
                                {
                                    // Every item of the page arrived; only the part after them is missing.
                                    break;
                                }
                                catch (WeaveException e) when (count - received > list.SmallestSplitPage && IsTooLargeOrSlow(e))
                                {
                                    refused = e;
                                    break;
                                }
                                if (!more)
                                {
                                    Total = parser.TotalItems ?? Total;
                                    Warnings.AddRange(parser.Warnings);
                                    break;
                                }
                                // A server that sends more than was asked for: the rest belongs to the next page.
                                if (received >= count) continue;
                                received++;
                                receivedThisAttempt++;
                                yield return parser.Current;
                            }
                            Bytes += response.BytesRead;
                        }
                    }
                    if (refused != null)
                    {
                        Received += received;
                        var rest = count - received;
                        var half = rest / 2;
                        list.LimitPagesTo(half);
                        transport.Log.Verbose($"The server refused a page of {rest} {list.List.What} ({refused.Message}); asking for it as two pages of {half} and {rest - half}");
                        await foreach (var item in ReadRangeAsync(start + received, half, ct).ConfigureAwait(false)) yield return item;
                        await foreach (var item in ReadRangeAsync(start + received + half, rest - half, ct).ConfigureAwait(false)) yield return item;
                        yield break;
                    }
                    if (!resume) break;
                }
                Received += received;
            }

            /// <summary>413, 504 and timeouts: a smaller request may well succeed where this one cannot.</summary>
            private static bool IsTooLargeOrSlow(WeaveException e) =>
                (e is WeaveApiException api && (api.StatusCode == 413 || api.StatusCode == 504)) || e.ErrorId == "Timeout";

            private static async Task ResumeOrGiveUpAsync(WeaveTransport transport, string requestLine, StreamDroppedException dropped, int failuresWithoutProgress, long resumeOffset, CancellationToken ct)
            {
                var maximum = transport.Options.MaximumRetryCount;
                if (failuresWithoutProgress > maximum)
                {
                    throw new ResumeGaveUpException($"The response of {requestLine} kept breaking off ({dropped.Message}); gave up after {maximum} attempts to resume", dropped);
                }
                var wait = transport.ComputeBackOff(failuresWithoutProgress);
                transport.Log.Verbose($"Retry {failuresWithoutProgress}/{maximum} of {requestLine} from offset {resumeOffset} in {WeaveTransport.Seconds(wait)} after the response broke off");
                await transport.BackOffAsync(wait, ct).ConfigureAwait(false);
            }
        }

        /// <summary>A page body kept breaking off; the engine turns it into StreamInterrupted with the list's count.</summary>
        private sealed class ResumeGaveUpException : Exception
        {
            public ResumeGaveUpException(string message, Exception inner) : base(message, inner) { }
        }
    }
}
