using System;
using System.Buffers;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace WeaveEval.Emulator.Wire
{
    /// <summary>
    /// Streams a 200 <c>application/jsonl</c> body: one compact object per line, each <c>\n</c>-terminated,
    /// sent in chunks as it is produced (no Content-Length). No lines → an empty body.
    /// </summary>
    public sealed class JsonLinesWriter
    {
        private const int ChunkBytes = 32 * 1024;

        private readonly HttpContext context;
        private readonly ArrayBufferWriter<byte> buffer = new(ChunkBytes * 2);
        private readonly Utf8JsonWriter writer;

        private JsonLinesWriter(HttpContext context)
        {
            this.context = context;
            writer = WireWriter.Create(buffer);
        }

        public static JsonLinesWriter Start(HttpContext context)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = Responses.JsonLines;
            return new JsonLinesWriter(context);
        }

        public async ValueTask WriteLineAsync(Action<Utf8JsonWriter> writeObject)
        {
            writeObject(writer);
            writer.Flush();
            writer.Reset(buffer);
            buffer.Write("\n"u8);
            if (buffer.WrittenCount >= ChunkBytes) await SendBufferAsync();
        }

        public async ValueTask CompleteAsync()
        {
            if (buffer.WrittenCount > 0) await SendBufferAsync();
        }

        private async ValueTask SendBufferAsync()
        {
            await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            buffer.ResetWrittenCount();
        }
    }
}
