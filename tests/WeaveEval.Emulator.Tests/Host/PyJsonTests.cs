using System;
using System.Text;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Tests.Host
{
    public sealed class PyJsonTests
    {
        [Theory]
        [InlineData(1.0, "1.0")]
        [InlineData(0.5, "0.5")]
        [InlineData(-2.0, "-2.0")]
        [InlineData(0.7000000000000001, "0.7000000000000001")]
        [InlineData(0.8333333333333334, "0.8333333333333334")]
        [InlineData(1e16, "1e+16")]
        [InlineData(1e15, "1000000000000000.0")]
        [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
        [InlineData(0.0001, "0.0001")]
        [InlineData(0.00001, "1e-05")]
        [InlineData(1.5e-7, "1.5e-07")]
        [InlineData(0.0, "0.0")]
        [InlineData(-0.0, "-0.0")]
        [InlineData(2.5e300, "2.5e+300")]
        public void Floats_print_like_Python_repr(double value, string expected)
        {
            Assert.Equal(expected, PyJson.FormatFloat(value));
        }

        [Fact]
        public void Timestamps_print_like_pydantic_and_isoformat()
        {
            var withMilliseconds = new DateTime(2026, 7, 10, 14, 3, 11, 412, DateTimeKind.Utc);
            var wholeSecond = new DateTime(2026, 7, 11, 9, 15, 2, DateTimeKind.Utc);

            Assert.Equal("2026-07-10T14:03:11.412000Z", PyJson.FormatTimestamp(withMilliseconds));
            Assert.Equal("2026-07-11T09:15:02Z", PyJson.FormatTimestamp(wholeSecond));
            Assert.Equal("2026-07-10T14:03:11.412000+00:00", PyJson.FormatIsoOffset(withMilliseconds));
        }

        [Fact]
        public void Serialize_is_compact_raw_UTF8_with_Python_floats()
        {
            var node = new JsonObject { ["text"] = "héllo 你好 🙂 \"q\"\n", ["score"] = 1.0, ["n"] = 3, ["parsed"] = JsonNode.Parse("{\"x\":2.50}") };

            Assert.Equal("{\"text\":\"héllo 你好 🙂 \\\"q\\\"\\n\",\"score\":1.0,\"n\":3,\"parsed\":{\"x\":2.50}}", Encoding.UTF8.GetString(PyJson.Serialize(node)));
        }

        [Fact]
        public void Digest_text_is_json_dumps_with_sorted_keys_and_ASCII_escapes()
        {
            var row = new JsonObject { ["b"] = "ü🙂", ["a"] = new JsonArray(1, 2.0) };

            Assert.Equal("{\"a\": [1, 2.0], \"b\": \"\\u00fc\\ud83d\\ude42\"}", PyJson.DumpsSorted(row));
        }

        [Fact]
        public void Row_digests_follow_the_Weave_algorithm()
        {
            var q1 = new JsonObject { ["id"] = "q1", ["question"] = "How do I reset my password?", ["expected"] = "Use the 'Forgot password' link on the login page." };

            Assert.Equal("39XFQ1BfHkDTyZH24XSl0S7NL9ZCYE4ew2oYtYYgLQA", WeaveDigest.Of(q1));
        }
    }
}
