using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    internal static class TestKeys
    {
        /// <summary>A recognisable key so tests can assert it never shows up anywhere.</summary>
        public const string Secret = "local-Sup3rS3cretKeyValue0123456789abcdef";
    }

    internal sealed class FakeEnvironment : IEnvironment
    {
        public Dictionary<string, string> Variables { get; } = new Dictionary<string, string>();

        public Dictionary<string, string> Files { get; } = new Dictionary<string, string>();

        public string? HomeDirectory { get; set; } = "/home/tester";

        public bool IsWindows { get; set; }

        public string? GetVariable(string name) => Variables.TryGetValue(name, out var value) ? value : null;

        public string? ReadAllText(string path) => Files.TryGetValue(path, out var text) ? text : null;
    }

    internal sealed class RecordingLog : IWeaveLog
    {
        public ConcurrentQueue<string> Lines { get; } = new ConcurrentQueue<string>();

        public IEnumerable<string> VerboseLines => Lines.Where(l => l.StartsWith("V:", StringComparison.Ordinal)).Select(l => l.Substring(2));

        public IEnumerable<string> WarningLines => Lines.Where(l => l.StartsWith("W:", StringComparison.Ordinal)).Select(l => l.Substring(2));

        public void Verbose(string message) => Lines.Enqueue("V:" + message);

        public void Debug(string message) => Lines.Enqueue("D:" + message);

        public void Warning(string message) => Lines.Enqueue("W:" + message);
    }

    internal sealed class RecordedRequest
    {
        public HttpMethod Method = HttpMethod.Get;
        public Uri Uri = new Uri("http://x/");
        public string? Body;
        public string? Authorization;
        public string? Accept;
        public string? UserAgent;
    }

    /// <summary>An HttpMessageHandler answering from a function and recording every request.</summary>
    internal sealed class StubHandler : HttpMessageHandler
    {
        private readonly Func<RecordedRequest, int, CancellationToken, Task<HttpResponseMessage>> respond;

        public StubHandler(Func<RecordedRequest, int, HttpResponseMessage> respond)
            : this((request, index, token) => Task.FromResult(respond(request, index)))
        {
        }

        public StubHandler(Func<RecordedRequest, int, CancellationToken, Task<HttpResponseMessage>> respond)
        {
            this.respond = respond;
        }

        public List<RecordedRequest> Requests { get; } = new List<RecordedRequest>();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var recorded = new RecordedRequest
            {
                Method = request.Method,
                Uri = request.RequestUri!,
                Body = request.Content == null ? null : await request.Content.ReadAsStringAsync(cancellationToken),
                Authorization = request.Headers.Authorization?.ToString(),
                Accept = request.Headers.Accept.ToString(),
                UserAgent = request.Headers.UserAgent.ToString(),
            };
            int index;
            lock (Requests)
            {
                Requests.Add(recorded);
                index = Requests.Count - 1;
            }
            var response = await respond(recorded, index, cancellationToken);
            response.RequestMessage = request;
            return response;
        }

        public static HttpResponseMessage Json(HttpStatusCode status, string body) =>
            new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

        public static HttpResponseMessage Stream(HttpStatusCode status, Stream body) =>
            new HttpResponseMessage(status) { Content = new StreamContent(body) };
    }

    /// <summary>
    /// A body stream that hands out 1–<c>maxChunk</c> bytes per read and can fail with an IOException
    /// once <c>failAfter</c> bytes have been read (a connection dropped mid-stream).
    /// </summary>
    internal sealed class TrickleStream : Stream
    {
        private readonly byte[] data;
        private readonly Random random;
        private readonly int maxChunk;
        private readonly long failAfter;
        private long position;

        public TrickleStream(string text, int maxChunk = 7, long failAfter = long.MaxValue, int seed = 1)
            : this(Encoding.UTF8.GetBytes(text), maxChunk, failAfter, seed)
        {
        }

        public TrickleStream(byte[] data, int maxChunk = 7, long failAfter = long.MaxValue, int seed = 1)
        {
            this.data = data;
            this.maxChunk = maxChunk;
            this.failAfter = failAfter;
            random = new Random(seed);
        }

        public int Reads { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            if (position >= failAfter) throw new IOException("The response ended prematurely (simulated).");
            var available = (int)Math.Min(Math.Min(data.Length - position, count), failAfter - position);
            if (available <= 0) return 0;
            var n = Math.Min(available, random.Next(1, maxChunk + 1));
            Buffer.BlockCopy(data, (int)position, buffer, offset, n);
            position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Feeds a reader from a stream without HTTP (parser tests).</summary>
    internal sealed class StreamBody : IBodySource
    {
        private readonly Stream stream;

        public StreamBody(Stream stream, string display = "POST /test") { this.stream = stream; RequestLine = display; }

        public string RequestLine { get; }

        public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            try
            {
                return await stream.ReadAsync(buffer, offset, count, cancellationToken);
            }
            catch (IOException e)
            {
                throw new StreamDroppedException("dropped", e);
            }
        }
    }

    internal static class Examples
    {
        public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Examples", name);

        public static string Text(string name) => File.ReadAllText(Path(name));

        /// <summary>The example with its pretty-printing removed, as it travels on the wire.</summary>
        public static string Compact(string name) => JsonText.Serialize(JsonText.Parse(Text(name)));
    }

    internal static class Connections
    {
        public static ResolvedConnection Create(TransportOptions? transport = null, string baseUri = "https://trace.example.test/") =>
            new ResolvedConnection(
                "acme-ai",
                "support-bot",
                new Uri(baseUri),
                new ApiKey(TestKeys.Secret),
                ApiKeySource.Netrc,
                "the netrc file /home/tester/.netrc (machine api.wandb.ai)",
                transport ?? FastRetries);

        public static TransportOptions FastRetries => TransportOptions.Default
            .WithRetryInterval(TimeSpan.FromMilliseconds(1))
            .WithMaximumRetryInterval(TimeSpan.FromMilliseconds(20));
    }

    internal sealed class RecordingDelay
    {
        public List<TimeSpan> Waits { get; } = new List<TimeSpan>();

        public Task DelayAsync(TimeSpan wait, CancellationToken token)
        {
            lock (Waits) Waits.Add(wait);
            return Task.CompletedTask;
        }
    }

    internal static class AsyncEnumerable
    {
        public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source)
        {
            var list = new List<T>();
            await foreach (var item in source) list.Add(item);
            return list;
        }
    }
}
