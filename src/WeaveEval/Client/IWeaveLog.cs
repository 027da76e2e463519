namespace WeaveEval.Client
{
    /// <summary>
    /// How the PowerShell-free core reports what it does. Implementations must be thread-safe:
    /// the core calls them from thread-pool threads (the cmdlet queues them for the pipeline thread).
    /// Messages never contain the API key.
    /// </summary>
    public interface IWeaveLog
    {
        /// <summary>One line per request: method, path, status, size, time, retries.</summary>
        void Verbose(string message);

        /// <summary>HTTP details (headers with Authorization redacted, bodies of requests).</summary>
        void Debug(string message);

        /// <summary>Non-fatal problems the user should see (server warnings, skipped data).</summary>
        void Warning(string message);
    }

    /// <summary>A log that drops everything.</summary>
    public sealed class NullWeaveLog : IWeaveLog
    {
        public static readonly NullWeaveLog Instance = new NullWeaveLog();

        public void Verbose(string message) { }

        public void Debug(string message) { }

        public void Warning(string message) { }
    }
}
