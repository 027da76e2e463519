using System;
using System.Threading;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>What <c>Connect-Weave</c> stored: the session defaults plus where its key came from.</summary>
    internal sealed class StoredSession
    {
        public StoredSession(WeaveSession session, ApiKeySource keySource, string keySourceDescription)
        {
            Session = session;
            KeySource = keySource;
            KeySourceDescription = keySourceDescription;
        }

        public WeaveSession Session { get; }

        public ApiKeySource KeySource { get; }

        public string KeySourceDescription { get; }
    }

    /// <summary>
    /// The process-wide session of <c>Connect-Weave</c>. One immutable snapshot swapped atomically,
    /// so runspaces on other threads (ForEach-Object -Parallel, jobs) read a consistent session.
    /// </summary>
    internal static class WeaveSessionStore
    {
        private static StoredSession? stored;

        public static StoredSession? Stored => Volatile.Read(ref stored);

        public static WeaveSession? Current => Stored?.Session;

        public static void Set(StoredSession session) => Volatile.Write(ref stored, session ?? throw new ArgumentNullException(nameof(session)));

        public static void Clear() => Volatile.Write(ref stored, null);
    }
}
