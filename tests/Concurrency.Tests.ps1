#Requires -Modules Pester

# The cmdlets run side by side from ForEach-Object -Parallel and thread jobs, across several projects
# at once: every runspace gets exactly what it would get alone (one shared HttpClient per server, no
# shared mutable state), and one project's failures and transport settings stay its own.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveEmulator -ArgumentList '--generate', 'project=acme-ai/big,rows=40,trials=2,runs=2,apiRuns=1,scorers=bool+float+nested,seed=7'
    Initialize-WeaveTestEnvironment -Emulator $emulator -HomeDirectory (Join-Path $TestDrive 'home')
    $modulePath = Get-WeaveModulePath
    $projects = 'support-bot', 'helpdesk-bot', 'big'

    # What one project gives when read alone: its runs, their results (ids in order) and summaries.
    function Read-Project([string] $Project, [hashtable] $Transport = @{}) {
        $runs = @(Get-WeaveEvaluationRun -Project $Project @Transport)
        [pscustomobject]@{
            Project = $Project
            Runs    = @($runs.EvaluationRunId)
            Results = @($runs | Get-WeaveEvalResult -PageSize 7 -WarningAction SilentlyContinue @Transport | ForEach-Object { "$($_.EvaluationRunId)/$($_.PredictAndScoreCallId)/$($_.Project)" })
            Stats   = @($runs | Get-WeaveEvalSummary @Transport | ForEach-Object { "$($_.EvaluationRunId)/$($_.Scorer)=$($_.Value)" })
        }
    }
    $readProject = ${function:Read-Project}.ToString()

    $alone = @{}
    foreach ($project in $projects) { $alone[$project] = Read-Project $project }
}

AfterAll {
    Restore-WeaveTestEnvironment
    if ($emulator) { Stop-WeaveEmulator -Emulator $emulator }
}

Describe 'ForEach-Object -Parallel' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
    }
    AfterAll { Clear-WeaveEmulatorFault -Emulator $emulator }

    It 'reads three projects twice each at the same time, each exactly as when read alone' {
        $alone['big'].Results.Count | Should -BeGreaterThan 100 -Because 'the generated project gives several pages per run'
        $read = @($projects + $projects | ForEach-Object -ThrottleLimit 6 -Parallel {
            Import-Module $using:modulePath
            ${function:Read-Project} = $using:readProject
            Read-Project $_
        })

        $read.Count | Should -Be 6
        foreach ($copy in $read) {
            $expected = $alone[$copy.Project]
            $copy.Runs | Should -Be $expected.Runs
            $copy.Results | Should -Be $expected.Results
            $copy.Stats | Should -Be $expected.Stats
        }
    }

    It "keeps one project's failure and transport settings to itself" {
        # helpdesk-bot's results route fails for good; the other projects' reads go on undisturbed.
        Add-WeaveEmulatorFault -Emulator $emulator -Path '^/v2/acme-ai/helpdesk-bot/eval_results' -Times 10000 -Action @{ status = 503 }
        $read = @($projects | ForEach-Object -ThrottleLimit 3 -Parallel {
            Import-Module $using:modulePath
            $project = $_
            $transport = if ($project -eq 'helpdesk-bot') { @{ MaximumRetryCount = 0 } } else { @{ MaximumRetryCount = 4; RetryIntervalSec = 0.05 } }
            $errors = @()
            $results = @(Get-WeaveEvaluationRun -Project $project @transport | Get-WeaveEvalResult -PageSize 7 @transport -WarningAction SilentlyContinue -ErrorVariable +errors -ErrorAction SilentlyContinue)
            [pscustomobject]@{ Project = $project; Results = $results.Count; Errors = @($errors | ForEach-Object FullyQualifiedErrorId) }
        })

        $helpdesk = $read | Where-Object Project -EQ 'helpdesk-bot'
        $helpdesk.Results | Should -Be 0
        $helpdesk.Errors | Should -Not -BeNullOrEmpty
        $helpdesk.Errors | ForEach-Object { $_ | Should -BeLike 'WeaveEval.ServerError,*' }
        foreach ($other in $read | Where-Object Project -NE 'helpdesk-bot') {
            $other.Errors | Should -BeNullOrEmpty
            $other.Results | Should -Be $alone[$other.Project].Results.Count
        }
    }

    It 'shares the session of Connect-Weave with every runspace of the process' {
        Connect-Weave -Project big -SkipValidation
        try {
            $env:WANDB_PROJECT = $null
            $counts = @(1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
                Import-Module $using:modulePath
                @(Get-WeaveEvaluationRun).Count
            })
            $counts | Should -Be (@($alone['big'].Runs.Count) * 3)
        }
        finally { Disconnect-Weave }
    }
}

Describe 'Thread jobs' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    It 'read several projects at once, each exactly as when read alone' {
        $jobs = foreach ($project in $projects) {
            Start-ThreadJob -ArgumentList $modulePath, $readProject, $project -ScriptBlock {
                param($ModulePath, $ReadProject, $Project)
                Import-Module $ModulePath
                ${function:Read-Project} = $ReadProject
                Read-Project $Project
            }
        }
        try {
            $read = @($jobs | Wait-Job -Timeout 120 | Receive-Job)
        }
        finally { $jobs | Remove-Job -Force }

        $read.Count | Should -Be $projects.Count
        foreach ($copy in $read) {
            $copy.Results | Should -Be $alone[$copy.Project].Results
            $copy.Stats | Should -Be $alone[$copy.Project].Stats
        }
    }

    It 'can be stopped while others run on (Stop-Job during a slow response)' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path '^/v2/acme-ai/helpdesk-bot/eval_results' -Times 100 -Action @{ delayMs = 30000 }
        try {
            $slow = Start-ThreadJob -ArgumentList $modulePath -ScriptBlock {
                param($ModulePath)
                Import-Module $ModulePath
                Get-WeaveEvaluationRun -Project helpdesk-bot | Get-WeaveEvalSummary
            }
            $fast = Start-ThreadJob -ArgumentList $modulePath, $readProject -ScriptBlock {
                param($ModulePath, $ReadProject)
                Import-Module $ModulePath
                ${function:Read-Project} = $ReadProject
                Read-Project support-bot
            }
            $read = $fast | Wait-Job -Timeout 60 | Receive-Job
            $read.Results | Should -Be $alone['support-bot'].Results
            $slow.State | Should -Be 'Running'

            $watch = [Diagnostics.Stopwatch]::StartNew()
            $slow | Stop-Job
            $watch.Stop()
            Write-Host "    Stop-Job during a slow response: $([math]::Round($watch.Elapsed.TotalMilliseconds)) ms"
            $slow.State | Should -Be 'Stopped'
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 2 -Because 'Stop-Job waits for the command to end, which Ctrl+C-style cancellation makes prompt (margin for a loaded machine)'
        }
        finally {
            Get-Job | Remove-Job -Force
            Clear-WeaveEmulatorFault -Emulator $emulator
        }
    }
}
