using System;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>
    /// Deterministic UUIDv7-shaped ids: the first 48 bits are the millisecond timestamp,
    /// the rest comes from a seeded generator, so the same seed always yields the same data set.
    /// </summary>
    public sealed class IdSource
    {
        private static readonly char[] Hex = "0123456789abcdef".ToCharArray();
        private readonly Random random;
        private readonly byte[] randomBytes = new byte[10];

        public IdSource(int seed)
        {
            random = new Random(seed);
        }

        public string Next(DateTime at)
        {
            var milliseconds = (long)(at - DateTime.UnixEpoch).TotalMilliseconds;
            random.NextBytes(randomBytes);
            Span<byte> id = stackalloc byte[16];
            for (var i = 0; i < 6; i++) id[i] = (byte)(milliseconds >> (8 * (5 - i)));
            id[6] = (byte)(0x70 | (randomBytes[0] & 0x0F));
            id[7] = randomBytes[1];
            id[8] = (byte)(0x80 | (randomBytes[2] & 0x3F));
            for (var i = 9; i < 16; i++) id[i] = randomBytes[i - 6];

            Span<char> text = stackalloc char[36];
            var position = 0;
            for (var i = 0; i < 16; i++)
            {
                if (i is 4 or 6 or 8 or 10) text[position++] = '-';
                text[position++] = Hex[id[i] >> 4];
                text[position++] = Hex[id[i] & 0x0F];
            }
            return new string(text);
        }
    }
}
