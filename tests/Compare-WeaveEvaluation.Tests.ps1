#Requires -Modules Pester

# The emulator's acme-ai/compare-bot project was made for these tests: every score of every trial is
# written out in tests/WeaveEval.Emulator/Seeding/CompareScenario.cs, so each expected number here can be
# worked out by hand from that table.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    $compare = [pscustomobject]@{
        Project        = 'compare-bot'
        Baseline       = '019f8a10-0000-7000-8000-00000000ba5e'   # SDK, rows r1–r5, 2 trials
        Candidate      = '019f8a20-0000-7000-8000-0000000000c1'   # SDK, rows r2–r6, 2 trials, another exact_match version
        ApiCandidate   = '019f8a30-0000-7000-8000-0000000000a1'   # v2 API, rows r1–r5, 1 trial
        SmokeCandidate = '019f8a40-0000-7000-8000-0000000005e1'   # SDK, another evaluation, rows r5–r6
    }

    function Get-Row {
        param([Parameter(Mandatory)] $Rows, [Parameter(Mandatory)] [string] $Id, [Parameter(Mandatory)] [string] $Scorer)
        $Rows | Where-Object { $_.Scorer -eq $Scorer -and $_.Inputs['id'] -eq $Id }
    }
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Compare-WeaveEvaluation' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        $env:WANDB_PROJECT = $compare.Project
    }

    Context 'per score dimension (default)' {
        BeforeAll {
            Reset-WeaveTestEnvironment -Emulator $emulator
            $env:WANDB_PROJECT = $compare.Project
            $run = Invoke-WeaveCaptured { Compare-WeaveEvaluation -BaselineRunId $compare.Baseline -CandidateRunId $compare.Candidate -LowerIsBetter latency_s } -Emulator $emulator
            $comparisons = $run.Output
        }

        It 'writes one ScoreComparison per dimension the runs compare, named as Get-WeaveEvalSummary names them' {
            $comparisons[0] | Should -BeOfType ([WeaveEval.ScoreComparison])
            $comparisons.Scorer | Should -Be @('exact_match', 'similarity', 'latency_s', 'judge.correct') -Because 'text scores (tone) are not compared'
            $summary = Get-WeaveEvalSummary -EvaluationRunId $compare.Baseline | Where-Object ValueType -ne 'text'
            $comparisons.Scorer | Should -Be @($summary.Scorer)
            $comparisons.CandidateRunId | Sort-Object -Unique | Should -Be $compare.Candidate
            $comparisons.BaselineRunId | Sort-Object -Unique | Should -Be $compare.Baseline
            $comparisons[0].Project | Should -Be 'compare-bot'
            $comparisons[0].Entity | Should -Be 'acme-ai'
        }

        It 'classifies and counts the rows of <Scorer>' -ForEach @(
            @{ Scorer = 'exact_match'; ValueType = 'binary'; Baseline = 0.625; Candidate = 0.625; Delta = 0.0; Regressed = 2; Improved = 2; Unchanged = 0 }
            @{ Scorer = 'similarity'; ValueType = 'continuous'; Baseline = 0.5; Candidate = 0.59375; Delta = 0.09375; Regressed = 1; Improved = 2; Unchanged = 1 }
            @{ Scorer = 'latency_s'; ValueType = 'continuous'; Baseline = 1.5; Candidate = 2.0; Delta = 0.5; Regressed = 1; Improved = 1; Unchanged = 2 }
            @{ Scorer = 'judge.correct'; ValueType = 'binary'; Baseline = 0.625; Candidate = 0.625; Delta = 0.0; Regressed = 2; Improved = 2; Unchanged = 0 }
        ) {
            $comparison = $comparisons | Where-Object Scorer -eq $Scorer
            $comparison.ValueType | Should -Be $ValueType
            $comparison.BaselineValue | Should -Be $Baseline
            $comparison.CandidateValue | Should -Be $Candidate
            $comparison.Delta | Should -Be $Delta
            $comparison.RowsCompared | Should -Be 4
            $comparison.Regressed | Should -Be $Regressed
            $comparison.Improved | Should -Be $Improved
            $comparison.Unchanged | Should -Be $Unchanged
            $comparison.OnlyInBaseline | Should -Be 1 -Because 'r1 is only in the baseline'
            $comparison.OnlyInCandidate | Should -Be 1 -Because 'r6 is only in the candidate'
            $comparison.TrialAggregation | Should -Be 'Mean'
        }

        It 'marks the dimensions named by -LowerIsBetter and carries the model names' {
            ($comparisons | Where-Object LowerIsBetter).Scorer | Should -Be 'latency_s'
            $comparisons[0].BaselineModelName | Should -Be 'CompareModel'
            $comparisons[0].CandidateModelName | Should -Be 'CompareModelNext'
        }

        It 'reads the baseline and the candidate with one eval_results query, without inputs' {
            $run = Invoke-WeaveCaptured { Compare-WeaveEvaluation -BaselineRunId $compare.Baseline -CandidateRunId $compare.Candidate } -Emulator $emulator
            $queries = @($run.Requests | Where-Object path -like '*/eval_results/query')
            $queries.Count | Should -Be 1
            $body = $queries[0].body | ConvertFrom-Json
            $body.evaluation_run_ids | Should -Be @($compare.Baseline, $compare.Candidate)
            $body.require_intersection | Should -BeFalse
            $body.include_raw_data_rows | Should -BeFalse
        }

        It 'warns that the candidate ran another version of the evaluation, with another exact_match scorer' {
            $run.Warnings | Should -HaveCount 2
            $run.Warnings[0] | Should -Match "another version of evaluation 'compare-qa-eval'"
            $run.Warnings[1] | Should -Match "Scorer 'exact_match' is not the same version"
            $run.Warnings -join "`n" | Should -Not -Match 'similarity'
        }
    }

    Context 'several trials of a row' {
        It 'aggregates exact_match with <Aggregation>' -ForEach @(
            @{ Aggregation = 'Mean'; Baseline = 0.625; Candidate = 0.625; Regressed = 2; Improved = 2; Unchanged = 0 }
            @{ Aggregation = 'Majority'; Baseline = 0.5; Candidate = 0.5; Regressed = 2; Improved = 2; Unchanged = 0 }
            @{ Aggregation = 'AnyPass'; Baseline = 0.75; Candidate = 0.75; Regressed = 1; Improved = 1; Unchanged = 2 }
            @{ Aggregation = 'AllPass'; Baseline = 0.5; Candidate = 0.5; Regressed = 2; Improved = 2; Unchanged = 0 }
            @{ Aggregation = 'First'; Baseline = 0.75; Candidate = 0.5; Regressed = 2; Improved = 1; Unchanged = 1 }
        ) {
            $comparison = Compare-WeaveEvaluation -BaselineRunId $compare.Baseline -CandidateRunId $compare.Candidate -TrialAggregation $Aggregation -WarningAction SilentlyContinue |
                Where-Object Scorer -eq 'exact_match'
            $comparison.BaselineValue | Should -Be $Baseline
            $comparison.CandidateValue | Should -Be $Candidate
            $comparison.Regressed | Should -Be $Regressed
            $comparison.Improved | Should -Be $Improved
            $comparison.Unchanged | Should -Be $Unchanged
            $comparison.TrialAggregation | Should -Be $Aggregation
        }

        It 'takes a continuous row''s best trial with AnyPass, the smallest where lower is better' {
            $higher = Compare-WeaveEvaluation $compare.Baseline $compare.Candidate -TrialAggregation AnyPass -WarningAction SilentlyContinue | Where-Object Scorer -eq 'latency_s'
            $lower = Compare-WeaveEvaluation $compare.Baseline $compare.Candidate -TrialAggregation AnyPass -LowerIsBetter latency_s -WarningAction SilentlyContinue | Where-Object Scorer -eq 'latency_s'
            $higher.BaselineValue | Should -Be 1.75 -Because 'r2..r5 best trials 2, 3, 1, 1'
            $lower.BaselineValue | Should -Be 1.25 -Because 'r2..r5 best trials 2, 1, 1, 1'
        }
    }

    Context 'tolerance and direction' {
        It 'counts a continuous change within -Tolerance as unchanged' {
            $similarity = Compare-WeaveEvaluation $compare.Baseline $compare.Candidate -Tolerance 0.2 -WarningAction SilentlyContinue | Where-Object Scorer -eq 'similarity'
            $similarity.Regressed | Should -Be 0 -Because 'r4 lost 0.125, within the tolerance'
            $similarity.Improved | Should -Be 2
            $similarity.Unchanged | Should -Be 2
            $similarity.Delta | Should -Be 0.09375
        }

        It 'turns a rise of a lower-is-better score into a regression' {
            $up = Compare-WeaveEvaluation $compare.Baseline $compare.Candidate -WarningAction SilentlyContinue | Where-Object Scorer -eq 'latency_s'
            $down = Compare-WeaveEvaluation $compare.Baseline $compare.Candidate -LowerIsBetter latency_s -WarningAction SilentlyContinue | Where-Object Scorer -eq 'latency_s'
            ($up.Regressed, $up.Improved) | Should -Be @(1, 1)
            $rows = Compare-WeaveEvaluation $compare.Baseline $compare.Candidate -PerRow -WarningAction SilentlyContinue
            (Get-Row $rows r4 latency_s).Change | Should -Be 'Improved' -Because 'without -LowerIsBetter 1 → 4 is a gain'
            $rows = Compare-WeaveEvaluation $compare.Baseline $compare.Candidate -PerRow -LowerIsBetter latency_s -WarningAction SilentlyContinue
            (Get-Row $rows r4 latency_s).Change | Should -Be 'Regressed'
            (Get-Row $rows r2 latency_s).Change | Should -Be 'Improved'
            $down.LowerIsBetter | Should -BeTrue
        }
    }

    Context 'per row (-PerRow)' {
        BeforeAll {
            Reset-WeaveTestEnvironment -Emulator $emulator
            $env:WANDB_PROJECT = $compare.Project
            $run = Invoke-WeaveCaptured { Compare-WeaveEvaluation -BaselineRunId $compare.Baseline -CandidateRunId $compare.Candidate -PerRow } -Emulator $emulator
            $rows = $run.Output
        }

        It 'writes one RowComparison per row and dimension, every row of either run' {
            $rows[0] | Should -BeOfType ([WeaveEval.RowComparison])
            $rows.Count | Should -Be (6 * 4)
            ($rows | Where-Object Scorer -eq 'exact_match').Inputs.id | Sort-Object | Should -Be @('r1', 'r2', 'r3', 'r4', 'r5', 'r6')
        }

        It 'gives each row of exact_match its change and delta (<Id>)' -ForEach @(
            @{ Id = 'r1'; Baseline = 1.0; Candidate = $null; Delta = $null; Change = 'OnlyInBaseline' }
            @{ Id = 'r2'; Baseline = 1.0; Candidate = 0.0; Delta = -1.0; Change = 'Regressed' }
            @{ Id = 'r3'; Baseline = 0.0; Candidate = 1.0; Delta = 1.0; Change = 'Improved' }
            @{ Id = 'r4'; Baseline = 0.5; Candidate = 1.0; Delta = 0.5; Change = 'Improved' }
            @{ Id = 'r5'; Baseline = 1.0; Candidate = 0.5; Delta = -0.5; Change = 'Regressed' }
            @{ Id = 'r6'; Baseline = $null; Candidate = 1.0; Delta = $null; Change = 'OnlyInCandidate' }
        ) {
            $row = Get-Row $rows $Id exact_match
            $row.BaselineValue | Should -Be $Baseline
            $row.CandidateValue | Should -Be $Candidate
            $row.Delta | Should -Be $Delta
            $row.Change | Should -Be $Change
            $row.ValueType | Should -Be 'binary'
        }

        It 'writes the largest changes of each dimension first, rows of one run only last' {
            $similarity = @($rows | Where-Object Scorer -eq 'similarity')
            $similarity.Inputs.id[-2..-1] | Sort-Object | Should -Be @('r1', 'r6')
            $deltas = @($similarity | Where-Object { $null -ne $_.Delta } | ForEach-Object { [math]::Abs($_.Delta) })
            $deltas | Should -Be @($deltas | Sort-Object -Descending)
            $deltas | Should -Be @(0.25, 0.25, 0.125, 0.0)
            $rows.Scorer | Select-Object -Unique | Should -Be @('exact_match', 'similarity', 'latency_s', 'judge.correct')
        }

        It 'asks the server to sort each dimension by the difference between the runs' {
            $queries = @($run.Requests | Where-Object path -like '*/eval_results/query' | ForEach-Object { $_.body | ConvertFrom-Json } | Where-Object { $_.sort_by })
            # The dimensions' first pages go out together (read ahead), so the log's order is the network's;
            # the output order is asserted above.
            $queries.sort_by.field | Sort-Object | Should -Be @('scores.exact_match', 'scores.judge.correct', 'scores.latency_s', 'scores.similarity')
            $queries.sort_by.mode | Sort-Object -Unique | Should -Be 'difference'
            $queries.sort_by.direction | Sort-Object -Unique | Should -Be 'desc'
        }

        It 'carries the row''s inputs and each side''s model output' {
            $row = Get-Row $rows r2 exact_match
            $row.Inputs['question'] | Should -Be 'Question 2?'
            $row.BaselineOutput | Should -Be 'Answer 2.'
            $row.CandidateOutput | Should -Be 'Not sure about 2.'
            $row.RowDigest | Should -Not -BeNullOrEmpty
            $row.CandidateRunId | Should -Be $compare.Candidate
        }
    }

    Context 'several candidates, from the pipeline' {
        It 'compares each candidate piped by EvaluationRunId with the baseline, SDK and API runs alike' {
            $run = Invoke-WeaveCaptured {
                Get-WeaveEvaluationRun -EvaluationRunId $compare.Candidate, $compare.ApiCandidate | Compare-WeaveEvaluation -BaselineRunId $compare.Baseline
            }
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.CandidateRunId | Select-Object -Unique | Should -Be @($compare.Candidate, $compare.ApiCandidate)
            $api = $run.Output | Where-Object { $_.CandidateRunId -eq $compare.ApiCandidate -and $_.Scorer -eq 'exact_match' }
            ($api.RowsCompared, $api.Regressed, $api.Improved, $api.Unchanged) | Should -Be @(5, 1, 1, 3)
            ($api.OnlyInBaseline, $api.OnlyInCandidate) | Should -Be @(0, 0)
            ($run.Output | Where-Object { $_.CandidateRunId -eq $compare.ApiCandidate -and $_.Scorer -eq 'similarity' }).Unchanged | Should -Be 5
            @($run.Warnings | Where-Object { $_ -match [regex]::Escape($compare.ApiCandidate) }) | Should -BeNullOrEmpty -Because 'it ran the baseline''s evaluation'
        }

        It 'warns when fewer than half of the rows overlap and when the evaluation differs' {
            $run = Invoke-WeaveCaptured { Compare-WeaveEvaluation -BaselineRunId $compare.Baseline -CandidateRunId $compare.SmokeCandidate }
            $run.Warnings | Should -HaveCount 2
            $run.Warnings[0] | Should -Match "ran evaluation 'compare-smoke-eval'"
            $run.Warnings[1] | Should -Match 'share 1 of the 6 rows'
            ($run.Output | Where-Object Scorer -eq 'exact_match').RowsCompared | Should -Be 1
        }

        It 'warns about the overlap with -PerRow too' {
            $run = Invoke-WeaveCaptured { Compare-WeaveEvaluation -BaselineRunId $compare.Baseline -CandidateRunId $compare.SmokeCandidate -PerRow }
            @($run.Warnings -match 'share 1 of the 6 rows').Count | Should -Be 1
            @($run.Output | Where-Object Scorer -eq 'exact_match').Count | Should -Be 6
        }
    }

    Context 'bad input' {
        It 'refuses a candidate that is the baseline, before any request' {
            $run = Invoke-WeaveCaptured { Compare-WeaveEvaluation -BaselineRunId $compare.Baseline -CandidateRunId $compare.Baseline } -Emulator $emulator
            $run.Errors[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.CandidateIsBaseline,WeaveEval.Commands.CompareWeaveEvaluationCommand'
            $run.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $run.Errors[0].TargetObject | Should -Be $compare.Baseline
            $run.Output | Should -BeNullOrEmpty
            $run.Requests | Should -BeNullOrEmpty
        }

        It 'refuses a blank baseline or candidate id with InvalidArgument, before any request' {
            $run = Invoke-WeaveCaptured { Compare-WeaveEvaluation -BaselineRunId ' ' -CandidateRunId $compare.Candidate } -Emulator $emulator
            $run.Terminated | Should -BeTrue
            $run.Errors[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.InvalidArgument,WeaveEval.Commands.CompareWeaveEvaluationCommand'
            $run.Requests | Should -BeNullOrEmpty
            $run = Invoke-WeaveCaptured { Compare-WeaveEvaluation -BaselineRunId $compare.Baseline -CandidateRunId ' ' } -Emulator $emulator
            $run.Errors[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.InvalidArgument,WeaveEval.Commands.CompareWeaveEvaluationCommand'
            $run.Requests | Should -BeNullOrEmpty
        }

        It 'refuses a negative tolerance' {
            { Compare-WeaveEvaluation -BaselineRunId $compare.Baseline -CandidateRunId $compare.Candidate -Tolerance -0.1 } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,WeaveEval.Commands.CompareWeaveEvaluationCommand'
        }

        It 'reports an unknown candidate as NotFound and compares the others' {
            $run = Invoke-WeaveCaptured { Compare-WeaveEvaluation -BaselineRunId $compare.Baseline -CandidateRunId $demo.MissingId, $compare.ApiCandidate }
            $run.Errors[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.NotFound,WeaveEval.Commands.CompareWeaveEvaluationCommand'
            $run.Errors[0].TargetObject | Should -Be $demo.MissingId
            $run.Output.CandidateRunId | Select-Object -Unique | Should -Be $compare.ApiCandidate
        }

        It 'reports an unknown baseline as NotFound and compares nothing' {
            $run = Invoke-WeaveCaptured { Compare-WeaveEvaluation -BaselineRunId $demo.MissingId -CandidateRunId $compare.Candidate } -Emulator $emulator
            $run.Errors[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.NotFound,WeaveEval.Commands.CompareWeaveEvaluationCommand'
            $run.Errors[0].TargetObject | Should -Be $demo.MissingId
            $run.Output | Should -BeNullOrEmpty
            @($run.Requests | Where-Object path -like '*/eval_results/query') | Should -BeNullOrEmpty
        }
    }
}
