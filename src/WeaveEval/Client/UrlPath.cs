using System;
using System.Text;

namespace WeaveEval.Client
{
    /// <summary>Builds request paths whose every segment is percent-encoded, so an id never changes the route.</summary>
    internal static class UrlPath
    {
        /// <summary>
        /// Encodes one path segment: everything except RFC 3986 unreserved characters becomes %XX of its UTF-8
        /// bytes ('/', '?', '#', '%', spaces, unicode). '.' and '..' are refused: a client or proxy would
        /// normalise them away and address another route; so are empty and blank values, which name nothing.
        /// </summary>
        public static string Segment(string value, string what)
        {
            if (value == null) throw new ArgumentNullException(nameof(value));
            if (!IsUsableId(value)) throw UnusableId(what, value);
            return Encode(value);
        }

        /// <summary>False for an empty or blank value, '.' and '..': none of them names anything.</summary>
        public static bool IsUsableId(string value) => value.Trim().Length != 0 && value != "." && value != "..";

        /// <summary>The one error for an id that names nothing, whether it would go in a path or a request body.</summary>
        public static WeaveException UnusableId(string what, string value) =>
            new WeaveException($"The {what} '{value}' is not an id: it is empty, blank, '.' or '..'.", "InvalidArgument", WeaveErrorKind.InvalidArgument);

        /// <summary>Encodes a query-string value the same way (nothing but unreserved characters is left as is).</summary>
        public static string QueryValue(string value) => Encode(value);

        private static string Encode(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            var builder = new StringBuilder(bytes.Length);
            foreach (var b in bytes)
            {
                if (IsUnreserved(b)) builder.Append((char)b);
                else builder.Append('%').Append(Hex[b >> 4]).Append(Hex[b & 0xF]);
            }
            return builder.ToString();
        }

        private const string Hex = "0123456789ABCDEF";

        private static bool IsUnreserved(byte b) =>
            (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' || b == '~';
    }
}
