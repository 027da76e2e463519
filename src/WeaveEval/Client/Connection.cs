using System;

namespace WeaveEval.Client
{
    /// <summary>What the user typed on this call; every value is optional.</summary>
    public sealed class ConnectionRequest
    {
        public string? Entity { get; set; }

        public string? Project { get; set; }

        public ApiKey? ApiKey { get; set; }

        /// <summary><see cref="ApiKeySource.Parameter"/> or <see cref="ApiKeySource.Credential"/>: how <see cref="ApiKey"/> was given.</summary>
        public ApiKeySource ApiKeySource { get; set; } = ApiKeySource.Parameter;

        public Uri? BaseUri { get; set; }

        public int? MaximumRetryCount { get; set; }

        public double? RetryIntervalSec { get; set; }

        public int? TimeoutSec { get; set; }

        public Uri? Proxy { get; set; }

        public bool AllowUnencryptedAuthentication { get; set; }
    }

    /// <summary>What Connect-Weave stored for the process.</summary>
    public sealed class WeaveSession
    {
        public string? Entity { get; set; }

        public string? Project { get; set; }

        public ApiKey? ApiKey { get; set; }

        public Uri? BaseUri { get; set; }

        public TransportOptions Transport { get; set; } = TransportOptions.Default;
    }

    /// <summary>Everything a <see cref="WeaveClient"/> needs, after applying the precedence rules.</summary>
    public sealed class ResolvedConnection
    {
        public ResolvedConnection(string entity, string project, Uri baseUri, ApiKey apiKey, ApiKeySource keySource, string keySourceDescription, TransportOptions transport)
        {
            Entity = entity;
            Project = project;
            BaseUri = baseUri;
            ApiKey = apiKey;
            KeySource = keySource;
            KeySourceDescription = keySourceDescription;
            Transport = transport;
        }

        public string Entity { get; }

        public string Project { get; }

        /// <summary>The trace server, e.g. <c>https://trace.wandb.ai/</c> or <c>https://acme.wandb.io/traces/</c>.</summary>
        public Uri BaseUri { get; }

        public ApiKey ApiKey { get; }

        public ApiKeySource KeySource { get; }

        /// <summary>Where the key came from, in words (never the key), e.g. "the netrc file /root/.netrc (machine api.wandb.ai)".</summary>
        public string KeySourceDescription { get; }

        public TransportOptions Transport { get; }
    }
}
