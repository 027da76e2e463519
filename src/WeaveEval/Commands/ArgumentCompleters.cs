using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// The recent evaluation runs of a project, for tab completion: read with the connection a command
    /// would resolve (the -Entity/-Project/-BaseUri typed so far, the session, the environment), kept
    /// for a minute per project, and given up after a few seconds. Completion never fails: any problem
    /// (no key, server away, a rejected key) completes nothing.
    /// </summary>
    internal static class RecentRuns
    {
        /// <summary>How many of the newest runs completion offers.</summary>
        private const int RunCount = 100;
        private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(60);
        private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);
        private static readonly ConcurrentDictionary<string, Cached> Cache = new ConcurrentDictionary<string, Cached>(StringComparer.Ordinal);

        public static IReadOnlyList<EvaluationRun> Of(IDictionary fakeBoundParameters)
        {
            ResolvedConnection connection;
            try
            {
                var request = new ConnectionRequest
                {
                    Entity = Bound(fakeBoundParameters, "Entity"),
                    Project = Bound(fakeBoundParameters, "Project"),
                    TimeoutSec = (int)Deadline.TotalSeconds,
                    MaximumRetryCount = 0,
                };
                var baseUri = Bound(fakeBoundParameters, "BaseUri");
                if (baseUri != null && Uri.TryCreate(baseUri, UriKind.Absolute, out var uri)) request.BaseUri = uri;
                connection = ConnectionResolver.Resolve(request, WeaveSessionStore.Current, SystemEnvironment.Instance);
            }
            catch (WeaveException)
            {
                return Array.Empty<EvaluationRun>();
            }
            var key = $"{connection.BaseUri}|{connection.Entity}/{connection.Project}";
            if (Cache.TryGetValue(key, out var cached) && DateTime.UtcNow - cached.ReadAt < CacheLifetime) return cached.Runs;
            var runs = Read(connection);
            // A failed read is kept too: pressing Tab again against a server that is away must not wait again.
            Cache[key] = new Cached(DateTime.UtcNow, runs);
            return runs;
        }

        private static IReadOnlyList<EvaluationRun> Read(ResolvedConnection connection)
        {
            using (var deadline = new CancellationTokenSource(Deadline))
            {
                try
                {
                    return Task.Run(() => ReadAsync(connection, deadline.Token)).GetAwaiter().GetResult();
                }
                catch (Exception)
                {
                    // Whatever went wrong (server away, deadline, a rejected key, bad data), Tab shows nothing rather than an error.
                    return Array.Empty<EvaluationRun>();
                }
            }
        }

        private static async Task<IReadOnlyList<EvaluationRun>> ReadAsync(ResolvedConnection connection, CancellationToken ct)
        {
            var client = new WeaveClient(connection, NullWeaveLog.Instance);
            var runs = new List<EvaluationRun>();
            var enumerator = client.ListEvaluationRunsAsync(new RunListQuery { PageSize = RunCount, MaxItems = RunCount }, ct).GetAsyncEnumerator(ct);
            try
            {
                while (runs.Count < RunCount && await enumerator.MoveNextAsync().ConfigureAwait(false)) runs.Add(enumerator.Current);
            }
            finally
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
            return runs;
        }

        private static string? Bound(IDictionary parameters, string name)
        {
            var value = parameters?[name];
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            return value is string || value is Uri ? value.ToString() : null;
        }

        /// <summary>The completions among <paramref name="candidates"/> that start with what was typed (quotes and wildcards allowed).</summary>
        public static IEnumerable<CompletionResult> Matching(string wordToComplete, IEnumerable<(string Text, string ToolTip)> candidates)
        {
            var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (text, toolTip) in candidates)
            {
                if (string.IsNullOrEmpty(text) || !pattern.IsMatch(text) || !seen.Add(text)) continue;
                yield return new CompletionResult(Quoted(text), text, CompletionResultType.ParameterValue, string.IsNullOrEmpty(toolTip) ? text : toolTip);
            }
        }

        private static string Quoted(string text) =>
            text.Any(c => char.IsWhiteSpace(c) || "'\"`$,;(){}|&<>@#".IndexOf(c) >= 0) ? "'" + text.Replace("'", "''") + "'" : text;

        private sealed class Cached
        {
            public Cached(DateTime readAt, IReadOnlyList<EvaluationRun> runs)
            {
                ReadAt = readAt;
                Runs = runs;
            }

            public DateTime ReadAt { get; }

            public IReadOnlyList<EvaluationRun> Runs { get; }
        }
    }

    /// <summary>Completes -EvaluationRunId with the project's recent runs, newest first; the tooltip names the model, display name, status and start.</summary>
    public sealed class EvaluationRunIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            RecentRuns.Matching(wordToComplete, RecentRuns.Of(fakeBoundParameters).Select(run => (run.EvaluationRunId, ToolTip(run))));

        private static string ToolTip(EvaluationRun run)
        {
            var parts = new List<string>();
            parts.Add(run.ModelName ?? run.Model);
            if (!string.IsNullOrEmpty(run.DisplayName)) parts.Add(run.DisplayName!);
            parts.Add(run.Status);
            if (run.StartedAt.HasValue) parts.Add(run.StartedAt.Value.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC");
            return string.Join(" · ", parts.Where(part => !string.IsNullOrEmpty(part)));
        }
    }

    /// <summary>Completes -Model with the model names seen in the project's recent runs.</summary>
    public sealed class ModelNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            RecentRuns.Matching(wordToComplete, RecentRuns.Of(fakeBoundParameters).Select(run => (run.ModelName ?? string.Empty, run.Model)));
    }

    /// <summary>Completes -Evaluation with the evaluation names seen in the project's recent runs.</summary>
    public sealed class EvaluationNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            RecentRuns.Matching(wordToComplete, RecentRuns.Of(fakeBoundParameters).Select(run => (run.EvaluationName ?? string.Empty, run.Evaluation)));
    }
}
