namespace WeaveEval
{
    /// <summary>The file format of Export-WeaveEvalResult's direct writer.</summary>
    public enum ExportFormat
    {
        /// <summary>RFC 4180 CSV in the columns of the Export-Csv contract (flat Input.* and Score.* columns), culture-invariant.</summary>
        Csv,

        /// <summary>One JSON object per line and trial, nested inputs, output and scores kept as JSON.</summary>
        JsonLines,
    }
}
