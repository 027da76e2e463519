using System;
using System.Buffers.Text;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Writes <see cref="InvariantCsv"/> records as UTF-8 straight into a byte buffer, which goes to the stream in
    /// large writes: no text writer between the cells and the file, and nested values go from their JSON bytes
    /// to the file without becoming text first. Every field is quoted with its quotes doubled (a quote byte never
    /// occurs inside a multi-byte UTF-8 sequence, so doubling works on bytes); fields of a record are separated
    /// by commas, records end with CRLF. Flush writes what is buffered; nothing is written on dispose.
    /// </summary>
    internal sealed class InvariantCsvWriter : IDisposable
    {
        /// <summary>Bytes collected before they go to the stream: more than <see cref="Client.AtomicFile"/>'s file stream buffers, so each write goes to the file directly.</summary>
        private const int FlushAt = 128 * 1024;

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        private static readonly byte[] TrueField = Utf8.GetBytes("\"true\"");
        private static readonly byte[] FalseField = Utf8.GetBytes("\"false\"");

        private readonly Stream stream;
        private byte[] buffer = new byte[FlushAt + 4096];
        private int used;
        private bool inRecord;

        // Nested values are written as JSON through one reused writer and buffer.
        private readonly MemoryStream jsonBytes = new MemoryStream();
        private Utf8JsonWriter? json;

        public InvariantCsvWriter(Stream stream)
        {
            this.stream = stream;
        }

        /// <summary>One field of the current record: a cell in its invariant text (<see cref="InvariantCsv.Format"/>).</summary>
        [MethodImpl(HotPath.Optimize)]
        public void WriteValue(object? value)
        {
            switch (value)
            {
                case null:
                    WriteText(string.Empty);
                    return;
                case string text:
                    WriteText(text);
                    return;
                case bool flag:
                    WriteBytes(flag ? TrueField : FalseField);
                    return;
                case int integer:
                    WriteInteger(integer);
                    return;
                case long integer:
                    WriteInteger(integer);
                    return;
                case JsonMap _:
                case JsonList _:
                    WriteJson(value);
                    return;
                default:
                    WriteText(InvariantCsv.Format(value));
                    return;
            }
        }

        /// <summary>One field of the current record: the text, quoted, its quotes doubled.</summary>
        [MethodImpl(HotPath.Optimize)]
        public void WriteText(string text)
        {
            StartField(Utf8.GetMaxByteCount(text.Length) + 2);
            var start = 0;
            for (var quote = text.IndexOf('"'); quote >= 0; quote = text.IndexOf('"', start))
            {
                Encode(text, start, quote + 1 - start);
                Room(1);
                buffer[used++] = (byte)'"';
                start = quote + 1;
            }
            Encode(text, start, text.Length - start);
            Room(1);
            buffer[used++] = (byte)'"';
        }

        /// <summary>Ends the current record.</summary>
        public void EndRecord()
        {
            LineBreak();
            inRecord = false;
            if (used >= FlushAt) Flush();
        }

        /// <summary>A line break outside any record (after appended content that lacks one).</summary>
        public void LineBreak()
        {
            Room(2);
            buffer[used++] = (byte)'\r';
            buffer[used++] = (byte)'\n';
        }

        /// <summary>A whole record of text fields (a header).</summary>
        public void WriteRecord(IEnumerable<string> fields)
        {
            foreach (var field in fields) WriteText(field);
            EndRecord();
        }

        /// <summary>Writes what is buffered to the stream.</summary>
        public void Flush()
        {
            if (used == 0) return;
            stream.Write(buffer, 0, used);
            used = 0;
        }

        public void Dispose()
        {
            json?.Dispose();
            json = null;
        }

        private void WriteInteger(long integer)
        {
            StartField(22);
            Utf8Formatter.TryFormat(integer, new Span<byte>(buffer, used, 20), out var written);
            used += written;
            buffer[used++] = (byte)'"';
        }

        /// <summary>Compact JSON, as the value's ToString() gives it, written without making a string of it.</summary>
        private void WriteJson(object value)
        {
            jsonBytes.SetLength(0);
            if (json == null) json = new Utf8JsonWriter(jsonBytes, JsonText.CompactOptions);
            else json.Reset(jsonBytes);
            JsonText.Write(json, value);
            json.Flush();
            var bytes = jsonBytes.GetBuffer();
            var length = (int)jsonBytes.Length;
            StartField(length + 2);
            var start = 0;
            for (var quote = Array.IndexOf(bytes, (byte)'"', 0, length); quote >= 0; quote = Array.IndexOf(bytes, (byte)'"', start, length - start))
            {
                Copy(bytes, start, quote + 1 - start);
                Room(1);
                buffer[used++] = (byte)'"';
                start = quote + 1;
            }
            Copy(bytes, start, length - start);
            Room(1);
            buffer[used++] = (byte)'"';
        }

        /// <summary>A field already quoted.</summary>
        private void WriteBytes(byte[] field)
        {
            if (inRecord)
            {
                Room(1);
                buffer[used++] = (byte)',';
            }
            inRecord = true;
            Copy(field, 0, field.Length);
        }

        /// <summary>The separator and the opening quote, with room for <paramref name="bytes"/> more.</summary>
        private void StartField(int bytes)
        {
            Room(bytes + 2);
            if (inRecord) buffer[used++] = (byte)',';
            inRecord = true;
            buffer[used++] = (byte)'"';
        }

        private void Encode(string text, int start, int count)
        {
            if (count == 0) return;
            Room(Utf8.GetMaxByteCount(count));
            used += Utf8.GetBytes(text, start, count, buffer, used);
        }

        private void Copy(byte[] bytes, int start, int count)
        {
            Room(count);
            Buffer.BlockCopy(bytes, start, buffer, used, count);
            used += count;
        }

        /// <summary>Makes room for <paramref name="bytes"/> more: writes out what is buffered, or grows for one large field.</summary>
        private void Room(int bytes)
        {
            if (used + bytes <= buffer.Length) return;
            Flush();
            if (bytes > buffer.Length) buffer = new byte[bytes];
        }
    }
}
