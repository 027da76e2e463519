using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>
    /// A pooled byte buffer that a streaming reader fills from an <see cref="IBodySource"/>: the unread
    /// bytes are <see cref="Bytes"/>[<see cref="Start"/>..<see cref="End"/>), and the owner advances
    /// <see cref="Start"/> as it consumes them.
    /// </summary>
    internal sealed class PooledReadBuffer : IDisposable
    {
        public PooledReadBuffer(int initialSize)
        {
            Bytes = ArrayPool<byte>.Shared.Rent(initialSize);
        }

        public byte[] Bytes { get; private set; }

        public int Start { get; set; }

        public int End { get; private set; }

        public bool EndOfBody { get; private set; }

        /// <summary>
        /// Reads more bytes from <paramref name="source"/>, first moving the unread bytes to the front (and
        /// doubling the buffer if they fill it) so there is room. Returns how far the unread bytes moved
        /// towards the front, so the owner can shift any index it keeps into them.
        /// </summary>
        public async Task<int> FillAsync(IBodySource source, CancellationToken cancellationToken)
        {
            var moved = Start;
            if (Start > 0)
            {
                Buffer.BlockCopy(Bytes, Start, Bytes, 0, End - Start);
                End -= Start;
                Start = 0;
            }
            if (End == Bytes.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Bytes.Length * 2);
                Buffer.BlockCopy(Bytes, 0, larger, 0, End);
                ArrayPool<byte>.Shared.Return(Bytes);
                Bytes = larger;
            }
            var read = await source.ReadAsync(Bytes, End, Bytes.Length - End, cancellationToken).ConfigureAwait(false);
            if (read == 0) EndOfBody = true;
            else End += read;
            return moved;
        }

        public void Dispose()
        {
            // Emptied before returning so a second Dispose cannot hand the same array back to the pool twice.
            var rented = Bytes;
            Bytes = Array.Empty<byte>();
            Start = End = 0;
            if (rented.Length > 0) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
