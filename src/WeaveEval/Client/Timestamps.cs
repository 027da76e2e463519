using System;
using System.Globalization;

namespace WeaveEval.Client
{
    internal static class Timestamps
    {
        /// <summary>
        /// Parses the server's ISO 8601 forms (<c>…Z</c> and <c>…+00:00</c>, with or without fraction) into
        /// a UTC <see cref="DateTime"/>; null for null or text that is not a timestamp.
        /// </summary>
        public static DateTime? Parse(string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            {
                return DateTime.SpecifyKind(value.UtcDateTime, DateTimeKind.Utc);
            }
            return null;
        }
    }
}
