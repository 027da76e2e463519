using System;
using System.Text.Json;

namespace WeaveEval.Emulator.Routes
{
    /// <summary>Reads single values out of the store's compact JSON columns without building node trees.</summary>
    internal static class StoredJson
    {
        /// <summary>The element at a dotted path (integer segments index arrays), cloned so it outlives the document; null when absent.</summary>
        public static JsonElement? Find(byte[]? json, params string[] path)
        {
            if (json is null) return null;
            using var document = JsonDocument.Parse(json);
            var found = Find(document.RootElement, path);
            return found?.Clone();
        }

        public static JsonElement? Find(JsonElement root, string[] path)
        {
            var current = root;
            foreach (var segment in path)
            {
                if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child)) current = child;
                else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index >= 0 && index < current.GetArrayLength()) current = current[index];
                else return null;
            }
            return current;
        }

        /// <summary>The string at a path, or null when absent or not a string.</summary>
        public static string? String(byte[]? json, params string[] path) =>
            Find(json, path) is { ValueKind: JsonValueKind.String } element ? element.GetString() : null;

        /// <summary>Cheap pre-check on compact JSON before parsing: can this column contain <paramref name="fragment"/> at all?</summary>
        public static bool Mentions(byte[]? json, ReadOnlySpan<byte> fragment) =>
            json is not null && json.AsSpan().IndexOf(fragment) >= 0;
    }
}
