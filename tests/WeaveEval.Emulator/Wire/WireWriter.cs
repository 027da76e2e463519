using System.Text.Json;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.Wire
{
    /// <summary>
    /// <see cref="Utf8JsonWriter"/> helpers that keep stored JSON and strings byte-exact (raw UTF-8,
    /// numbers as stored) instead of letting the writer re-escape them.
    /// </summary>
    public static class WireWriter
    {
        public static Utf8JsonWriter Create(System.Buffers.IBufferWriter<byte> output) => new(output, Json.WireWriter);

        public static void WriteRawString(this Utf8JsonWriter writer, string propertyName, string? value)
        {
            writer.WritePropertyName(propertyName);
            writer.WriteRawString(value);
        }

        public static void WriteRawString(this Utf8JsonWriter writer, string? value)
        {
            if (value is null) writer.WriteNullValue();
            else writer.WriteRawValue(PyJson.Quote(value), skipInputValidation: true);
        }

        /// <summary>Writes stored compact JSON as is, or <c>null</c>.</summary>
        public static void WriteRawJson(this Utf8JsonWriter writer, string propertyName, byte[]? json)
        {
            writer.WritePropertyName(propertyName);
            if (json is null) writer.WriteNullValue();
            else writer.WriteRawValue(json, skipInputValidation: true);
        }

        public static void WriteTimestamp(this Utf8JsonWriter writer, string propertyName, System.DateTime? utc)
        {
            writer.WritePropertyName(propertyName);
            if (utc is null) writer.WriteNullValue();
            else writer.WriteStringValue(PyJson.FormatTimestamp(utc.Value));
        }
    }
}
