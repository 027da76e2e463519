using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WeaveEval.Emulator.Wire
{
    /// <summary>
    /// JSON text exactly as the Python trace server produces it. System.Text.Json differs in three
    /// ways that the contract cares about: it prints <c>1.0</c> as <c>1</c>, it escapes characters
    /// outside the Basic Multilingual Plane (emoji) even with the relaxed encoder, and it has no
    /// <c>json.dumps(sort_keys=True)</c> form for digests.
    /// </summary>
    public static class PyJson
    {
        /// <summary>Python <c>repr(float)</c>: shortest round trip, always a dot or an exponent (<c>1.0</c>, <c>0.7000000000000001</c>, <c>1e-05</c>).</summary>
        public static string FormatFloat(double value)
        {
            if (double.IsNaN(value)) return "NaN";
            if (double.IsPositiveInfinity(value)) return "Infinity";
            if (double.IsNegativeInfinity(value)) return "-Infinity";
            if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";

            var roundTrip = value.ToString("R", CultureInfo.InvariantCulture);
            var negative = roundTrip[0] == '-';
            if (negative) roundTrip = roundTrip.Substring(1);
            var exponentAt = roundTrip.IndexOfAny(new[] { 'E', 'e' });
            var exponent = exponentAt < 0 ? 0 : int.Parse(roundTrip.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            var mantissa = exponentAt < 0 ? roundTrip : roundTrip.Substring(0, exponentAt);
            var dot = mantissa.IndexOf('.');
            var integerPart = dot < 0 ? mantissa : mantissa.Substring(0, dot);
            var digits = (integerPart + (dot < 0 ? "" : mantissa.Substring(dot + 1))).TrimEnd('0');
            // Python's float_repr_style "short": the value is 0.<digits> × 10^pointPosition.
            var pointPosition = integerPart.Length + exponent;
            var leadingZeros = digits.Length - digits.TrimStart('0').Length;
            digits = digits.Substring(leadingZeros);
            pointPosition -= leadingZeros;

            var text = new StringBuilder(negative ? "-" : "");
            if (pointPosition > -4 && pointPosition <= 16)
            {
                if (pointPosition <= 0) text.Append("0.").Append('0', -pointPosition).Append(digits);
                else if (pointPosition >= digits.Length) text.Append(digits).Append('0', pointPosition - digits.Length).Append(".0");
                else text.Append(digits, 0, pointPosition).Append('.').Append(digits, pointPosition, digits.Length - pointPosition);
            }
            else
            {
                text.Append(digits[0]);
                if (digits.Length > 1) text.Append('.').Append(digits, 1, digits.Length - 1);
                var scientificExponent = pointPosition - 1;
                text.Append('e').Append(scientificExponent < 0 ? '-' : '+').Append(Math.Abs(scientificExponent).ToString("00", CultureInfo.InvariantCulture));
            }
            return text.ToString();
        }

        /// <summary>Writes a float the Python way (<c>1.0</c>, not <c>1</c>).</summary>
        public static void WriteFloat(Utf8JsonWriter writer, double value) =>
            writer.WriteRawValue(FormatFloat(value), skipInputValidation: true);

        public static void WriteFloat(Utf8JsonWriter writer, string propertyName, double value)
        {
            writer.WritePropertyName(propertyName);
            WriteFloat(writer, value);
        }

        /// <summary>Pydantic's JSON form of a UTC datetime: <c>2026-07-11T09:15:02.118000Z</c>, or <c>…:02Z</c> on a whole second.</summary>
        public static string FormatTimestamp(DateTime utc) => FormatSeconds(utc) + "Z";

        /// <summary>Python <c>datetime.isoformat()</c> of an aware UTC value: <c>2026-07-10T14:03:11.412000+00:00</c>.</summary>
        public static string FormatIsoOffset(DateTime utc) => FormatSeconds(utc) + "+00:00";

        private static string FormatSeconds(DateTime utc)
        {
            var whole = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
            var microseconds = utc.Ticks % TimeSpan.TicksPerSecond / 10;
            return microseconds == 0 ? whole : whole + "." + microseconds.ToString("000000", CultureInfo.InvariantCulture);
        }

        /// <summary>FastAPI's body form: compact, non-ASCII as raw UTF-8, floats as Python prints them.</summary>
        public static byte[] Serialize(JsonNode? node)
        {
            var text = new StringBuilder();
            Append(text, node, sortKeys: false, ensureAscii: false, itemSeparator: ",", keySeparator: ":");
            return Encoding.UTF8.GetBytes(text.ToString());
        }

        /// <summary>
        /// Python <c>json.dumps(value, sort_keys=True)</c> with its default separators and ASCII escaping —
        /// the text that Weave hashes into row and object digests.
        /// </summary>
        public static string DumpsSorted(JsonNode? node)
        {
            var text = new StringBuilder();
            Append(text, node, sortKeys: true, ensureAscii: true, itemSeparator: ", ", keySeparator: ": ");
            return text.ToString();
        }

        private static void Append(StringBuilder text, JsonNode? node, bool sortKeys, bool ensureAscii, string itemSeparator, string keySeparator)
        {
            switch (node)
            {
                case null:
                    text.Append("null");
                    break;
                case JsonObject obj:
                    text.Append('{');
                    IEnumerable<KeyValuePair<string, JsonNode?>> properties = sortKeys
                        ? obj.OrderBy(p => p.Key, StringComparer.Ordinal)
                        : obj;
                    var firstProperty = true;
                    foreach (var property in properties)
                    {
                        if (!firstProperty) text.Append(itemSeparator);
                        firstProperty = false;
                        AppendString(text, property.Key, ensureAscii);
                        text.Append(keySeparator);
                        Append(text, property.Value, sortKeys, ensureAscii, itemSeparator, keySeparator);
                    }
                    text.Append('}');
                    break;
                case JsonArray array:
                    text.Append('[');
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (i > 0) text.Append(itemSeparator);
                        Append(text, array[i], sortKeys, ensureAscii, itemSeparator, keySeparator);
                    }
                    text.Append(']');
                    break;
                case JsonValue value:
                    AppendScalar(text, value, ensureAscii);
                    break;
            }
        }

        private static void AppendScalar(StringBuilder text, JsonValue value, bool ensureAscii)
        {
            if (value.TryGetValue(out JsonElement element))
            {
                switch (element.ValueKind)
                {
                    case JsonValueKind.String: AppendString(text, element.GetString()!, ensureAscii); return;
                    case JsonValueKind.Number: text.Append(element.GetRawText()); return;
                    case JsonValueKind.True: text.Append("true"); return;
                    case JsonValueKind.False: text.Append("false"); return;
                    default: text.Append("null"); return;
                }
            }
            if (value.TryGetValue(out string? s)) AppendString(text, s, ensureAscii);
            else if (value.TryGetValue(out bool b)) text.Append(b ? "true" : "false");
            else if (value.TryGetValue(out double d)) text.Append(FormatFloat(d));
            else if (value.TryGetValue(out float f)) text.Append(FormatFloat(f));
            else if (value.TryGetValue(out decimal m)) text.Append(FormatFloat((double)m));
            else if (value.TryGetValue(out long l)) text.Append(l.ToString(CultureInfo.InvariantCulture));
            else if (value.TryGetValue(out int i)) text.Append(i.ToString(CultureInfo.InvariantCulture));
            else text.Append(value.ToJsonString());
        }

        /// <summary>A JSON string literal as Python writes it with <c>ensure_ascii=False</c> (raw UTF-8, emoji included).</summary>
        public static string Quote(string value)
        {
            var text = new StringBuilder(value.Length + 2);
            AppendString(text, value, ensureAscii: false);
            return text.ToString();
        }

        /// <summary>A JSON string literal as <c>json.dumps</c> writes it by default (<c>ensure_ascii=True</c>), for digest text.</summary>
        public static string QuoteAscii(string value)
        {
            var text = new StringBuilder(value.Length + 8);
            AppendString(text, value, ensureAscii: true);
            return text.ToString();
        }

        /// <summary>Python's string escaping: <c>"</c>, <c>\</c>, control characters; with <paramref name="ensureAscii"/> also every non-ASCII UTF-16 unit as <c>\uxxxx</c>.</summary>
        private static void AppendString(StringBuilder text, string value, bool ensureAscii)
        {
            text.Append('"');
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': text.Append("\\\""); break;
                    case '\\': text.Append("\\\\"); break;
                    case '\n': text.Append("\\n"); break;
                    case '\r': text.Append("\\r"); break;
                    case '\t': text.Append("\\t"); break;
                    case '\b': text.Append("\\b"); break;
                    case '\f': text.Append("\\f"); break;
                    default:
                        if (c < 0x20 || (ensureAscii && c > 0x7E)) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else text.Append(c);
                        break;
                }
            }
            text.Append('"');
        }
    }
}
