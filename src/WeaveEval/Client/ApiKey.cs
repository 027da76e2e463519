using System;

namespace WeaveEval.Client
{
    /// <summary>
    /// A W&amp;B API key. Its text leaves this type only through <see cref="Reveal"/> (used to build the
    /// Authorization header); <see cref="ToString"/> never shows it, so it cannot leak into a log,
    /// an exception message or a formatted object by accident.
    /// </summary>
    public sealed class ApiKey
    {
        private readonly string value;

        public ApiKey(string value)
        {
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException("The API key is empty.", nameof(value));
            this.value = value.Trim();
        }

        internal string Reveal() => value;

        public override string ToString() => "[redacted]";
    }

    /// <summary>Where the key in use came from (shown in errors instead of the key).</summary>
    public enum ApiKeySource
    {
        Parameter,
        Credential,
        Session,
        Environment,
        Netrc,
    }
}
