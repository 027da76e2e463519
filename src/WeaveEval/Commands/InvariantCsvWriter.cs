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
    /// by commas, records end with CRLF. Flush writes what is buffered; nothing is written on dispose. Without a
    /// stream the records collect in memory until <see cref="TakeRecords"/>: a page's rows formatted on its own
    /// thread, which the file's writer then adds whole with <see cref="WriteRecords"/>.
    /// </summary>
    internal sealed class InvariantCsvWriter : IDisposable
    {
        /// <summary>Bytes collected before they go to the stream: more than <see cref="Client.AtomicFile"/>'s file stream buffers, so each write goes to the file directly.</summary>
        private const int FlushAt = 128 * 1024;

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        private static readonly byte[] TrueField = Utf8.GetBytes("\"true\"");
        private static readonly byte[] FalseField = Utf8.GetBytes("\"false\"");

        private readonly Stream? stream;
        private byte[] buffer;
        private int used;
        private bool inRecord;

        /// <summary>Counts the buffer's writes to the stream, so that a field written across one is not taken for a whole one.</summary>
        private int flushes;

        // Nested values are written as JSON through one reused writer and buffer.
        private readonly MemoryStream jsonBytes = new MemoryStream();
        private Utf8JsonWriter? json;

        /// <summary>The last field written in each column by <see cref="WriteRepeatedValue"/>: its value and bytes.</summary>
        private LastField[] lastFields = new LastField[0];

        public InvariantCsvWriter(Stream stream)
        {
            this.stream = stream;
            buffer = new byte[FlushAt + 4096];
        }

        /// <summary>A writer whose records stay in memory until taken.</summary>
        public InvariantCsvWriter()
        {
            buffer = new byte[16 * 1024];
        }

        /// <summary>The records written since the last call, encoded (the writer without a stream only); valid until the next write.</summary>
        public ReadOnlySpan<byte> TakeRecords()
        {
            if (stream != null || inRecord) throw new InvalidOperationException("Only whole records of a writer without a stream can be taken.");
            var records = new ReadOnlySpan<byte>(buffer, 0, used);
            used = 0;
            return records;
        }

        /// <summary>Whole records taken from another writer (<see cref="TakeRecords"/>).</summary>
        public void WriteRecords(ReadOnlySpan<byte> records)
        {
            if (inRecord) throw new InvalidOperationException("A record is being written.");
            Copy(records);
            if (used >= FlushAt) Flush();
        }

        /// <summary>One field of the current record: a cell in its invariant text (<see cref="InvariantCsv.Format"/>).</summary>
        [MethodImpl(HotPath.Optimize)]
        public void WriteValue(object? value)
        {
            Separator();
            WriteField(value);
        }

        /// <summary>
        /// As <see cref="WriteValue"/>, for a writer whose cells repeat: a text or JSON value that is the same
        /// object as the last one written in <paramref name="column"/> (a run's names on every trial, a row's
        /// inputs on each of its trials) is copied as the bytes written then. Only for values nobody changes
        /// between records: the direct export's results, which no script sees.
        /// </summary>
        [MethodImpl(HotPath.Optimize)]
        public void WriteRepeatedValue(object? value, int column)
        {
            Separator();
            if (!(value is string) && !(value is JsonMap) && !(value is JsonList))
            {
                WriteField(value);
                return;
            }
            if (column >= lastFields.Length) Array.Resize(ref lastFields, Math.Max(column + 1, lastFields.Length * 2));
            ref var last = ref lastFields[column];
            if (ReferenceEquals(last.Value, value))
            {
                Copy(new ReadOnlySpan<byte>(last.Bytes!, 0, last.Length));
                return;
            }
            var start = used;
            var flushed = flushes;
            WriteField(value);
            if (flushed != flushes) return;
            var length = used - start;
            if (last.Bytes == null || last.Bytes.Length < length) last.Bytes = new byte[Math.Max(length, 64)];
            Buffer.BlockCopy(buffer, start, last.Bytes, 0, length);
            last.Length = length;
            last.Value = value;
        }

        /// <summary>One field of the current record: the text, quoted, its quotes doubled.</summary>
        public void WriteText(string text)
        {
            Separator();
            WriteQuoted(text);
        }

        /// <summary>Ends the current record.</summary>
        public void EndRecord()
        {
            LineBreak();
            inRecord = false;
            if (used >= FlushAt) Flush();
        }

        /// <summary>A line break outside any record (after appended content that lacks one).</summary>
        [MethodImpl(HotPath.Optimize)]
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
            if (used == 0 || stream == null) return;
            stream.Write(buffer, 0, used);
            used = 0;
            flushes++;
        }

        public void Dispose()
        {
            json?.Dispose();
            json = null;
        }

        /// <summary>The field of a value, from its opening quote to its closing one.</summary>
        [MethodImpl(HotPath.Optimize)]
        private void WriteField(object? value)
        {
            switch (value)
            {
                case null:
                    WriteQuoted(string.Empty);
                    return;
                case string text:
                    WriteQuoted(text);
                    return;
                case bool flag:
                    Copy(flag ? TrueField : FalseField);
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
                    WriteQuoted(InvariantCsv.Format(value));
                    return;
            }
        }

        /// <summary>The comma before every field of a record but its first.</summary>
        [MethodImpl(HotPath.Optimize)]
        private void Separator()
        {
            if (!inRecord)
            {
                inRecord = true;
                return;
            }
            Room(1);
            buffer[used++] = (byte)',';
        }

        [MethodImpl(HotPath.Optimize)]
        private void WriteQuoted(string text)
        {
            Quote(Utf8.GetMaxByteCount(text.Length) + 1);
            var start = 0;
            for (var quote = text.IndexOf('"'); quote >= 0; quote = text.IndexOf('"', start))
            {
                Encode(text, start, quote + 1 - start);
                Quote(0);
                start = quote + 1;
            }
            Encode(text, start, text.Length - start);
            Quote(0);
        }

        [MethodImpl(HotPath.Optimize)]
        private void WriteInteger(long integer)
        {
            Quote(21);
            Utf8Formatter.TryFormat(integer, new Span<byte>(buffer, used, 20), out var written);
            used += written;
            buffer[used++] = (byte)'"';
        }

        /// <summary>Compact JSON, as the value's ToString() gives it, written without making a string of it.</summary>
        [MethodImpl(HotPath.Optimize)]
        private void WriteJson(object value)
        {
            jsonBytes.SetLength(0);
            if (json == null) json = new Utf8JsonWriter(jsonBytes, JsonText.CompactOptions);
            else json.Reset(jsonBytes);
            JsonText.Write(json, value);
            json.Flush();
            var bytes = jsonBytes.GetBuffer();
            var length = (int)jsonBytes.Length;
            Quote(length + 1);
            var start = 0;
            for (var quote = Array.IndexOf(bytes, (byte)'"', 0, length); quote >= 0; quote = Array.IndexOf(bytes, (byte)'"', start, length - start))
            {
                Copy(new ReadOnlySpan<byte>(bytes, start, quote + 1 - start));
                Quote(0);
                start = quote + 1;
            }
            Copy(new ReadOnlySpan<byte>(bytes, start, length - start));
            Quote(0);
        }

        /// <summary>A quote (opening, closing, or the second of a doubled one), with room for <paramref name="more"/> bytes after it.</summary>
        [MethodImpl(HotPath.Optimize)]
        private void Quote(int more)
        {
            Room(more + 1);
            buffer[used++] = (byte)'"';
        }

        [MethodImpl(HotPath.Optimize)]
        private void Encode(string text, int start, int count)
        {
            if (count == 0) return;
            Room(Utf8.GetMaxByteCount(count));
            used += Utf8.GetBytes(text, start, count, buffer, used);
        }

        [MethodImpl(HotPath.Optimize)]
        private void Copy(ReadOnlySpan<byte> bytes)
        {
            Room(bytes.Length);
            bytes.CopyTo(new Span<byte>(buffer, used, bytes.Length));
            used += bytes.Length;
        }

        /// <summary>Makes room for <paramref name="bytes"/> more: writes out what is buffered, or grows for one large field.</summary>
        [MethodImpl(HotPath.Optimize)]
        private void Room(int bytes)
        {
            if (used + bytes <= buffer.Length) return;
            if (stream == null)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, used + bytes));
                return;
            }
            Flush();
            if (bytes > buffer.Length) buffer = new byte[bytes];
        }

        private struct LastField
        {
            public object? Value;
            public byte[]? Bytes;
            public int Length;
        }
    }
}
