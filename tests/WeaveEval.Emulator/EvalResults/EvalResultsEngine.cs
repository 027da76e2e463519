using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.EvalResults
{
    /// <summary>The rows that survive intersection and filters, in response order, and the same set in row_digest order.</summary>
    internal sealed class EvalResultsSelection
    {
        public EvalResultsSelection(int[] ordered, int[] byDigest)
        {
            Ordered = ordered;
            ByDigest = byDigest;
        }

        /// <summary>Row positions in <see cref="EvalResultsIndex.Rows"/>, sorted as the response lists them.</summary>
        public int[] Ordered { get; }

        /// <summary>The same positions ascending (row_digest order), for the summary.</summary>
        public int[] ByDigest { get; }
    }

    /// <summary>
    /// Grouping, selection and summary of eval_results queries, cached per store version so that paging
    /// through a large result costs this machine only the page. The production server groups the whole
    /// run again for every request; the remote profile charges that as time (see
    /// <see cref="EvalResultsRoute"/>), not as CPU on the cores the client under test runs on.
    /// </summary>
    internal static class EvalResultsEngine
    {
        private static readonly ConditionalWeakTable<EmulatorStore, Cache> Caches = new();

        public static EvalResultsIndex Index(EmulatorStore store, string projectId, IReadOnlyList<string> rootIds) =>
            CacheOf(store, out var version).Get(
                    $"index\u0001{version}\u0001{projectId}\u0001{string.Join("\u0002", rootIds)}",
                    () => EvalResultsIndex.Build(store, projectId, rootIds));

        /// <summary>Rows for <c>rows</c>/<c>total_rows</c>: intersection (<c>require_intersection</c>), filters, sort.</summary>
        public static EvalResultsSelection Select(EmulatorStore store, EvalResultsIndex index, EvalResultsRequest request) =>
            CacheOf(store, out var version).Get(
                    $"select\u0001{version}\u0001{index.ProjectId}\u0001{string.Join("\u0002", index.RootIds)}\u0001{request.RequireIntersection}\u0001{request.SelectionKey}",
                    () => ComputeSelection(store, index, request));

        /// <summary>The serialized <c>summary</c> object.</summary>
        public static byte[] Summary(EmulatorStore store, EvalResultsIndex index, EvalResultsRequest request)
        {
            // With filters or sort the summary covers exactly the filtered rows (require_intersection applies);
            // otherwise summary_require_intersection decides.
            var filtered = request.HasFiltersOrSort;
            var intersect = filtered ? request.RequireIntersection : request.SummaryRequireIntersection ?? request.RequireIntersection;
            byte[] Compute()
            {
                IReadOnlyList<EvalRow> rows = filtered
                    ? Select(store, index, request).ByDigest.Select(i => index.Rows[i]).ToList()
                    : index.Rows.Where(r => !intersect || index.RootIds.Count <= 1 || index.HasEveryEvaluation(r)).ToList();
                return EvalResultsSummary.Compute(store, index, rows, request.IncludeChildren, request.IncludeCosts);
            }
            return CacheOf(store, out var version).Get(
                    $"summary\u0001{version}\u0001{index.ProjectId}\u0001{string.Join("\u0002", index.RootIds)}\u0001{intersect}\u0001{(filtered ? request.SelectionKey : "")}\u0001{request.IncludeChildren}\u0001{request.IncludeCosts}",
                    Compute);
        }

        private static EvalResultsSelection ComputeSelection(EmulatorStore store, EvalResultsIndex index, EvalResultsRequest request)
        {
            var intersect = request.RequireIntersection && index.RootIds.Count > 1;
            var survivors = new List<int>();
            var sortKeys = new List<SortKey>();
            for (var i = 0; i < index.Rows.Length; i++)
            {
                var row = index.Rows[i];
                if (intersect && !index.HasEveryEvaluation(row)) continue;
                if (request.Filters.Count == 0 && request.SortBy.Count == 0)
                {
                    survivors.Add(i);
                    continue;
                }
                using var fields = new RowFields(store, index.ProjectId, row);
                if (!Passes(fields, index, request)) continue;
                survivors.Add(i);
                if (request.SortBy.Count > 0) sortKeys.Add(SortKey.Of(fields, index, request.SortBy));
            }

            var byDigest = survivors.ToArray();
            if (request.SortBy.Count == 0) return new EvalResultsSelection(byDigest, byDigest);

            var positions = Enumerable.Range(0, byDigest.Length).ToArray();
            var keys = sortKeys.ToArray();
            Array.Sort(positions, (a, b) =>
            {
                var order = SortKey.Compare(keys[a], keys[b], request.SortBy);
                return order != 0 ? order : a.CompareTo(b);
            });
            return new EvalResultsSelection(positions.Select(p => byDigest[p]).ToArray(), byDigest);
        }

        /// <summary>
        /// <c>"or"</c>: filters are grouped by evaluation scope, AND inside a group, OR across groups;
        /// <c>"and"</c>: everything AND-ed. A condition that is unknown (NULL) does not pass.
        /// </summary>
        private static bool Passes(RowFields fields, EvalResultsIndex index, EvalResultsRequest request)
        {
            if (request.Filters.Count == 0) return true;
            if (request.AndLogic)
            {
                return request.Filters.All(f => f.Expression.Evaluate(fields.Scoped(ScopeOf(index, f.EvaluationCallId))) == true);
            }
            return request.Filters
                .GroupBy(f => f.EvaluationCallId ?? "", StringComparer.Ordinal)
                .Any(group => group.All(f => f.Expression.Evaluate(fields.Scoped(ScopeOf(index, f.EvaluationCallId))) == true));
        }

        internal static int ScopeOf(EvalResultsIndex index, string? evaluationCallId)
        {
            if (evaluationCallId is null) return RowFields.AllEvaluations;
            for (var i = 0; i < index.RootIds.Count; i++)
            {
                if (index.RootIds[i] == evaluationCallId) return i;
            }
            return RowFields.NoEvaluation;
        }

        private static Cache CacheOf(EmulatorStore store, out long version)
        {
            version = store.Version;
            var cache = Caches.GetValue(store, _ => new Cache());
            cache.DropOlderThan(version);
            return cache;
        }

        /// <summary>Lazily built entries; each key is built once even under concurrent requests.</summary>
        private sealed class Cache
        {
            private const int MaximumEntries = 64;
            private readonly ConcurrentDictionary<string, Lazy<object>> entries = new(StringComparer.Ordinal);
            private long version = -1;

            public T Get<T>(string key, Func<T> build) where T : class
            {
                if (entries.Count > MaximumEntries) entries.Clear();
                return (T)entries.GetOrAdd(key, _ => new Lazy<object>(() => build(), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
            }

            public void DropOlderThan(long current)
            {
                if (Interlocked.Exchange(ref version, current) != current) entries.Clear();
            }
        }

        /// <summary>Per-row sort values for every <c>sort_by</c> entry.</summary>
        private sealed class SortKey
        {
            private readonly double?[] numbers;
            private readonly string?[] texts;

            private SortKey(int count)
            {
                numbers = new double?[count];
                texts = new string?[count];
            }

            public static SortKey Of(RowFields fields, EvalResultsIndex index, IReadOnlyList<EvalResultsSort> sorts)
            {
                var key = new SortKey(sorts.Count);
                for (var i = 0; i < sorts.Count; i++)
                {
                    var sort = sorts[i];
                    if (sort.Field.StartsWith("scores.", StringComparison.Ordinal))
                    {
                        key.numbers[i] = sort.Difference && index.RootIds.Count > 1
                            ? Difference(fields, index, sort.Field)
                            : fields.Average(sort.Field, ScopeOf(index, sort.EvaluationCallId));
                    }
                    else
                    {
                        var text = fields.Any(sort.Field, ScopeOf(index, sort.EvaluationCallId));
                        key.texts[i] = text;
                        key.numbers[i] = text is not null && double.TryParse(text, System.Globalization.NumberStyles.Float,
                            System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : null;
                    }
                }
                return key;
            }

            /// <summary>greatest − least of the per-evaluation averages; NULL when any evaluation has none.</summary>
            private static double? Difference(RowFields fields, EvalResultsIndex index, string field)
            {
                double? max = null, min = null;
                for (var root = 0; root < index.RootIds.Count; root++)
                {
                    if (fields.Average(field, root) is not { } average) return null;
                    max = max is null ? average : Math.Max(max.Value, average);
                    min = min is null ? average : Math.Min(min.Value, average);
                }
                return max - min;
            }

            public static int Compare(SortKey a, SortKey b, IReadOnlyList<EvalResultsSort> sorts)
            {
                for (var i = 0; i < sorts.Count; i++)
                {
                    var descending = sorts[i].Descending;
                    int order;
                    if (sorts[i].Field.StartsWith("scores.", StringComparison.Ordinal))
                    {
                        order = NullsLast(a.numbers[i], b.numbers[i], descending);
                    }
                    else
                    {
                        // Rows with a numeric value first in both directions, then by number, then by text.
                        order = (b.numbers[i] is not null).CompareTo(a.numbers[i] is not null);
                        if (order == 0) order = NullsLast(a.numbers[i], b.numbers[i], descending);
                        if (order == 0) order = NullsLast(a.texts[i], b.texts[i], descending);
                    }
                    if (order != 0) return order;
                }
                return 0;
            }

            private static int NullsLast(double? x, double? y, bool descending)
            {
                if (x is null || y is null) return (x is null).CompareTo(y is null);
                var order = x.Value.CompareTo(y.Value);
                return descending ? -order : order;
            }

            private static int NullsLast(string? x, string? y, bool descending)
            {
                if (x is null || y is null) return (x is null).CompareTo(y is null);
                var order = Math.Sign(string.CompareOrdinal(x, y));
                return descending ? -order : order;
            }
        }
    }
}
