using System;
using System.Collections.Generic;
using System.Linq;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.Calls
{
    /// <summary>
    /// <c>sort_by</c> with the server's rules: default <c>started_at</c> asc; <c>id</c> asc
    /// appended as tie-breaker unless sorted on; missing values last in both directions; dynamic fields
    /// order numbers before other values.
    /// </summary>
    internal static class CallSorter
    {
        public static List<CallRecord> Sort(IEnumerable<CallRecord> calls, IReadOnlyList<(string Field, bool Descending)> sortBy)
        {
            var keys = sortBy.Count == 0 ? new List<(string Field, bool Descending)> { ("started_at", false) } : sortBy.ToList();
            if (!keys.Any(k => k.Field == "id")) keys.Add(("id", false));

            if (keys.Count == 2 && keys[0] == ("started_at", false) && keys[1] == ("id", false))
            {
                return calls.OrderBy(c => c.StartedAt).ThenBy(c => c.Id, StringComparer.Ordinal).ToList();
            }

            var rows = calls.Select(call =>
            {
                var fields = new CallFields(call);
                return (Call: call, Values: keys.Select(k => fields.Get(k.Field)).ToArray());
            }).ToList();
            rows.Sort((a, b) =>
            {
                for (var i = 0; i < keys.Count; i++)
                {
                    var order = CompareValues(a.Values[i], b.Values[i], keys[i].Descending);
                    if (order != 0) return order;
                }
                return 0;
            });
            return rows.Select(r => r.Call).ToList();
        }

        private static int CompareValues(object? left, object? right, bool descending)
        {
            if (left is null || right is null) return left is null ? (right is null ? 0 : 1) : -1;
            var leftNumber = left is string or DateTime ? null : QueryExpression.AsNumber(left);
            var rightNumber = right is string or DateTime ? null : QueryExpression.AsNumber(right);
            if (leftNumber.HasValue != rightNumber.HasValue) return leftNumber.HasValue ? -1 : 1;
            var order = left is DateTime leftTime && right is DateTime rightTime
                ? leftTime.CompareTo(rightTime)
                : leftNumber is double l && rightNumber is double r ? l.CompareTo(r)
                : string.CompareOrdinal(QueryExpression.AsText(left), QueryExpression.AsText(right));
            return descending ? -order : order;
        }
    }
}
