using System;
using System.Collections;
using System.Collections.Generic;

namespace WeaveEval
{
    /// <summary>
    /// A JSON object as it came from the server: keys in wire order, values are
    /// <see cref="JsonMap"/>, <see cref="JsonList"/>, string, bool, long, double or null.
    /// Implements <see cref="IDictionary"/> so PowerShell member access works
    /// (<c>$_.Scores.correct</c>); <see cref="ToString"/> is compact JSON, so a cell in
    /// Export-Csv or a value cut off by ConvertTo-Json's depth still holds the whole value.
    /// </summary>
    public sealed class JsonMap : IDictionary, IEnumerable<KeyValuePair<string, object?>>
    {
        /// <summary>Up to this many keys a key is found by a scan; a larger map indexes its keys by name.</summary>
        private const int ScannedKeys = 8;

        // Keys and values in wire order, side by side, so that walking the map (flattening, writing JSON,
        // PowerShell's enumeration) is by position. Most maps of a result are small (an input row, a score),
        // and a parse makes several per trial: they find keys by a scan and build no dictionary.
        private readonly List<string> keys = new List<string>();
        private readonly List<object?> items = new List<object?>();
        private readonly StringComparer comparer;
        private Dictionary<string, int>? positions;

        public JsonMap() : this(StringComparer.OrdinalIgnoreCase) { }

        private JsonMap(StringComparer comparer) { this.comparer = comparer; }

        /// <summary>A map whose keys compare ordinally; used when a JSON object has keys differing only by case.</summary>
        public static JsonMap CreateCaseSensitive() => new JsonMap(StringComparer.Ordinal);

        public int Count => keys.Count;

        public IReadOnlyList<string> Keys => keys;

        public bool IsCaseSensitive => comparer == StringComparer.Ordinal;

        public object? this[string key]
        {
            get
            {
                var at = IndexOf(key);
                return at < 0 ? null : items[at];
            }
            set
            {
                var at = IndexOf(key);
                if (at >= 0) items[at] = value;
                else Append(key, value);
            }
        }

        /// <summary>The key at <paramref name="index"/> in wire order (0 to <see cref="Count"/> - 1).</summary>
        internal string KeyAt(int index) => keys[index];

        /// <summary>The value at <paramref name="index"/> in wire order.</summary>
        internal object? ValueAt(int index) => items[index];

        /// <summary>Adds a key; returns false when the map already holds it (under its comparer).</summary>
        public bool TryAdd(string key, object? value)
        {
            if (IndexOf(key) >= 0) return false;
            Append(key, value);
            return true;
        }

        public bool ContainsKey(string key) => IndexOf(key) >= 0;

        public bool TryGetValue(string key, out object? value)
        {
            var at = IndexOf(key);
            value = at < 0 ? null : items[at];
            return at >= 0;
        }

        public override string ToString() => JsonText.Serialize(this);

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < keys.Count; i++) yield return new KeyValuePair<string, object?>(keys[i], items[i]);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        IDictionaryEnumerator IDictionary.GetEnumerator() => new Enumerator(this);

        object? IDictionary.this[object key]
        {
            get => key is string text ? this[text] : null;
            set => this[(string)key] = value;
        }

        ICollection IDictionary.Keys => keys;

        ICollection IDictionary.Values => items.ToArray();

        bool IDictionary.IsReadOnly => false;

        bool IDictionary.IsFixedSize => false;

        bool ICollection.IsSynchronized => false;

        object ICollection.SyncRoot => this;

        void IDictionary.Add(object key, object? value)
        {
            if (!TryAdd((string)key, value)) throw new ArgumentException($"Key '{key}' already exists.", nameof(key));
        }

        void IDictionary.Clear()
        {
            keys.Clear();
            items.Clear();
            positions = null;
        }

        bool IDictionary.Contains(object key) => key is string text && ContainsKey(text);

        void IDictionary.Remove(object key)
        {
            var at = key is string text ? IndexOf(text) : -1;
            if (at < 0) return;
            keys.RemoveAt(at);
            items.RemoveAt(at);
            positions = null;
            if (keys.Count > ScannedKeys) IndexKeys();
        }

        void ICollection.CopyTo(Array array, int index)
        {
            foreach (var pair in this) array.SetValue(new DictionaryEntry(pair.Key, pair.Value), index++);
        }

        private int IndexOf(string key)
        {
            if (positions != null) return positions.TryGetValue(key, out var at) ? at : -1;
            for (var i = 0; i < keys.Count; i++)
            {
                if (comparer.Equals(keys[i], key)) return i;
            }
            return -1;
        }

        private void Append(string key, object? value)
        {
            keys.Add(key);
            items.Add(value);
            if (positions != null) positions.Add(key, keys.Count - 1);
            else if (keys.Count > ScannedKeys) IndexKeys();
        }

        private void IndexKeys()
        {
            positions = new Dictionary<string, int>(keys.Count * 2, comparer);
            for (var i = 0; i < keys.Count; i++) positions.Add(keys[i], i);
        }

        private sealed class Enumerator : IDictionaryEnumerator
        {
            private readonly JsonMap map;
            private int position = -1;

            public Enumerator(JsonMap map) { this.map = map; }

            public DictionaryEntry Entry => new DictionaryEntry(map.keys[position], map.items[position]);

            public object Key => Entry.Key;

            public object? Value => Entry.Value;

            public object Current => Entry;

            public bool MoveNext() => ++position < map.keys.Count;

            public void Reset() => position = -1;
        }
    }
}
