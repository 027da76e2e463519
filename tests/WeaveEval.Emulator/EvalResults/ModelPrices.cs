using System;
using System.Collections.Generic;
using System.Text.Json;

namespace WeaveEval.Emulator.EvalResults
{
    /// <summary>
    /// The emulator's LLM price table (USD per token), standing in for the project's price table that
    /// <c>include_costs</c> consults. Models not listed cost nothing.
    /// </summary>
    internal static class ModelPrices
    {
        private static readonly Dictionary<string, (double Prompt, double Completion)> PerToken = new(StringComparer.Ordinal)
        {
            ["gpt-4o-2024-08-06"] = (2.5e-06, 1e-05),
            ["gpt-4o-mini-2024-07-18"] = (1.5e-07, 6e-07),
            ["claude-3-5-sonnet-20241022"] = (3e-06, 1.5e-05),
            ["claude-3-5-haiku-20241022"] = (8e-07, 4e-06),
        };

        /// <summary>Cost of a <c>summary.usage</c> object; null when no entry names a priced model.</summary>
        public static double? Cost(JsonElement usage)
        {
            double? total = null;
            foreach (var entry in usage.EnumerateObject())
            {
                if (!PerToken.TryGetValue(entry.Name, out var price) || entry.Value.ValueKind != JsonValueKind.Object) continue;
                total = (total ?? 0.0) + Tokens(entry.Value, "prompt_tokens") * price.Prompt + Tokens(entry.Value, "completion_tokens") * price.Completion;
            }
            return total;
        }

        private static double Tokens(JsonElement usage, string name) =>
            usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;
    }
}
