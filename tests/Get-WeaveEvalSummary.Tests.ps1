#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveEmulator
    Initialize-WeaveTestEnvironment -Emulator $emulator -HomeDirectory (Join-Path $TestDrive 'home')
}

AfterAll {
    Restore-WeaveTestEnvironment
    if ($emulator) { Stop-WeaveEmulator -Emulator $emulator }
}

Describe 'Get-WeaveEvalSummary' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context 'one run' {
        BeforeAll { $stats = @(Get-WeaveEvalSummary -EvaluationRunId $demo.RunA) }

        It 'writes one ScorerStat per score dimension, in first-seen order' {
            $stats[0] | Should -BeOfType ([WeaveEval.Model.ScorerStat])
            $stats.Scorer | Should -Be @('exact_match', 'similarity', 'LLMJudge.correct', 'LLMJudge.score')
            $stats.EvaluationRunId | Sort-Object -Unique | Should -Be $demo.RunA
        }

        It 'gives the values of the example (<Scorer>)' -ForEach @(
            @{ Scorer = 'exact_match'; ValueType = 'binary'; Value = 0.5 }
            @{ Scorer = 'similarity'; ValueType = 'continuous'; Value = 0.7183333333333333 }
            @{ Scorer = 'LLMJudge.correct'; ValueType = 'binary'; Value = 0.8333333333333334 }
            @{ Scorer = 'LLMJudge.score'; ValueType = 'continuous'; Value = 0.7000000000000001 }
        ) {
            $stat = $stats | Where-Object Scorer -eq $Scorer
            $stat.ValueType | Should -Be $ValueType
            $stat.Value | Should -Be $Value
            $stat.TrialCount | Should -Be 6
        }

        It 'splits dict scores into key and path' {
            $stat = $stats | Where-Object Scorer -eq 'LLMJudge.score'
            $stat.ScorerKey | Should -Be 'LLMJudge'
            $stat.Path | Should -Be 'score'
            $stat.NumericMean | Should -Be 0.7000000000000001
            ($stats | Where-Object Scorer -eq 'exact_match').PassTrueCount | Should -Be 3
        }

        It 'carries the evaluation metadata and the project' {
            $stats[0].DisplayName | Should -Be 'eval-2026-07-10-brave-otter'
            $stats[0].ModelRef | Should -BeLike '*GPT4oSupportModel*'
            $stats[0].RowCount | Should -Be 3
            $stats[0].Entity | Should -Be 'acme-ai'
            $stats[0].Project | Should -Be 'support-bot'
        }

        It 'names the same columns as Get-WeaveEvalResult' {
            $result = Get-WeaveEvalResult -EvaluationRunId $demo.RunA -First 1
            foreach ($stat in $stats) { $result.PSObject.Properties.Name | Should -Contain ('Score.' + $stat.Scorer) }
        }
    }

    Context 'several runs' {
        It 'writes runs in input order' {
            $stats = @(Get-WeaveEvalSummary -EvaluationRunId $demo.RunC, $demo.RunA)
            $stats[0].EvaluationRunId | Should -Be $demo.RunC
            $stats[0].Scorer | Should -Be 'keyword_match'
            $stats[0].Value | Should -Be 0.5
            @($stats | Where-Object EvaluationRunId -eq $demo.RunA).Count | Should -Be 4
        }

        It '-RequireIntersection summarises only the common rows' {
            $stats = @(Get-WeaveEvalSummary -EvaluationRunId $demo.RunA, $demo.RunB -RequireIntersection)
            ($stats | Where-Object { $_.EvaluationRunId -eq $demo.RunA -and $_.Scorer -eq 'exact_match' }).TrialCount | Should -Be 4
            ($stats | Where-Object EvaluationRunId -eq $demo.RunB) | Should -Not -BeNullOrEmpty
        }

        It 'takes runs from the pipeline' {
            $stats = @(Get-WeaveEvaluationRun -Model GPT4oSupportModel -First 2 | Get-WeaveEvalSummary -Verbose 4>$null)
            $stats.EvaluationRunId | Sort-Object -Unique | Should -Be $demo.RunA
        }

        It 'writes WeaveEval.NotFound for an unknown run' {
            $stats = @(Get-WeaveEvalSummary -EvaluationRunId $demo.MissingId, $demo.RunC -ErrorAction SilentlyContinue -ErrorVariable failed)
            $stats.EvaluationRunId | Sort-Object -Unique | Should -Be $demo.RunC
            $failed[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.NotFound,WeaveEval.Commands.GetWeaveEvalSummaryCommand'
            $failed[0].TargetObject | Should -Be $demo.MissingId
        }

        It 'says so (verbose) for a run without scored trials' {
            $verbose = Get-WeaveEvalSummary -EvaluationRunId $demo.RunD -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            ($verbose | Out-String) | Should -Match 'no scored trials'
        }
    }

    Context 'output' {
        It 'has a compact default table grouped by run' {
            $table = Get-WeaveEvalSummary -EvaluationRunId $demo.RunA | Format-Table | Out-String -Width 200
            $table | Should -Match 'Scorer\s+ValueType\s+Value'
            $table | Should -Match ([regex]::Escape($demo.RunA))
        }
    }
}
