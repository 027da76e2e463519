using System;
using System.Buffers;
using System.Text.Json;

namespace WeaveEval.Emulator.Wire
{
    /// <summary>Builds one compact JSON document with a <see cref="Utf8JsonWriter"/>.</summary>
    public static class Documents
    {
        public static byte[] Build(Action<Utf8JsonWriter> write)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = WireWriter.Create(buffer)) write(writer);
            return buffer.WrittenSpan.ToArray();
        }
    }
}
