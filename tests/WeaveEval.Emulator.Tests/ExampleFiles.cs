using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Tests
{
    /// <summary>
    /// The API contract's wire samples: <c>tests/examples</c>, copied beside the test assembly as
    /// <c>Examples/</c> by the project file, so the tests need nothing outside the repository.
    /// </summary>
    public static class ExampleFiles
    {
        public static string Directory { get; } = Path.Combine(System.AppContext.BaseDirectory, "Examples");

        public static string Read(string fileName) => File.ReadAllText(Path.Combine(Directory, fileName));

        /// <summary>A pretty-printed example as FastAPI puts it on the wire: compact, key order and number text kept.</summary>
        public static string OnTheWire(string json) => Encoding.UTF8.GetString(PyJson.Serialize(JsonNode.Parse(json)));

        /// <summary>Compact form that keeps key order and the exact text of every number.</summary>
        public static string Canonical(string json)
        {
            using var document = JsonDocument.Parse(json);
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Json.WireWriter)) document.RootElement.WriteTo(writer);
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
    }
}
