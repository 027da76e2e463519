using System.Management.Automation;

namespace WeaveEval.Commands
{
    /// <summary>Applies -Skip and -First (SupportsPaging) to a stream of items the cmdlet produces.</summary>
    internal sealed class PageCounter
    {
        private readonly ulong skip;
        private readonly ulong first;
        private ulong skipped;
        private ulong taken;

        public PageCounter(PagingParameters paging)
        {
            skip = paging.Skip;
            first = paging.First;
        }

        /// <summary>-First is satisfied: stop reading (no further page is requested).</summary>
        public bool Done => taken >= first;

        /// <summary>Items offered so far (skipped, taken or not).</summary>
        public ulong Seen { get; private set; }

        /// <summary>How many more items may be read before -First is satisfied (null: no limit).</summary>
        public long? Remaining
        {
            get
            {
                if (first == ulong.MaxValue) return null;
                var left = (skip - skipped) + (first - taken);
                return left > long.MaxValue ? (long?)null : (long)left;
            }
        }

        /// <summary>Counts one item; true when it is to be written.</summary>
        public bool Take()
        {
            Seen++;
            if (skipped < skip)
            {
                skipped++;
                return false;
            }
            if (Done) return false;
            taken++;
            return true;
        }
    }
}
