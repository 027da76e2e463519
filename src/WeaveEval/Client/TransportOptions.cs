using System;

namespace WeaveEval.Client
{
    /// <summary>How requests are sent: timeout, retries, proxy. Immutable; the <c>With*</c> methods return changed copies.</summary>
    public sealed class TransportOptions
    {
        public static readonly TransportOptions Default = new TransportOptions();

        public TransportOptions() { }

        private TransportOptions(TransportOptions other)
        {
            Timeout = other.Timeout;
            MaximumRetryCount = other.MaximumRetryCount;
            RetryInterval = other.RetryInterval;
            MaximumRetryInterval = other.MaximumRetryInterval;
            Proxy = other.Proxy;
            AllowUnencryptedAuthentication = other.AllowUnencryptedAuthentication;
        }

        /// <summary>Longest wait for the response headers, and for each read of the body.</summary>
        public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(100);

        public int MaximumRetryCount { get; private set; } = 4;

        /// <summary>The first back-off; later ones double, with jitter, up to <see cref="MaximumRetryInterval"/>.</summary>
        public TimeSpan RetryInterval { get; private set; } = TimeSpan.FromSeconds(1);

        public TimeSpan MaximumRetryInterval { get; private set; } = TimeSpan.FromSeconds(60);

        /// <summary>A proxy to use instead of the system proxy.</summary>
        public Uri? Proxy { get; private set; }

        /// <summary>Allows sending the key over http:// to a host that is not loopback.</summary>
        public bool AllowUnencryptedAuthentication { get; private set; }

        public TransportOptions WithTimeout(TimeSpan value)
        {
            if (value <= TimeSpan.Zero && value != System.Threading.Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(value), "The timeout must be positive.");
            return new TransportOptions(this) { Timeout = value };
        }

        public TransportOptions WithMaximumRetryCount(int value)
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "The retry count cannot be negative.");
            return new TransportOptions(this) { MaximumRetryCount = value };
        }

        public TransportOptions WithRetryInterval(TimeSpan value)
        {
            if (value < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(value), "The retry interval cannot be negative.");
            return new TransportOptions(this) { RetryInterval = value };
        }

        public TransportOptions WithMaximumRetryInterval(TimeSpan value)
        {
            if (value < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(value), "The retry interval cannot be negative.");
            return new TransportOptions(this) { MaximumRetryInterval = value };
        }

        public TransportOptions WithProxy(Uri? value) => new TransportOptions(this) { Proxy = value };

        public TransportOptions WithAllowUnencryptedAuthentication(bool value) => new TransportOptions(this) { AllowUnencryptedAuthentication = value };
    }
}
