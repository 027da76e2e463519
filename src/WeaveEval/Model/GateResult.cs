using System;
using System.Collections.Generic;
using System.Linq;

namespace WeaveEval
{
    /// <summary>The verdict of Test-WeaveEvalGate: passed only when every rule of every gated run passed.</summary>
    public sealed class GateResult
    {
        public GateResult(IReadOnlyList<string> evaluationRunIds, string? baselineRunId, IReadOnlyList<GateRuleResult> rules)
        {
            EvaluationRunId = evaluationRunIds.ToArray();
            BaselineRunId = baselineRunId;
            Rules = rules.ToArray();
            FailedCount = Rules.Count(rule => !rule.Passed);
            Passed = FailedCount == 0;
        }

        public bool Passed { get; }

        /// <summary>The gated runs, in the order they were given.</summary>
        public string[] EvaluationRunId { get; }

        public string? BaselineRunId { get; }

        /// <summary>Every rule checked, run by run.</summary>
        public GateRuleResult[] Rules { get; }

        public int FailedCount { get; }

        /// <summary>One line for logs and error messages.</summary>
        public string Message => Passed
            ? $"The evaluation gate passed: {Rules.Length} of {Rules.Length} rules passed."
            : $"The evaluation gate failed: {FailedCount} of {Rules.Length} rules failed. " + string.Join(" ", Rules.Where(rule => !rule.Passed).Select(rule => rule.Message));

        public override string ToString() => Message;
    }

    /// <summary>One rule checked against one run: what was measured, what it had to meet, and the verdict.</summary>
    public sealed class GateRuleResult
    {
        /// <summary>
        /// <c>Complete</c>, <c>MinimumRows</c>, <c>MinimumScore</c>, <c>MaximumRegression</c>,
        /// <c>MaximumRelativeRegression</c>, <c>MaximumCostPerRow</c> or <c>MaximumTokensPerRow</c>.
        /// </summary>
        public string Rule { get; set; } = string.Empty;

        public string EvaluationRunId { get; set; } = string.Empty;

        /// <summary>The score dimension (<c>scorer</c> or <c>scorer.path</c>) of a score rule; null for the others.</summary>
        public string? Scorer { get; set; }

        /// <summary>What the run has; null when it could not be measured (then the rule failed).</summary>
        public double? Measured { get; set; }

        /// <summary>The bound from the rule; null for <c>Complete</c>.</summary>
        public double? Threshold { get; set; }

        public bool Passed { get; set; }

        public string Message { get; set; } = string.Empty;

        /// <summary>The run compared with, for the regression rules.</summary>
        public string? BaselineRunId { get; set; }

        public override string ToString() => Message;
    }
}
