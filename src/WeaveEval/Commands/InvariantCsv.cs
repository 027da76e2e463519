using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Text;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Culture-invariant CSV text (RFC 4180, written by <see cref="InvariantCsvWriter"/>): every field quoted,
    /// quotes doubled, CRLF line ends; numbers round-trip with '.', dates ISO 8601 UTC, booleans true/false,
    /// nested values compact JSON.
    /// </summary>
    internal static class InvariantCsv
    {
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
