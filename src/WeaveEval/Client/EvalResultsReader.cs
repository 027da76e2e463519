using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>
    /// Reads an eval_results/query response incrementally: the top-level object is walked with a
    /// <see cref="Utf8JsonReader"/> whose state is carried across buffer refills; each element of
    /// <c>rows</c> is parsed once it is wholly in the buffer and handed out at once, so memory stays at
    /// one row however large the page. <c>total_rows</c> and <c>warnings</c> are read wherever they appear.
    /// </summary>
    internal sealed class EvalResultsReader : IPageParser<EvalRow>
    {
        private enum Phase
        {
            BeforeDocument,
            InDocument,
            InRows,
            Done,
        }

        private enum Outcome
        {
            NeedMoreData,
            Row,
            Done,
        }

        private const int LargeElementBytes = 64 * 1024;

        private static readonly JsonReaderOptions Options = new JsonReaderOptions { MaxDepth = 256 };

        private readonly IBodySource source;
        private readonly bool includeInputs;
        private readonly string entity;
        private readonly string project;
        private readonly PooledReadBuffer buffer;
        private JsonReaderState state = new JsonReaderState(Options);
        private Phase phase = Phase.BeforeDocument;
        private string? pendingProperty;
        private readonly List<string> serverWarnings = new List<string>();

        public EvalResultsReader(IBodySource source, bool includeInputs, string entity, string project, int initialBufferSize = 64 * 1024)
        {
            this.source = source;
            this.includeInputs = includeInputs;
            this.entity = entity;
            this.project = project;
            buffer = new PooledReadBuffer(initialBufferSize);
        }

        /// <summary><c>total_rows</c>, once it has been read.</summary>
        public long? TotalItems { get; private set; }

        public IReadOnlyList<string> Warnings => serverWarnings;

        public EvalRow Current { get; private set; } = null!;

        public async Task<bool> MoveNextAsync(CancellationToken cancellationToken)
        {
            var row = await ReadRowAsync(cancellationToken).ConfigureAwait(false);
            if (row == null) return false;
            Current = row;
            return true;
        }

        /// <summary>The next row, or null once the document is complete.</summary>
        internal async ValueTask<EvalRow?> ReadRowAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var outcome = Step(out var row);
                if (outcome == Outcome.Row) return row;
                if (outcome == Outcome.Done) return null;
                if (buffer.EndOfBody)
                {
                    throw new StreamDroppedException($"The response of {source.RequestLine} ended before its JSON document was complete.");
                }
                // A large element is re-probed from its start after each refill; waiting until the pending
                // bytes have doubled keeps that linear in the element's size.
                var pending = buffer.End - buffer.Start;
                do
                {
                    await buffer.FillAsync(source, cancellationToken).ConfigureAwait(false);
                }
                while (!buffer.EndOfBody && pending >= LargeElementBytes && buffer.End - buffer.Start < 2 * pending);
            }
        }

        /// <summary>
        /// Advances as far as the buffered bytes allow. Progress is committed only at points where the
        /// walk can be restarted (token boundaries outside a half-read row or value), so a later call
        /// re-reads an incomplete row from its start once more bytes have arrived.
        /// </summary>
        [MethodImpl(HotPath.Optimize)]
        private Outcome Step(out EvalRow? row)
        {
            row = null;
            var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(buffer.Bytes, buffer.Start, buffer.End - buffer.Start), isFinalBlock: false, state);
            long committed = 0;
            try
            {
                while (true)
                {
                    switch (phase)
                    {
                        case Phase.BeforeDocument:
                            if (!reader.Read()) return Outcome.NeedMoreData;
                            if (reader.TokenType != JsonTokenType.StartObject)
                            {
                                throw new WeaveProtocolException($"The response of {source.RequestLine} is not a JSON object (it starts with {reader.TokenType}).");
                            }
                            phase = Phase.InDocument;
                            Commit(ref reader, ref committed);
                            break;

                        case Phase.InDocument:
                            if (pendingProperty == null)
                            {
                                if (!reader.Read()) return Outcome.NeedMoreData;
                                if (reader.TokenType == JsonTokenType.EndObject)
                                {
                                    phase = Phase.Done;
                                    Commit(ref reader, ref committed);
                                    return Outcome.Done;
                                }
                                pendingProperty = reader.GetString() ?? string.Empty;
                                Commit(ref reader, ref committed);
                            }
                            if (!reader.Read()) return Outcome.NeedMoreData;
                            if (pendingProperty == "rows" && reader.TokenType == JsonTokenType.StartArray)
                            {
                                phase = Phase.InRows;
                                pendingProperty = null;
                                Commit(ref reader, ref committed);
                                break;
                            }
                            var valueStart = (int)reader.TokenStartIndex;
                            var valueEnd = reader;
                            if (!valueEnd.TrySkip()) return Outcome.NeedMoreData;
                            ReadTopLevelValue(pendingProperty, valueStart, (int)valueEnd.BytesConsumed);
                            reader = valueEnd;
                            pendingProperty = null;
                            Commit(ref reader, ref committed);
                            break;

                        case Phase.InRows:
                            if (!reader.Read()) return Outcome.NeedMoreData;
                            if (reader.TokenType == JsonTokenType.EndArray)
                            {
                                phase = Phase.InDocument;
                                Commit(ref reader, ref committed);
                                break;
                            }
                            var elementStart = (int)reader.TokenStartIndex;
                            var probe = reader;
                            if (!probe.TrySkip()) return Outcome.NeedMoreData;
                            if (reader.TokenType == JsonTokenType.StartObject)
                            {
                                row = ParseRow(elementStart, (int)probe.BytesConsumed);
                            }
                            reader = probe;
                            Commit(ref reader, ref committed);
                            if (row != null) return Outcome.Row;
                            break;

                        default:
                            return Outcome.Done;
                    }
                }
            }
            catch (Exception e) when (e is JsonException || e is InvalidOperationException || e is FormatException)
            {
                throw new WeaveProtocolException($"The response of {source.RequestLine} is not valid JSON: {e.Message}", e);
            }
            finally
            {
                buffer.Start += (int)committed;
            }
        }

        private void Commit(ref Utf8JsonReader reader, ref long committed)
        {
            committed = reader.BytesConsumed;
            state = reader.CurrentState;
        }

        /// <summary>A complete element, parsed on its own with a reader that knows it has all the bytes.</summary>
        [MethodImpl(HotPath.Optimize)]
        private EvalRow ParseRow(int offset, int end)
        {
            var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(buffer.Bytes, buffer.Start + offset, end - offset), Options);
            reader.Read();
            return WireFormat.ParseEvalRow(ref reader, includeInputs, entity, project);
        }

        private void ReadTopLevelValue(string property, int offset, int end)
        {
            if (property != "total_rows" && property != "warnings") return;
            var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(buffer.Bytes, buffer.Start + offset, end - offset), Options);
            reader.Read();
            var value = JsonText.ReadValue(ref reader);
            if (property == "total_rows")
            {
                TotalItems = Mapping.AsLong(value);
            }
            else if (value is JsonList warnings)
            {
                foreach (var warning in warnings) if (warning != null) serverWarnings.Add(Mapping.AsText(warning)!);
            }
        }

        public void Dispose()
        {
            buffer.Dispose();
        }
    }
}
