using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

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

        private static readonly KeyValuePair<string, object?>[] NoEntries = new KeyValuePair<string, object?>[0];

        // The entries in wire order, in one array, so that walking the map (flattening, writing JSON,
        // PowerShell's enumeration) is by position. Most maps of a result are small (an input row, a score),
        // and a parse makes several per trial: they find keys by a scan, build no dictionary, and cost one
        // array besides the map itself.
        private KeyValuePair<string, object?>[] entries = NoEntries;
        private int count;
        private readonly StringComparer comparer;
        private Dictionary<string, int>? positions;
        private KeyList? keyList;

        /// <summary>Counts keys added and removed, so that a walk of the map notices it changing under it (as a list's did).</summary>
        private int version;

        public JsonMap() : this(StringComparer.OrdinalIgnoreCase) { }

        private JsonMap(StringComparer comparer) { this.comparer = comparer; }

        /// <summary>A map whose keys compare ordinally; used when a JSON object has keys differing only by case.</summary>
        public static JsonMap CreateCaseSensitive() => new JsonMap(StringComparer.Ordinal);

        public int Count => count;

        /// <summary>The keys in wire order (a view of the map).</summary>
        public IReadOnlyList<string> Keys => keyList ??= new KeyList(this);

        public bool IsCaseSensitive => comparer == StringComparer.Ordinal;

        public object? this[string key]
        {
            get
            {
                var at = IndexOf(key);
                return at < 0 ? null : entries[at].Value;
            }
            set
            {
                var at = IndexOf(key);
                if (at >= 0) entries[at] = new KeyValuePair<string, object?>(entries[at].Key, value);
                else Append(key, value);
            }
        }

        /// <summary>The key at <paramref name="index"/> in wire order (0 to <see cref="Count"/> - 1).</summary>
        internal string KeyAt(int index) => entries[index].Key;

        /// <summary>The value at <paramref name="index"/> in wire order.</summary>
        internal object? ValueAt(int index) => entries[index].Value;

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
            value = at < 0 ? null : entries[at].Value;
            return at >= 0;
        }

        public override string ToString() => JsonText.Serialize(this);

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            var at = version;
            for (var i = 0; i < count; i++)
            {
                yield return entries[i];
                CheckUnchanged(at);
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        IDictionaryEnumerator IDictionary.GetEnumerator() => new Enumerator(this);

        object? IDictionary.this[object key]
        {
            get => key is string text ? this[text] : null;
            set => this[(string)key] = value;
        }

        ICollection IDictionary.Keys => keyList ??= new KeyList(this);

        ICollection IDictionary.Values
        {
            get
            {
                var values = new object?[count];
                for (var i = 0; i < count; i++) values[i] = entries[i].Value;
                return values;
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
            entries = NoEntries;
            count = 0;
            version++;
            positions = null;
        }

        bool IDictionary.Contains(object key) => key is string text && ContainsKey(text);

        void IDictionary.Remove(object key)
        {
            var at = key is string text ? IndexOf(text) : -1;
            if (at < 0) return;
            count--;
            version++;
            Array.Copy(entries, at + 1, entries, at, count - at);
            entries[count] = default;
            positions = null;
            if (count > ScannedKeys) IndexKeys();
        }

        void ICollection.CopyTo(Array array, int index)
        {
            foreach (var pair in this) array.SetValue(new DictionaryEntry(pair.Key, pair.Value), index++);
        }

        private void CheckUnchanged(int seen)
        {
            if (seen != version) throw new InvalidOperationException("The map was changed while it was being enumerated.");
        }

        [MethodImpl(HotPath.Optimize)]
        private int IndexOf(string key)
        {
            if (positions != null) return positions.TryGetValue(key, out var at) ? at : -1;
            for (var i = 0; i < count; i++)
            {
                if (comparer.Equals(entries[i].Key, key)) return i;
            }
            return -1;
        }

        [MethodImpl(HotPath.Optimize)]
        private void Append(string key, object? value)
        {
            if (count == entries.Length) Array.Resize(ref entries, count == 0 ? 4 : count * 2);
            entries[count++] = new KeyValuePair<string, object?>(key, value);
            version++;
            if (positions != null) positions.Add(key, count - 1);
            else if (count > ScannedKeys) IndexKeys();
        }

        private void IndexKeys()
        {
            positions = new Dictionary<string, int>(count * 2, comparer);
            for (var i = 0; i < count; i++) positions.Add(entries[i].Key, i);
        }

        /// <summary>The keys of the map, in wire order, as PowerShell and <see cref="IDictionary.Keys"/> list them.</summary>
        private sealed class KeyList : IReadOnlyList<string>, ICollection
        {
            private readonly JsonMap map;

            public KeyList(JsonMap map) { this.map = map; }

            public int Count => map.count;

            public string this[int index] => (uint)index < (uint)map.count ? map.entries[index].Key : throw new ArgumentOutOfRangeException(nameof(index));

            bool ICollection.IsSynchronized => false;

            object ICollection.SyncRoot => map;

            public IEnumerator<string> GetEnumerator()
            {
                var at = map.version;
                for (var i = 0; i < map.count; i++)
                {
                    yield return map.entries[i].Key;
                    map.CheckUnchanged(at);
                }
            }

            IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

            void ICollection.CopyTo(Array array, int index)
            {
                for (var i = 0; i < map.count; i++) array.SetValue(map.entries[i].Key, index + i);
            }
        }

        private sealed class Enumerator : IDictionaryEnumerator
        {
            private readonly JsonMap map;
            private int position = -1;

            private readonly int version;

            public Enumerator(JsonMap map)
            {
                this.map = map;
                version = map.version;
            }

            public DictionaryEntry Entry => new DictionaryEntry(map.entries[position].Key, map.entries[position].Value);

            public object Key => Entry.Key;

            public object? Value => Entry.Value;

            public object Current => Entry;

            public bool MoveNext()
            {
                map.CheckUnchanged(version);
                return ++position < map.count;
            }

            public void Reset() => position = -1;
        }
    }
}
