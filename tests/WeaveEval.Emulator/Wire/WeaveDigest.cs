using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace WeaveEval.Emulator.Wire
{
    /// <summary>Weave's content digests.</summary>
    public static class WeaveDigest
    {
        /// <summary>
        /// 43-character digest of a dataset row or object value: URL-safe base64 of the SHA-256 of
        /// <c>json.dumps(value, sort_keys=True)</c>, unpadded, with <c>-</c>→<c>X</c> and <c>_</c>→<c>Y</c>.
        /// </summary>
        public static string Of(JsonNode? value) => OfText(PyJson.DumpsSorted(value));

        public static string OfText(string canonicalJson) => OfBytes(Encoding.UTF8.GetBytes(canonicalJson));

        /// <summary>The same 43-character form over raw bytes: the digest of a stored file (an op's source code).</summary>
        public static string OfBytes(byte[] content) =>
            Convert.ToBase64String(SHA256.HashData(content)).TrimEnd('=').Replace('+', 'X').Replace('/', 'Y');

        /// <summary>64 lowercase hex characters: SHA-256 over the concatenated row digests.</summary>
        public static string OfTable(IEnumerable<string> rowDigests) =>
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(rowDigests))));

        /// <summary>What the ClickHouse backend uses as row digest of an inline example: 64 uppercase hex of its stored JSON text.</summary>
        public static string OfInlineExample(byte[] storedJson) => Convert.ToHexString(SHA256.HashData(storedJson));
    }
}
