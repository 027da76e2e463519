#Requires -Modules Pester

# The default views as a person reads them: rendered text at a fixed width.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    $demo = Get-WeaveDemo

    function Get-RenderedLine {
        param([Parameter(Mandatory)] [string] $Text, [Parameter(Mandatory)] [string] $Pattern)
        $Text -split '\r?\n' | Where-Object { $_ -match $Pattern } | Select-Object -First 1
    }
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'EvalResult table' {
    BeforeAll {
        Reset-WeaveTestEnvironment -Emulator $emulator
        $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA)
        $table = $results | Out-String -Width 120
    }

    It 'has the columns Run, Trial, Latency, Input, Output, Scores and no row digest' {
        $header = (Get-RenderedLine $table '^Run\s')
        $header -split '\s+' | Where-Object { $_ } | Should -Be @('Run', 'Trial', 'Latency', 'Input', 'Output', 'Scores')
        $table | Should -Not -Match ([regex]::Escape($results[0].RowDigest.Substring(0, 10)))
    }

    It 'previews the first text field of the input that is not an id, and the output' {
        $first = $results[0]
        @($first.Inputs.Keys)[0] | Should -Be 'id' -Because 'the demo rows start with an id field, which the preview skips'
        $line = (Get-RenderedLine $table ([regex]::Escape($first.Inputs['question'].Substring(0, 20))))
        $line | Should -Not -BeNullOrEmpty
        $line | Should -Match ([regex]::Escape("$($first.Output)".Substring(0, 15)))
    }

    It 'shows every scorer as name=value, as far as the console is wide' {
        (Get-RenderedLine $table 'exact_match=') | Should -Match 'exact_match=(True|False) similarity='
        $line = (Get-RenderedLine ($results | Out-String -Width 250) 'exact_match=')
        $line | Should -Match 'exact_match=(True|False)'
        $line | Should -Match 'similarity=[01](\.\d+)? LLMJudge=\{"correct":(true|false),"score":[\d.]+\}'
    }

    It 'names the run by a short id when the model is unknown, by the model when it is known' {
        $result = [WeaveEval.EvalResult]::new()
        $result.EvaluationRunId = $demo.RunA
        $result.Inputs = [WeaveEval.JsonMap]::new()
        $result.Inputs['id'] = 'q1'
        $result.Inputs['question'] = 'Reset my password?'
        $result.Output = 'Use the link.'
        $result.Scores['correct'] = $true
        $shortId = '…' + $demo.RunA.Substring($demo.RunA.Length - 8)
        $withoutModel = $result | Out-String -Width 120
        (Get-RenderedLine $withoutModel 'Reset my password') | Should -Match ('^' + [regex]::Escape($shortId) + '\s+0\s+Reset my password\?\s+Use the link\.\s+correct=True')

        $result.ModelName = 'ClaudeSupportModel'
        $withModel = $result | Out-String -Width 120
        (Get-RenderedLine $withModel 'Reset my password') | Should -Match '^ClaudeSupportModel\s+0\s+Reset my password'
    }

    It 'fits in 120 columns: its fixed columns leave the open-ended Scores column 20 or more' {
        # Rendered wider than any console: at -Width 120 Out-String would cut every line to 120 itself.
        $wide = $results | Out-String -Width 400
        (Get-RenderedLine $wide '^Run\s').IndexOf('Scores') | Should -BeLessOrEqual 100
    }
}

Describe 'ScorerStat table' {
    BeforeAll {
        Reset-WeaveTestEnvironment -Emulator $emulator
        $stats = @(Get-WeaveEvalSummary -EvaluationRunId $demo.RunA)
        $table = $stats | Out-String -Width 120
    }

    It 'shows passes of a binary scorer as passed/known' {
        (Get-RenderedLine $table '^exact_match\s') | Should -Match '^exact_match\s+binary\s+0\.5\s+3/6\s+6\s'
    }

    It 'shows no pass count for a continuous scorer' {
        (Get-RenderedLine $table '^similarity\s') | Should -Match '^similarity\s+continuous\s+0\.7183\s+6\s'
        ($stats | Where-Object Scorer -eq 'similarity').PassTrueCount | Should -BeNullOrEmpty
        ($stats | Where-Object Scorer -eq 'exact_match').NumericCount | Should -BeNullOrEmpty
    }
}

Describe 'Format-List shows dictionaries as JSON text' {
    BeforeAll { Reset-WeaveTestEnvironment -Emulator $emulator }

    It 'EvalResult: Inputs, Scores and ScorerCallIds' {
        $text = Get-WeaveEvalResult -EvaluationRunId $demo.RunA -First 1 | Format-List | Out-String -Width 200
        $text | Should -Not -Match '\{\['
        (Get-RenderedLine $text '^Scores\s') | Should -Match '^Scores\s+: \{"exact_match":(true|false),'
        (Get-RenderedLine $text '^Inputs\s') | Should -Match '^Inputs\s+: \{"'
        (Get-RenderedLine $text '^ScorerCallIds\s') | Should -Match '^ScorerCallIds\s+: \{"'
    }

    It 'EvaluationRun: Summary' {
        $text = Get-WeaveEvaluationRun -EvaluationRunId $demo.RunA | Format-List | Out-String -Width 200
        $text | Should -Not -Match '\{\['
        (Get-RenderedLine $text '^Summary\s') | Should -Match '^Summary\s+: \{"'
    }

    It 'Prediction: Inputs' {
        $text = Get-WeavePrediction -EvaluationRunId $demo.RunC | Format-List | Out-String -Width 200
        $text | Should -Not -Match '\{\['
        (Get-RenderedLine $text '^Inputs\s') | Should -Match '^Inputs\s+: \{"question":'
    }
}

Describe 'ScoreComparison and RowComparison tables' {
    BeforeAll {
        Reset-WeaveTestEnvironment -Emulator $emulator
        $env:WANDB_PROJECT = 'compare-bot'
        $baseline = '019f8a10-0000-7000-8000-00000000ba5e'
        $candidate = '019f8a20-0000-7000-8000-0000000000c1'
        $comparisons = @(Compare-WeaveEvaluation -BaselineRunId $baseline -CandidateRunId $candidate -WarningAction SilentlyContinue)
        $table = $comparisons | Out-String -Width 120
        $rows = @(Compare-WeaveEvaluation -BaselineRunId $baseline -CandidateRunId $candidate -PerRow -WarningAction SilentlyContinue)
        $rowTable = $rows | Out-String -Width 120
    }

    It 'groups the comparisons by candidate and shows both values, the signed delta and the counts' {
        $table | Should -Match ([regex]::Escape("CandidateRunId: $candidate"))
        (Get-RenderedLine $table '^Scorer\s') -split '\s+' | Where-Object { $_ } |
            Should -Be @('Scorer', 'ValueType', 'Baseline', 'Candidate', 'Delta', 'Rows', 'Regressed', 'Improved', 'Unchanged', 'OnlyBase', 'OnlyCand')
        (Get-RenderedLine $table '^similarity\s') | Should -Match '^similarity\s+continuous\s+0\.5\s+0\.5938\s+\+0\.0938\s+4\s+1\s+2\s+1\s+1\s+1$'
        (Get-RenderedLine $table '^exact_match\s') | Should -Match '^exact_match\s+binary\s+0\.625\s+0\.625\s+0\s+4\s+2\s+2\s+0\s+1\s+1$'
    }

    It 'shows a row''s change, values and its input' {
        (Get-RenderedLine $rowTable '^Change\s') -split '\s+' | Where-Object { $_ } | Should -Be @('Change', 'Scorer', 'Baseline', 'Candidate', 'Delta', 'Input')
        (Get-RenderedLine $rowTable '"id":"r2"') | Should -Match '^Regressed\s+exact_match\s+1\s+0\s+-1\s+\{"id":"r2"'
        (Get-RenderedLine $rowTable 'OnlyInCandidate') | Should -Match '^OnlyInCandidate\s+exact_match\s+1\s+\{"id":"r6"'
    }

    It 'fits in 120 columns: the comparison whole, a row''s fixed columns with 20 or more left for its Input' {
        # Rendered wider than any console: at -Width 120 Out-String would cut every line to 120 itself.
        foreach ($line in ($comparisons | Out-String -Width 400) -split '\r?\n') { $line.TrimEnd().Length | Should -BeLessOrEqual 120 }
        (Get-RenderedLine ($rows | Out-String -Width 400) '^Change\s').IndexOf('Input') | Should -BeLessOrEqual 100
    }
}
