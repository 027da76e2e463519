using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace WeaveEval.Client
{
    /// <summary>
    /// Which rows an eval_results query selects and in which order, from the user's short form (-Filter
    /// hashtables, -FailedOnly, -SortBy, -Descending) to the request's <c>filters</c>,
    /// <c>filter_logic_operator</c> and <c>sort_by</c>. Everything the user typed is checked by
    /// <see cref="Create"/>, so a bad form fails before any request.
    /// </summary>
    /// <remarks>
    /// The server reads one value per row for a filter: the first trial's that has one (within the run a
    /// filter is scoped to, else across the runs of the query). A score sort uses the average of the row's
    /// trials. Every filter, and every condition of one filter, must hold ("and" logic), whatever its scope.
    /// </remarks>
    public sealed class RowSelection
    {
        public const string InvalidFilterId = "InvalidFilter";
        public const string InvalidSortId = "InvalidSortBy";

        /// <summary>The prefix of a -SortBy entry that orders rows by how much the runs' averages differ.</summary>
        public const string DifferencePrefix = "Difference:";

        private static readonly string[] FieldKeys = { "Scorer", "Input", "Output", "Field" };
        private static readonly string[] ConditionKeys = { "Value", "Equals", "In", "Contains", "Above", "AtLeast", "Below", "AtMost" };
        private static readonly string[] KnownKeys = FieldKeys.Concat(ConditionKeys).Concat(new[] { "RunId" }).ToArray();

        private readonly IReadOnlyList<RowFilter> filters;
        private readonly IReadOnlyList<RowSort> sorts;
        private readonly IReadOnlyList<string>? failedScores;

        public static RowSelection All { get; } = new RowSelection(Array.Empty<RowFilter>(), Array.Empty<RowSort>(), false, null);

        private RowSelection(IReadOnlyList<RowFilter> filters, IReadOnlyList<RowSort> sorts, bool failedOnly, IReadOnlyList<string>? failedScores)
        {
            this.filters = filters;
            this.sorts = sorts;
            FailedOnly = failedOnly;
            this.failedScores = failedScores;
        }

        /// <summary>Rows whose first trial has a false true/false score (see <see cref="ForFailures"/>).</summary>
        public bool FailedOnly { get; }

        /// <summary>Some rows may be left out (filters or -FailedOnly); a sort alone keeps every row.</summary>
        public bool LeavesRowsOut => filters.Count > 0 || FailedOnly;

        /// <summary>No filter and no sort: every row, in row_digest order.</summary>
        public bool IsEmpty => filters.Count == 0 && sorts.Count == 0 && !FailedOnly;

        /// <summary>
        /// Parses the user's form. <paramref name="filters"/>: dictionaries with string keys and plain values
        /// (bool, numbers, strings; a list for <c>In</c>). <paramref name="sortBy"/>: <c>[Difference:]</c>
        /// followed by a scorer path, <c>Score.</c>/<c>Input.</c>/<c>Output[.]</c> and a path. Throws a
        /// <see cref="WeaveException"/> (InvalidFilter / InvalidSortBy, InvalidArgument) naming what is wrong;
        /// <paramref name="descending"/> without a sort entry is one too.
        /// </summary>
        public static RowSelection Create(IEnumerable<IDictionary>? filters, IEnumerable<string>? sortBy, bool descending, bool failedOnly)
        {
            var parsedFilters = (filters ?? Enumerable.Empty<IDictionary>()).Select((filter, i) => ParseFilter(filter, i + 1)).ToList();
            var parsedSorts = (sortBy ?? Enumerable.Empty<string>()).Select(sort => ParseSort(sort, descending)).ToList();
            if (descending && parsedSorts.Count == 0) throw Invalid(InvalidSortId, "-Descending orders the rows of -SortBy: give -SortBy too.");
            var duplicate = parsedSorts.GroupBy(s => (s.Field, s.Difference)).FirstOrDefault(g => g.Count() > 1);
            if (duplicate != null) throw Invalid(InvalidSortId, $"-SortBy names '{duplicate.First().Text}' twice.");
            return new RowSelection(parsedFilters, parsedSorts, failedOnly, null);
        }

        /// <summary>
        /// Every row, largest difference first between the runs' per-row trial means of one score dimension
        /// (scorer key and dot-joined path, as the summary reports them); rows that lack it in a run come last.
        /// </summary>
        public static RowSelection LargestDifferenceFirst(string scorerKey, string? path)
        {
            var field = ScoreField(scorerKey, path);
            return new RowSelection(Array.Empty<RowFilter>(), new[] { new RowSort(DifferencePrefix + field, field, descending: true, difference: true) }, false, null);
        }

        /// <summary>
        /// Checks the selection against the runs one query reads: a filter's RunId must be one of them, and a
        /// difference sort compares runs, so it needs at least two. Throws InvalidFilter / InvalidSortBy.
        /// </summary>
        public void CheckRuns(IReadOnlyList<string> runIds)
        {
            foreach (var filter in filters.Where(f => f.RunId != null && !runIds.Contains(f.RunId, StringComparer.Ordinal)))
            {
                var read = runIds.Count == 1 ? "run " + runIds[0] + " on its own" : "the runs " + string.Join(", ", runIds);
                throw Invalid(InvalidFilterId,
                    $"-Filter #{filter.Number} is scoped to run {filter.RunId}, but a query reads {read}. RunId picks one run of several read together: give that run with the others and -RequireIntersection.");
            }
            var difference = sorts.FirstOrDefault(s => s.Difference);
            if (difference != null && runIds.Count < 2)
            {
                throw Invalid(InvalidSortId,
                    $"-SortBy '{difference.Text}' orders rows by how much the runs differ, but a query reads only run {runIds.FirstOrDefault()}: give two or more runs and -RequireIntersection.");
            }
        }

        /// <summary>
        /// The selection for a query of runs whose true/false score dimensions are <paramref name="binaryScores"/>
        /// (scorer key and dot-joined path, as the summary reports them): with <see cref="FailedOnly"/> a row is
        /// kept when one of them is false. Null when there are none: no row can fail.
        /// </summary>
        public RowSelection? ForFailures(IEnumerable<(string ScorerKey, string? Path)> binaryScores)
        {
            if (!FailedOnly) return this;
            var fields = binaryScores
                .Select(s => ScoreField(s.ScorerKey, s.Path))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            return fields.Count == 0 ? null : new RowSelection(filters, sorts, true, fields);
        }

        /// <summary>Writes <c>filters</c>, <c>filter_logic_operator</c> and <c>sort_by</c> (nothing when empty).</summary>
        internal void WriteTo(Utf8JsonWriter writer)
        {
            if (FailedOnly && failedScores == null)
            {
                throw new InvalidOperationException("-FailedOnly needs the run's true/false scores (ForFailures) before a request is built.");
            }
            if (filters.Count > 0 || failedScores != null)
            {
                writer.WriteStartArray("filters");
                foreach (var filter in filters) filter.Write(writer);
                if (failedScores != null) WriteFailedFilter(writer, failedScores);
                writer.WriteEndArray();
                // "or" (the default) ORs filters of different scopes; every filter here must hold.
                writer.WriteString("filter_logic_operator", "and");
            }
            if (sorts.Count > 0)
            {
                writer.WriteStartArray("sort_by");
                foreach (var sort in sorts)
                {
                    writer.WriteStartObject();
                    writer.WriteString("field", sort.Field);
                    writer.WriteString("direction", sort.Descending ? "desc" : "asc");
                    if (sort.Difference) writer.WriteString("mode", "difference");
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
        }

        private static void WriteFailedFilter(Utf8JsonWriter writer, IReadOnlyList<string> fields)
        {
            writer.WriteStartObject();
            writer.WriteStartObject("query");
            writer.WriteStartObject("$expr");
            if (fields.Count == 1) WriteComparison(writer, "$eq", fields[0], false);
            else
            {
                writer.WriteStartArray("$or");
                foreach (var field in fields)
                {
                    writer.WriteStartObject();
                    WriteComparison(writer, "$eq", field, false);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        private static RowFilter ParseFilter(IDictionary? filter, int number)
        {
            if (filter == null || filter.Count == 0) throw Invalid(InvalidFilterId, $"-Filter #{number} is empty. " + FilterHelp);
            var entries = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry entry in filter)
            {
                var key = entry.Key?.ToString() ?? string.Empty;
                var known = KnownKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                if (known == null)
                {
                    throw Invalid(InvalidFilterId, $"-Filter #{number} ({Describe(filter)}) has the unknown key '{key}'. Keys: {string.Join(", ", KnownKeys)}.");
                }
                if (entries.ContainsKey(known)) throw Invalid(InvalidFilterId, $"-Filter #{number} ({Describe(filter)}) has the key '{known}' twice.");
                entries.Add(known, entry.Value);
            }
            string Where() => $"-Filter #{number} ({Describe(filter)})";

            var fieldKeys = FieldKeys.Where(entries.ContainsKey).ToList();
            if (fieldKeys.Count != 1)
            {
                throw Invalid(InvalidFilterId, fieldKeys.Count == 0
                    ? $"{Where()} names no field: give one of Scorer, Input, Output or Field. " + FilterHelp
                    : $"{Where()} names more than one field ({string.Join(", ", fieldKeys)}): one filter reads one field; give each its own hashtable.");
            }
            var field = FieldPath(fieldKeys[0], entries[fieldKeys[0]], Where);

            string? runId = null;
            if (entries.TryGetValue("RunId", out var run))
            {
                runId = run as string;
                if (string.IsNullOrWhiteSpace(runId)) throw Invalid(InvalidFilterId, $"{Where()}: RunId must be an evaluation run id.");
            }

            var conditionKeys = ConditionKeys.Where(entries.ContainsKey).ToList();
            if (conditionKeys.Count == 0) throw Invalid(InvalidFilterId, $"{Where()} has no condition: give Value, In, Contains, Below, AtMost, Above or AtLeast.");
            var exclusive = conditionKeys.Where(k => k == "Value" || k == "Equals" || k == "In" || k == "Contains").ToList();
            if (exclusive.Count > 0 && conditionKeys.Count > 1)
            {
                throw Invalid(InvalidFilterId, $"{Where()} combines {string.Join(" and ", conditionKeys)}: {exclusive[0]} stands alone; only a lower bound (Above or AtLeast) and an upper bound (Below or AtMost) go together.");
            }
            if (conditionKeys.Contains("Below") && conditionKeys.Contains("AtMost") || conditionKeys.Contains("Above") && conditionKeys.Contains("AtLeast"))
            {
                throw Invalid(InvalidFilterId, $"{Where()} gives two bounds on the same side ({string.Join(", ", conditionKeys)}).");
            }

            var conditions = new List<Condition>();
            foreach (var key in conditionKeys)
            {
                var value = entries[key];
                switch (key)
                {
                    case "Value":
                    case "Equals":
                        conditions.Add(new Condition("$eq", new[] { Scalar(value, key, Where) }, negate: false));
                        break;
                    case "In":
                        conditions.Add(new Condition("$in", List(value, Where), negate: false));
                        break;
                    case "Contains":
                        if (!(value is string text) || text.Length == 0) throw Invalid(InvalidFilterId, $"{Where()}: Contains needs a non-empty string.");
                        conditions.Add(new Condition("$contains", new object[] { text }, negate: false));
                        break;
                    // Below and AtMost are written as the negation of $gte/$gt, which every server version
                    // knows ($lt/$lte are newer); a missing value stays unknown under the negation, so it
                    // matches neither side, as with the direct comparison.
                    case "Below":
                        conditions.Add(new Condition("$gte", new object[] { Number(value, key, Where) }, negate: true));
                        break;
                    case "AtMost":
                        conditions.Add(new Condition("$gt", new object[] { Number(value, key, Where) }, negate: true));
                        break;
                    case "Above":
                        conditions.Add(new Condition("$gt", new object[] { Number(value, key, Where) }, negate: false));
                        break;
                    case "AtLeast":
                        conditions.Add(new Condition("$gte", new object[] { Number(value, key, Where) }, negate: false));
                        break;
                }
            }
            return new RowFilter(number, field, runId, conditions);
        }

        private const string FilterHelp = "A filter is a hashtable such as @{ Scorer = 'correct'; Value = $false } or @{ Scorer = 'similarity'; Below = 0.5 } (Get-Help Get-WeaveEvalResult -Parameter Filter).";

        /// <summary>The server's field path: scores.*, inputs.*, output.output[.*] (the model output), or as given with Field.</summary>
        private static string FieldPath(string key, object? value, Func<string> where)
        {
            if (!(value is string path) || path.Trim().Length == 0)
            {
                throw Invalid(InvalidFilterId, $"{where()}: {key} needs a non-empty {(key == "Field" ? "field path" : key == "Scorer" ? "scorer name" : "field name")}.");
            }
            switch (key)
            {
                case "Scorer":
                    CheckPath(path, key, where);
                    return "scores." + path;
                case "Input":
                    CheckPath(path, key, where);
                    return "inputs." + path;
                case "Output":
                    CheckPath(path, key, where);
                    return "output.output." + path;
                default:
                    if (path == "row_digest") return path;
                    foreach (var prefix in new[] { "scores.", "inputs.", "output." })
                    {
                        if (path.StartsWith(prefix, StringComparison.Ordinal))
                        {
                            CheckPath(path.Substring(prefix.Length), key, where);
                            return path;
                        }
                    }
                    throw Invalid(InvalidFilterId, $"{where()}: Field '{path}' is not a field the server filters on: it starts with scores., inputs. or output. (output.output is the model output), or is row_digest.");
            }
        }

        /// <summary>A dotted path with no empty level ('\.' is a dot inside a name).</summary>
        private static void CheckPath(string path, string key, Func<string> where)
        {
            if (HasEmptyLevel(path))
            {
                throw Invalid(InvalidFilterId, $"{where()}: {key} '{path}' has an empty level; levels are separated by '.', and '\\.' is a dot inside a name.");
            }
        }

        private static object Scalar(object? value, string key, Func<string> where)
        {
            switch (value)
            {
                case bool _:
                case string _:
                    return value;
                case null:
                    throw Invalid(InvalidFilterId, $"{where()}: {key} is $null; a missing value matches no comparison. Give a value (true/false, a number or a string).");
                default:
                    if (AsNumber(value) is double number) return number;
                    throw Invalid(InvalidFilterId, $"{where()}: {key} must be $true/$false, a number or a string, not {value.GetType().Name}.");
            }
        }

        private static object[] List(object? value, Func<string> where)
        {
            if (!(value is IEnumerable items) || value is string || value is IDictionary)
            {
                throw Invalid(InvalidFilterId, $"{where()}: In needs a list of values, e.g. In = 'billing', 'refund'.");
            }
            var values = items.Cast<object?>().Select(item => Scalar(item, "In", where)).ToArray();
            if (values.Length == 0) throw Invalid(InvalidFilterId, $"{where()}: In is an empty list; it would match no row.");
            return values;
        }

        private static double Number(object? value, string key, Func<string> where) =>
            AsNumber(value) ?? throw Invalid(InvalidFilterId,
                $"{where()}: {key} needs a number, not {(value == null ? "$null" : value is string s ? "the string '" + s + "'" : value.GetType().Name)}.");

        private static double? AsNumber(object? value)
        {
            double? number;
            switch (value)
            {
                case int i: number = i; break;
                case long l: number = l; break;
                case double d: number = d; break;
                case float f: number = f; break;
                case decimal m: number = (double)m; break;
                case short s: number = s; break;
                case byte b: number = b; break;
                case sbyte sb: number = sb; break;
                case ushort us: number = us; break;
                case uint ui: number = ui; break;
                case ulong ul: number = ul; break;
                default: return null;
            }
            return double.IsNaN(number.Value) || double.IsInfinity(number.Value) ? null : number;
        }

        private static RowSort ParseSort(string? text, bool descending)
        {
            if (string.IsNullOrWhiteSpace(text)) throw Invalid(InvalidSortId, "-SortBy has an empty entry. " + SortHelp);
            var entry = text!.Trim();
            var difference = entry.StartsWith(DifferencePrefix, StringComparison.OrdinalIgnoreCase);
            if (difference) entry = entry.Substring(DifferencePrefix.Length).Trim();

            string field;
            if (StartsWith(entry, "Input.")) field = "inputs." + Path(entry.Substring("Input.".Length));
            else if (string.Equals(entry, "Output", StringComparison.OrdinalIgnoreCase)) field = "output.output";
            else if (StartsWith(entry, "Output.")) field = "output.output." + Path(entry.Substring("Output.".Length));
            else if (StartsWith(entry, "Score.")) field = "scores." + Path(entry.Substring("Score.".Length));
            else field = "scores." + Path(entry);

            if (difference && !field.StartsWith("scores.", StringComparison.Ordinal))
            {
                throw Invalid(InvalidSortId, $"-SortBy '{text}': a difference between runs is taken of scores only, e.g. 'Difference:similarity'.");
            }
            return new RowSort(text, field, descending, difference);

            string Path(string path)
            {
                if (HasEmptyLevel(path))
                {
                    throw Invalid(InvalidSortId, $"-SortBy '{text}' has an empty name or level. " + SortHelp);
                }
                return path;
            }
        }

        private const string SortHelp = "An entry is a scorer ('similarity', 'LLMJudge.score' or 'Score.similarity'), 'Input.<field>', 'Output' or 'Output.<field>', or 'Difference:<scorer>'.";

        /// <summary>A path that is empty or has an empty level between its dots ('\.' is a dot inside a name).</summary>
        private static bool HasEmptyLevel(string path) => path.Replace("\\.", "\u0001").Split('.').Any(level => level.Length == 0);

        private static bool StartsWith(string text, string prefix) => text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);

        /// <summary><c>scores.&lt;key&gt;[.&lt;path&gt;]</c>, a dot inside the scorer key written as <c>\.</c> (one level of the path).</summary>
        private static string ScoreField(string scorerKey, string? path) =>
            "scores." + scorerKey.Replace(".", "\\.") + (string.IsNullOrEmpty(path) ? string.Empty : "." + path);

        private static WeaveException Invalid(string errorId, string message) => new WeaveException(message, errorId, WeaveErrorKind.InvalidArgument);

        /// <summary>The filter as the user wrote it, for messages: @{ Scorer = 'correct'; Value = False }.</summary>
        private static string Describe(IDictionary filter)
        {
            var parts = new List<string>();
            foreach (DictionaryEntry entry in filter) parts.Add($"{entry.Key} = {DescribeValue(entry.Value)}");
            return "@{ " + string.Join("; ", parts) + " }";
        }

        private static string DescribeValue(object? value)
        {
            switch (value)
            {
                case null: return "$null";
                case string s: return "'" + s + "'";
                case bool b: return b ? "$true" : "$false";
                case IEnumerable items when !(value is IDictionary): return string.Join(", ", items.Cast<object?>().Select(DescribeValue));
                default: return Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
            }
        }

        private static void WriteComparison(Utf8JsonWriter writer, string op, string field, object literal)
        {
            writer.WriteStartArray(op);
            WriteField(writer, field);
            WriteLiteral(writer, literal);
            writer.WriteEndArray();
        }

        private static void WriteField(Utf8JsonWriter writer, string field)
        {
            writer.WriteStartObject();
            writer.WriteString("$getField", field);
            writer.WriteEndObject();
        }

        private static void WriteLiteral(Utf8JsonWriter writer, object literal)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("$literal");
            WriteScalar(writer, literal);
            writer.WriteEndObject();
        }

        private static void WriteScalar(Utf8JsonWriter writer, object value)
        {
            switch (value)
            {
                case bool b: writer.WriteBooleanValue(b); break;
                case double d: writer.WriteNumberValue(d); break;
                default: writer.WriteStringValue((string)value); break;
            }
        }

        /// <summary>One -Filter hashtable: a field, an optional run scope, and conditions that must all hold.</summary>
        private sealed class RowFilter
        {
            public RowFilter(int number, string field, string? runId, IReadOnlyList<Condition> conditions)
            {
                Number = number;
                Field = field;
                RunId = runId;
                Conditions = conditions;
            }

            public int Number { get; }

            public string Field { get; }

            public string? RunId { get; }

            public IReadOnlyList<Condition> Conditions { get; }

            public void Write(Utf8JsonWriter writer)
            {
                writer.WriteStartObject();
                if (RunId != null) writer.WriteString("evaluation_call_id", RunId);
                writer.WriteStartObject("query");
                writer.WriteStartObject("$expr");
                if (Conditions.Count == 1) Conditions[0].Write(writer, Field);
                else
                {
                    writer.WriteStartArray("$and");
                    foreach (var condition in Conditions)
                    {
                        writer.WriteStartObject();
                        condition.Write(writer, Field);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                }
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
        }

        /// <summary>One operation on the filter's field; written as properties of the enclosing operation object.</summary>
        private sealed class Condition
        {
            private readonly string op;
            private readonly object[] operands;
            private readonly bool negate;

            public Condition(string op, object[] operands, bool negate)
            {
                this.op = op;
                this.operands = operands;
                this.negate = negate;
            }

            public void Write(Utf8JsonWriter writer, string field)
            {
                if (negate)
                {
                    writer.WriteStartArray("$not");
                    writer.WriteStartObject();
                }
                switch (op)
                {
                    case "$in":
                        writer.WriteStartArray("$in");
                        WriteField(writer, field);
                        writer.WriteStartArray();
                        foreach (var operand in operands) WriteLiteral(writer, operand);
                        writer.WriteEndArray();
                        writer.WriteEndArray();
                        break;
                    case "$contains":
                        writer.WriteStartObject("$contains");
                        writer.WritePropertyName("input");
                        WriteField(writer, field);
                        writer.WritePropertyName("substr");
                        WriteLiteral(writer, operands[0]);
                        writer.WriteBoolean("case_insensitive", true);
                        writer.WriteEndObject();
                        break;
                    default:
                        WriteComparison(writer, op, field, operands[0]);
                        break;
                }
                if (negate)
                {
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                }
            }
        }

        private sealed class RowSort
        {
            public RowSort(string text, string field, bool descending, bool difference)
            {
                Text = text;
                Field = field;
                Descending = descending;
                Difference = difference;
            }

            /// <summary>The entry as the user wrote it.</summary>
            public string Text { get; }

            public string Field { get; }

            public bool Descending { get; }

            public bool Difference { get; }
        }
    }
}
