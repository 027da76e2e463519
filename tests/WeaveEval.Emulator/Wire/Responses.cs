using System.Collections.Generic;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace WeaveEval.Emulator.Wire
{
    /// <summary>Response bodies in the trace server's two error shapes and plain JSON.</summary>
    public static class Responses
    {
        public const string Json = "application/json";
        public const string JsonLines = "application/jsonl";

        public static async Task WriteJsonAsync(HttpContext context, int status, byte[] body)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = Json;
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }

        public static Task WriteJsonAsync(HttpContext context, int status, JsonNode body) =>
            WriteJsonAsync(context, status, PyJson.Serialize(body));

        /// <summary>Application error: <c>{"reason": message}</c>.</summary>
        public static Task ReasonAsync(HttpContext context, int status, string message) =>
            WriteJsonAsync(context, status, new JsonObject { ["reason"] = message });

        /// <summary>Routing error: <c>{"detail": "Not Found"}</c>.</summary>
        public static Task DetailAsync(HttpContext context, int status, string detail) =>
            WriteJsonAsync(context, status, new JsonObject { ["detail"] = detail });

        /// <summary>FastAPI request validation failure: 422 <c>{"detail": [ … ]}</c>.</summary>
        public static Task ValidationAsync(HttpContext context, IEnumerable<ValidationError> errors)
        {
            var detail = new JsonArray();
            foreach (var error in errors) detail.Add(error.ToJson());
            return WriteJsonAsync(context, 422, new JsonObject { ["detail"] = detail });
        }
    }

    /// <summary>One entry of a FastAPI 422 <c>detail</c> list.</summary>
    public sealed class ValidationError
    {
        public ValidationError(string type, JsonArray location, string message, JsonNode? input, JsonObject? context = null)
        {
            Type = type;
            Location = location;
            Message = message;
            Input = input;
            Context = context;
        }

        public string Type { get; }
        public JsonArray Location { get; }
        public string Message { get; }
        public JsonNode? Input { get; }
        public JsonObject? Context { get; }

        public static JsonArray Loc(params object[] parts)
        {
            var location = new JsonArray();
            foreach (var part in parts) location.Add(part is int index ? JsonValue.Create(index) : JsonValue.Create(part.ToString()));
            return location;
        }

        public static ValidationError IntParsing(JsonArray location, string input) =>
            new("int_parsing", location, "Input should be a valid integer, unable to parse string as an integer", input);

        public static ValidationError Missing(JsonArray location, JsonNode? input) =>
            new("missing", location, "Field required", input);

        public static ValidationError Literal(JsonArray location, JsonNode? input, string expected) =>
            new("literal_error", location, $"Input should be {expected}", input, new JsonObject { ["expected"] = expected });

        public JsonObject ToJson()
        {
            var entry = new JsonObject
            {
                ["type"] = Type,
                ["loc"] = Location.DeepClone(),
                ["msg"] = Message,
                ["input"] = Input?.DeepClone(),
            };
            if (Context is not null) entry["ctx"] = Context.DeepClone();
            return entry;
        }
    }
}
