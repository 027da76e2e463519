using System;
using System.Text;

namespace WeaveEval.Client
{
    /// <summary>Reads the server's reason out of both error body shapes: <c>{"reason"}</c> and FastAPI's <c>{"detail": str | [..]}</c>.</summary>
    internal static class ErrorBody
    {
        public static string? ParseReason(string? body)
        {
            if (string.IsNullOrWhiteSpace(body)) return null;
            object? value;
            try
            {
                value = JsonText.Parse(body!);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException || e is ArgumentException || e is InvalidOperationException)
            {
                return null;
            }
            if (!(value is JsonMap map)) return null;
            if (map["reason"] is string reason) return reason;
            switch (map["detail"])
            {
                case string detail:
                    return detail;
                case JsonList items:
                    var builder = new StringBuilder();
                    foreach (var item in items)
                    {
                        if (builder.Length > 0) builder.Append("; ");
                        if (item is JsonMap entry)
                        {
                            var location = Location(entry["loc"] as JsonList);
                            if (location.Length > 0) builder.Append(location).Append(": ");
                            builder.Append(entry["msg"] as string ?? entry.ToString());
                        }
                        else
                        {
                            builder.Append(item is string text ? text : JsonText.Serialize(item));
                        }
                    }
                    return builder.Length == 0 ? null : builder.ToString();
                case JsonMap other:
                    return other.ToString();
                default:
                    return null;
            }
        }

        private static string Location(JsonList? location)
        {
            if (location == null) return string.Empty;
            var builder = new StringBuilder();
            foreach (var part in location)
            {
                if (builder.Length > 0) builder.Append('.');
                builder.Append(part is string text ? text : JsonText.Serialize(part));
            }
            return builder.ToString();
        }
    }
}
