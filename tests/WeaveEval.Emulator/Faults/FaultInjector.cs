using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace WeaveEval.Emulator.Faults
{
    /// <summary>
    /// Ordered fault rules shared by the test and the server. Each matching request consumes one use
    /// of the first rule that still has uses left; when none is left the real response is sent.
    /// </summary>
    public sealed class FaultInjector
    {
        private readonly object gate = new();
        private readonly List<ActiveRule> rules = new();

        public void Add(FaultRule rule)
        {
            if (rule.Times < 1) throw new ArgumentOutOfRangeException(nameof(rule), "times must be at least 1");
            var pattern = new Regex(rule.Path, RegexOptions.CultureInvariant);
            var body = rule.Body is null ? null : new Regex(rule.Body, RegexOptions.CultureInvariant);
            lock (gate) rules.Add(new ActiveRule(rule, pattern, body, rule.Times));
        }

        /// <summary>Shorthand for tests: <c>Faults.Add("POST", "eval_results", new FaultAction { Status = 503 }, times: 2)</c>.</summary>
        public void Add(string? method, string pathPattern, FaultAction action, int times = 1) =>
            Add(new FaultRule { Method = method, Path = pathPattern, Times = times, Action = action });

        public void Clear()
        {
            lock (gate) rules.Clear();
        }

        /// <summary>Uses left over all rules (0 once every fault has fired).</summary>
        public int PendingCount
        {
            get { lock (gate) { var total = 0; foreach (var rule in rules) total += rule.Remaining; return total; } }
        }

        internal FaultAction? Take(string method, string path, string body = "")
        {
            lock (gate)
            {
                foreach (var rule in rules)
                {
                    if (rule.Remaining == 0) continue;
                    if (rule.Rule.Method is not null && !string.Equals(rule.Rule.Method, method, StringComparison.OrdinalIgnoreCase)) continue;
                    if (!rule.Pattern.IsMatch(path)) continue;
                    if (rule.Body is not null && !rule.Body.IsMatch(body)) continue;
                    rule.Remaining--;
                    return rule.Rule.Action;
                }
                return null;
            }
        }

        private sealed class ActiveRule
        {
            public ActiveRule(FaultRule rule, Regex pattern, Regex? body, int remaining)
            {
                Rule = rule;
                Pattern = pattern;
                Body = body;
                Remaining = remaining;
            }

            public FaultRule Rule { get; }
            public Regex Pattern { get; }
            public Regex? Body { get; }
            public int Remaining { get; set; }
        }
    }
}
