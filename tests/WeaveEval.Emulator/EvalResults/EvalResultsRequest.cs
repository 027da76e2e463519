using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.EvalResults
{
    /// <summary>One <c>sort_by</c> entry.</summary>
    internal sealed record EvalResultsSort(string Field, bool Descending, string? EvaluationCallId, bool Difference);

    /// <summary>One <c>filters</c> entry: the parsed <c>$expr</c> and its evaluation scope.</summary>
    internal sealed record EvalResultsFilter(string? EvaluationCallId, FilterExpression Expression);

    /// <summary>
    /// The validated body of <c>POST …/eval_results/query</c>. <see cref="Parse"/> mirrors pydantic's lax
    /// validation of <c>EvalResultsQueryBody</c> and FastAPI's 422 body, then the server's 400 checks.
    /// </summary>
    internal sealed class EvalResultsRequest
    {
        private static readonly string[] KnownFields =
        {
            "evaluation_call_ids", "evaluation_run_ids", "require_intersection", "include_raw_data_rows", "resolve_row_refs",
            "include_rows", "include_summary", "summary_require_intersection", "include_predict_and_score_children",
            "include_costs", "sort_by", "filters", "filter_logic_operator", "limit", "offset",
        };

        private static readonly string[] TrueWords = { "1", "on", "t", "true", "y", "yes" };
        private static readonly string[] FalseWords = { "0", "off", "f", "false", "n", "no" };

        public IReadOnlyList<string> RootIds { get; private set; } = Array.Empty<string>();
        public bool RequireIntersection { get; private set; }
        public bool IncludeRawDataRows { get; private set; }
        public bool ResolveRowRefs { get; private set; }
        public bool IncludeRows { get; private set; } = true;
        public bool IncludeSummary { get; private set; }
        public bool? SummaryRequireIntersection { get; private set; }
        public bool IncludeChildren { get; private set; } = true;
        public bool IncludeCosts { get; private set; }
        public IReadOnlyList<EvalResultsSort> SortBy { get; private set; } = Array.Empty<EvalResultsSort>();
        public IReadOnlyList<EvalResultsFilter> Filters { get; private set; } = Array.Empty<EvalResultsFilter>();
        public bool AndLogic { get; private set; }
        public long? Limit { get; private set; }
        public long Offset { get; private set; }

        /// <summary>Canonical text of sort/filter/logic for cache keys.</summary>
        public string SelectionKey { get; private set; } = "";

        public bool HasFiltersOrSort => SortBy.Count > 0 || Filters.Count > 0;

        /// <summary>Parses and validates a body. On failure <paramref name="status"/> and <paramref name="errorBody"/> describe the answer.</summary>
        public static EvalResultsRequest? Parse(byte[] body, bool strictUnknownKeys, out int status, out byte[]? errorBody)
        {
            status = 200;
            errorBody = null;
            var errors = new ValidationErrors();
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 256 });
            }
            catch (JsonException ex)
            {
                status = 422;
                errorBody = body.Length == 0 || body.All(b => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
                    ? ValidationErrors.Missing()
                    : ValidationErrors.JsonInvalid(CharOffset(body, ex));
                return null;
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Null)
                {
                    // FastAPI treats a JSON null body like a missing one.
                    status = 422;
                    errorBody = ValidationErrors.Missing();
                    return null;
                }
                if (root.ValueKind != JsonValueKind.Object)
                {
                    errors.Add("model_attributes_type", new object[] { "body" }, "Input should be a valid dictionary or object to extract fields from", root);
                    status = 422;
                    errorBody = errors.ToBytes();
                    return null;
                }

                var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                var extras = new List<(string Name, JsonElement Value)>();
                foreach (var property in root.EnumerateObject())
                {
                    if (KnownFields.Contains(property.Name, StringComparer.Ordinal)) fields[property.Name] = property.Value;
                    else
                    {
                        extras.RemoveAll(e => e.Name == property.Name);
                        extras.Add((property.Name, property.Value));
                    }
                }

                var request = new EvalResultsRequest();
                var callIds = StringList(fields, "evaluation_call_ids", errors);
                var runIds = StringList(fields, "evaluation_run_ids", errors);
                request.RequireIntersection = Bool(fields, "require_intersection", false, errors);
                request.IncludeRawDataRows = Bool(fields, "include_raw_data_rows", false, errors);
                request.ResolveRowRefs = Bool(fields, "resolve_row_refs", false, errors);
                request.IncludeRows = Bool(fields, "include_rows", true, errors);
                request.IncludeSummary = Bool(fields, "include_summary", false, errors);
                request.SummaryRequireIntersection = NullableBool(fields, "summary_require_intersection", errors);
                request.IncludeChildren = Bool(fields, "include_predict_and_score_children", true, errors);
                request.IncludeCosts = Bool(fields, "include_costs", false, errors);
                request.SortBy = SortList(fields, strictUnknownKeys, errors);
                var filterElements = FilterList(fields, strictUnknownKeys, errors);
                request.AndLogic = Literal(fields, "filter_logic_operator", new[] { "and", "or" }, "or", new object[] { "body", "filter_logic_operator" }, errors) == "and";
                request.Limit = Integer(fields, "limit", nullable: true, errors);
                request.Offset = Integer(fields, "offset", nullable: false, errors) ?? 0;
                if (strictUnknownKeys)
                {
                    foreach (var (name, value) in extras)
                    {
                        errors.Add("extra_forbidden", new object[] { "body", name }, "Extra inputs are not permitted", value);
                    }
                }

                if (errors.Count == 0 && (callIds is null || callIds.Count == 0) && (runIds is null || runIds.Count == 0))
                {
                    errors.Add("value_error", new object[] { "body" },
                        "Value error, At least one of evaluation_call_ids or evaluation_run_ids must be provided", root, emptyErrorContext: true);
                }

                if (errors.Count > 0)
                {
                    status = 422;
                    errorBody = errors.ToBytes();
                    return null;
                }

                request.RootIds = (callIds ?? new List<string>()).Concat(runIds ?? new List<string>()).Distinct(StringComparer.Ordinal).ToList();

                foreach (var sort in request.SortBy)
                {
                    if (!(sort.Field.StartsWith("scores.", StringComparison.Ordinal) || sort.Field.StartsWith("inputs.", StringComparison.Ordinal)
                        || sort.Field.StartsWith("output.", StringComparison.Ordinal)))
                    {
                        return BadRequest($"Unsupported sort field: '{sort.Field}'. Supported: scores.*, inputs.*, output.*.", out status, out errorBody);
                    }
                    if (sort.Difference && !sort.Field.StartsWith("scores.", StringComparison.Ordinal))
                    {
                        return BadRequest($"mode='difference' only supports numeric fields (scores.*), got '{sort.Field}'.", out status, out errorBody);
                    }
                }

                var filters = new List<EvalResultsFilter>();
                foreach (var (scope, query, index) in filterElements)
                {
                    FilterExpression expression;
                    try
                    {
                        expression = FilterExpression.Parse(query.GetProperty("$expr"));
                    }
                    catch (FilterSyntaxException ex)
                    {
                        errors.Add("value_error", new object[] { "body", "filters", index, "query", "$expr" }, "Value error, " + ex.Message, query.GetProperty("$expr"), emptyErrorContext: true);
                        status = 422;
                        errorBody = errors.ToBytes();
                        return null;
                    }
                    var unsupported = expression.Fields().FirstOrDefault(f => !FilterExpression.IsSupportedField(f));
                    if (unsupported is not null)
                    {
                        return BadRequest($"Unsupported eval results field: '{unsupported}'. Supported prefixes: scores.*, inputs.*, output.*, row_digest.", out status, out errorBody);
                    }
                    filters.Add(new EvalResultsFilter(scope, expression));
                }
                request.Filters = filters;

                request.SelectionKey = string.Join("\u001f",
                    request.SortBy.Select(s => $"{s.Field}\u001e{s.Descending}\u001e{s.EvaluationCallId}\u001e{s.Difference}"))
                    + "\u001d" + string.Join("\u001f", filterElements.Select(f => f.Scope + "\u001e" + f.Query.GetRawText()))
                    + "\u001d" + (filters.Count > 0 && request.AndLogic ? "and" : "or");
                return request;
            }
        }

        private static EvalResultsRequest? BadRequest(string reason, out int status, out byte[]? body)
        {
            status = 400;
            body = ErrorBodies.Reason(reason);
            return null;
        }

        private static List<string>? StringList(Dictionary<string, JsonElement> fields, string name, ValidationErrors errors)
        {
            if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind != JsonValueKind.Array)
            {
                errors.Add("list_type", new object[] { "body", name }, "Input should be a valid list", value);
                return null;
            }
            var list = new List<string>();
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String) list.Add(item.GetString()!);
                else errors.Add("string_type", new object[] { "body", name, index }, "Input should be a valid string", item);
                index++;
            }
            return list;
        }

        private static bool Bool(Dictionary<string, JsonElement> fields, string name, bool defaultValue, ValidationErrors errors) =>
            fields.TryGetValue(name, out var value) ? LaxBool(value, new object[] { "body", name }, errors) ?? defaultValue : defaultValue;

        private static bool? NullableBool(Dictionary<string, JsonElement> fields, string name, ValidationErrors errors)
        {
            if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            return LaxBool(value, new object[] { "body", name }, errors);
        }

        private static bool? LaxBool(JsonElement value, object[] loc, ValidationErrors errors)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.Number:
                    if (value.TryGetDouble(out var number) && (number == 0 || number == 1)) return number == 1;
                    break;
                case JsonValueKind.String:
                    var text = value.GetString()!.Trim().ToLowerInvariant();
                    if (TrueWords.Contains(text)) return true;
                    if (FalseWords.Contains(text)) return false;
                    break;
                default:
                    errors.Add("bool_type", loc, "Input should be a valid boolean", value);
                    return null;
            }
            errors.Add("bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", value);
            return null;
        }

        private static long? Integer(Dictionary<string, JsonElement> fields, string name, bool nullable, ValidationErrors errors)
        {
            if (!fields.TryGetValue(name, out var value)) return null;
            var loc = new object[] { "body", name };
            switch (value.ValueKind)
            {
                case JsonValueKind.Null when nullable:
                    return null;
                case JsonValueKind.Number:
                    if (value.TryGetInt64(out var whole)) return whole;
                    var number = value.GetDouble();
                    if (Math.Floor(number) == number && Math.Abs(number) < 9.2e18) return (long)number;
                    errors.Add("int_from_float", loc, "Input should be a valid integer, got a number with a fractional part", value);
                    return null;
                case JsonValueKind.True:
                    return 1;
                case JsonValueKind.False:
                    return 0;
                case JsonValueKind.String:
                    if (long.TryParse(value.GetString()!.Trim().Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)) return parsed;
                    errors.Add("int_parsing", loc, "Input should be a valid integer, unable to parse string as an integer", value);
                    return null;
                default:
                    errors.Add("int_type", loc, "Input should be a valid integer", value);
                    return null;
            }
        }

        private static string? Literal(Dictionary<string, JsonElement> fields, string name, string[] allowed, string? defaultValue, object[] loc, ValidationErrors errors) =>
            fields.TryGetValue(name, out var value) ? LiteralValue(value, allowed, loc, errors) : defaultValue;

        private static string? LiteralValue(JsonElement value, string[] allowed, object[] loc, ValidationErrors errors)
        {
            if (value.ValueKind == JsonValueKind.String && allowed.Contains(value.GetString(), StringComparer.Ordinal)) return value.GetString();
            var expected = string.Join(" or ", allowed.Select(a => $"'{a}'"));
            errors.Add("literal_error", loc, "Input should be " + expected, value, context: expected);
            return null;
        }

        private static string? OptionalString(JsonElement item, string name, object[] prefix, ValidationErrors errors)
        {
            if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind == JsonValueKind.String) return value.GetString();
            errors.Add("string_type", prefix.Append(name).ToArray(), "Input should be a valid string", value);
            return null;
        }

        private static IReadOnlyList<EvalResultsSort> SortList(Dictionary<string, JsonElement> fields, bool strict, ValidationErrors errors)
        {
            var result = new List<EvalResultsSort>();
            foreach (var (item, loc) in ModelList(fields, "sort_by", "EvalResultsSortBy", errors))
            {
                var before = errors.Count;
                string? field = null;
                if (!item.TryGetProperty("field", out var fieldValue)) errors.Add("missing", loc.Append("field").ToArray(), "Field required", item);
                else if (fieldValue.ValueKind != JsonValueKind.String) errors.Add("string_type", loc.Append("field").ToArray(), "Input should be a valid string", fieldValue);
                else field = fieldValue.GetString();
                string? direction = null;
                if (!item.TryGetProperty("direction", out var directionValue)) errors.Add("missing", loc.Append("direction").ToArray(), "Field required", item);
                else direction = LiteralValue(directionValue, new[] { "asc", "desc" }, loc.Append("direction").ToArray(), errors);
                var scope = OptionalString(item, "evaluation_call_id", loc, errors);
                var mode = item.TryGetProperty("mode", out var modeValue)
                    ? LiteralValue(modeValue, new[] { "value", "difference" }, loc.Append("mode").ToArray(), errors)
                    : "value";
                ForbidExtras(item, strict, loc, new[] { "field", "direction", "evaluation_call_id", "mode" }, errors);
                if (errors.Count == before) result.Add(new EvalResultsSort(field!, direction == "desc", scope, mode == "difference"));
            }
            return result;
        }

        private static List<(string? Scope, JsonElement Query, int Index)> FilterList(Dictionary<string, JsonElement> fields, bool strict, ValidationErrors errors)
        {
            var result = new List<(string?, JsonElement, int)>();
            foreach (var (item, loc) in ModelList(fields, "filters", "EvalResultsFilter", errors))
            {
                var before = errors.Count;
                var scope = OptionalString(item, "evaluation_call_id", loc, errors);
                if (!item.TryGetProperty("query", out var query)) errors.Add("missing", loc.Append("query").ToArray(), "Field required", item);
                else if (query.ValueKind != JsonValueKind.Object)
                {
                    errors.Add("model_type", loc.Append("query").ToArray(), "Input should be a valid dictionary or instance of Query", query, classContext: "Query");
                }
                else
                {
                    if (!query.TryGetProperty("$expr", out _)) errors.Add("missing", loc.Append("query").Append("$expr").ToArray(), "Field required", query);
                    // The Query model keeps extra="forbid" on every server version.
                    ForbidExtras(query, true, loc.Append("query").ToArray(), new[] { "$expr" }, errors);
                }
                ForbidExtras(item, strict, loc, new[] { "evaluation_call_id", "query" }, errors);
                if (errors.Count == before) result.Add((scope, query, (int)loc[^1]));
            }
            return result;
        }

        private static IEnumerable<(JsonElement Item, object[] Loc)> ModelList(Dictionary<string, JsonElement> fields, string name, string className, ValidationErrors errors)
        {
            if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null) yield break;
            if (value.ValueKind != JsonValueKind.Array)
            {
                errors.Add("list_type", new object[] { "body", name }, "Input should be a valid list", value);
                yield break;
            }
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var loc = new object[] { "body", name, index++ };
                if (item.ValueKind != JsonValueKind.Object)
                {
                    errors.Add("model_type", loc, $"Input should be a valid dictionary or instance of {className}", item, classContext: className);
                    continue;
                }
                yield return (item, loc);
            }
        }

        private static void ForbidExtras(JsonElement item, bool strict, object[] loc, string[] known, ValidationErrors errors)
        {
            if (!strict) return;
            foreach (var property in item.EnumerateObject())
            {
                if (!known.Contains(property.Name, StringComparer.Ordinal))
                {
                    errors.Add("extra_forbidden", loc.Append(property.Name).ToArray(), "Extra inputs are not permitted", property.Value);
                }
            }
        }

        /// <summary>Python's <c>JSONDecodeError.pos</c>: a character (not byte) offset into the body.</summary>
        private static int CharOffset(byte[] body, JsonException ex)
        {
            var line = ex.LineNumber ?? 0;
            var bytesInLine = ex.BytePositionInLine ?? 0;
            var position = 0;
            for (var l = 0; l < line && position < body.Length; position++)
            {
                if (body[position] == (byte)'\n') l++;
            }
            var byteOffset = (int)Math.Min(body.Length, position + bytesInLine);
            return Encoding.UTF8.GetCharCount(body, 0, byteOffset);
        }

        /// <summary>Accumulates FastAPI's <c>{"detail": [...]}</c> items.</summary>
        private sealed class ValidationErrors
        {
            private readonly MemoryStream buffer = new();
            private readonly Utf8JsonWriter writer;

            public ValidationErrors()
            {
                writer = new Utf8JsonWriter(buffer, Json.WireWriter);
                writer.WriteStartObject();
                writer.WriteStartArray("detail");
            }

            public int Count { get; private set; }

            public void Add(string type, object[] loc, string message, JsonElement input,
                string? context = null, string? classContext = null, bool emptyErrorContext = false)
            {
                Count++;
                writer.WriteStartObject();
                writer.WriteString("type", type);
                writer.WriteStartArray("loc");
                foreach (var part in loc)
                {
                    if (part is int index) writer.WriteNumberValue(index);
                    else writer.WriteStringValue((string)part);
                }
                writer.WriteEndArray();
                writer.WriteString("msg", message);
                writer.WritePropertyName("input");
                input.WriteTo(writer);
                if (context is not null)
                {
                    writer.WriteStartObject("ctx");
                    writer.WriteString("expected", context);
                    writer.WriteEndObject();
                }
                if (classContext is not null)
                {
                    writer.WriteStartObject("ctx");
                    writer.WriteString("class_name", classContext);
                    writer.WriteEndObject();
                }
                if (emptyErrorContext)
                {
                    writer.WriteStartObject("ctx");
                    writer.WriteStartObject("error");
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }

            public byte[] ToBytes()
            {
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.Flush();
                return buffer.ToArray();
            }

            public static byte[] JsonInvalid(int position) => Raw(
                $"{{\"type\":\"json_invalid\",\"loc\":[\"body\",{position}],\"msg\":\"JSON decode error\",\"input\":{{}},\"ctx\":{{\"error\":\"Expecting value\"}}}}");

            public static byte[] Missing() => Raw("{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}");

            private static byte[] Raw(string item) => Encoding.UTF8.GetBytes("{\"detail\":[" + item + "]}");
        }
    }

    /// <summary>The trace server's application error body <c>{"reason": …}</c>.</summary>
    internal static class ErrorBodies
    {
        public static byte[] Reason(string reason)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Json.WireWriter))
            {
                writer.WriteStartObject();
                writer.WriteString("reason", reason);
                writer.WriteEndObject();
            }
            return buffer.ToArray();
        }
    }
}
