using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Emulator.Profile
{
    /// <summary>
    /// Response body wrapper that sends no faster than a fixed number of bytes per second. The body goes
    /// out in small flushed chunks, each as soon as the schedule allows, so the first bytes arrive at once
    /// and only the rest is held back. HTTP/1.1 serves one response at a time on a connection, so pacing
    /// each response is pacing its connection.
    /// </summary>
    internal sealed class PacedStream : Stream
    {
        private const int SmallestChunk = 4 * 1024;
        private const int LargestChunk = 64 * 1024;

        private readonly Stream inner;
        private readonly long bytesPerSecond;
        private readonly int chunkBytes;
        private readonly Stopwatch clock = new();
        private long bytesSent;

        public PacedStream(Stream inner, long bytesPerSecond)
        {
            this.inner = inner;
            this.bytesPerSecond = bytesPerSecond;
            // About 50 chunks a second: fine-grained enough that a slow cap still trickles, few enough timer waits at a fast one.
            chunkBytes = (int)Math.Clamp(bytesPerSecond / 50, SmallestChunk, LargestChunk);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!clock.IsRunning) clock.Start();
            for (var offset = 0; offset < buffer.Length; offset += chunkBytes)
            {
                var chunk = buffer.Slice(offset, Math.Min(chunkBytes, buffer.Length - offset));
                await inner.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
                bytesSent += chunk.Length;
                // Wait until the bytes sent so far are due: the whole body then takes at least its size / rate.
                var due = TimeSpan.FromSeconds((double)bytesSent / bytesPerSecond);
                var ahead = due - clock.Elapsed;
                if (ahead > TimeSpan.Zero) await Task.Delay(ahead, cancellationToken).ConfigureAwait(false);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
