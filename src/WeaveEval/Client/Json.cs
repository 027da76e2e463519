using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace WeaveEval.Client
{
    /// <summary>Request bodies: one JSON object written with a <see cref="Utf8JsonWriter"/>.</summary>
    internal static class Json
    {
        public static byte[] Build(Action<Utf8JsonWriter> writeProperties)
        {
            using (var buffer = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    writeProperties(writer);
                    writer.WriteEndObject();
                }
                return buffer.ToArray();
            }
        }

        public static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
        {
            writer.WriteStartArray(name);
            foreach (var value in values) writer.WriteStringValue(value);
            writer.WriteEndArray();
        }
    }
}
