namespace WeaveEval.Model
{
    /// <summary>How an evaluation run was written: through the v2 Evaluation API (including rescoring) or by a Weave SDK.</summary>
    public enum RunSource
    {
        Api,
        Sdk,
    }
}
