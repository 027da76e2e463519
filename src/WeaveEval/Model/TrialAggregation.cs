namespace WeaveEval
{
    /// <summary>How Compare-WeaveEvaluation makes the several trials of one row into one value.</summary>
    public enum TrialAggregation
    {
        /// <summary>The mean of the trials (true counts as 1, false as 0).</summary>
        Mean,

        /// <summary>Binary: passed when more than half of the trials passed. Continuous: the median.</summary>
        Majority,

        /// <summary>Binary: passed when any trial passed. Continuous: the best trial.</summary>
        AnyPass,

        /// <summary>Binary: passed when every trial passed. Continuous: the worst trial.</summary>
        AllPass,

        /// <summary>The first trial that has a value.</summary>
        First,
    }
}
