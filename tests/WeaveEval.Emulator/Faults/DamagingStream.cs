using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace WeaveEval.Emulator.Faults
{
    /// <summary>
    /// Response body wrapper that damages the real response as a flaky network or a failing server
    /// would: slow delivery, a connection cut after some bytes or lines, one corrupted JSON line.
    /// Writes after the cut are swallowed so that the route handler finishes normally.
    /// </summary>
    internal sealed class DamagingStream : Stream
    {
        private static readonly byte[] MalformedLine = "{\"this line is not valid JSON"u8.ToArray();
        private static readonly TimeSpan TrickleTick = TimeSpan.FromMilliseconds(50);

        private readonly Stream inner;
        private readonly HttpContext context;
        private readonly FaultAction action;
        private long bytesSent;
        private int completedLines;
        private bool insideMalformedLine;
        private bool cut;
        private bool previousWriteEndedLine = true;

        public DamagingStream(Stream inner, HttpContext context, FaultAction action)
        {
            this.inner = inner;
            this.context = context;
            this.action = action;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (cut) return;
            if (action.TruncateLines == 0 || action.DropAfterBytes == 0)
            {
                await CutAsync();
                return;
            }
            var start = 0;
            for (var i = 0; i < buffer.Length && !cut; i++)
            {
                var atLineStart = i == 0 ? previousWriteEndedLine : buffer.Span[i - 1] == (byte)'\n';
                if (action.MalformedLineAt is int target && atLineStart && completedLines + 1 == target && !insideMalformedLine)
                {
                    await SendAsync(buffer.Slice(start, i - start), cancellationToken);
                    await SendAsync(MalformedLine, cancellationToken);
                    insideMalformedLine = true;
                    start = i;
                }
                var b = buffer.Span[i];
                if (insideMalformedLine && b != (byte)'\n') { start = i + 1; continue; }
                if (b == (byte)'\n')
                {
                    insideMalformedLine = false;
                    completedLines++;
                    if (action.TruncateLines is int keep && completedLines >= keep)
                    {
                        await SendAsync(buffer.Slice(start, i + 1 - start), cancellationToken);
                        await CutAsync();
                        return;
                    }
                }
                if (action.DropAfterBytes is long limit && bytesSent + (i + 1 - start) >= limit)
                {
                    await SendAsync(buffer.Slice(start, i + 1 - start), cancellationToken);
                    await CutAsync();
                    return;
                }
            }
            if (!cut) await SendAsync(buffer.Slice(start), cancellationToken);
            previousWriteEndedLine = buffer.Length > 0 ? buffer.Span[^1] == (byte)'\n' : previousWriteEndedLine;
        }

        private async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            if (bytes.IsEmpty) return;
            if (action.TrickleBytesPerSecond is int rate && rate > 0)
            {
                var perTick = Math.Max(1, (int)(rate * TrickleTick.TotalSeconds));
                for (var offset = 0; offset < bytes.Length; offset += perTick)
                {
                    var slice = bytes.Slice(offset, Math.Min(perTick, bytes.Length - offset));
                    await inner.WriteAsync(slice, cancellationToken);
                    await inner.FlushAsync(cancellationToken);
                    bytesSent += slice.Length;
                    await Task.Delay(TrickleTick, cancellationToken);
                }
                return;
            }
            await inner.WriteAsync(bytes, cancellationToken);
            bytesSent += bytes.Length;
        }

        private async Task CutAsync()
        {
            cut = true;
            await inner.FlushAsync();
            // Give the transport a moment to put the flushed bytes on the wire before the reset.
            await Task.Delay(50);
            context.Abort();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (!cut) await inner.FlushAsync(cancellationToken);
        }

        public override void Flush() => FlushAsync().GetAwaiter().GetResult();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
