using System;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace WeaveEval
{
    /// <summary>
    /// Property names of parsed JSON as strings, made once per thread for names it meets again. Every trial of
    /// a result repeats the same names (the wire's fields, input keys, scorer names), and a string per name and
    /// trial was a large share of what a parse allocates; the objects of a read now share their key strings.
    /// Also used for the few string values that every row repeats (the evaluation run id of its trials).
    /// </summary>
    internal static class JsonNames
    {
        /// <summary>Slots of the cache (a power of two); a name whose two slots other names hold is made afresh.</summary>
        private const int Slots = 256;

        /// <summary>Longer names are made afresh: they are rarely repeated names.</summary>
        private const int LongestCached = 64;

        [ThreadStatic]
        private static Entry?[]? cache;

        /// <summary>The property name the reader is on (or a string value that is a key, such as a scorer name).</summary>
        [MethodImpl(HotPath.Optimize)]
        public static string Read(ref Utf8JsonReader reader)
        {
            if (reader.HasValueSequence || reader.ValueIsEscaped || reader.ValueSpan.Length > LongestCached) return reader.GetString() ?? string.Empty;
            var utf8 = reader.ValueSpan;
            var hash = Hash(utf8);
            var entries = cache ??= new Entry?[Slots];
            // Each name has two slots, so that two names sharing one slot do not push each other out on every trial.
            var first = (int)(hash & (Slots - 1));
            var second = (int)((hash >> 16) & (Slots - 1));
            var entry = entries[first];
            if (entry != null && utf8.SequenceEqual(entry.Utf8)) return entry.Text;
            var other = entries[second];
            if (other != null && utf8.SequenceEqual(other.Utf8)) return other.Text;
            var text = reader.GetString() ?? string.Empty;
            entries[entry == null || other != null ? first : second] = new Entry(utf8.ToArray(), text);
            return text;
        }

        /// <summary>FNV-1a.</summary>
        [MethodImpl(HotPath.Optimize)]
        private static uint Hash(ReadOnlySpan<byte> utf8)
        {
            var hash = 2166136261u;
            foreach (var b in utf8) hash = (hash ^ b) * 16777619u;
            return hash;
        }

        private sealed class Entry
        {
            public Entry(byte[] utf8, string text)
            {
                Utf8 = utf8;
                Text = text;
            }

            public byte[] Utf8 { get; }

            public string Text { get; }
        }
    }
}
