using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Store
{
    /// <summary>Compact JSON helpers shared by the store, the seeders and the routes.</summary>
    public static class Json
    {
        public static readonly byte[] EmptyObject = "{}"u8.ToArray();

        /// <summary>Options that write JSON as FastAPI does: compact, non-ASCII as raw UTF-8.</summary>
        public static readonly JsonSerializerOptions Wire = new()
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = false,
        };

        public static readonly JsonWriterOptions WireWriter = new()
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            Indented = false,
        };

        /// <summary>Compact JSON as the Python server writes it (see <see cref="PyJson"/>: <c>1.0</c> stays <c>1.0</c>, emoji stay raw).</summary>
        public static byte[] Bytes(JsonNode? node) => PyJson.Serialize(node);

        public static byte[] Bytes(string json) => Bytes(JsonNode.Parse(json));

        public static JsonObject ParseObject(byte[] utf8) => JsonNode.Parse(utf8)?.AsObject() ?? new JsonObject();
    }
}
