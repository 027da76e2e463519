using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Text;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Culture-invariant CSV text (RFC 4180): every field quoted, quotes doubled, CRLF line ends;
    /// numbers round-trip with '.', dates ISO 8601 UTC, booleans true/false, nested values compact JSON.
    /// </summary>
    internal static class InvariantCsv
    {
        public const string LineEnd = "\r\n";

        public static void WriteRecord(TextWriter writer, IEnumerable<string> fields)
        {
            var first = true;
            foreach (var field in fields)
            {
                if (!first) writer.Write(',');
                first = false;
                WriteField(writer, field);
            }
            writer.Write(LineEnd);
        }

        /// <summary>One field held in <paramref name="chars"/>, quoted, its quotes doubled, without making a string of it.</summary>
        [MethodImpl(HotPath.Optimize)]
        public static void WriteField(TextWriter writer, char[] chars, int count)
        {
            writer.Write('"');
            var start = 0;
            for (var i = 0; i < count; i++)
            {
                if (chars[i] != '"') continue;
                writer.Write(chars, start, i + 1 - start);
                writer.Write('"');
                start = i + 1;
            }
            writer.Write(chars, start, count - start);
            writer.Write('"');
        }

        /// <summary>One field, quoted, its quotes doubled (copied only when it has any).</summary>
        [MethodImpl(HotPath.Optimize)]
        public static void WriteField(TextWriter writer, string field)
        {
            writer.Write('"');
            writer.Write(field.IndexOf('"') < 0 ? field : field.Replace("\"", "\"\""));
            writer.Write('"');
        }

        [MethodImpl(HotPath.Optimize)]
        public static string Format(object? value)
        {
            switch (value)
            {
                case null:
                    return string.Empty;
                case PSObject wrapped:
                    return wrapped.BaseObject is PSCustomObject ? wrapped.ToString() : Format(wrapped.BaseObject);
                case string text:
                    return text;
                case bool flag:
                    return flag ? "true" : "false";
                case double number:
                    return number.ToString("R", CultureInfo.InvariantCulture);
                case float number:
                    return number.ToString("R", CultureInfo.InvariantCulture);
                case DateTime time:
                    var utc = time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);
                    return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
                case DateTimeOffset offset:
                    return Format(offset.UtcDateTime);
                case TimeSpan span:
                    return span.ToString("c", CultureInfo.InvariantCulture);
                case Enum member:
                    return member.ToString();
                case JsonMap _:
                case JsonList _:
                    return value.ToString()!;
                case IDictionary _:
                case IEnumerable _:
                    return JsonText.Serialize(value);
                case IFormattable formattable:
                    return formattable.ToString(null, CultureInfo.InvariantCulture);
                default:
                    return value.ToString() ?? string.Empty;
            }
        }

        /// <summary>Splits the header line of an existing CSV file (quoted or bare fields, ',' delimiter).</summary>
        public static List<string> ParseHeader(string line)
        {
            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else if (c == '"') quoted = false;
                    else field.Append(c);
                }
                else if (c == '"') quoted = true;
                else if (c == ',')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                }
                else field.Append(c);
            }
            fields.Add(field.ToString());
            return fields;
        }
    }
}
