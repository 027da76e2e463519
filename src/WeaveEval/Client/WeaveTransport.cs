using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WeaveEval.Client
{
    /// <summary>One request as the client means it; the path is relative to the base URI and already encoded.</summary>
    internal sealed class WeaveRequest
    {
        public WeaveRequest(HttpMethod method, string relativePath, byte[]? jsonBody, bool jsonLines)
        {
            Method = method;
            RelativePath = relativePath;
            JsonBody = jsonBody;
            JsonLines = jsonLines;
        }

        public HttpMethod Method { get; }

        public string RelativePath { get; }

        public byte[]? JsonBody { get; }

        public bool JsonLines { get; }
    }

    /// <summary>Back-off waits; tests replace it to observe the waits without sleeping.</summary>
    internal delegate Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>
    /// Sends requests with authentication, per-request timeout, retries with back-off, logging and error
    /// mapping. Responses come back with only their headers read so the body can be streamed.
    /// </summary>
    internal sealed class WeaveTransport
    {
        private static readonly ConcurrentDictionary<string, HttpClient> SharedClients = new ConcurrentDictionary<string, HttpClient>(StringComparer.OrdinalIgnoreCase);
        private static readonly ProductInfoHeaderValue UserAgent = new ProductInfoHeaderValue("WeaveEval", typeof(WeaveTransport).Assembly.GetName().Version?.ToString() ?? "0.0.0");
        private static readonly object JitterLock = new object();
        private static readonly Random Jitter = new Random();

        private readonly HttpClient http;
        private readonly DelayAsync delay;
        private int retryWarningWritten;

        public WeaveTransport(ResolvedConnection connection, IWeaveLog log)
            : this(connection, log, GetSharedClient(connection), null)
        {
        }

        public WeaveTransport(ResolvedConnection connection, IWeaveLog log, HttpClient http, DelayAsync? delay)
        {
            Connection = connection;
            Log = log;
            this.http = http;
            this.delay = delay ?? ((span, token) => Task.Delay(span, token));
        }

        public ResolvedConnection Connection { get; }

        public IWeaveLog Log { get; }

        public TransportOptions Options => Connection.Transport;

        /// <summary>Waits a back-off; cancellable at once through <paramref name="cancellationToken"/>.</summary>
        public Task BackOffAsync(TimeSpan wait, CancellationToken cancellationToken) => delay(wait, cancellationToken);

        /// <summary>The exponential back-off (with jitter, capped) before retry <paramref name="retryNumber"/> (1-based).</summary>
        public TimeSpan ComputeBackOff(int retryNumber)
        {
            var baseMs = Options.RetryInterval.TotalMilliseconds * Math.Pow(2, Math.Min(retryNumber - 1, 30));
            double factor;
            lock (JitterLock) factor = 0.75 + (Jitter.NextDouble() * 0.5);
            var ms = Math.Min(baseMs * factor, Options.MaximumRetryInterval.TotalMilliseconds);
            return TimeSpan.FromMilliseconds(Math.Max(0, ms));
        }

        /// <summary>
        /// Sends the request, retrying as the options say. With <paramref name="splittable"/> (a page the
        /// caller can ask for in smaller pieces) a 504 or a timeout is not retried as it is: the caller splits it.
        /// </summary>
        public async Task<WeaveResponse> SendAsync(WeaveRequest request, CancellationToken cancellationToken, bool splittable = false)
        {
            var uri = new Uri(Connection.BaseUri.AbsoluteUri + request.RelativePath, UriKind.Absolute);
            var requestLine = request.Method.Method + " " + uri.PathAndQuery;
            for (var attempt = 0; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var stopwatch = Stopwatch.StartNew();
                HttpResponseMessage? response = null;
                Exception? networkFailure = null;
                var timedOut = false;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    if (Options.Timeout != Timeout.InfiniteTimeSpan) timeout.CancelAfter(Options.Timeout);
                    using (var message = BuildMessage(request, uri))
                    {
                        LogRequest(message, request);
                        try
                        {
                            response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                        }
                        catch (Exception e) when (!(e is WeaveException))
                        {
                            if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
                            timedOut = timeout.IsCancellationRequested;
                            if (!timedOut && !(e is HttpRequestException || e is IOException || e is WebException)) throw;
                            networkFailure = e;
                        }
                    }
                }

                if (response == null)
                {
                    var failure = timedOut ? $"no answer within {Seconds(Options.Timeout)}" : Scrub(networkFailure!.Message);
                    Log.Verbose($"{requestLine} -> failed after {stopwatch.ElapsedMilliseconds} ms: {failure}");
                    if (attempt >= Options.MaximumRetryCount || (timedOut && splittable))
                    {
                        if (timedOut) throw TimeoutError(requestLine, networkFailure);
                        throw new WeaveException(
                            $"Could not reach {uri.Host} ({requestLine}): {Scrub(InnermostMessage(networkFailure!))}",
                            "NetworkError",
                            WeaveErrorKind.Connection,
                            networkFailure);
                    }
                    var wait = ComputeBackOff(attempt + 1);
                    WarnRetryingOnce(uri, failure, attempt + 2);
                    Log.Verbose($"Retry {attempt + 1}/{Options.MaximumRetryCount} of {requestLine} in {Seconds(wait)} after {(timedOut ? "a timeout" : "a network error")}");
                    await delay(wait, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                LogResponseHeaders(response, requestLine);
                var weaveResponse = new WeaveResponse(response, requestLine, Options.Timeout, Log, stopwatch);
                var status = (int)response.StatusCode;
                if (status >= 200 && status < 300) return weaveResponse;

                string body;
                using (weaveResponse) body = await weaveResponse.ReadTextAsync(1 << 20, cancellationToken).ConfigureAwait(false);

                if (IsRetryable(status) && attempt < Options.MaximumRetryCount && !(splittable && status == 504))
                {
                    var wait = ServerDelay(response) ?? ComputeBackOff(attempt + 1);
                    Log.Verbose($"Retry {attempt + 1}/{Options.MaximumRetryCount} of {requestLine} in {Seconds(wait)} after HTTP {status}");
                    await delay(wait, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                throw ApiError(request.Method.Method, uri.PathAndQuery, status, response.ReasonPhrase, body);
            }
        }

        /// <summary>
        /// Says once per client that the server is not answering and that the client keeps trying, so
        /// the back-offs (up to about 15 s with the defaults) are not silence; each retry stays in Verbose.
        /// </summary>
        private void WarnRetryingOnce(Uri uri, string failure, int nextAttempt)
        {
            if (Interlocked.Exchange(ref retryWarningWritten, 1) != 0) return;
            var attempts = Options.MaximumRetryCount + 1;
            Log.Warning($"{uri.Host}:{uri.Port} did not answer ({failure}); retrying, attempt {nextAttempt} of {attempts} (-MaximumRetryCount, -RetryIntervalSec).");
        }

        internal static bool IsRetryable(int status) =>
            status == 408 || status == 409 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;

        /// <summary>The wait the server asked for (<c>retry-after-ms</c>, or <c>Retry-After</c> seconds or date), capped.</summary>
        internal TimeSpan? ServerDelay(HttpResponseMessage response)
        {
            TimeSpan? wait = null;
            if (response.Headers.TryGetValues("retry-after-ms", out var values))
            {
                var text = values.FirstOrDefault();
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0) wait = TimeSpan.FromMilliseconds(ms);
            }
            if (wait == null)
            {
                var retryAfter = response.Headers.RetryAfter;
                if (retryAfter?.Delta != null) wait = retryAfter.Delta.Value;
                else if (retryAfter?.Date != null) wait = retryAfter.Date.Value - DateTimeOffset.UtcNow;
            }
            if (wait == null) return null;
            if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            return wait > Options.MaximumRetryInterval ? Options.MaximumRetryInterval : wait;
        }

        internal WeaveException TimeoutError(string requestLine, Exception? inner) =>
            new WeaveException($"{requestLine} timed out after {Seconds(Options.Timeout)} (TimeoutSec).", "Timeout", WeaveErrorKind.Timeout, inner);

        internal WeaveApiException ApiError(string method, string path, int status, string? reasonPhrase, string? body)
        {
            body = string.IsNullOrEmpty(body) ? null : Scrub(body!);
            var reason = ErrorBody.ParseReason(body);
            if (reason != null) reason = Scrub(reason);
            var (errorId, kind) = WeaveErrorIds.ForStatus(status);
            var statusText = string.IsNullOrEmpty(reasonPhrase) ? $"HTTP {status}" : $"HTTP {status} {reasonPhrase}";
            string message;
            if (status == 401)
            {
                message = $"The server rejected the API key from {Connection.KeySourceDescription} (HTTP 401)" + (IsBareStatusText(reason, status) ? "." : ": " + reason);
            }
            else if (status == 403)
            {
                message = $"The API key from {Connection.KeySourceDescription} has no access to {Connection.Entity}/{Connection.Project} (HTTP 403)" + (reason != null ? ": " + reason : ".");
            }
            else
            {
                message = $"{method} {path} failed with {statusText}" + (reason != null ? ": " + reason : ".");
            }
            return new WeaveApiException(message, errorId, kind, status, method, path, reason, body);
        }

        /// <summary>True for no reason or one that only repeats the status ("401 Error", "Unauthorized").</summary>
        private static bool IsBareStatusText(string? reason, int status)
        {
            if (string.IsNullOrWhiteSpace(reason)) return true;
            var text = reason!.Trim().TrimEnd('.');
            var phrase = ((HttpStatusCode)status).ToString();
            return string.Equals(text, status + " Error", StringComparison.OrdinalIgnoreCase)
                   || string.Equals(text, phrase, StringComparison.OrdinalIgnoreCase)
                   || string.Equals(text, status + " " + phrase, StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>
        /// Replaces the key's text and its Basic credentials, should a server or proxy ever echo either,
        /// so that neither can reach a message or log.
        /// </summary>
        internal string Scrub(string text)
        {
            var key = Connection.ApiKey.Reveal();
            if (key.Length == 0) return text;
            return text.Replace(BasicCredentials(), "[redacted]").Replace(key, "[redacted]");
        }

        private string BasicCredentials() => Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + Connection.ApiKey.Reveal()));

        internal static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

        private static string InnermostMessage(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e.Message;
        }

        private HttpRequestMessage BuildMessage(WeaveRequest request, Uri uri)
        {
            var message = new HttpRequestMessage(request.Method, uri);
            message.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicCredentials());
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(request.JsonLines ? "application/jsonl" : "application/json"));
            message.Headers.UserAgent.Add(UserAgent);
            if (request.JsonBody != null)
            {
                message.Content = new ByteArrayContent(request.JsonBody);
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }
            return message;
        }

        private void LogRequest(HttpRequestMessage message, WeaveRequest request)
        {
            var builder = new StringBuilder();
            builder.Append(message.Method.Method).Append(' ').Append(message.RequestUri?.AbsoluteUri);
            foreach (var header in message.Headers)
            {
                builder.Append("\n  ").Append(header.Key).Append(": ");
                builder.Append(string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase) ? "Basic [redacted]" : string.Join(", ", header.Value));
            }
            if (request.JsonBody != null)
            {
                builder.Append("\n  Content-Type: application/json\n");
                var length = Math.Min(request.JsonBody.Length, 4096);
                builder.Append(Encoding.UTF8.GetString(request.JsonBody, 0, length));
                if (length < request.JsonBody.Length) builder.Append("…");
            }
            Log.Debug(Scrub(builder.ToString()));
        }

        private void LogResponseHeaders(HttpResponseMessage response, string requestLine)
        {
            var builder = new StringBuilder();
            builder.Append(requestLine).Append(" -> ").Append((int)response.StatusCode).Append(' ').Append(response.ReasonPhrase);
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                builder.Append("\n  ").Append(header.Key).Append(": ").Append(string.Join(", ", header.Value));
            }
            Log.Debug(Scrub(builder.ToString()));
        }

        private static HttpClient GetSharedClient(ResolvedConnection connection)
        {
            var proxy = connection.Transport.Proxy;
            var key = connection.BaseUri.Scheme + "://" + connection.BaseUri.Authority + "|" + (proxy?.AbsoluteUri ?? string.Empty);
            return SharedClients.GetOrAdd(key, _ =>
            {
                TlsProtocols.EnsureModernProtocols();
                var handler = new HttpClientHandler { AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate };
                if (proxy != null)
                {
                    handler.Proxy = new WebProxy(proxy);
                    handler.UseProxy = true;
                }
                return new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
            });
        }
    }

    /// <summary>
    /// A response whose body is read on demand. Each read waits at most the transport timeout; a dropped
    /// connection surfaces as <see cref="StreamDroppedException"/>. Disposing logs the Verbose request line.
    /// </summary>
    internal sealed class WeaveResponse : IBodySource, IDisposable
    {
        private readonly HttpResponseMessage response;
        private readonly TimeSpan timeout;
        private readonly IWeaveLog log;
        private readonly Stopwatch stopwatch;
        private Stream? stream;
        private bool disposed;

        public WeaveResponse(HttpResponseMessage response, string requestLine, TimeSpan timeout, IWeaveLog log, Stopwatch stopwatch)
        {
            this.response = response;
            RequestLine = requestLine;
            this.timeout = timeout;
            this.log = log;
            this.stopwatch = stopwatch;
        }

        public string RequestLine { get; }

        public int StatusCode => (int)response.StatusCode;

        public long BytesRead { get; private set; }

        public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                if (timeout != Timeout.InfiniteTimeSpan) idle.CancelAfter(timeout);
                try
                {
                    if (stream == null) stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                    var body = stream;
                    // Streams that ignore the token (older frameworks) are closed to end the wait.
                    using (idle.Token.Register(state => ((IDisposable)state!).Dispose(), body))
                    {
                        var read = await body.ReadAsync(buffer, offset, count, idle.Token).ConfigureAwait(false);
                        BytesRead += read;
                        return read;
                    }
                }
                catch (Exception e) when (!(e is WeaveException))
                {
                    if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
                    if (idle.IsCancellationRequested)
                    {
                        throw new WeaveException($"{RequestLine} timed out after {WeaveTransport.Seconds(timeout)} while reading the response (TimeoutSec).", "Timeout", WeaveErrorKind.Timeout, e);
                    }
                    if (e is IOException || e is HttpRequestException || e is ObjectDisposedException || e is WebException)
                    {
                        throw new StreamDroppedException($"The connection dropped while reading the response of {RequestLine}: {e.Message}", e);
                    }
                    throw;
                }
            }
        }

        /// <summary>Reads the whole body (at most <paramref name="limit"/> bytes) as UTF-8 text; used for error bodies.</summary>
        public async Task<string> ReadTextAsync(int limit, CancellationToken cancellationToken)
        {
            var buffer = new MemoryStream();
            var chunk = new byte[8192];
            try
            {
                while (buffer.Length < limit)
                {
                    var read = await ReadAsync(chunk, 0, chunk.Length, cancellationToken).ConfigureAwait(false);
                    if (read == 0) break;
                    buffer.Write(chunk, 0, read);
                }
            }
            catch (StreamDroppedException)
            {
                // An error body cut short still says something; keep what arrived.
            }
            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)Math.Min(buffer.Length, limit));
        }

        /// <summary>Reads the whole body into memory (single-object routes only; their bodies are small).</summary>
        public async Task<byte[]> ReadAllBytesAsync(CancellationToken cancellationToken)
        {
            var buffer = new MemoryStream();
            var chunk = new byte[16384];
            while (true)
            {
                var read = await ReadAsync(chunk, 0, chunk.Length, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            stream?.Dispose();
            response.Dispose();
            log.Verbose($"{RequestLine} -> {StatusCode} ({BytesRead} bytes, {stopwatch.ElapsedMilliseconds} ms)");
        }
    }
}
