@{
    RootModule           = 'WeaveEval.dll'
    # Stamped by build.ps1 from the project version.
    ModuleVersion        = '0.1.0'
    GUID                 = 'b5d0f0a4-3c59-4f6e-9a2e-6f1d2c7e8a41'
    Author               = 'WeaveEval contributors'
    CompanyName          = 'WeaveEval contributors'
    Copyright            = '(c) WeaveEval contributors.'
    Description          = 'Reads W&B Weave evaluation results: evaluation runs (v2 API and SDK), per-trial results with flat export columns, scorer summaries and predictions.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('WeaveEval.format.ps1xml')
    CmdletsToExport      = @(
        'Connect-Weave'
        'Disconnect-Weave'
        'Get-WeaveConnection'
        'Get-WeaveEvaluationRun'
        'Get-WeaveEvalResult'
        'Get-WeaveEvalSummary'
        'Get-WeavePrediction'
        'Export-WeaveEvalResult'
        'Compare-WeaveEvaluation'
        'Test-WeaveEvalGate'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Weave', 'WandB', 'Evaluation', 'LLM', 'PSEdition_Desktop', 'PSEdition_Core')
            ReleaseNotes = @'
0.1.0
- Cmdlets: Connect-Weave, Disconnect-Weave, Get-WeaveConnection, Get-WeaveEvaluationRun,
  Get-WeaveEvalResult, Get-WeaveEvalSummary, Get-WeavePrediction, Export-WeaveEvalResult.
- Typed output (WeaveEval.EvaluationRun, EvalResult, ScorerStat, Prediction) with default views,
  flat Input.*/Score.* export columns, tab completion of run ids, models and evaluations.
- Streaming reads with retries and resumption; the API key never appears in any output.
- Get-WeaveEvalResult -Filter/-FailedOnly/-SortBy/-Descending: triage lists selected and ordered by the server.
- Compare-WeaveEvaluation: candidate runs against a baseline, joined on the dataset row by the
  server, per score dimension (WeaveEval.ScoreComparison) or per row (WeaveEval.RowComparison).
- Test-WeaveEvalGate: score, regression, cost, token and row rules for CI (GitHub Actions and Azure
  Pipelines annotations and summaries, JUnit report); never exits the session.
- Export-WeaveEvalResult -EvaluationRunId writes results straight to CSV or JSON Lines, atomically,
  with the row selection of Get-WeaveEvalResult;
  -StateFile exports every run finished since the last export, for scheduled tasks.
'@
        }
    }
}
