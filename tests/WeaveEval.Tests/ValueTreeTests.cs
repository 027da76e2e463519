using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace WeaveEval.Tests
{
    /// <summary>The parsed value tree: <see cref="JsonMap"/> (small maps scan, large ones index) and the shared key strings of a parse.</summary>
    public class ValueTreeTests
    {
        [Theory]
        [InlineData(3)]
        [InlineData(8)]
        [InlineData(9)]
        [InlineData(40)]
        public void MapFindsKeysIgnoringCaseAndKeepsWireOrder(int count)
        {
            var map = new JsonMap();
            for (var i = 0; i < count; i++) Assert.True(map.TryAdd("Key" + i, i));
            Assert.False(map.TryAdd("KEY0", "again"));
            Assert.Equal(count, map.Count);
            Assert.Equal(Enumerable.Range(0, count).Select(i => "Key" + i), map.Keys);
            Assert.Equal(Enumerable.Range(0, count).Select(i => "Key" + i), map.Select(p => p.Key));
            Assert.Equal(Enumerable.Range(0, count).Cast<object?>(), map.Select(p => p.Value));
            for (var i = 0; i < count; i++)
            {
                Assert.Equal(i, map["key" + i]);
                Assert.True(map.ContainsKey("KEY" + i));
                Assert.True(map.TryGetValue("kEy" + i, out var value));
                Assert.Equal(i, value);
            }
            Assert.Null(map["missing"]);
            Assert.False(map.TryGetValue("missing", out var none));
            Assert.Null(none);

            map["key1"] = "replaced";
            Assert.Equal("replaced", map["Key1"]);
            Assert.Equal(count, map.Count);
            map["Added"] = true;
            Assert.Equal("Added", map.Keys.Last());
            Assert.Equal(true, map["added"]);
        }

        [Theory]
        [InlineData(5)]
        [InlineData(12)]
        public void MapAsDictionaryRemovesAndClearsByKey(int count)
        {
            var map = new JsonMap();
            for (var i = 0; i < count; i++) map["k" + i] = i;
            var dictionary = (IDictionary)map;
            dictionary.Remove("K2");
            Assert.Equal(count - 1, map.Count);
            Assert.False(map.ContainsKey("k2"));
            // The keys after the removed one are still found at their new places.
            for (var i = 3; i < count; i++) Assert.Equal(i, map["k" + i]);
            Assert.Equal(map.Keys.ToList(), dictionary.Keys.Cast<string>().ToList());
            Assert.Equal(map.Select(p => p.Value).ToList(), dictionary.Values.Cast<object?>().ToList());
            var entries = new List<DictionaryEntry>();
            foreach (DictionaryEntry entry in dictionary) entries.Add(entry);
            Assert.Equal(map.Keys.ToList(), entries.Select(e => (string)e.Key).ToList());
            Assert.True(dictionary.Contains("K3"));
            dictionary.Clear();
            Assert.Empty(map);
            Assert.Null(map["k3"]);
            map["again"] = 1;
            Assert.Equal(1, map["AGAIN"]);
        }

        [Fact]
        public void ChangingTheMapWhileWalkingItIsAnError()
        {
            JsonMap Map() => (JsonMap)JsonText.Parse("{\"a\":1,\"b\":2,\"c\":3}")!;
            var pairs = Map();
            Assert.Throws<InvalidOperationException>(() => { foreach (var pair in pairs) ((IDictionary)pairs).Remove(pair.Key); });
            var keys = Map();
            Assert.Throws<InvalidOperationException>(() => { foreach (var key in keys.Keys) keys["new" + key] = 0; });
            var entries = Map();
            Assert.Throws<InvalidOperationException>(() => { foreach (DictionaryEntry entry in (IDictionary)entries) ((IDictionary)entries).Clear(); });
            // Replacing a value is not a change of the keys.
            var values = Map();
            foreach (var key in values.Keys) values[key] = 0L;
            Assert.Equal(new object?[] { 0L, 0L, 0L }, values.Select(p => p.Value));
        }

        [Fact]
        public void KeysDifferingOnlyByCaseAreAllKept()
        {
            var map = (JsonMap)JsonText.Parse("{\"a\":1,\"A\":2,\"b\":3}")!;
            Assert.True(map.IsCaseSensitive);
            Assert.Equal(new[] { "a", "A", "b" }, map.Keys);
            Assert.Equal(1L, map["a"]);
            Assert.Equal(2L, map["A"]);
            Assert.Equal("{\"a\":1,\"A\":2,\"b\":3}", map.ToString());
        }

        [Fact]
        public void RepeatedNamesOfAParseShareOneString()
        {
            var list = (JsonList)JsonText.Parse("[{\"question\":1,\"similarity\":{\"score\":0.5}},{\"question\":2,\"similarity\":{\"score\":0.7}}]")!;
            var first = (JsonMap)list[0]!;
            var second = (JsonMap)list[1]!;
            Assert.Same(first.Keys[0], second.Keys[0]);
            Assert.Same(((JsonMap)first["similarity"]!).Keys[0], ((JsonMap)second["similarity"]!).Keys[0]);
        }

        [Fact]
        public void NamesAreReadExactlyWhateverTheCacheHolds()
        {
            // More names than the cache has slots, escaped names, long names and names that differ in one
            // byte: each comes back as the text it is, however the cache's slots are shared.
            var names = Enumerable.Range(0, 2000).Select(i => "n" + i)
                .Concat(new[] { "caf\u00e9", "tab\there", "quote\"d", new string('x', 200), "é", "e" })
                .ToList();
            var json = new StringBuilder("{");
            foreach (var name in names) json.Append(JsonSerializer.Serialize(name)).Append(":0,");
            json.Length--;
            json.Append('}');
            for (var pass = 0; pass < 2; pass++)
            {
                var map = (JsonMap)JsonText.Parse(json.ToString())!;
                Assert.Equal(names, map.Keys);
            }
        }

        [Fact]
        public async Task ThreadsParsingAtOnceEachGetTheirNames()
        {
            var parses = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
            {
                for (var i = 0; i < 500; i++)
                {
                    var name = "t" + t + "k" + (i % 300);
                    var map = (JsonMap)JsonText.Parse("{\"" + name + "\":" + i + "}")!;
                    Assert.Equal(name, map.Keys[0]);
                }
            }));
            await Task.WhenAll(parses);
        }

        [Fact]
        public void TrueAndFalseAreBooleans()
        {
            var list = (JsonList)JsonText.Parse("[true,false,true]")!;
            Assert.Equal(new object?[] { true, false, true }, list.Cast<object?>());
            Assert.IsType<bool>(list[0]);
        }
    }
}
