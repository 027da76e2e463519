#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Get-WeaveEvalSummary' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context 'one run' {
        BeforeAll { $stats = @(Get-WeaveEvalSummary -EvaluationRunId $demo.RunA) }

        It 'writes one ScorerStat per score dimension, in first-seen order' {
            $stats[0] | Should -BeOfType ([WeaveEval.ScorerStat])
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

        It 'gives the counts of the example (<Scorer>)' -ForEach @(
            @{ Scorer = 'exact_match'; PassTrueCount = 3; PassKnownCount = 6; NumericCount = $null; PassRate = 0.5; NumericMean = $null }
            @{ Scorer = 'similarity'; PassTrueCount = $null; PassKnownCount = $null; NumericCount = 6; PassRate = $null; NumericMean = 0.7183333333333333 }
            @{ Scorer = 'LLMJudge.correct'; PassTrueCount = 5; PassKnownCount = 6; NumericCount = $null; PassRate = 0.8333333333333334; NumericMean = $null }
            @{ Scorer = 'LLMJudge.score'; PassTrueCount = $null; PassKnownCount = $null; NumericCount = 6; PassRate = $null; NumericMean = 0.7000000000000001 }
        ) {
            $stat = $stats | Where-Object Scorer -eq $Scorer
            $stat.PassTrueCount | Should -Be $PassTrueCount
            $stat.PassKnownCount | Should -Be $PassKnownCount
            $stat.NumericCount | Should -Be $NumericCount
            $stat.PassRate | Should -Be $PassRate
            $stat.NumericMean | Should -Be $NumericMean
        }

        It 'carries the evaluation metadata and the project' {
            foreach ($stat in $stats) {
                $stat.DisplayName | Should -Be 'eval-2026-07-10-brave-otter'
                $stat.ModelRef | Should -Be 'weave:///acme-ai/support-bot/object/GPT4oSupportModel:rgtMmTRF5OVm6r67vwDZBarYfDJ4QXRAvODjCWT4TxM'
                $stat.ModelName | Should -Be 'GPT4oSupportModel'
                $stat.EvaluationRef | Should -Be 'weave:///acme-ai/support-bot/object/support-qa-eval:Fv9sUqNCrQnQD1OSVb5mT4a84O246RJm0hfzEZ53pJs'
                $stat.EvaluationName | Should -Be 'support-qa-eval'
                $stat.StartedAt | Should -Be ([DateTime]::new(2026, 7, 10, 14, 3, 11, 412, [DateTimeKind]::Utc))
                $stat.StartedAt.Kind | Should -Be 'Utc'
                $stat.RowCount | Should -Be 3
                $stat.EvaluationTrialCount | Should -Be 6
                $stat.TotalTokens | Should -Be 2435
                $stat.TotalCost | Should -BeNullOrEmpty
                $stat.Entity | Should -Be 'acme-ai'
                $stat.Project | Should -Be 'support-bot'
            }
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

        It 'writes one ScorerStat per run and dimension, with each run''s own evaluation figures' {
            $batch = @(Get-WeaveEvalSummary -EvaluationRunId $demo.RunA, $demo.RunB, $demo.RunC)
            $batch.Count | Should -Be 9
            @($batch | ForEach-Object { $_.EvaluationRunId + '/' + $_.Scorer } | Sort-Object -Unique).Count | Should -Be 9
            $batch.EvaluationRunId | Select-Object -Unique | Should -Be @($demo.RunA, $demo.RunB, $demo.RunC)
            $batch.RowCount | Sort-Object -Unique | Should -Be 5 -Because 'RowCount counts the rows of the request: q1-q3 and the two inline examples of C'
            foreach ($run in $demo.RunA, $demo.RunB, $demo.RunC) {
                $alone = @(Get-WeaveEvalSummary -EvaluationRunId $run)
                $together = @($batch | Where-Object EvaluationRunId -eq $run)
                $together.Scorer | Should -Be $alone.Scorer
                foreach ($property in 'Value', 'PassTrueCount', 'PassKnownCount', 'NumericCount', 'TrialCount', 'EvaluationTrialCount', 'TotalTokens', 'ModelRef', 'EvaluationRef', 'DisplayName', 'StartedAt') {
                    $together.$property | Should -Be $alone.$property -Because "$property of run $run does not depend on the other runs"
                }
            }
        }

        It 'gives run B its own figures (<Scorer>)' -ForEach @(
            @{ Scorer = 'exact_match'; Value = 1.0; TrialCount = 2 }
            @{ Scorer = 'similarity'; Value = 0.925; TrialCount = 2 }
            @{ Scorer = 'LLMJudge.correct'; Value = 1.0; TrialCount = 2 }
            @{ Scorer = 'LLMJudge.score'; Value = 0.875; TrialCount = 2 }
        ) {
            $stat = Get-WeaveEvalSummary -EvaluationRunId $demo.RunB | Where-Object Scorer -eq $Scorer
            $stat.Value | Should -Be $Value
            $stat.TrialCount | Should -Be $TrialCount
            $stat.TotalTokens | Should -Be 790
            $stat.ModelName | Should -Be 'ClaudeSupportModel'
        }

        It '-RequireIntersection summarises only the common rows (<Scorer> of run A)' -ForEach @(
            @{ Scorer = 'exact_match'; Value = 0.5; PassTrueCount = 2 }
            @{ Scorer = 'similarity'; Value = 0.6725000000000001; PassTrueCount = $null }
            @{ Scorer = 'LLMJudge.correct'; Value = 0.75; PassTrueCount = 3 }
            @{ Scorer = 'LLMJudge.score'; Value = 0.6250000000000001; PassTrueCount = $null }
        ) {
            $stats = @(Get-WeaveEvalSummary -EvaluationRunId $demo.RunA, $demo.RunB -RequireIntersection)
            $stat = $stats | Where-Object { $_.EvaluationRunId -eq $demo.RunA -and $_.Scorer -eq $Scorer }
            $stat.Value | Should -Be $Value
            $stat.PassTrueCount | Should -Be $PassTrueCount
            $stat.TrialCount | Should -Be 4
            $stat.EvaluationTrialCount | Should -Be 4
            $stat.RowCount | Should -Be 2
            $stat.TotalTokens | Should -Be 1696
            @($stats | Where-Object EvaluationRunId -eq $demo.RunB).Count | Should -Be 4
        }

        It 'takes runs from the pipeline' {
            $stats = @(Get-WeaveEvaluationRun -Model GPT4oSupportModel -First 2 | Get-WeaveEvalSummary -Verbose 4>$null)
            $stats.EvaluationRunId | Sort-Object -Unique | Should -Be $demo.RunA
            (@($demo.RunC, $demo.RunB | Get-WeaveEvalSummary).EvaluationRunId | Select-Object -Unique) | Should -Be @($demo.RunC, $demo.RunB)
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
