using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Calls;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Writes
{
    /// <summary>
    /// Reads the fields of a write request as the server's pydantic models do: every problem becomes one
    /// entry of FastAPI's 422 list (location, type, message, input), a null optional field counts as
    /// absent, unknown keys are ignored. Also collects the project ids the request touches.
    /// </summary>
    internal sealed class BodyReader
    {
        public List<ValidationError> Errors { get; } = new();

        public HashSet<string> ProjectIds { get; } = new(StringComparer.Ordinal);

        /// <summary>The body as a JSON object, or null after recording why not.</summary>
        public JsonObject? Root(byte[] body)
        {
            if (body.Length == 0)
            {
                Errors.Add(ValidationError.Missing(ValidationError.Loc("body"), null));
                return null;
            }
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(body);
            }
            catch (JsonException error)
            {
                Errors.Add(new ValidationError("json_invalid", ValidationError.Loc("body", CallsQueryRequest.ErrorOffset(body, error)), "JSON decode error",
                    new JsonObject(), new JsonObject { ["error"] = "Expecting value" }));
                return null;
            }
            if (root is JsonObject obj) return obj;
            Errors.Add(new ValidationError("model_attributes_type", ValidationError.Loc("body"), "Input should be a valid dictionary or object to extract fields from", root?.DeepClone()));
            return null;
        }

        public string? Project(JsonObject parent, object[] at)
        {
            var projectId = String(parent, "project_id", at, required: true);
            if (projectId is not null) ProjectIds.Add(projectId);
            return projectId;
        }

        public string? String(JsonObject parent, string key, object[] at, bool required)
        {
            const string type = "string_type", message = "Input should be a valid string";
            if (!TryField(parent, key, at, required, type, message, out var value)) return null;
            if (value is JsonValue text && text.GetValueKind() == JsonValueKind.String) return text.GetValue<string>();
            Errors.Add(new ValidationError(type, Loc(at, key), message, value!.DeepClone()));
            return null;
        }

        public JsonObject? Object(JsonObject parent, string key, object[] at, bool required)
        {
            const string type = "dict_type", message = "Input should be a valid dictionary";
            if (!TryField(parent, key, at, required, type, message, out var value)) return null;
            if (value is JsonObject obj) return obj;
            Errors.Add(new ValidationError(type, Loc(at, key), message, value!.DeepClone()));
            return null;
        }

        public JsonArray? Array(JsonObject parent, string key, object[] at, bool required)
        {
            const string type = "list_type", message = "Input should be a valid list";
            if (!TryField(parent, key, at, required, type, message, out var value)) return null;
            if (value is JsonArray array) return array;
            Errors.Add(new ValidationError(type, Loc(at, key), message, value!.DeepClone()));
            return null;
        }

        public long? Integer(JsonObject parent, string key, object[] at)
        {
            const string type = "int_type", message = "Input should be a valid integer";
            if (!TryField(parent, key, at, required: false, type, message, out var value)) return null;
            if (value is JsonValue number && number.GetValueKind() == JsonValueKind.Number && number.TryGetValue(out long whole)) return whole;
            Errors.Add(new ValidationError(type, Loc(at, key), message, value!.DeepClone()));
            return null;
        }

        /// <summary>An ISO 8601 time (the SDKs send <c>Date.toISOString()</c> or Python's <c>isoformat()</c>), as UTC.</summary>
        public DateTime? Time(JsonObject parent, string key, object[] at)
        {
            const string type = "datetime_type", message = "Input should be a valid datetime";
            if (!TryField(parent, key, at, required: true, type, message, out var value)) return null;
            if (value is JsonValue text && text.GetValueKind() == JsonValueKind.String
                && DateTime.TryParse(text.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            {
                return DateTime.SpecifyKind(time, DateTimeKind.Utc);
            }
            Errors.Add(new ValidationError("datetime_from_date_parsing", Loc(at, key), "Input should be a valid datetime or date", value!.DeepClone()));
            return null;
        }

        public static object[] At(object[] at, params object[] more) => at.Concat(more).ToArray();

        /// <summary>
        /// True with the value when the key holds one. A missing required key is recorded as <c>missing</c>,
        /// a null in a required field as the field's type error (pydantic's rules); absent or null optional
        /// fields are simply false.
        /// </summary>
        private bool TryField(JsonObject parent, string key, object[] at, bool required, string type, string message, out JsonNode? value)
        {
            var present = parent.TryGetPropertyValue(key, out value);
            if (value is not null) return true;
            if (!required) return false;
            Errors.Add(present
                ? new ValidationError(type, Loc(at, key), message, null)
                : ValidationError.Missing(Loc(at, key), parent.DeepClone()));
            return false;
        }

        private static JsonArray Loc(object[] at, string key) => ValidationError.Loc(At(at, key));
    }
}
