#Requires -Modules Pester

# Runs written by the real W&B TypeScript SDK (weave, pinned by tests/interop/package-lock.json) into the
# emulator, read back with the module and compared with the record the writing script prints.
# Needs Node.js and the packages installed by 'npm ci' (build.ps1 Test does that); without Node.js
# the tests are skipped.

BeforeDiscovery {
    $interopDir = Join-Path $PSScriptRoot 'interop'
    $hasNode = [bool] (Get-Command node -CommandType Application -ErrorAction SilentlyContinue)
    $hasNpm = [bool] (Get-Command npm -CommandType Application -ErrorAction SilentlyContinue)
    $installed = Test-Path -LiteralPath (Join-Path $interopDir 'node_modules/weave/package.json')
    # Without node the SDK cannot run; without npm it cannot be installed. Packages missing while npm is
    # there is a broken setup and fails below instead.
    $sdkUnavailable = -not $hasNode -or (-not $installed -and -not $hasNpm)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home') -Seed none
    $entity, $project = 'interop-team', 'ts-sdk-evals'
    $env:WANDB_ENTITY = $entity
    $env:WANDB_PROJECT = $project

    $script = Join-Path $PSScriptRoot 'interop/write-evaluations.js'
    if (-not (Test-Path -LiteralPath (Join-Path $PSScriptRoot 'interop/node_modules/weave/package.json'))) {
        throw "The W&B TypeScript SDK is not installed: run 'npm ci' in $(Join-Path $PSScriptRoot 'interop') (build.ps1 Test does)."
    }
    # The SDK appends batch errors to ./weaveErrors.log; keep that out of the repository.
    $scratch = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'node')
    $stderr = Join-Path $TestDrive 'node-stderr.txt'
    Push-Location -LiteralPath $scratch
    try {
        # WANDB_API_KEY and WF_TRACE_SERVER_URL point at the emulator (Start-WeaveTestEmulator).
        $output = & node $script --project "$entity/$project" 2> $stderr
        $exitCode = $LASTEXITCODE
    }
    finally {
        Pop-Location
    }
    if ($exitCode -ne 0) { throw "write-evaluations.js failed ($exitCode): $(Get-Content -Raw -LiteralPath $stderr)" }
    $record = ($output -join "`n") | ConvertFrom-Json -AsHashtable

    function Get-RecordRun([string] $Style, [string] $Examples) {
        $record.runs | Where-Object { $_.style -eq $Style -and $_.examples -eq $Examples }
    }

    # The record's trial for a result: same dataset row (by its id column) and trial index.
    function Get-RecordTrial($Run, $Result) {
        $Run.trials | Where-Object { $_.rowId -eq $Result.Inputs.id -and $_.trialIndex -eq $Result.TrialIndex }
    }

    # What eval_results must summarise from the record: every trial that has the dimension counts.
    function Get-ExpectedStat($Run, [string] $Scorer) {
        $values = @(foreach ($trial in $Run.trials) {
                $value = $trial.scores
                foreach ($key in $Scorer.Split('.')) { $value = if ($value -is [System.Collections.IDictionary] -and $value.Contains($key)) { $value[$key] } else { $null } }
                if ($null -ne $value) { , $value }
            })
        $booleans = @($values | Where-Object { $_ -is [bool] })
        $numbers = @($values | Where-Object { $_ -isnot [bool] })
        [pscustomobject]@{
            TrialCount    = $values.Count
            PassTrueCount = @($booleans | Where-Object { $_ }).Count
            PassKnownCount = $booleans.Count
            NumericCount  = $numbers.Count
            NumericMean   = if ($numbers.Count) { ($numbers | Measure-Object -Average).Average } else { $null }
        }
    }
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Runs written by the W&B TypeScript SDK' -Tag 'Interop' -Skip:$sdkUnavailable {
    BeforeDiscovery {
        $styles = @(
            @{ Style = 'Evaluation'; Examples = 'datasetRows' }
            @{ Style = 'EvaluationLogger'; Examples = 'inline' }
            @{ Style = 'EvaluationLogger'; Examples = 'datasetRows' }
        )
    }

    It 'were written by the pinned SDK version' {
        $record.sdk.package | Should -Be 'weave'
        $record.sdk.version | Should -Be '0.11.1'
        $record.runs.Count | Should -Be 3
    }

    Context 'Get-WeaveEvaluationRun' {
        It 'lists the <Style> run (<Examples>) as a completed SDK run of its model and evaluation' -ForEach $styles {
            $expected = Get-RecordRun $Style $Examples
            $run = Get-WeaveEvaluationRun | Where-Object EvaluationRunId -EQ $expected.runId
            $run | Should -Not -BeNullOrEmpty
            [string] $run.Source | Should -Be 'Sdk'
            $run.Status | Should -Be $expected.status
            $run.ModelName | Should -Be $expected.modelName
            $run.EvaluationName | Should -Be $expected.evaluationName
            $run.Entity | Should -Be $entity
            $run.Project | Should -Be $project
        }

        It 'lists exactly the three runs the SDK wrote' {
            @(Get-WeaveEvaluationRun).EvaluationRunId | Sort-Object | Should -Be (@($record.runs.runId) | Sort-Object)
        }

        It 'keeps the display name the declarative Evaluation gives its run' {
            $run = Get-WeaveEvaluationRun -EvaluationRunId (Get-RecordRun 'Evaluation' 'datasetRows').runId
            $run.DisplayName | Should -Be 'interop-declarative_cannedModel'
        }
    }

    Context 'Get-WeaveEvalResult' {
        It 'gives every row × trial of the <Style> run (<Examples>) with its inputs and typed scores' -ForEach $styles {
            $expected = Get-RecordRun $Style $Examples
            $results = @(Get-WeaveEvalResult -EvaluationRunId $expected.runId)
            $results.Count | Should -Be $expected.trials.Count
            foreach ($result in $results) {
                $trial = Get-RecordTrial $expected $result
                $trial | Should -Not -BeNullOrEmpty -Because "row $($result.Inputs.id) trial $($result.TrialIndex) was logged"
                foreach ($name in $trial.inputs.Keys) { $result.Inputs[$name] | Should -Be $trial.inputs[$name] }
                $result.Inputs.Count | Should -Be $trial.inputs.Count
                $result.Scores.Count | Should -Be $trial.scores.Count
                if ($trial.scores.Count) {
                    $result.Scores.exactMatch | Should -BeOfType [bool]
                    $result.Scores.exactMatch | Should -Be $trial.scores.exactMatch
                    $result.Scores.graded.correct | Should -BeOfType [bool]
                    $result.Scores.graded.correct | Should -Be $trial.scores.graded.correct
                    $result.'Score.graded.score' | Should -BeOfType [double]
                    $result.'Score.graded.score' | Should -Be $trial.scores.graded.score
                    $result.'Score.answerLength' | Should -BeOfType [long]
                    $result.'Score.answerLength' | Should -Be $trial.scores.answerLength
                }
            }
            @($results | Group-Object { $_.Inputs.id }).Count | Should -Be @($expected.trials.rowId | Sort-Object -Unique).Count
        }

        It 'gives the EvaluationLogger (<Examples>) outputs, predictions and latencies' -ForEach $styles[1..2] {
            $expected = Get-RecordRun $Style $Examples
            foreach ($result in Get-WeaveEvalResult -EvaluationRunId $expected.runId) {
                $result.Output | Should -Be (Get-RecordTrial $expected $result).output
                $result.PredictionId | Should -Not -BeNullOrEmpty
                $result.ModelLatencySeconds | Should -BeGreaterOrEqual 0
            }
        }

        # The server reads a trial's model output from output.output and its latency from a predict child
        # or model_latency.mean; the declarative Evaluation writes model_output and model_latency in
        # seconds, and its model call is an op the server does not take for a predict call. The module
        # completes those trials from their predict_and_score calls (one calls query per page).
        It 'completes Output, ModelLatencySeconds and PredictionId of the declarative Evaluation from its predict_and_score calls' {
            $expected = Get-RecordRun 'Evaluation' 'datasetRows'
            $stream = @(Get-WeaveEvalResult -EvaluationRunId $expected.runId -Verbose 4>&1)
            $results = @($stream | Where-Object { $_ -is [WeaveEval.EvalResult] })
            $succeeded = @($results | Where-Object { (Get-RecordTrial $expected $_).modelSucceeded })
            $succeeded.Count | Should -Be 6
            foreach ($result in $succeeded) {
                $result.Output | Should -Be (Get-RecordTrial $expected $result).output
                $result.ModelLatencySeconds | Should -BeOfType [double]
                $result.ModelLatencySeconds | Should -BeGreaterThan 0
                $result.PredictionId | Should -Not -BeNullOrEmpty
                $result.PredictionId | Should -Not -Be $result.PredictAndScoreCallId
            }
            @($succeeded.PredictionId | Sort-Object -Unique).Count | Should -Be 6
            # Both trials of the row whose model threw stay empty (their calls hold no model_output).
            $failed = @($results | Where-Object { -not (Get-RecordTrial $expected $_).modelSucceeded })
            $failed.Count | Should -Be 2
            $failed | ForEach-Object {
                $_.Output | Should -BeNullOrEmpty
                $_.ModelLatencySeconds | Should -BeNullOrEmpty
                $_.PredictionId | Should -BeNullOrEmpty
            }
            @($stream | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Completed 6 of 8 trials*' }).Count | Should -Be 1
        }

        It 'gives the declarative model calls to Get-WeavePrediction, with the logged outputs' {
            $expected = Get-RecordRun 'Evaluation' 'datasetRows'
            $results = @(Get-WeaveEvalResult -EvaluationRunId $expected.runId | Where-Object PredictionId)
            $predictions = @($results | Get-WeavePrediction)
            $predictions.PredictionId | Should -Be $results.PredictionId
            for ($i = 0; $i -lt $results.Count; $i++) {
                $predictions[$i].Output | Should -Be (Get-RecordTrial $expected $results[$i]).output
            }
        }

        It 'keeps a trial whose model threw, without scores' {
            $expected = Get-RecordRun 'Evaluation' 'datasetRows'
            $failed = @(Get-WeaveEvalResult -EvaluationRunId $expected.runId | Where-Object { $_.Inputs.id -eq 'q4' })
            $failed.Count | Should -Be 2
            $failed | ForEach-Object { $_.Scores.Count | Should -Be 0 }
            @($expected.trials | Where-Object { $_.rowId -eq 'q4' -and -not $_.modelSucceeded }).Count | Should -Be 2
        }

        It 'lines up the dataset rows of the declarative run and the logger run that used the same Dataset' {
            $declarative = Get-WeaveEvalResult -EvaluationRunId (Get-RecordRun 'Evaluation' 'datasetRows').runId |
                Where-Object { $_.Inputs.id -ne 'q4' } | Sort-Object { $_.Inputs.id } -Unique
            $logged = Get-WeaveEvalResult -EvaluationRunId (Get-RecordRun 'EvaluationLogger' 'datasetRows').runId | Sort-Object { $_.Inputs.id }
            $logged.RowDigest | Should -Be $declarative.RowDigest
        }
    }

    Context 'Get-WeaveEvalSummary' {
        It 'gives the pass rates and means of the <Style> run (<Examples>)' -ForEach $styles {
            $expected = Get-RecordRun $Style $Examples
            $stats = @(Get-WeaveEvalSummary -EvaluationRunId $expected.runId)
            $stats.Scorer | Should -Be @('exactMatch', 'graded.correct', 'graded.score', 'answerLength')
            foreach ($stat in $stats) {
                $want = Get-ExpectedStat $expected $stat.Scorer
                $stat.TrialCount | Should -Be $want.TrialCount
                if ($stat.ValueType -eq 'binary') {
                    $stat.PassTrueCount | Should -Be $want.PassTrueCount
                    $stat.PassKnownCount | Should -Be $want.PassKnownCount
                    $stat.Value | Should -Be ($want.PassTrueCount / $want.PassKnownCount)
                }
                else {
                    $stat.ValueType | Should -Be 'continuous'
                    $stat.NumericCount | Should -Be $want.NumericCount
                    $stat.Value | Should -BeGreaterThan ($want.NumericMean - 1e-9)
                    $stat.Value | Should -BeLessThan ($want.NumericMean + 1e-9)
                }
            }
        }
    }

    Context 'Get-WeavePrediction' {
        It 'reads the logged output of every EvaluationLogger (<Examples>) prediction' -ForEach $styles[1..2] {
            $expected = Get-RecordRun $Style $Examples
            $results = @(Get-WeaveEvalResult -EvaluationRunId $expected.runId)
            $predictions = @($results | Get-WeavePrediction)
            $predictions.PredictionId | Should -Be $results.PredictionId
            for ($i = 0; $i -lt $results.Count; $i++) {
                $predictions[$i].Output | Should -Be (Get-RecordTrial $expected $results[$i]).output
                $predictions[$i].EvaluationRunId | Should -Be $expected.runId
            }
        }
    }
}
