using System;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Hosting
{
    /// <summary>HTTP Basic with the API key as password; the user name is not checked.</summary>
    internal static class Authentication
    {
        /// <summary>Answers 401 and returns false unless the request carries the right key.</summary>
        public static async Task<bool> CheckAsync(HttpContext context, string apiKey)
        {
            var header = context.Request.Headers.Authorization.ToString();
            const string scheme = "Basic ";
            if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                // FastAPI's HTTPBasic dependency rejects the request before the W&B backend sees it.
                context.Response.Headers.WWWAuthenticate = "Basic";
                await Responses.DetailAsync(context, 401, "Not authenticated");
                return false;
            }

            string credentials;
            try
            {
                credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header.Substring(scheme.Length).Trim()));
            }
            catch (FormatException)
            {
                context.Response.Headers.WWWAuthenticate = "Basic";
                await Responses.DetailAsync(context, 401, "Invalid authentication credentials");
                return false;
            }

            var colon = credentials.IndexOf(':');
            var password = colon < 0 ? "" : credentials.Substring(colon + 1);
            if (colon < 0 || !string.Equals(password, apiKey, StringComparison.Ordinal))
            {
                await Responses.ReasonAsync(context, 401, "401 Error");
                return false;
            }
            return true;
        }
    }
}
