#Requires -Modules Pester

# Messages that help: each asserted by its text and its FullyQualifiedErrorId.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    $demo = Get-WeaveDemo
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Messages' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context 'not found' {
        It '<Command> says "<What> … not found in project …"' -ForEach @(
            @{ Command = 'Get-WeaveEvaluationRun'; What = 'Evaluation run'; Run = { Get-WeaveEvaluationRun -EvaluationRunId $demo.MissingId } }
            @{ Command = 'Get-WeaveEvalResult'; What = 'Evaluation run'; Run = { Get-WeaveEvalResult -EvaluationRunId $demo.MissingId } }
            @{ Command = 'Get-WeaveEvalSummary'; What = 'Evaluation run'; Run = { Get-WeaveEvalSummary -EvaluationRunId $demo.MissingId } }
            @{ Command = 'Get-WeavePrediction'; What = 'Prediction'; Run = { Get-WeavePrediction -PredictionId $demo.MissingId } }
        ) {
            $ErrorActionPreference = 'Continue'
            $errors = @(& $Run 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeExactly "WeaveEval.NotFound,WeaveEval.Commands.$($Command -replace '-', '')Command"
            $errors[0].Exception.Message | Should -BeExactly "$What $($demo.MissingId) not found in project $($demo.Entity)/$($demo.Project)."
            $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'ids that name nothing' {
        It '<Command> refuses the id "<Id>" as InvalidArgument' -ForEach @(
            foreach ($id in ' ', '.', '..') {
                @{ Command = 'Get-WeaveEvaluationRun'; What = 'evaluation run id'; Id = $id; Run = { param($Id) Get-WeaveEvaluationRun -EvaluationRunId $Id } }
                @{ Command = 'Get-WeaveEvalResult'; What = 'evaluation run id'; Id = $id; Run = { param($Id) Get-WeaveEvalResult -EvaluationRunId $Id } }
                @{ Command = 'Get-WeaveEvalSummary'; What = 'evaluation run id'; Id = $id; Run = { param($Id) Get-WeaveEvalSummary -EvaluationRunId $Id } }
                @{ Command = 'Get-WeavePrediction'; What = 'prediction id'; Id = $id; Run = { param($Id) Get-WeavePrediction -PredictionId $Id } }
                @{ Command = 'Get-WeavePrediction'; What = 'evaluation run id'; Id = $id; Run = { param($Id) Get-WeavePrediction -EvaluationRunId $Id } }
            }
        ) {
            $ErrorActionPreference = 'Continue'
            $errors = @(& $Run $Id 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeExactly "WeaveEval.InvalidArgument,WeaveEval.Commands.$($Command -replace '-', '')Command"
            $errors[0].Exception.Message | Should -BeExactly "The $What '$Id' is not an id: it is empty, blank, '.' or '..'."
        }

        It '<Command> refuses it before any request' -ForEach @(
            @{ Command = 'Get-WeaveEvaluationRun'; Run = { Get-WeaveEvaluationRun -EvaluationRunId '..' } }
            @{ Command = 'Get-WeavePrediction'; Run = { Get-WeavePrediction -PredictionId '..' } }
            @{ Command = 'Get-WeavePrediction'; Run = { Get-WeavePrediction -EvaluationRunId '..' } }
        ) {
            $run = Invoke-WeaveCaptured -Emulator $emulator $Run
            $run.Errors.FullyQualifiedErrorId | Should -BeLike 'WeaveEval.InvalidArgument,*'
            $run.Requests | Should -BeNullOrEmpty
        }
    }

    It 'warns when a listed project has no evaluation runs at all' {
        $warnings = @()
        $runs = @(Get-WeaveEvaluationRun -Project 'helpdesk-bto' -WarningVariable warnings -WarningAction SilentlyContinue)
        $runs.Count | Should -Be 0
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -BeExactly "Project acme-ai/helpdesk-bto has no evaluation runs. Check the entity and project names (-Entity, -Project, Connect-Weave, WANDB_ENTITY/WANDB_PROJECT)."
    }

    It 'does not warn when a filter leaves no runs of a project that has some' {
        $warnings = @()
        @(Get-WeaveEvaluationRun -Model 'NoSuchModel' -WarningVariable warnings -WarningAction SilentlyContinue).Count | Should -Be 0
        $warnings.Count | Should -Be 0
    }

    It 'warns once that it is retrying when the server does not answer' {
        $env:WF_TRACE_SERVER_URL = 'http://127.0.0.1:9'
        $warnings = @()
        $errors = @()
        $null = Get-WeaveEvaluationRun -MaximumRetryCount 3 -RetryIntervalSec 0.01 -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable errors -ErrorAction SilentlyContinue
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -Match '^127\.0\.0\.1:9 did not answer \(.+\); retrying, attempt 2 of 4 \(-MaximumRetryCount, -RetryIntervalSec\)\.$'
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'WeaveEval.NetworkError,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
    }

    It 'shows how to pass a SecureString when -ApiKey is given plain text' {
        $record = { Get-WeaveEvaluationRun -ApiKey 'plain-text-key' } | Should -Throw -PassThru
        $record.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentTransformationError,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
        $record.Exception.Message | Should -Match ([regex]::Escape('-ApiKey takes a SecureString, not plain text. Pass it as -ApiKey (Read-Host -AsSecureString), -ApiKey (ConvertTo-SecureString $key -AsPlainText -Force), or use -Credential'))
        $record.Exception.Message | Should -Not -Match 'plain-text-key'
    }

    It 'ends a rejected key''s message with the client''s words, not the server''s bare "401 Error"' {
        $wrong = ConvertTo-SecureString 'wrong-key' -AsPlainText -Force
        $record = { Get-WeaveEvaluationRun -ApiKey $wrong } | Should -Throw -PassThru
        $record.FullyQualifiedErrorId | Should -BeExactly 'WeaveEval.Unauthorized,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
        $record.Exception.Message | Should -BeExactly 'The server rejected the API key from the -ApiKey parameter (HTTP 401).'
    }

    It 'Get-WeaveConnection when not connected says what the environment resolves to, without the key' {
        $warnings = @()
        @(Get-WeaveConnection -WarningVariable warnings -WarningAction SilentlyContinue).Count | Should -Be 0
        "$($warnings[0])" | Should -BeExactly "Not connected (Connect-Weave). Commands without -Entity/-Project/-ApiKey would use $($demo.Entity)/$($demo.Project) at $($emulator.BaseUri)/ with the API key from the environment variable WANDB_API_KEY."
        "$($warnings[0])" | Should -Not -Match ([regex]::Escape($emulator.ApiKey))
    }

    It 'Get-WeaveConnection when not connected and nothing is configured says what is missing' {
        $env:WANDB_ENTITY = $null
        $warnings = @()
        $null = Get-WeaveConnection -WarningVariable warnings -WarningAction SilentlyContinue
        "$($warnings[0])" | Should -Match '^Not connected \(Connect-Weave\)\. Commands without -Entity/-Project/-ApiKey would fail: .*entity'
    }

    It 'MissingPredictionId reads right for a piped object and for a parameter' {
        $errors = @()
        [pscustomobject]@{ PredictionId = $null } | Get-WeavePrediction -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'WeaveEval.MissingPredictionId,WeaveEval.Commands.GetWeavePredictionCommand'
        $errors[0].Exception.Message | Should -Match '^An input object has no PredictionId'
        $errors = @()
        Get-WeavePrediction -PredictionId '' -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'WeaveEval.MissingPredictionId,WeaveEval.Commands.GetWeavePredictionCommand'
        $errors[0].Exception.Message | Should -BeExactly '-PredictionId was given an empty value, so there is no prediction to read.'
    }

    It 'MissingPredictionId names the row and trial of a piped result' {
        $errors = @()
        [pscustomobject]@{ PredictionId = $null; RowDigest = 'digest-q7'; TrialIndex = 1 } | Get-WeavePrediction -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].Exception.Message | Should -BeExactly 'The input for row digest-q7, trial 1 has no PredictionId (the server found no predict call for that trial), so there is no prediction to read.'
        $errors[0].TargetObject | Should -BeExactly 'digest-q7'
    }
}
