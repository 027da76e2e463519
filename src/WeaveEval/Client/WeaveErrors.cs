using System;

namespace WeaveEval.Client
{
    /// <summary>What went wrong, coarsely; the cmdlets map it to an ErrorCategory.</summary>
    public enum WeaveErrorKind
    {
        InvalidArgument,
        NotFound,
        Authentication,
        PermissionDenied,
        LimitsExceeded,
        ServerError,
        Timeout,
        Connection,
        InvalidData,
        Configuration,
    }

    /// <summary>Base of every error the client raises. <see cref="ErrorId"/> is a stable bare word (e.g. <c>NotFound</c>).</summary>
    public class WeaveException : Exception
    {
        public WeaveException(string message, string errorId, WeaveErrorKind kind, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Kind = kind;
        }

        public string ErrorId { get; }

        public WeaveErrorKind Kind { get; }
    }

    /// <summary>The error id and kind of an HTTP error status (after any retries): the ids about_WeaveEval lists.</summary>
    internal static class WeaveErrorIds
    {
        public static (string ErrorId, WeaveErrorKind Kind) ForStatus(int status)
        {
            switch (status)
            {
                case 400: return ("BadRequest", WeaveErrorKind.InvalidArgument);
                case 401: return ("Unauthorized", WeaveErrorKind.Authentication);
                case 403: return ("Forbidden", WeaveErrorKind.PermissionDenied);
                case 404: return ("NotFound", WeaveErrorKind.NotFound);
                case 408: return ("Timeout", WeaveErrorKind.Timeout);
                case 413: return ("RequestTooLarge", WeaveErrorKind.LimitsExceeded);
                case 422: return ("ValidationFailed", WeaveErrorKind.InvalidArgument);
                case 429: return ("RateLimited", WeaveErrorKind.LimitsExceeded);
            }
            if (status >= 400 && status < 500) return ("BadRequest", WeaveErrorKind.InvalidArgument);
            return ("ServerError", WeaveErrorKind.ServerError);
        }
    }

    /// <summary>The connection could not be resolved (missing entity, project or key; bad base URI; refused http://).</summary>
    public sealed class WeaveConfigurationException : WeaveException
    {
        public WeaveConfigurationException(string message, string errorId, WeaveErrorKind kind = WeaveErrorKind.Configuration)
            : base(message, errorId, kind)
        {
        }
    }

    /// <summary>The server answered with an error status (after any retries).</summary>
    public class WeaveApiException : WeaveException
    {
        public WeaveApiException(string message, string errorId, WeaveErrorKind kind, int statusCode, string method, string requestPath, string? reason, string? responseBody)
            : base(message, errorId, kind)
        {
            StatusCode = statusCode;
            Method = method;
            RequestPath = requestPath;
            Reason = reason;
            ResponseBody = responseBody;
        }

        public int StatusCode { get; }

        public string Method { get; }

        public string RequestPath { get; }

        /// <summary>The server's own message: <c>{"reason"}</c>, or the FastAPI <c>detail</c> text.</summary>
        public string? Reason { get; }

        /// <summary>The error body as received (for ErrorDetails).</summary>
        public string? ResponseBody { get; }
    }

    /// <summary>The server sent data the client cannot read (ErrorId <c>ProtocolError</c>).</summary>
    public sealed class WeaveProtocolException : WeaveException
    {
        public WeaveProtocolException(string message, Exception? innerException = null)
            : base(message, "ProtocolError", WeaveErrorKind.InvalidData, innerException)
        {
        }
    }

    /// <summary>A streamed list kept breaking off and could not be resumed (ErrorId <c>StreamInterrupted</c>).</summary>
    public sealed class WeaveStreamInterruptedException : WeaveException
    {
        public WeaveStreamInterruptedException(string message, long itemsReceived, Exception? innerException = null)
            : base(message, "StreamInterrupted", WeaveErrorKind.Connection, innerException)
        {
            ItemsReceived = itemsReceived;
        }

        /// <summary>Items delivered to the caller before giving up.</summary>
        public long ItemsReceived { get; }
    }

    /// <summary>Internal signal: the response body ended early or the connection dropped while reading it.</summary>
    internal sealed class StreamDroppedException : Exception
    {
        public StreamDroppedException(string message, Exception? innerException = null) : base(message, innerException) { }
    }
}
