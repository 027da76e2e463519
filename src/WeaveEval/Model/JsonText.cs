using System;
using System.Buffers;
using System.Collections;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace WeaveEval
{
    /// <summary>
    /// Converts between UTF-8 JSON and the plain value tree the module hands to PowerShell:
    /// <see cref="JsonMap"/>, <see cref="JsonList"/>, string, bool, long, double and null.
    /// </summary>
    public static class JsonText
    {
        // A property, not a static field: PowerShell loads this public type before the module's assembly resolver
        // exists (Windows PowerShell), and a value-type static field would make that load need System.Text.Json.
        internal static JsonWriterOptions CompactOptions => new JsonWriterOptions
        {
            Indented = false,
            // Spreadsheet cells should show the text as people wrote it, not \u escapes.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        // One box per truth value for every true/false of a parse (a box per score per trial before).
        private static readonly object BoxedTrue = true;
        private static readonly object BoxedFalse = false;

        /// <summary>Reads the value the reader is positioned on (its first token must be current) into the value tree.</summary>
        [MethodImpl(HotPath.Optimize)]
        public static object? ReadValue(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    return ReadObject(ref reader);
                case JsonTokenType.StartArray:
                    var list = new JsonList();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) list.Add(ReadValue(ref reader));
                    return list;
                case JsonTokenType.String:
                    return reader.GetString();
                case JsonTokenType.Number:
                    return ReadNumber(ref reader);
                case JsonTokenType.True:
                    return BoxedTrue;
                case JsonTokenType.False:
                    return BoxedFalse;
                case JsonTokenType.Null:
                    return null;
                default:
                    throw new JsonException($"Unexpected JSON token {reader.TokenType}.");
            }
        }

        /// <summary>Parses a complete JSON text into the value tree.</summary>
        public static object? Parse(ReadOnlySpan<byte> utf8Json)
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read()) throw new JsonException("Empty JSON text.");
            var value = ReadValue(ref reader);
            if (reader.Read()) throw new JsonException("Unexpected data after the JSON value.");
            return value;
        }

        public static object? Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

        /// <summary>Compact JSON text of a value tree (or of any scalar).</summary>
        public static string Serialize(object? value)
        {
            using (var buffer = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(buffer, CompactOptions)) Write(writer, value);
                return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            }
        }

        [MethodImpl(HotPath.Optimize)]
        public static void Write(Utf8JsonWriter writer, object? value)
        {
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case string text:
                    writer.WriteStringValue(text);
                    break;
                case bool flag:
                    writer.WriteBooleanValue(flag);
                    break;
                case long integer:
                    writer.WriteNumberValue(integer);
                    break;
                case int integer:
                    writer.WriteNumberValue(integer);
                    break;
                case double number:
                    writer.WriteNumberValue(number);
                    break;
                case decimal number:
                    writer.WriteNumberValue(number);
                    break;
                case DateTime time:
                    writer.WriteStringValue(time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case JsonMap map:
                    writer.WriteStartObject();
                    for (var i = 0; i < map.Count; i++)
                    {
                        writer.WritePropertyName(map.KeyAt(i));
                        Write(writer, map.ValueAt(i));
                    }
                    writer.WriteEndObject();
                    break;
                case IDictionary dictionary:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        writer.WritePropertyName(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
                        Write(writer, entry.Value);
                    }
                    writer.WriteEndObject();
                    break;
                case IEnumerable sequence:
                    writer.WriteStartArray();
                    foreach (var item in sequence) Write(writer, item);
                    writer.WriteEndArray();
                    break;
                default:
                    writer.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }

        [MethodImpl(HotPath.Optimize)]
        private static JsonMap ReadObject(ref Utf8JsonReader reader)
        {
            var map = new JsonMap();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var key = JsonNames.Read(ref reader);
                reader.Read();
                var value = ReadValue(ref reader);
                if (!map.TryAdd(key, value))
                {
                    // Keys that differ only by case: keep every one of them in an ordinal map.
                    map = CopyCaseSensitive(map);
                    map[key] = value;
                }
            }
            return map;
        }

        private static JsonMap CopyCaseSensitive(JsonMap source)
        {
            if (source.IsCaseSensitive) return source;
            var copy = JsonMap.CreateCaseSensitive();
            foreach (var pair in source) copy[pair.Key] = pair.Value;
            return copy;
        }

        [MethodImpl(HotPath.Optimize)]
        private static object ReadNumber(ref Utf8JsonReader reader)
        {
            ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
            if (raw.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0 && reader.TryGetInt64(out var integer)) return integer;
            return reader.GetDouble();
        }
    }
}
