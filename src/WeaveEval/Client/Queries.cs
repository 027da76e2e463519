using System;
using System.Collections.Generic;

namespace WeaveEval.Client
{
    /// <summary>Paging of a list route.</summary>
    public sealed class PageRequest
    {
        /// <summary>Items asked for per request; null: a small first page, then pages of a few MB.</summary>
        public int? PageSize { get; set; }

        /// <summary>Items to skip first.</summary>
        public long Offset { get; set; }

        /// <summary>Stop after this many items (null: all).</summary>
        public long? MaxItems { get; set; }
    }

    /// <summary>Which evaluation runs <see cref="WeaveClient.ListEvaluationRunsAsync"/> lists.</summary>
    public sealed class RunListQuery
    {
        /// <summary>Keep runs that have any of these refs among their inputs (evaluation or model refs, exact strings).</summary>
        public IReadOnlyList<string>? InputRefs { get; set; }

        /// <summary>Only runs that are trace roots (SDK runs started inside another op are dropped).</summary>
        public bool TopLevelOnly { get; set; }

        /// <summary>Runs asked for per request; null: a small first page, then pages of a few MB.</summary>
        public int? PageSize { get; set; }

        /// <summary>Stop after this many runs (null: all); no request asks for more.</summary>
        public long? MaxItems { get; set; }
    }

    /// <summary>What <see cref="WeaveClient.QueryEvalResultsAsync"/> asks the eval_results route for.</summary>
    public sealed class EvalResultsQuery
    {
        public IReadOnlyList<string> RunIds { get; set; } = Array.Empty<string>();

        public bool RequireIntersection { get; set; }

        /// <summary>Ask for the dataset row of each result (<c>include_raw_data_rows</c>).</summary>
        public bool IncludeInputs { get; set; } = true;

        /// <summary>Resolve dataset-row refs into the rows (<c>resolve_row_refs</c>).</summary>
        public bool ResolveRowRefs { get; set; } = true;

        /// <summary>Ask for each trial's predict cost (<c>include_costs</c>; fills TotalCost).</summary>
        public bool IncludeCosts { get; set; }

        /// <summary>Which rows, in which order (<c>filters</c>, <c>sort_by</c>); <see cref="RowSelection.All"/>: every row by row_digest.</summary>
        public RowSelection Selection { get; set; } = RowSelection.All;

        /// <summary>Rows per request (the user's -PageSize); null: sized by <see cref="PagingOptions.ForEvalResults"/>.</summary>
        public int? PageSize { get; set; }
    }

    /// <summary>Aggregated scorer statistics of one or more runs.</summary>
    public sealed class EvalSummaryResult
    {
        public EvalSummaryResult(long rowCount, IReadOnlyList<ScorerStat> stats, IReadOnlyList<string> scorerNames, IReadOnlyList<EvaluationTotals>? evaluations = null, IReadOnlyList<string>? warnings = null)
        {
            RowCount = rowCount;
            Stats = stats;
            ScorerNames = scorerNames;
            Evaluations = evaluations ?? Array.Empty<EvaluationTotals>();
            Warnings = warnings ?? Array.Empty<string>();
        }

        /// <summary>Rows the summary was computed over.</summary>
        public long RowCount { get; }

        /// <summary>One per run × score dimension, in server order.</summary>
        public IReadOnlyList<ScorerStat> Stats { get; }

        /// <summary>The distinct <see cref="ScorerStat.Scorer"/> values, first-seen order.</summary>
        public IReadOnlyList<string> ScorerNames { get; }

        /// <summary>One per run that has trials in the summarised rows, with or without scores.</summary>
        public IReadOnlyList<EvaluationTotals> Evaluations { get; }

        /// <summary>The server's non-fatal warnings about this answer.</summary>
        public IReadOnlyList<string> Warnings { get; }
    }

    /// <summary>What the summary says about one run as a whole, scores aside.</summary>
    public sealed class EvaluationTotals
    {
        public EvaluationTotals(string evaluationRunId, long trialCount, long? totalTokens, double? totalCost)
        {
            EvaluationRunId = evaluationRunId;
            TrialCount = trialCount;
            TotalTokens = totalTokens;
            TotalCost = totalCost;
        }

        public string EvaluationRunId { get; }

        public long TrialCount { get; }

        /// <summary>Tokens of the model calls of the trials that report usage; null when none does.</summary>
        public long? TotalTokens { get; }

        /// <summary>Cost in USD of the model calls, when costs were asked for and the server could price them.</summary>
        public double? TotalCost { get; }
    }
}
