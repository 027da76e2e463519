using System;
using System.Collections.Generic;

namespace WeaveEval.Client
{
    /// <summary>
    /// Applies the documented precedence rules (README, about_WeaveEval): parameter → session → environment → netrc for the key;
    /// parameter → session → WF_TRACE_SERVER_URL → derived from WANDB_BASE_URL for the server.
    /// </summary>
    public static class ConnectionResolver
    {
        public const string DefaultWandbBaseUrl = "https://api.wandb.ai";
        public const string SaasTraceServerUrl = "https://trace.wandb.ai";

        public static ResolvedConnection Resolve(ConnectionRequest request, WeaveSession? session, IEnvironment env)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (env == null) throw new ArgumentNullException(nameof(env));

            var entity = FirstGiven(request.Entity, session?.Entity) ?? FirstNonEmpty(env.GetVariable("WANDB_ENTITY"));
            var project = FirstGiven(request.Project, session?.Project) ?? FirstNonEmpty(env.GetVariable("WANDB_PROJECT"));
            if (entity == null || project == null)
            {
                var missing = entity == null && project == null ? "entity and project" : entity == null ? "entity" : "project";
                throw new WeaveConfigurationException(
                    $"No W&B {missing} given. Pass -Entity and -Project, run Connect-Weave -Entity <entity> -Project <project>, or set $env:WANDB_ENTITY and $env:WANDB_PROJECT.",
                    "MissingEntityOrProject");
            }
            ValidateSegment(entity, "entity");
            ValidateSegment(project, "project");

            var wandbBase = ResolveWandbBaseUri(env);
            var baseUri = ResolveTraceServer(request, session, env, wandbBase);
            var transport = ResolveTransport(request, session);

            if (baseUri.Scheme == Uri.UriSchemeHttp && !baseUri.IsLoopback && !transport.AllowUnencryptedAuthentication)
            {
                throw new WeaveConfigurationException(
                    $"Refusing to send the API key over unencrypted http:// to {baseUri.Host}. Use https://, or pass -AllowUnencryptedAuthentication if you accept that the key travels in clear text.",
                    "UnencryptedConnectionRefused");
            }

            var (key, source, description) = ResolveKey(request, session, env, wandbBase);
            return new ResolvedConnection(entity, project, baseUri, key, source, description, transport);
        }

        /// <summary>Throws when <paramref name="value"/> is not usable as exactly one URL path segment.</summary>
        internal static void ValidateSegment(string value, string what)
        {
            string? problem = null;
            if (value.Length == 0 || value.Trim().Length == 0) problem = "is empty";
            else if (value == "." || value == "..") problem = "cannot be '.' or '..'";
            else if (value.IndexOfAny(new[] { '/', '\\', '?', '#' }) >= 0) problem = "cannot contain '/', '\\', '?' or '#'";
            else
            {
                foreach (var c in value)
                {
                    if (char.IsControl(c))
                    {
                        problem = "cannot contain control characters";
                        break;
                    }
                }
            }
            if (problem != null)
            {
                throw new WeaveConfigurationException(
                    $"The W&B {what} '{Printable(value)}' {problem}; it must be a single name such as '{(what == "project" ? "support-bot" : "acme-ai")}'.",
                    "InvalidEntityOrProject",
                    WeaveErrorKind.InvalidArgument);
            }
        }

        private static string Printable(string value)
        {
            var chars = value.ToCharArray();
            for (var i = 0; i < chars.Length; i++) if (char.IsControl(chars[i])) chars[i] = '?';
            return new string(chars);
        }

        /// <summary>A value the user typed is taken as typed (and validated), even when it is blank.</summary>
        private static string? FirstGiven(params string?[] values)
        {
            foreach (var value in values)
            {
                if (!string.IsNullOrEmpty(value)) return value;
            }
            return null;
        }

        private static string? FirstNonEmpty(params string?[] values)
        {
            foreach (var value in values)
            {
                if (!string.IsNullOrWhiteSpace(value)) return value!.Trim();
            }
            return null;
        }

        private static Uri ResolveWandbBaseUri(IEnvironment env)
        {
            var text = FirstNonEmpty(env.GetVariable("WANDB_BASE_URL")) ?? DefaultWandbBaseUrl;
            return ParseHttpUri(text, "$env:WANDB_BASE_URL");
        }

        private static Uri ResolveTraceServer(ConnectionRequest request, WeaveSession? session, IEnvironment env, Uri wandbBase)
        {
            if (request.BaseUri != null) return Normalize(request.BaseUri, "-BaseUri");
            if (session?.BaseUri != null) return Normalize(session.BaseUri, "the session's BaseUri");
            var explicitServer = FirstNonEmpty(env.GetVariable("WF_TRACE_SERVER_URL"));
            if (explicitServer != null) return ParseHttpUri(explicitServer, "$env:WF_TRACE_SERVER_URL");

            var wandb = wandbBase.GetLeftPart(UriPartial.Path).TrimEnd('/');
            if (string.Equals(wandb, DefaultWandbBaseUrl, StringComparison.OrdinalIgnoreCase)) return ParseHttpUri(SaasTraceServerUrl, "the default trace server");
            return ParseHttpUri(wandb + "/traces", "$env:WANDB_BASE_URL");
        }

        private static Uri ParseHttpUri(string text, string origin)
        {
            if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri))
            {
                throw new WeaveConfigurationException($"{origin} '{text}' is not an absolute http:// or https:// URI.", "InvalidBaseUri");
            }
            return Normalize(uri, origin);
        }

        /// <summary>Checks the scheme and gives the URI a path ending in '/' so that routes can be appended.</summary>
        private static Uri Normalize(Uri uri, string origin)
        {
            if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || string.IsNullOrEmpty(uri.Host))
            {
                throw new WeaveConfigurationException($"{origin} '{uri.OriginalString}' is not an absolute http:// or https:// URI.", "InvalidBaseUri");
            }
            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new WeaveConfigurationException($"{origin} '{uri.GetLeftPart(UriPartial.Path)}…' must not carry a query, fragment or user information.", "InvalidBaseUri");
            }
            var text = uri.GetLeftPart(UriPartial.Path);
            if (!text.EndsWith("/", StringComparison.Ordinal)) text += "/";
            return new Uri(text, UriKind.Absolute);
        }

        private static TransportOptions ResolveTransport(ConnectionRequest request, WeaveSession? session)
        {
            var transport = session?.Transport ?? TransportOptions.Default;
            try
            {
                if (request.MaximumRetryCount.HasValue) transport = transport.WithMaximumRetryCount(request.MaximumRetryCount.Value);
                if (request.RetryIntervalSec.HasValue) transport = transport.WithRetryInterval(TimeSpan.FromSeconds(request.RetryIntervalSec.Value));
                if (request.TimeoutSec.HasValue) transport = transport.WithTimeout(TimeSpan.FromSeconds(request.TimeoutSec.Value));
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new WeaveConfigurationException(e.Message.Split('\n')[0].Trim(), "InvalidTransportOption", WeaveErrorKind.InvalidArgument);
            }
            if (request.Proxy != null) transport = transport.WithProxy(request.Proxy);
            if (request.AllowUnencryptedAuthentication) transport = transport.WithAllowUnencryptedAuthentication(true);
            return transport;
        }

        private static (ApiKey Key, ApiKeySource Source, string Description) ResolveKey(ConnectionRequest request, WeaveSession? session, IEnvironment env, Uri wandbBase)
        {
            // The SDK looks the machine up by the URL's netloc, which keeps a non-default port.
            var netrcMachine = wandbBase.Host;
            var netrcMachineWithPort = wandbBase.IsDefaultPort ? null : wandbBase.Host + ":" + wandbBase.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (request.ApiKey != null)
            {
                return request.ApiKeySource == ApiKeySource.Credential
                    ? (request.ApiKey, ApiKeySource.Credential, "the -Credential parameter")
                    : (request.ApiKey, ApiKeySource.Parameter, "the -ApiKey parameter");
            }
            if (session?.ApiKey != null) return (session.ApiKey, ApiKeySource.Session, "the session connection (Connect-Weave)");

            var fromEnvironment = env.GetVariable("WANDB_API_KEY");
            if (!string.IsNullOrWhiteSpace(fromEnvironment)) return (new ApiKey(fromEnvironment!), ApiKeySource.Environment, "the environment variable WANDB_API_KEY");

            var searched = new List<string>();
            foreach (var path in Netrc.Candidates(env))
            {
                searched.Add(path);
                var text = env.ReadAllText(path);
                if (text == null) continue;
                var entry = Netrc.Find(text, netrcMachine, netrcMachineWithPort);
                if (entry != null && !string.IsNullOrWhiteSpace(entry.Password))
                {
                    var machine = entry.IsDefault ? "default entry" : "machine " + entry.Machine;
                    return (new ApiKey(entry.Password!), ApiKeySource.Netrc, $"the netrc file {path} ({machine})");
                }
            }

            // The entry to add is the one `wandb login` writes for this server: its host, with the port when it is not the default.
            var where = searched.Count == 0 ? "a netrc file" : string.Join(", ", searched);
            var whichServer = FirstNonEmpty(env.GetVariable("WANDB_BASE_URL")) != null
                ? "the host of $env:WANDB_BASE_URL"
                : "W&B's cloud; set $env:WANDB_BASE_URL for another W&B server";
            throw new WeaveConfigurationException(
                $"No W&B API key found. Pass -ApiKey or -Credential, run Connect-Weave with a key, set $env:WANDB_API_KEY, or add 'machine {netrcMachineWithPort ?? netrcMachine} login user password <key>' ({whichServer}) to {where}.",
                "MissingApiKey");
        }
    }
}
