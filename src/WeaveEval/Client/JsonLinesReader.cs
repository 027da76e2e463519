using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>Where response bytes come from (a <see cref="WeaveResponse"/>; tests feed arbitrary chunkings).</summary>
    internal interface IBodySource
    {
        string RequestLine { get; }

        Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken);
    }

    /// <summary>
    /// Reads a JSON Lines body object by object: the stream is read in pooled chunks, split on '\n', blank
    /// lines are skipped and each line is parsed in place. A missing final newline is fine; a final line
    /// that is cut off reports <see cref="StreamDroppedException"/> so the caller can resume.
    /// </summary>
    internal sealed class JsonLinesReader<T> : IPageParser<T>
    {
        private const int InitialBufferSize = 64 * 1024;

        private readonly IBodySource source;
        private readonly Utf8Parser<T> parser;
        private readonly PooledReadBuffer buffer;
        private int scanned;
        private long lineNumber;

        public JsonLinesReader(IBodySource source, Utf8Parser<T> parser, int initialBufferSize = InitialBufferSize)
        {
            this.source = source;
            this.parser = parser;
            buffer = new PooledReadBuffer(initialBufferSize);
        }

        public T Current { get; private set; } = default!;

        /// <summary>JSON Lines routes do not say how many items the whole list has.</summary>
        public long? TotalItems => null;

        public IReadOnlyList<string> Warnings => Array.Empty<string>();

        public async Task<bool> MoveNextAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var found = new ReadOnlySpan<byte>(buffer.Bytes, scanned, buffer.End - scanned).IndexOf((byte)'\n');
                var newline = found < 0 ? -1 : scanned + found;
                if (newline >= 0)
                {
                    lineNumber++;
                    var lineStart = buffer.Start;
                    buffer.Start = scanned = newline + 1;
                    if (TryParseLine(lineStart, newline - lineStart, terminated: true)) return true;
                    continue;
                }
                if (buffer.EndOfBody)
                {
                    if (buffer.Start == buffer.End) return false;
                    lineNumber++;
                    var lineStart = buffer.Start;
                    buffer.Start = scanned = buffer.End;
                    if (TryParseLine(lineStart, buffer.End - lineStart, terminated: false)) return true;
                    return false;
                }
                scanned = buffer.End;
                // Filling moves the unread bytes to the front; the scanned index has to move with them.
                var moved = await buffer.FillAsync(source, cancellationToken).ConfigureAwait(false);
                scanned -= moved;
            }
        }

        /// <summary>Parses one line into <see cref="Current"/>; false for a blank line.</summary>
        private bool TryParseLine(int offset, int length, bool terminated)
        {
            var bytes = buffer.Bytes;
            if (length > 0 && bytes[offset + length - 1] == (byte)'\r') length--;
            var first = offset;
            while (first < offset + length && IsWhiteSpace(bytes[first])) first++;
            if (first == offset + length) return false;

            try
            {
                Current = Parse(new ReadOnlySpan<byte>(bytes, offset, length));
                return true;
            }
            catch (Exception e) when (e is JsonException || e is InvalidOperationException || e is FormatException || e is ArgumentException)
            {
                if (!terminated && bytes[first] == (byte)'{')
                {
                    throw new StreamDroppedException($"The response of {source.RequestLine} ended in the middle of line {lineNumber}.", e);
                }
                throw new WeaveProtocolException($"Line {lineNumber} of the response of {source.RequestLine} is not valid JSON: {e.Message}", e);
            }
        }

        private T Parse(ReadOnlySpan<byte> line)
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read()) throw new JsonException("Empty JSON text.");
            var value = parser(ref reader);
            if (reader.Read()) throw new JsonException("Unexpected data after the JSON object.");
            return value;
        }

        private static bool IsWhiteSpace(byte b) => b == (byte)' ' || b == (byte)'\t' || b == (byte)'\r' || b == (byte)'\n';

        public void Dispose()
        {
            buffer.Dispose();
            scanned = 0;
        }
    }
}
