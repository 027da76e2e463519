using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using WeaveEval.Client;

namespace WeaveEval.Gate
{
    /// <summary>
    /// The rules of an evaluation gate, checked and normalised: from the cmdlet's parameters, from a rule
    /// file (<c>.psd1</c> or JSON), or both, with the same keys. Every mistake is an
    /// <see cref="WeaveConfigurationException"/> with the id <c>InvalidGateRule</c>, raised before any request.
    /// </summary>
    public sealed class GateRules
    {
        public const string MinimumScoreKey = "MinimumScore";
        public const string BaselineRunIdKey = "BaselineRunId";
        public const string MaximumRegressionKey = "MaximumRegression";
        public const string MaximumRelativeRegressionKey = "MaximumRelativeRegression";
        public const string MaximumCostPerRowKey = "MaximumCostPerRow";
        public const string MaximumTokensPerRowKey = "MaximumTokensPerRow";
        public const string MinimumRowsKey = "MinimumRows";
        public const string AllowIncompleteKey = "AllowIncomplete";

        /// <summary>Every key a rule file may have, in the order the rules are checked.</summary>
        public static readonly IReadOnlyList<string> Keys = new[]
        {
            MinimumRowsKey, MinimumScoreKey, BaselineRunIdKey, MaximumRegressionKey, MaximumRelativeRegressionKey,
            MaximumCostPerRowKey, MaximumTokensPerRowKey, AllowIncompleteKey,
        };

        public const string InvalidRuleErrorId = "InvalidGateRule";

        private GateRules()
        {
        }

        /// <summary>Scorer → lowest acceptable pass rate (binary) or mean (continuous), in the order given.</summary>
        public IReadOnlyList<KeyValuePair<string, double>> MinimumScore { get; private set; } = Array.Empty<KeyValuePair<string, double>>();

        public string? BaselineRunId { get; private set; }

        /// <summary>Largest acceptable drop from the baseline, in the score's own units.</summary>
        public RegressionLimit? MaximumRegression { get; private set; }

        /// <summary>Largest acceptable drop from the baseline as a fraction of the baseline's value (0.05 = 5 %).</summary>
        public RegressionLimit? MaximumRelativeRegression { get; private set; }

        public double? MaximumCostPerRow { get; private set; }

        public double? MaximumTokensPerRow { get; private set; }

        public long? MinimumRows { get; private set; }

        public bool AllowIncomplete { get; private set; }

        /// <summary>True when a rule needs the server to price the model calls.</summary>
        public bool NeedsCosts => MaximumCostPerRow.HasValue;

        /// <summary>
        /// Reads rules from <paramref name="layers"/>, later layers replacing the keys of earlier ones (a rule
        /// file first, then the parameters typed on the command line). <paramref name="layers"/> pairs each
        /// set of settings with where it came from, for the messages. Values may be numbers, numeric strings,
        /// booleans and dictionaries (<see cref="IDictionary"/>: a hashtable, a JSON object).
        /// </summary>
        public static GateRules Parse(IEnumerable<(string Source, IEnumerable<KeyValuePair<string, object?>> Settings)> layers)
        {
            var merged = new Dictionary<string, (string Source, object? Value)>(StringComparer.OrdinalIgnoreCase);
            foreach (var (source, settings) in layers)
            {
                foreach (var setting in settings)
                {
                    var key = Keys.FirstOrDefault(known => string.Equals(known, setting.Key, StringComparison.OrdinalIgnoreCase));
                    if (key == null)
                    {
                        throw Invalid($"{source} has an unknown rule '{setting.Key}'. The rules are: {string.Join(", ", Keys)}.");
                    }
                    merged[key] = (source, setting.Value);
                }
            }

            var rules = new GateRules();
            foreach (var pair in merged)
            {
                var (source, value) = pair.Value;
                var where = $"{pair.Key} ({source})";
                switch (pair.Key)
                {
                    case MinimumScoreKey:
                        rules.MinimumScore = ScoreMap(value, where, bound: null);
                        break;
                    case BaselineRunIdKey:
                        var id = value as string;
                        if (string.IsNullOrWhiteSpace(id)) throw Invalid($"{where} must be an evaluation run id.");
                        rules.BaselineRunId = id;
                        break;
                    case MaximumRegressionKey:
                        rules.MaximumRegression = Limit(value, where);
                        break;
                    case MaximumRelativeRegressionKey:
                        rules.MaximumRelativeRegression = Limit(value, where);
                        break;
                    case MaximumCostPerRowKey:
                        rules.MaximumCostPerRow = NonNegative(value, where);
                        break;
                    case MaximumTokensPerRowKey:
                        rules.MaximumTokensPerRow = NonNegative(value, where);
                        break;
                    case MinimumRowsKey:
                        var rows = NonNegative(value, where);
                        if (rows != Math.Floor(rows)) throw Invalid($"{where} must be a whole number, not {Format(rows)}.");
                        rules.MinimumRows = (long)rows;
                        break;
                    case AllowIncompleteKey:
                        rules.AllowIncomplete = Flag(value, where);
                        break;
                }
            }

            var regression = rules.MaximumRegression != null || rules.MaximumRelativeRegression != null;
            if (regression && rules.BaselineRunId == null)
            {
                throw Invalid($"{MaximumRegressionKey} and {MaximumRelativeRegressionKey} compare with a baseline: give {BaselineRunIdKey} too.");
            }
            if (!regression && rules.BaselineRunId != null)
            {
                throw Invalid($"{BaselineRunIdKey} needs {MaximumRegressionKey} or {MaximumRelativeRegressionKey}: how far may a run fall below the baseline?");
            }
            if (rules.MinimumScore.Count == 0 && !regression && rules.MaximumCostPerRow == null && rules.MaximumTokensPerRow == null && rules.MinimumRows == null)
            {
                throw Invalid($"The gate has no rules. Give at least one of {MinimumScoreKey}, {MaximumRegressionKey} or {MaximumRelativeRegressionKey} (with {BaselineRunIdKey}), {MaximumCostPerRowKey}, {MaximumTokensPerRowKey}, {MinimumRowsKey}, as parameters or in a rule file.");
            }
            return rules;
        }

        internal static WeaveConfigurationException Invalid(string message) =>
            new WeaveConfigurationException(message, InvalidRuleErrorId, WeaveErrorKind.InvalidArgument);

        internal static string Format(double value) =>
            double.IsPositiveInfinity(value) ? "infinity" : value.ToString("R", CultureInfo.InvariantCulture);

        private static RegressionLimit Limit(object? value, string where)
        {
            if (value is IDictionary) return new RegressionLimit(null, ScoreMap(value, where, bound: 0));
            return new RegressionLimit(NonNegative(value, where), Array.Empty<KeyValuePair<string, double>>());
        }

        private static IReadOnlyList<KeyValuePair<string, double>> ScoreMap(object? value, string where, double? bound)
        {
            if (!(value is IDictionary map) || map.Count == 0)
            {
                throw Invalid($"{where} must map score names to numbers, e.g. @{{ exact_match = 0.9; 'LLMJudge.score' = 0.75 }}.");
            }
            var scores = new List<KeyValuePair<string, double>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in map)
            {
                var scorer = entry.Key as string;
                if (string.IsNullOrWhiteSpace(scorer)) throw Invalid($"{where} has a score name that is not text: '{entry.Key}'.");
                var threshold = bound.HasValue ? NonNegative(entry.Value, $"{where}, score '{scorer}'") : Number(entry.Value, $"{where}, score '{scorer}'");
                if (seen.Add(scorer!)) scores.Add(new KeyValuePair<string, double>(scorer!, threshold));
            }
            return scores;
        }

        private static double NonNegative(object? value, string where)
        {
            var number = Number(value, where);
            if (number < 0) throw Invalid($"{where} must be 0 or more, not {Format(number)}.");
            return number;
        }

        private static double Number(object? value, string where)
        {
            double? number;
            switch (value)
            {
                case bool _:
                    number = null;
                    break;
                case string text:
                    number = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : (double?)null;
                    break;
                case IConvertible convertible when IsNumeric(convertible.GetTypeCode()):
                    number = convertible.ToDouble(CultureInfo.InvariantCulture);
                    break;
                default:
                    number = null;
                    break;
            }
            if (number == null || double.IsNaN(number.Value) || double.IsInfinity(number.Value))
            {
                throw Invalid($"{where} must be a number, not {Describe(value)}.");
            }
            return number.Value;
        }

        private static bool Flag(object? value, string where)
        {
            switch (value)
            {
                case bool flag:
                    return flag;
                case string text when bool.TryParse(text, out var parsed):
                    return parsed;
                default:
                    throw Invalid($"{where} must be $true or $false, not {Describe(value)}.");
            }
        }

        private static bool IsNumeric(TypeCode code) => code >= TypeCode.SByte && code <= TypeCode.Decimal;

        private static string Describe(object? value) => value == null ? "null" : value is string text ? $"'{text}'" : $"{value} ({value.GetType().Name})";
    }

    /// <summary>
    /// How far a score may fall below the baseline: one bound for every score the baseline has
    /// (<see cref="All"/>), or bounds for named scores only.
    /// </summary>
    public sealed class RegressionLimit
    {
        public RegressionLimit(double? all, IReadOnlyList<KeyValuePair<string, double>> perScorer)
        {
            All = all;
            PerScorer = perScorer;
        }

        public double? All { get; }

        public IReadOnlyList<KeyValuePair<string, double>> PerScorer { get; }
    }
}
