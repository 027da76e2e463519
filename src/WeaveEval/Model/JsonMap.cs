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
        private readonly List<string> keys = new List<string>();
        private readonly Dictionary<string, object?> values;

        public JsonMap() : this(StringComparer.OrdinalIgnoreCase) { }

        private JsonMap(StringComparer comparer) { values = new Dictionary<string, object?>(comparer); }

        /// <summary>A map whose keys compare ordinally; used when a JSON object has keys differing only by case.</summary>
        public static JsonMap CreateCaseSensitive() => new JsonMap(StringComparer.Ordinal);

        public int Count => keys.Count;

        public IReadOnlyList<string> Keys => keys;

        public bool IsCaseSensitive => values.Comparer == StringComparer.Ordinal;

        public object? this[string key]
        {
            get => values.TryGetValue(key, out var value) ? value : null;
            set
            {
                if (!values.ContainsKey(key)) keys.Add(key);
                values[key] = value;
            }
        }

        /// <summary>Adds a key; returns false when the map already holds it (under its comparer).</summary>
        public bool TryAdd(string key, object? value)
        {
            if (values.ContainsKey(key)) return false;
            keys.Add(key);
            values[key] = value;
            return true;
        }

        public bool ContainsKey(string key) => values.ContainsKey(key);

        public bool TryGetValue(string key, out object? value) => values.TryGetValue(key, out value);

        public override string ToString() => JsonText.Serialize(this);

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            foreach (var key in keys) yield return new KeyValuePair<string, object?>(key, values[key]);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        IDictionaryEnumerator IDictionary.GetEnumerator() => new Enumerator(this);

        object? IDictionary.this[object key]
        {
            get => key is string text ? this[text] : null;
            set => this[(string)key] = value;
        }

        ICollection IDictionary.Keys => keys;

        ICollection IDictionary.Values
        {
            get
            {
                var list = new List<object?>(keys.Count);
                foreach (var key in keys) list.Add(values[key]);
                return list;
            }
        }

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
            values.Clear();
        }

        bool IDictionary.Contains(object key) => key is string text && values.ContainsKey(text);

        void IDictionary.Remove(object key)
        {
            if (key is string text && values.Remove(text)) keys.RemoveAll(k => values.Comparer.Equals(k, text));
        }

        void ICollection.CopyTo(Array array, int index)
        {
            foreach (var pair in this) array.SetValue(new DictionaryEntry(pair.Key, pair.Value), index++);
        }

        private sealed class Enumerator : IDictionaryEnumerator
        {
            private readonly JsonMap map;
            private int position = -1;

            public Enumerator(JsonMap map) { this.map = map; }

            public DictionaryEntry Entry => new DictionaryEntry(map.keys[position], map.values[map.keys[position]]);

            public object Key => Entry.Key;

            public object? Value => Entry.Value;

            public object Current => Entry;

            public bool MoveNext() => ++position < map.keys.Count;

            public void Reset() => position = -1;
        }
    }
}
