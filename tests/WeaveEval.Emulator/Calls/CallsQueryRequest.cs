using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Calls
{
    /// <summary>
    /// The body of <c>/calls/stream_query</c> and <c>/calls/query_stats</c>, validated
    /// as pydantic would: type errors collected into FastAPI's 422 list, unknown keys ignored.
    /// </summary>
    internal sealed class CallsQueryRequest
    {
        private const int MaximumFilterValues = 1000;

        public string ProjectId { get; private set; } = "";
        public CallsFilter Filter { get; private set; } = new();
        public QueryExpression? Query { get; private set; }
        public List<(string Field, bool Descending)> SortBy { get; } = new();
        public long? Limit { get; private set; }
        public long? Offset { get; private set; }
        public HashSet<string>? Columns { get; private set; }
        public List<string> ExpandColumns { get; private set; } = new();
        public bool ReturnExpandedColumnValues { get; private set; } = true;
        public bool IncludeFeedback { get; private set; }
        public bool IncludeStorageSize { get; private set; }
        public bool IncludeTotalStorageSize { get; private set; }

        /// <summary>Parses a body; FastAPI-shaped problems go to <paramref name="errors"/>, semantic ones throw <see cref="CallsQueryException"/>.</summary>
        public static CallsQueryRequest Parse(byte[] body, List<ValidationError> errors)
        {
            var request = new CallsQueryRequest();
            if (body.Length == 0)
            {
                errors.Add(new ValidationError("missing", ValidationError.Loc("body"), "Field required", null));
                return request;
            }
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException error)
            {
                errors.Add(new ValidationError("json_invalid", ValidationError.Loc("body", ErrorOffset(body, error)), "JSON decode error", new JsonObject(),
                    new JsonObject { ["error"] = "Expecting value" }));
                return request;
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new ValidationError("model_attributes_type", ValidationError.Loc("body"), "Input should be a valid dictionary or object to extract fields from", JsonNode.Parse(root.GetRawText())));
                    return request;
                }
                request.Read(root, errors);
            }
            return request;
        }

        /// <summary>FastAPI reports the offset of the error in the whole body; the reader knows line and column.</summary>
        internal static int ErrorOffset(byte[] body, JsonException error)
        {
            var offset = 0;
            for (var line = 0L; line < (error.LineNumber ?? 0) && offset < body.Length; offset++)
            {
                if (body[offset] == (byte)'\n') line++;
            }
            return offset + (int)(error.BytePositionInLine ?? 0);
        }

        private void Read(JsonElement root, List<ValidationError> errors)
        {
            if (!root.TryGetProperty("project_id", out var projectId)) errors.Add(ValidationError.Missing(ValidationError.Loc("body", "project_id"), JsonNode.Parse(root.GetRawText())));
            else if (projectId.ValueKind != JsonValueKind.String) errors.Add(new ValidationError("string_type", ValidationError.Loc("body", "project_id"), "Input should be a valid string", JsonNode.Parse(projectId.GetRawText())));
            else ProjectId = projectId.GetString()!;

            if (Present(root, "filter", out var filter)) Filter = CallsFilter.Read(filter, errors);
            if (Present(root, "query", out var query)) Query = QueryExpression.Compile(query, errors);
            if (Present(root, "sort_by", out var sortBy)) ReadSort(sortBy, errors);
            Limit = ReadInteger(root, "limit", errors);
            Offset = ReadInteger(root, "offset", errors);
            if (Present(root, "columns", out var columns))
            {
                Columns = ReadStrings(columns, errors, "columns")?.Select(c => c.Split('.')[0]).ToHashSet();
            }
            if (Present(root, "expand_columns", out var expand)) ExpandColumns = ReadStrings(expand, errors, "expand_columns") ?? new List<string>();
            ReturnExpandedColumnValues = !Present(root, "return_expanded_column_values", out _) || ReadBool(root, "return_expanded_column_values", errors);
            IncludeFeedback = ReadBool(root, "include_feedback", errors);
            IncludeStorageSize = ReadBool(root, "include_storage_size", errors);
            IncludeTotalStorageSize = ReadBool(root, "include_total_storage_size", errors);

            if (errors.Count > 0) return;
            if (Limit < 0) throw new CallsQueryException(400, "Limit must be a positive integer");
            if (Offset < 0) throw new CallsQueryException(400, "Offset must be a positive integer");
            foreach (var column in Columns ?? Enumerable.Empty<string>())
            {
                if (column != "project_id") CallFields.Validate(column);
            }
        }

        private void ReadSort(JsonElement sortBy, List<ValidationError> errors)
        {
            if (sortBy.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new ValidationError("list_type", ValidationError.Loc("body", "sort_by"), "Input should be a valid list", JsonNode.Parse(sortBy.GetRawText())));
                return;
            }
            var index = 0;
            foreach (var item in sortBy.EnumerateArray())
            {
                var at = index++;
                if (item.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new ValidationError("model_attributes_type", ValidationError.Loc("body", "sort_by", at), "Input should be a valid dictionary or object to extract fields from", JsonNode.Parse(item.GetRawText())));
                    continue;
                }
                string? field = null;
                if (!item.TryGetProperty("field", out var fieldJson)) errors.Add(ValidationError.Missing(ValidationError.Loc("body", "sort_by", at, "field"), JsonNode.Parse(item.GetRawText())));
                else if (fieldJson.ValueKind != JsonValueKind.String) errors.Add(new ValidationError("string_type", ValidationError.Loc("body", "sort_by", at, "field"), "Input should be a valid string", JsonNode.Parse(fieldJson.GetRawText())));
                else field = fieldJson.GetString();

                bool? descending = null;
                if (!item.TryGetProperty("direction", out var direction)) errors.Add(ValidationError.Missing(ValidationError.Loc("body", "sort_by", at, "direction"), JsonNode.Parse(item.GetRawText())));
                else if (direction.ValueKind == JsonValueKind.String && direction.GetString() is "asc" or "desc") descending = direction.GetString() == "desc";
                else errors.Add(ValidationError.Literal(ValidationError.Loc("body", "sort_by", at, "direction"), JsonNode.Parse(direction.GetRawText()), "'asc' or 'desc'"));

                if (field is not null && descending is bool isDescending) SortBy.Add((field, isDescending));
            }
            if (errors.Count > 0) return;
            foreach (var (field, _) in SortBy)
            {
                if (field is "storage_size_bytes" or "total_storage_size_bytes") throw new CallsQueryException(400, $"Field {field} is not allowed in ORDER BY");
                CallFields.Validate(field);
            }
        }

        /// <summary>True when the key is there and not null (null means "not given" for every optional field).</summary>
        private static bool Present(JsonElement root, string name, out JsonElement value) =>
            root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

        private static long? ReadInteger(JsonElement root, string name, List<ValidationError> errors)
        {
            if (!Present(root, name, out var value)) return null;
            switch (value.ValueKind)
            {
                case JsonValueKind.Number when value.TryGetInt64(out var whole):
                    return whole;
                case JsonValueKind.Number when value.TryGetDouble(out var number) && number == Math.Floor(number):
                    return (long)number;
                case JsonValueKind.Number:
                    errors.Add(new ValidationError("int_from_float", ValidationError.Loc("body", name), "Input should be a valid integer, got a number with a fractional part", JsonNode.Parse(value.GetRawText())));
                    return null;
                case JsonValueKind.String when long.TryParse(value.GetString()!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed):
                    return parsed;
                case JsonValueKind.String:
                    errors.Add(ValidationError.IntParsing(ValidationError.Loc("body", name), value.GetString()!));
                    return null;
                default:
                    errors.Add(new ValidationError("int_type", ValidationError.Loc("body", name), "Input should be a valid integer", JsonNode.Parse(value.GetRawText())));
                    return null;
            }
        }

        private static bool ReadBool(JsonElement root, string name, List<ValidationError> errors)
        {
            if (!Present(root, name, out var value)) return false;
            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
            errors.Add(new ValidationError("bool_type", ValidationError.Loc("body", name), "Input should be a valid boolean", JsonNode.Parse(value.GetRawText())));
            return false;
        }

        internal static List<string>? ReadStrings(JsonElement value, List<ValidationError> errors, params object[] location)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new ValidationError("list_type", ValidationError.Loc(location.Prepend("body").ToArray()), "Input should be a valid list", JsonNode.Parse(value.GetRawText())));
                return null;
            }
            var strings = new List<string>();
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String) strings.Add(item.GetString()!);
                else errors.Add(new ValidationError("string_type", ValidationError.Loc(location.Prepend("body").Append(index).ToArray()), "Input should be a valid string", JsonNode.Parse(item.GetRawText())));
                index++;
            }
            return strings;
        }

        internal static void CheckLength(string name, List<string>? values)
        {
            if (values is not null && values.Count > MaximumFilterValues)
            {
                throw new CallsQueryException(400, $"Parameter: '{name}' request length is greater than max length ({MaximumFilterValues}). Actual length: {values.Count}");
            }
        }
    }
}
