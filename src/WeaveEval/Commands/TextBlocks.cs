using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace WeaveEval.Commands
{
    /// <summary>
    /// The blocks in which pages that format their rows ahead of the writer (<see cref="EvalResultWriter"/>)
    /// keep the rows' encoded lines: a row is a slice of a block, and a block is reused once the writer has
    /// written its last row. The lines of a 100k-trial export then live in a few reused blocks instead of one
    /// array per row, each of which the GC had to copy while it waited for its turn (bench/README.md).
    /// </summary>
    internal sealed class TextBlocks
    {
        /// <summary>Bytes per block: above the large-object threshold, so a block is never copied by the GC.</summary>
        public const int BlockSize = 256 * 1024;

        private readonly object gate = new object();
        private readonly Stack<byte[]> free = new Stack<byte[]>();

        /// <summary>The writer's side: the block of the last row written.</summary>
        private byte[]? written;

        /// <summary>Where one page keeps its rows (one thread at a time).</summary>
        public Page StartPage() => new Page(this);

        /// <summary>The writer has written <paramref name="row"/>: the block of the rows before it, when another, is free again.</summary>
        public void Written(ArraySegment<byte> row)
        {
            if (written != null && !ReferenceEquals(written, row.Array) && written.Length == BlockSize)
            {
                lock (gate) free.Push(written);
            }
            written = row.Array;
        }

        private byte[] Rent(int atLeast)
        {
            if (atLeast > BlockSize) return new byte[atLeast];
            lock (gate)
            {
                if (free.Count > 0) return free.Pop();
            }
            return new byte[BlockSize];
        }

        /// <summary>
        /// One page's place in the blocks. Its rows are handed to the writer in the order they were kept, and
        /// a page's rows come to the writer together, so a block it has left is done once the writer moves on.
        /// </summary>
        public sealed class Page
        {
            private readonly TextBlocks blocks;
            private byte[]? block;
            private int used;

            public Page(TextBlocks blocks)
            {
                this.blocks = blocks;
            }

            /// <summary>A copy of <paramref name="text"/> in the page's current block (a new one when it is full).</summary>
            [MethodImpl(HotPath.Optimize)]
            public ArraySegment<byte> Keep(ReadOnlySpan<byte> text)
            {
                if (block == null || used + text.Length > block.Length)
                {
                    block = blocks.Rent(text.Length);
                    used = 0;
                }
                text.CopyTo(new Span<byte>(block, used, text.Length));
                var kept = new ArraySegment<byte>(block, used, text.Length);
                used += text.Length;
                return kept;
            }
        }
    }
}
