using System;
using WeaveEval.Client;
using WeaveEval.Commands;

namespace WeaveEval
{
    /// <summary>The session connection as <c>Get-WeaveConnection</c> shows it: never the key, only where it came from.</summary>
    public sealed class WeaveConnection
    {
        internal WeaveConnection(StoredSession stored)
        {
            Entity = stored.Session.Entity;
            Project = stored.Session.Project;
            BaseUri = stored.Session.BaseUri;
            KeySource = stored.KeySource;
            KeySourceDescription = stored.KeySourceDescription;
            TimeoutSec = stored.Session.Transport.Timeout.TotalSeconds;
            MaximumRetryCount = stored.Session.Transport.MaximumRetryCount;
            RetryIntervalSec = stored.Session.Transport.RetryInterval.TotalSeconds;
            Proxy = stored.Session.Transport.Proxy;
        }

        public string? Entity { get; }

        public string? Project { get; }

        public Uri? BaseUri { get; }

        public ApiKeySource KeySource { get; }

        public string KeySourceDescription { get; }

        public double TimeoutSec { get; }

        public int MaximumRetryCount { get; }

        public double RetryIntervalSec { get; }

        public Uri? Proxy { get; }

        public override string ToString() => $"{Entity}/{Project} at {BaseUri}";
    }
}
