using System;
using System.Buffers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>Where response bytes come from (a <see cref="WeaveResponse"/>; tests feed arbitrary chunkings).</summary>
    internal interface IBodySource
    {
        string Display { get; }

        Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken);
    }

    /// <summary>
    /// Reads a JSON Lines body object by object: the stream is read in pooled chunks, split on '\n', blank
    /// lines are skipped and each line is parsed in place. A missing final newline is fine; a final line
    /// that is cut off reports <see cref="StreamDroppedException"/> so the caller can resume.
    /// </summary>
    internal sealed class JsonLinesReader<T> : IDisposable
    {
        private const int InitialBufferSize = 64 * 1024;

        private readonly IBodySource source;
        private readonly Utf8Parser<T> parser;
        private byte[] buffer;
        private int start;
        private int end;
        private int scanned;
        private bool endOfBody;
        private long lineNumber;

        public JsonLinesReader(IBodySource source, Utf8Parser<T> parser, int initialBufferSize = InitialBufferSize)
        {
            this.source = source;
            this.parser = parser;
            buffer = ArrayPool<byte>.Shared.Rent(initialBufferSize);
        }

        public T Current { get; private set; } = default!;

        public async Task<bool> MoveNextAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var found = new ReadOnlySpan<byte>(buffer, scanned, end - scanned).IndexOf((byte)'\n');
                var newline = found < 0 ? -1 : scanned + found;
                if (newline >= 0)
                {
                    lineNumber++;
                    var lineStart = start;
                    start = scanned = newline + 1;
                    if (TryParseLine(lineStart, newline - lineStart, terminated: true)) return true;
                    continue;
                }
                if (endOfBody)
                {
                    if (start == end) return false;
                    lineNumber++;
                    var lineStart = start;
                    start = scanned = end;
                    if (TryParseLine(lineStart, end - lineStart, terminated: false)) return true;
                    return false;
                }
                scanned = end;
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                scanned -= start;
                start = 0;
            }
            if (end == buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                Buffer.BlockCopy(buffer, 0, larger, 0, end);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }
            var read = await source.ReadAsync(buffer, end, buffer.Length - end, cancellationToken).ConfigureAwait(false);
            if (read == 0) endOfBody = true;
            else end += read;
        }

        /// <summary>Parses one line into <see cref="Current"/>; false for a blank line.</summary>
        private bool TryParseLine(int offset, int length, bool terminated)
        {
            if (length > 0 && buffer[offset + length - 1] == (byte)'\r') length--;
            var first = offset;
            while (first < offset + length && IsWhiteSpace(buffer[first])) first++;
            if (first == offset + length) return false;

            try
            {
                Current = Parse(new ReadOnlySpan<byte>(buffer, offset, length));
                return true;
            }
            catch (Exception e) when (e is JsonException || e is InvalidOperationException || e is FormatException || e is ArgumentException)
            {
                if (!terminated && buffer[first] == (byte)'{')
                {
                    throw new StreamDroppedException($"The response of {source.Display} ended in the middle of line {lineNumber}.", e);
                }
                throw new WeaveProtocolException($"Line {lineNumber} of the response of {source.Display} is not valid JSON: {e.Message}", e);
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
            var rented = buffer;
            buffer = Array.Empty<byte>();
            start = end = scanned = 0;
            if (rented.Length > 0) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
