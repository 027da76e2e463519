using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Routes
{
    /// <summary>
    /// <c>limit</c>/<c>offset</c> query parameters of the v2 list routes, validated as FastAPI does
    /// (422 <c>int_parsing</c>) and by the query builder (400 for negatives).
    /// </summary>
    internal sealed class ListPaging
    {
        private ListPaging(long? limit, long offset)
        {
            Limit = limit;
            Offset = offset;
        }

        public long? Limit { get; }
        public long Offset { get; }

        public IEnumerable<T> Apply<T>(IEnumerable<T> items)
        {
            var page = items.Skip((int)System.Math.Min(Offset, int.MaxValue));
            return Limit is long limit ? page.Take((int)System.Math.Min(limit, int.MaxValue)) : page;
        }

        /// <summary>The paging, or null after an error response was written.</summary>
        public static async Task<ListPaging?> ReadAsync(HttpContext context)
        {
            var errors = new List<ValidationError>();
            var limit = ReadInteger(context, "limit", errors);
            var offset = ReadInteger(context, "offset", errors);
            if (errors.Count > 0)
            {
                await Responses.ValidationAsync(context, errors);
                return null;
            }
            if (limit < 0)
            {
                await Responses.ReasonAsync(context, 400, "Limit must be a positive integer");
                return null;
            }
            if (offset < 0)
            {
                await Responses.ReasonAsync(context, 400, "Offset must be a positive integer");
                return null;
            }
            return new ListPaging(limit, offset ?? 0);
        }

        /// <summary>Repeated keys, one value each; commas are part of the value (FastAPI <c>list[str]</c>). Null when absent.</summary>
        public static HashSet<string>? ReadList(HttpContext context, string name) =>
            context.Request.Query.TryGetValue(name, out var values) ? values.Where(v => v is not null).Select(v => v!).ToHashSet() : null;

        private static long? ReadInteger(HttpContext context, string name, List<ValidationError> errors)
        {
            if (!context.Request.Query.TryGetValue(name, out var values)) return null;
            var text = values[^1] ?? "";
            if (long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
            errors.Add(ValidationError.IntParsing(ValidationError.Loc("query", name), text));
            return null;
        }
    }
}
