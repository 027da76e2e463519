#Requires -Modules Pester

# Tab completion as PowerShell's own TabExpansion2 gives it, against the emulator.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    $demo = Get-WeaveDemo

    function Get-Completion {
        param([Parameter(Mandatory)] [string] $Line)
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Tab completion' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    It '<Command> -EvaluationRunId completes the project''s runs, newest first, with model and status in the tooltip' -ForEach @(
        @{ Command = 'Get-WeaveEvaluationRun' }
        @{ Command = 'Get-WeaveEvalSummary' }
        @{ Command = 'Get-WeavePrediction' }
    ) {
        $completions = Get-Completion "$Command -EvaluationRunId "
        $completions.CompletionText | Should -Be @($demo.RunD, $demo.RunC, $demo.RunB, $demo.RunA)
        ($completions | Where-Object CompletionText -eq $demo.RunB).ToolTip | Should -Match '^ClaudeSupportModel · .*running · 20\d\d-\d\d-\d\d \d\d:\d\d UTC$'
        $completions[0].ResultType | Should -Be 'ParameterValue'
    }

    It 'filters the runs by what was typed' {
        $typed = $demo.RunA.Substring(0, 10)
        (Get-Completion "Get-WeaveEvaluationRun -EvaluationRunId $typed").CompletionText | Should -Be @($demo.RunA)
    }

    It 'uses the -Project typed on the line' {
        $completions = Get-Completion 'Get-WeaveEvaluationRun -Project helpdesk-bot -EvaluationRunId '
        $completions.Count | Should -Be 7
        $completions.CompletionText | Should -Not -Contain $demo.RunA
    }

    It 'completes -Model and -Evaluation with the names seen in the project' {
        (Get-Completion 'Get-WeaveEvaluationRun -Model ').CompletionText | Sort-Object | Should -Be @('ClaudeSupportModel', 'GPT4oSupportModel', 'HaikuSupportModel')
        (Get-Completion 'Get-WeaveEvaluationRun -Model cl').CompletionText | Should -Be @('ClaudeSupportModel')
        (Get-Completion 'Get-WeaveEvaluationRun -Evaluation ').CompletionText | Should -Be @('support-qa-eval')
    }

    It 'reads the runs once a minute per project, not on every Tab' {
        $null = Get-Completion 'Get-WeaveEvaluationRun -Project helpdesk-bot -Model '
        Clear-WeaveEmulatorRequest -Emulator $emulator
        $null = Get-Completion 'Get-WeaveEvaluationRun -Project helpdesk-bot -Model Help'
        $null = Get-Completion 'Get-WeaveEvaluationRun -Project helpdesk-bot -EvaluationRunId '
        @(Get-WeaveEmulatorRequest -Emulator $emulator).Count | Should -Be 0
    }

    It 'is quick and silent when the server is away' {
        $env:WF_TRACE_SERVER_URL = 'http://127.0.0.1:9'
        $Error.Clear()
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $completions = Get-Completion 'Get-WeaveEvaluationRun -Project away -EvaluationRunId '
        $watch.Stop()
        $completions.CompletionText | Where-Object { $_ -match '^[0-9a-f]{8}-' } | Should -BeNullOrEmpty
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        $Error.Count | Should -Be 0 -Because 'completion must not leave an error behind'
    }

    It 'gives up after a few seconds when the server does not answer' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path '/calls/stream_query$' -Times 1 -Action @{ delayMs = 20000 }
        try {
            $Error.Clear()
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $completions = Get-Completion 'Get-WeaveEvaluationRun -Project slow -EvaluationRunId '
            $watch.Stop()
            $completions.CompletionText | Where-Object { $_ -match '^[0-9a-f]{8}-' } | Should -BeNullOrEmpty
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 6
            $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 2
            $Error.Count | Should -Be 0
        }
        finally { Clear-WeaveEmulatorFault -Emulator $emulator }
    }

    It 'is silent without a key' {
        $env:WANDB_API_KEY = $null
        $completions = Get-Completion 'Get-WeaveEvaluationRun -Project nokey -EvaluationRunId '
        $completions.CompletionText | Where-Object { $_ -match '^[0-9a-f]{8}-' } | Should -BeNullOrEmpty
    }
}
