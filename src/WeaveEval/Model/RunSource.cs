namespace WeaveEval
{
    /// <summary>
    /// How an evaluation run was written: through the v2 Evaluation API (including rescoring) or by a
    /// Weave SDK. <see cref="EvaluationRun.Source"/> is a string so that ConvertTo-Json and Export-Csv
    /// both write the word, not an enum's number.
    /// </summary>
    public static class RunSource
    {
        public const string Api = "Api";

        public const string Sdk = "Sdk";
    }
}
