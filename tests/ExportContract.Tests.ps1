#Requires -Modules Pester

# The Export-Csv contract (README "Export"): Export-Csv of Get-WeaveEvalResult output is complete and
# readable in the session's culture; Export-WeaveEvalResult writes the same columns culture-invariantly.
# Exports run in a child pwsh whose CurrentCulture is set, so the parent's culture does not matter.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    $badCell = 'System\.Object\[\]|System\.Collections\.|WeaveEval\.Model\.|System\.Management\.Automation\.'

    # Exports runs A and C with Export-Csv in $Culture, reads the file back in the same culture and
    # compares every cell with the object's value; returns the findings as JSON.
    $roundTrip = @'
param($Path, $UseCulture, $RunIds)
$results = @(Get-WeaveEvalResult -EvaluationRunId $RunIds -WarningAction SilentlyContinue)
$csvArguments = @{ Path = $Path; UseCulture = [bool]$UseCulture }
if ($PSVersionTable.PSVersion.Major -lt 6) { $csvArguments.NoTypeInformation = $true }
$results | Export-Csv @csvArguments
$rows = @(Import-Csv -Path $Path -UseCulture:([bool]$UseCulture))
$header = @($rows[0].PSObject.Properties.Name)
$problems = [System.Collections.Generic.List[string]]::new()
for ($i = 0; $i -lt $results.Count; $i++) {
    foreach ($column in $header) {
        $value = $results[$i].$column
        $expected = if ($null -eq $value) { '' } else { $value.ToString() }
        if ($rows[$i].$column -cne $expected) { $problems.Add("row $i $column : '$($rows[$i].$column)' <> '$expected'") }
    }
    $similarity = $results[$i].'Score.similarity'
    if ($null -ne $similarity -and [double]::Parse($rows[$i].'Score.similarity', [cultureinfo]::CurrentCulture) -ne $similarity) { $problems.Add("row $i similarity does not parse back") }
}
[pscustomobject]@{
    Header = $header
    FlatColumns = @($results[0].PSObject.Properties.Name | Where-Object { $_ -like 'Input.*' -or $_ -like 'Score.*' })
    Rows = $rows.Count
    Objects = $results.Count
    Problems = $problems
    Text = Get-Content -Raw -Path $Path
} | ConvertTo-Json -Depth 4 -Compress
'@
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Export-Csv of Get-WeaveEvalResult output' {
    Context 'culture <Culture>, UseCulture <UseCulture>' -ForEach @(
        @{ Culture = 'en-US'; UseCulture = $false }
        @{ Culture = 'en-US'; UseCulture = $true }
        @{ Culture = 'de-DE'; UseCulture = $false }
        @{ Culture = 'de-DE'; UseCulture = $true }
    ) {
        BeforeAll {
            $path = Join-Path $TestDrive "results-$Culture-$UseCulture.csv"
            $script = "& { $roundTrip } -Path '$path' -UseCulture `$$UseCulture -RunIds '$($demo.RunA)', '$($demo.RunC)'"
            $report = (Invoke-InCulture -Culture $Culture -Script $script | Out-String) | ConvertFrom-Json
        }

        It 'writes one line per object' {
            $report.Objects | Should -Be 8
            $report.Rows | Should -Be 8
        }

        It 'has a column for every Input. and Score. field, including those the first trial lacks' {
            $expected = 'Input.id', 'Input.question', 'Input.expected', 'Score.exact_match', 'Score.similarity', 'Score.LLMJudge.correct', 'Score.LLMJudge.score', 'Score.keyword_match'
            @($report.Header | Where-Object { $_ -like 'Input.*' -or $_ -like 'Score.*' }) | Should -Be $expected
            $report.FlatColumns | Should -Be $expected
        }

        It 'has no cell that reads a type name' {
            $report.Text | Should -Not -Match $badCell
        }

        It 'reads back the values of the objects in the same culture' {
            $report.Problems | Should -BeNullOrEmpty
        }

        It 'writes nested values as compact JSON' {
            $report.Text | Should -Match ([regex]::Escape('{"exact_match":true,"similarity":0.93,"LLMJudge":{"correct":true,"score":0.9}}').Replace('"', '""'))
        }

        It 'writes numbers in the culture only where asked to (<Culture>)' {
            if ($Culture -eq 'de-DE') { $report.Text | Should -Match '"0,93"' } else { $report.Text | Should -Match '"0\.93"' }
        }
    }
}

Describe 'Export-WeaveEvalResult' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context 'culture-invariant text' {
        BeforeAll {
            $export = "Get-WeaveEvalResult -EvaluationRunId '$($demo.RunA)', '$($demo.RunC)' -WarningAction SilentlyContinue | Export-WeaveEvalResult -Path '{0}'"
            $german = Join-Path $TestDrive 'direct-de.csv'
            $english = Join-Path $TestDrive 'direct-en.csv'
            $null = Invoke-InCulture -Culture 'de-DE' -Script ($export -f $german)
            $null = Invoke-InCulture -Culture 'en-US' -Script ($export -f $english)
            $bytes = [IO.File]::ReadAllBytes($german)
            $text = [Text.Encoding]::UTF8.GetString($bytes)
            $rows = @(Import-Csv -LiteralPath $german)
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunC -WarningAction SilentlyContinue)
        }

        It 'gives the same bytes in every culture' {
            [IO.File]::ReadAllBytes($english) | Should -Be $bytes
        }

        It 'has the columns Export-Csv would write, in its order' {
            $rows[0].PSObject.Properties.Name | Should -Be @($results[0].PSObject.Properties.Name)
            $rows.Count | Should -Be 8
        }

        It "writes '.' decimals, true/false and compact JSON" {
            $rows[0].'Score.similarity' | Should -Be '0.93'
            $rows[0].'Score.exact_match' | Should -Be 'true'
            $rows[0].ModelLatencySeconds | Should -Be '1.284'
            $rows[0].Scores | Should -Be '{"exact_match":true,"similarity":0.93,"LLMJudge":{"correct":true,"score":0.9}}'
            $rows[-1].'Score.exact_match' | Should -Be ''
            $text | Should -Not -Match $badCell
        }

        It 'writes UTF-8 without BOM, every field quoted, CRLF line ends' {
            $bytes[0] | Should -Be ([byte][char]'"')
            $text | Should -Match '^"Input\.id","Input\.question"'
            ($text -split "`r`n").Count | Should -Be 10
        }

        It 'writes dates as ISO 8601 UTC' {
            $path = Join-Path $TestDrive 'runs.csv'
            $null = Invoke-InCulture -Culture 'de-DE' -Script "Get-WeaveEvaluationRun -EvaluationRunId '$($demo.RunA)' | Export-WeaveEvalResult -Path '$path'"
            $run = Import-Csv -LiteralPath $path
            $run.StartedAt | Should -Match '^2026-07-10T\d\d:\d\d:\d\d(\.\d+)?Z$'
            $run.Duration | Should -Match '^\d\d:\d\d:\d\d(\.\d+)?$'
        }
    }

    Context 'files' {
        It 'refuses to overwrite with -NoClobber (WeaveEval.FileExists)' {
            $path = Join-Path $TestDrive 'noclobber.csv'
            Set-Content -LiteralPath $path -Value 'keep'
            { Get-WeaveEvalResult -EvaluationRunId $demo.RunC | Export-WeaveEvalResult -Path $path -NoClobber } |
                Should -Throw -ErrorId 'WeaveEval.FileExists,WeaveEval.Commands.ExportWeaveEvalResultCommand'
            Get-Content -LiteralPath $path | Should -Be 'keep'
        }

        It 'appends in the columns of the existing header' {
            $path = Join-Path $TestDrive 'append.csv'
            Get-WeaveEvalResult -EvaluationRunId $demo.RunA | Export-WeaveEvalResult -Path $path
            Get-WeaveEvalResult -EvaluationRunId $demo.RunC | Export-WeaveEvalResult -Path $path -Append
            $rows = @(Import-Csv -LiteralPath $path)
            $rows.Count | Should -Be 8
            $rows[-1].'Input.question' | Should -Not -BeNullOrEmpty
            $rows[-1].EvaluationRunId | Should -Be $demo.RunC
            $rows[0].PSObject.Properties.Name | Should -Not -Contain 'Score.keyword_match'
        }

        It 'writes nothing with -WhatIf' {
            $path = Join-Path $TestDrive 'whatif.csv'
            Get-WeaveEvalResult -EvaluationRunId $demo.RunC | Export-WeaveEvalResult -Path $path -WhatIf
            Test-Path -LiteralPath $path | Should -BeFalse
        }

        It 'resolves relative paths against the current location' {
            Push-Location -LiteralPath $TestDrive
            try { Get-WeaveEvalResult -EvaluationRunId $demo.RunC | Export-WeaveEvalResult -Path 'relative.csv' }
            finally { Pop-Location }
            Test-Path -LiteralPath (Join-Path $TestDrive 'relative.csv') | Should -BeTrue
        }
    }
}

Describe 'Export contract on the richer demo project (acme-ai/helpdesk-bot)' {
    BeforeAll {
        Reset-WeaveTestEnvironment -Emulator $emulator
        $env:WANDB_PROJECT = 'helpdesk-bot'
        $runs = @(Get-WeaveEvaluationRun)
        $results = @($runs | Get-WeaveEvalResult -WarningAction SilentlyContinue)
        $stats = @($runs | Get-WeaveEvalSummary)
    }

    It 'has results of several runs to export' {
        @($results.EvaluationRunId | Sort-Object -Unique).Count | Should -BeGreaterThan 1
        $stats.Count | Should -BeGreaterThan 0
    }

    It 'gives every result the same flat columns' {
        $columns = @($results[0].PSObject.Properties.Name)
        foreach ($result in $results) { @($result.PSObject.Properties.Name) | Should -Be $columns }
    }

    It 'has a Score column for every scorer dimension of the summary' {
        foreach ($stat in $stats) { $results[0].PSObject.Properties.Name | Should -Contain ('Score.' + $stat.Scorer) }
    }

    It 'exports without type names, one line per result' {
        $path = Join-Path $TestDrive 'helpdesk.csv'
        $results | Export-Csv -LiteralPath $path
        (Get-Content -Raw -LiteralPath $path) | Should -Not -Match $badCell
        @(Import-Csv -LiteralPath $path).Count | Should -Be $results.Count
        $direct = Join-Path $TestDrive 'helpdesk-direct.csv'
        $results | Export-WeaveEvalResult -Path $direct
        (Get-Content -Raw -LiteralPath $direct) | Should -Not -Match $badCell
        @(Import-Csv -LiteralPath $direct).Count | Should -Be $results.Count
    }
}

Describe 'ConvertTo-Json of the output objects' {
    BeforeAll {
        Reset-WeaveTestEnvironment -Emulator $emulator

        # Parses JSON text and expands every string that is itself a JSON object or array: at the default
        # depth ConvertTo-Json writes deeper levels with ToString(), which for the module's JSON values is
        # their compact JSON text, so nothing is lost as long as that text parses back to the same value.
        function ConvertTo-ComparableJson([string] $Json) {
            function Expand($Node) {
                if ($Node -is [string] -and $Node -match '^\s*[\[{]') {
                    try { return Expand ($Node | ConvertFrom-Json -AsHashtable -NoEnumerate) } catch { return $Node }
                }
                if ($Node -is [System.Collections.IDictionary]) {
                    $copy = [ordered]@{}
                    foreach ($key in $Node.Keys) { $copy[$key] = Expand $Node[$key] }
                    return $copy
                }
                if ($Node -is [System.Collections.IList]) { return , @(foreach ($item in $Node) { Expand $item }) }
                $Node
            }
            Expand ($Json | ConvertFrom-Json -AsHashtable -NoEnumerate) | ConvertTo-Json -Depth 64 -Compress
        }
    }

    It '<Name> keeps every nested value at the default depth' -ForEach @(
        @{ Name = 'EvaluationRun (nested summary)'; Read = { Get-WeaveEvaluationRun -EvaluationRunId $demo.RunA } }
        @{ Name = 'EvalResult (nested scores and inputs)'; Read = { Get-WeaveEvalResult -EvaluationRunId $demo.RunA -First 1 } }
        @{ Name = 'EvalResult with unresolved inputs'; Read = { Get-WeaveEvalResult -EvaluationRunId $demo.RunA -NoResolve -First 1 } }
        @{ Name = 'ScorerStat'; Read = { Get-WeaveEvalSummary -EvaluationRunId $demo.RunA | Select-Object -Last 1 } }
        @{ Name = 'Prediction'; Read = { Get-WeavePrediction -PredictionId '019f5075-80da-7baa-b061-adbfe72c9d91' } }
    ) {
        $object = & $Read
        $object | Should -Not -BeNullOrEmpty
        $atDefaultDepth = $object | ConvertTo-Json -WarningAction SilentlyContinue
        $atFullDepth = $object | ConvertTo-Json -Depth 64
        $atDefaultDepth | Should -Not -Match $badCell
        ConvertTo-ComparableJson $atDefaultDepth | Should -Be (ConvertTo-ComparableJson $atFullDepth)
    }

    It 'keeps the run summary readable after a round trip' {
        $run = Get-WeaveEvaluationRun -EvaluationRunId $demo.RunA | ConvertTo-Json -WarningAction SilentlyContinue | ConvertFrom-Json
        $usage = $run.Summary.usage.'gpt-4o-2024-08-06'
        if ($usage -is [string]) { $usage = $usage | ConvertFrom-Json }
        $usage.total_tokens | Should -Be 2435
    }

    It 'writes the run source as a word, not a number' {
        $runs = Get-WeaveEvaluationRun | ConvertTo-Json -WarningAction SilentlyContinue | ConvertFrom-Json
        $runs.Source | Should -Be @('Api', 'Api', 'Sdk', 'Sdk')
    }
}
