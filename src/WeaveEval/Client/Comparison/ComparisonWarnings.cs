using System;
using System.Collections.Generic;
using System.Linq;

namespace WeaveEval.Client
{
    /// <summary>The reasons a comparison may mislead, each as one warning text (null or none when all is well).</summary>
    internal static class ComparisonWarnings
    {
        /// <summary>The runs ran different evaluations, or different versions of one (its dataset or scorers may differ).</summary>
        public static string? DifferentEvaluations(EvaluationRun baseline, EvaluationRun candidate)
        {
            if (string.IsNullOrEmpty(baseline.Evaluation) || string.IsNullOrEmpty(candidate.Evaluation)) return null;
            if (string.Equals(baseline.Evaluation, candidate.Evaluation, StringComparison.Ordinal)) return null;
            var baselineName = Mapping.ShortName(baseline.Evaluation);
            var candidateName = Mapping.ShortName(candidate.Evaluation);
            if (!string.Equals(baselineName, candidateName, StringComparison.Ordinal))
            {
                return $"Candidate run {candidate.EvaluationRunId} ran evaluation '{candidateName}', the baseline run {baseline.EvaluationRunId} ran '{baselineName}': their rows and scorers may differ.";
            }
            return $"Candidate run {candidate.EvaluationRunId} ran another version of evaluation '{candidateName}' than the baseline run {baseline.EvaluationRunId} ({candidate.Evaluation} and {baseline.Evaluation}): their rows and scorers may differ.";
        }

        /// <summary>One warning per scorer (by name) that both runs' evaluations list with different refs.</summary>
        public static IEnumerable<string> DifferentScorerVersions(string baselineRunId, IReadOnlyList<string>? baselineScorers, string candidateRunId, IReadOnlyList<string>? candidateScorers)
        {
            if (baselineScorers == null || candidateScorers == null) yield break;
            var baselineByName = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var reference in baselineScorers)
            {
                var name = Mapping.ShortName(reference) ?? reference;
                if (!baselineByName.ContainsKey(name)) baselineByName[name] = reference;
            }
            foreach (var reference in candidateScorers.Distinct(StringComparer.Ordinal))
            {
                var name = Mapping.ShortName(reference) ?? reference;
                if (baselineByName.TryGetValue(name, out var baselineReference) && !string.Equals(baselineReference, reference, StringComparison.Ordinal))
                {
                    yield return $"Scorer '{name}' is not the same version in the baseline run {baselineRunId} ({baselineReference}) and candidate run {candidateRunId} ({reference}): its scores may not be comparable.";
                }
            }
        }

        /// <summary>Fewer than half of the rows either run evaluated were evaluated by both.</summary>
        public static string? LittleOverlap(string baselineRunId, string candidateRunId, long rowsInBoth, long rowsInEither)
        {
            if (rowsInEither == 0 || rowsInBoth * 2 >= rowsInEither) return null;
            return $"Candidate run {candidateRunId} and the baseline run {baselineRunId} share {rowsInBoth} of the {rowsInEither} rows either evaluated (fewer than half): the comparison covers only the shared rows.";
        }
    }
}
