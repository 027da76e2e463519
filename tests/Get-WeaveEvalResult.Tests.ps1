#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')

    # Run A's rows in row-digest order (q1, q3, q2), two trials each.
    $rowsOfA = 'q1', 'q1', 'q3', 'q3', 'q2', 'q2'
    $columnsOfA = 'Input.id', 'Input.question', 'Input.expected', 'Score.exact_match', 'Score.similarity', 'Score.LLMJudge.correct', 'Score.LLMJudge.score'
    # The dataset row digests of the demo rows, as in the eval_results examples.
    $digestOf = @{ q1 = '39XFQ1BfHkDTyZH24XSl0S7NL9ZCYE4ew2oYtYYgLQA'; q2 = 'dXXCJUxZVXlVJj9SbjD6u2pNv0UU55noNHs8BSWIikY'; q3 = 'XohVTOjtcyXzVLeQ3CJwE2TipmqpRimL4wnmOwiqmzg' }

    function Get-FlatColumn($Object) { @($Object.PSObject.Properties.Name | Where-Object { $_ -like 'Input.*' -or $_ -like 'Score.*' }) }
    function Get-ResultRequest { @(Get-WeaveEmulatorRequest -Emulator $emulator | Where-Object { $_.path -like '*/eval_results/query' -and $_.body -notmatch '"include_rows":\s*false' }) }
    # A call of several runs first asks each run for one row (its input fields, for the columns): those are not pages.
    function Get-PageRequest { @(Get-ResultRequest | Where-Object { $_.body -notmatch '"limit":\s*1,' }) }
    function Get-SummaryRequest { @(Get-WeaveEmulatorRequest -Emulator $emulator | Where-Object { $_.path -like '*/eval_results/query' -and $_.body -match '"include_rows":\s*false' }) }
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Get-WeaveEvalResult' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }

    Context 'one SDK run (dataset-backed rows, resolved)' {
        BeforeAll { $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA) }

        It 'writes one EvalResult per row and trial in row-digest order' {
            $results.Count | Should -Be 6
            $results[0] | Should -BeOfType ([WeaveEval.EvalResult])
            $results.Inputs.id | Should -Be $rowsOfA
            $results.TrialIndex | Should -Be @(0, 1, 0, 1, 0, 1)
            $results.EvaluationRunId | Sort-Object -Unique | Should -Be $demo.RunA
        }

        It 'gives every trial the digest of its dataset row' {
            $results.RowDigest | Should -Be @($digestOf.q1, $digestOf.q1, $digestOf.q3, $digestOf.q3, $digestOf.q2, $digestOf.q2)
        }

        It 'carries the ids the next cmdlet binds, and the project' {
            $results[0].PredictionId | Should -Be $demo.PredictionA
            $results[0].PredictAndScoreCallId | Should -Be '019f4c56-ea9c-7d4b-94a0-9ee2dc5c9331'
            $results[0].RowDigest | Should -Be '39XFQ1BfHkDTyZH24XSl0S7NL9ZCYE4ew2oYtYYgLQA'
            $results[0].Entity | Should -Be 'acme-ai'
            $results[0].Project | Should -Be 'support-bot'
        }

        It 'maps the first trial of the example' {
            $first = $results[0]
            $first.Output | Should -Be "Click 'Forgot password' on the login page and follow the emailed link."
            $first.ModelLatencySeconds | Should -Be 1.284
            $first.TotalTokens | Should -Be 412
            $first.Scores.exact_match | Should -BeTrue
            $first.Scores.LLMJudge.score | Should -Be 0.9
            $first.Inputs.question | Should -Be 'How do I reset my password?'
        }

        It 'adds the flat columns in the same order on every object' {
            foreach ($result in $results) { Get-FlatColumn $result | Should -Be $columnsOfA }
        }

        It 'keeps scalar columns typed' {
            $results[0].'Score.exact_match' | Should -BeOfType ([bool])
            $results[0].'Score.similarity' | Should -BeOfType ([double])
            $results[0].'Score.LLMJudge.score' | Should -Be 0.9
            $results[0].'Input.question' | Should -BeOfType ([string])
            @($results | Where-Object 'Score.similarity' -gt 0.9).Count | Should -Be 2
            ($results | Sort-Object 'Score.similarity' -Descending)[0].'Score.similarity' | Should -Be 1.0
        }

        It 'has a compact default table' {
            $table = $results | Format-Table | Out-String -Width 250
            $table | Should -Match '(?m)^Run\s+Trial\s+Latency\s+Input'
            $table | Should -Not -Match 'Score\.LLMJudge\.score'
        }
    }

    Context 'a v2 API run (inline examples)' {
        It 'gives Input.* columns from the inline example' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunC)
            $results.Count | Should -Be 2
            Get-FlatColumn $results[0] | Should -Be @('Input.question', 'Input.expected', 'Score.keyword_match')
            $results.'Input.question' | Should -Contain 'Do you support SSO?'
            $results.'Score.keyword_match' | Sort-Object | Should -Be @($false, $true)
            $results[0].ModelLatencySeconds | Should -BeLessThan 0.01
        }
    }

    Context 'inputs' {
        It '-NoResolve keeps the dataset-row refs and gives no Input.* columns' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -NoResolve)
            $results.Count | Should -Be 6
            $results[0].Inputs | Should -BeNullOrEmpty
            $results[0].DatasetRowRef | Should -BeLike 'weave:///acme-ai/support-bot/object/support-qa:*/attr/rows/id/*'
            Get-FlatColumn $results[0] | Should -Be @('Score.exact_match', 'Score.similarity', 'Score.LLMJudge.correct', 'Score.LLMJudge.score')
            (Get-ResultRequest)[0].body | Should -Match '"resolve_row_refs":\s*false'
        }

        It '-NoResolve still returns inline examples of v2 runs' {
            (Get-WeaveEvalResult -EvaluationRunId $demo.RunC -NoResolve)[0].Inputs.question | Should -Not -BeNullOrEmpty
        }

        It '-NoInputs asks for no rows at all' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -NoInputs)
            $results[0].Inputs | Should -BeNullOrEmpty
            $results[0].DatasetRowRef | Should -BeNullOrEmpty
            (Get-ResultRequest)[0].body | Should -Match '"include_raw_data_rows":\s*false'
        }
    }

    Context 'costs' {
        It 'asks for no costs by default and leaves TotalCost empty' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA)
            $results | ForEach-Object { $_.TotalCost | Should -BeNullOrEmpty }
            (Get-ResultRequest)[0].body | Should -Not -Match '"include_costs":\s*true'
        }

        It '-IncludeCost asks for costs and gives every trial its cost' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -IncludeCost)
            (Get-ResultRequest)[0].body | Should -Match '"include_costs":\s*true'
            $results[0].TotalCost | Should -Be 0.0019675
            $results | ForEach-Object { $_.TotalCost | Should -BeOfType ([double]); $_.TotalCost | Should -BeGreaterThan 0 }
        }
    }

    Context 'dataset rows the server cannot resolve (a run whose dataset object is gone)' {
        BeforeAll {
            # A scenario with one SDK-shaped run whose rows point into a dataset object that does not
            # exist: the server answers 200, keeps the refs and adds its resolve-failure warning.
            $project = 'acme-ai/broken-refs'
            $brokenRun = '019f7000-0000-7000-8000-000000000001'
            $digest = '3q2Yd0V3sNfZ1IjwXgT5UdQ5y1cbbTmRwr7BBbdyMdM'
            $evaluationRef = "weave:///$project/object/qa-eval:$digest"
            $modelRef = "weave:///$project/object/QaModel:$digest"
            $rowRefs = foreach ($i in 1..3) { "weave:///$project/object/deleted-qa:$digest/attr/rows/id/row$i" }
            $calls = @([ordered]@{
                    id = $brokenRun; project_id = $project; op_name = "weave:///$project/op/Evaluation.evaluate:$digest"
                    started_at = '2026-07-20T10:00:00Z'; ended_at = '2026-07-20T10:00:09Z'; output = @{}
                    inputs = [ordered]@{ self = $evaluationRef; model = $modelRef }
                })
            foreach ($i in 1..3) {
                $calls += [ordered]@{
                    id = "019f7000-0001-7000-8000-00000000000$i"; project_id = $project; trace_id = $brokenRun; parent_id = $brokenRun
                    op_name = "weave:///$project/op/Evaluation.predict_and_score:$digest"
                    started_at = "2026-07-20T10:00:0${i}Z"; ended_at = "2026-07-20T10:00:0${i}.5Z"
                    inputs = [ordered]@{ self = $evaluationRef; model = $modelRef; example = $rowRefs[$i - 1] }
                    output = [ordered]@{ output = "answer $i"; scores = [ordered]@{ ok = ($i -ne 2) } }
                }
            }
            $scenario = Join-Path $TestDrive 'broken-refs.json'
            @{ calls = $calls } | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $scenario
            $broken = Start-WeaveEmulator -Seed $scenario
            $key = ConvertTo-SecureString $broken.ApiKey -AsPlainText -Force
            $results = @(Get-WeaveEvalResult -EvaluationRunId $brokenRun -Project broken-refs -BaseUri $broken.BaseUri -ApiKey $key -PageSize 1 -WarningVariable warned -WarningAction SilentlyContinue)
        }

        AfterAll { if ($broken) { Stop-WeaveEmulator -Emulator $broken } }

        It "surfaces the server's warning once as a PowerShell warning, though every page carried it" {
            @($warned).Count | Should -Be 1
            "$($warned[0])" | Should -BeLike '*Failed to resolve dataset row refs; raw_data_row may contain refs*'
        }

        It 'still writes every trial, with the refs kept and no inputs' {
            $results.Count | Should -Be 3
            $results.DatasetRowRef | Should -Be $rowRefs
            $results | ForEach-Object { $_.Inputs | Should -BeNullOrEmpty }
            $results.Output | Should -Be @('answer 1', 'answer 2', 'answer 3')
            $results.'Score.ok' | Should -Be @($true, $false, $true)
            @($results[0].PSObject.Properties.Name | Where-Object { $_ -like 'Input.*' }).Count | Should -Be 0
        }

        It 'warns about nothing when the rows resolve' {
            $null = Get-WeaveEvalResult -EvaluationRunId $demo.RunA -PageSize 1 -WarningVariable resolvedWarnings -WarningAction SilentlyContinue
            @($resolvedWarnings).Count | Should -Be 0
        }
    }

    Context 'several runs' {
        It 'reads runs one after another in input order, each contiguous' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunC, $demo.RunA -WarningAction SilentlyContinue)
            $results.Count | Should -Be 8
            ($results.EvaluationRunId | Select-Object -First 2 | Sort-Object -Unique) | Should -Be $demo.RunC
            ($results.EvaluationRunId | Select-Object -Skip 2 | Sort-Object -Unique) | Should -Be $demo.RunA
        }

        It 'gives every object the union of the scorer columns, $null where missing' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunC)
            $expected = $columnsOfA + 'Score.keyword_match'
            foreach ($result in $results) { Get-FlatColumn $result | Should -Be $expected }
            $results[0].'Score.keyword_match' | Should -BeNullOrEmpty
            $results[-1].'Score.exact_match' | Should -BeNullOrEmpty
            $results[-1].'Input.id' | Should -BeNullOrEmpty
        }

        It 'gives the first object a column for every input field of every run (one small request per run)' {
            # Run C's inline examples have no "id"; run A's dataset rows do: Export-Csv takes its header from C's first trial.
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunC, $demo.RunA -WarningVariable warned -WarningAction SilentlyContinue)
            @($warned).Count | Should -Be 0
            $results[0].PSObject.Properties.Name | Should -Contain 'Input.id'
            $results[0].'Input.id' | Should -BeNullOrEmpty
            $results[-1].'Input.id' | Should -Be 'q2'
            $probes = @(Get-ResultRequest | Where-Object { $_.body -match '"limit":\s*1,' })
            $probes.Count | Should -Be 2
        }

        It 'reads the summary once for all runs' {
            $null = Get-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunC
            (Get-SummaryRequest).Count | Should -Be 1
        }

        It '-RequireIntersection reads the rows both runs evaluated with one combined query' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunB -RequireIntersection)
            $results.Count | Should -Be 6
            $results.Inputs.id | Sort-Object -Unique | Should -Be @('q1', 'q2')
            @($results | Where-Object EvaluationRunId -eq $demo.RunB).Count | Should -Be 2
            (Get-PageRequest).Count | Should -Be 1
            (Get-PageRequest)[0].body | Should -Match '"require_intersection":\s*true'
        }

        It 'carries each run''s ModelName, EvaluationName and DisplayName on every result, and as export columns' {
            $runs = @(Get-WeaveEvaluationRun -EvaluationRunId $demo.RunA, $demo.RunC)
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunC)
            foreach ($run in $runs) {
                $mine = @($results | Where-Object EvaluationRunId -eq $run.EvaluationRunId)
                $mine.Count | Should -BeGreaterThan 0
                $mine.ModelName | Sort-Object -Unique | Should -BeExactly $run.ModelName
                $mine.EvaluationName | Sort-Object -Unique | Should -BeExactly $run.EvaluationName
                @($mine.DisplayName | Sort-Object -Unique) | Should -Be @($run.DisplayName)
            }
            $runs[0].ModelName | Should -Not -Be $runs[1].ModelName
            $header = ($results | ConvertTo-Csv -NoTypeInformation | Select-Object -First 1) -split ',' | ForEach-Object { $_.Trim('"') }
            $header | Should -Contain 'ModelName'
            $header | Should -Contain 'EvaluationName'
            $header | Should -Contain 'DisplayName'
        }

        It 'takes runs from the pipeline (Get-WeaveEvaluationRun | Get-WeaveEvalResult)' {
            $results = @(Get-WeaveEvaluationRun -Model GPT4oSupportModel | Get-WeaveEvalResult)
            $results.Count | Should -Be 6
            $results.EvaluationRunId | Sort-Object -Unique | Should -Be $demo.RunA
        }

        It 'takes ids from the pipeline as strings' {
            @($demo.RunB | Get-WeaveEvalResult).Count | Should -Be 2
        }

        It 'reads piped runs in the project they carry (Entity and Project by property name)' {
            $helpdeskRun = Get-WeaveEvaluationRun -Project helpdesk-bot -Status completed -First 1
            $results = @($helpdeskRun, (Get-WeaveEvaluationRun -EvaluationRunId $demo.RunC) | Get-WeaveEvalResult)
            @($results | Where-Object Project -eq 'helpdesk-bot').Count | Should -BeGreaterThan 0
            ($results | Where-Object Project -eq 'helpdesk-bot').EvaluationRunId | Sort-Object -Unique | Should -Be $helpdeskRun.EvaluationRunId
            ($results | Where-Object Project -eq 'support-bot').EvaluationRunId | Sort-Object -Unique | Should -Be $demo.RunC
            $results[0].Project | Should -Be 'helpdesk-bot' -Because 'the output keeps the input order'
        }

        It 'writes WeaveEval.NotFound for an unknown run and reads the others' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.MissingId, $demo.RunC -ErrorAction SilentlyContinue -ErrorVariable failed)
            $results.Count | Should -Be 2
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.NotFound,WeaveEval.Commands.GetWeaveEvalResultCommand'
            $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failed[0].TargetObject | Should -Be $demo.MissingId
            $failed[0].Exception.Message | Should -Match "Evaluation run $($demo.MissingId) not found"
        }

        It 'writes nothing for a run without trials' {
            @(Get-WeaveEvalResult -EvaluationRunId $demo.RunD).Count | Should -Be 0
        }
    }

    Context 'paging over trials' {
        It '-First smaller than a page requests one page' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -First 3 -PageSize 2)
            $results.Inputs.id | Should -Be @('q1', 'q1', 'q3')
            (Get-ResultRequest).Count | Should -Be 1
        }

        It '-First of exactly a page requests no second page' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -First 4 -PageSize 2)
            $results.Count | Should -Be 4
            (Get-ResultRequest).Count | Should -Be 1
        }

        It '-First beyond the end gives every trial' {
            @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -First 100 -PageSize 2).Count | Should -Be 6
            # Three rows: a page of 2, then only the 1 row the first page's total_rows says is left.
            (Get-ResultRequest).body | ForEach-Object { ($_ | ConvertFrom-Json).limit } | Should -Be @(2, 1)
            (Get-ResultRequest).body | ForEach-Object { ($_ | ConvertFrom-Json).offset } | Should -Be @(0, 2)
        }

        It '-Skip skips trials' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -Skip 5)
            $results.Count | Should -Be 1
            $results[0].Inputs.id | Should -Be 'q2'
            $results[0].TrialIndex | Should -Be 1
        }

        It '-First stops before the next run' {
            @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunC -First 2).EvaluationRunId | Sort-Object -Unique | Should -Be $demo.RunA
            (Get-PageRequest).Count | Should -Be 1
            ((Get-PageRequest)[0].body | ConvertFrom-Json).limit | Should -Be 2
        }

        It 'writes each page as it arrives, before the next one is answered' {
            # Every eval_results answer is held back 700 ms: objects written page by page arrive spread
            # over the later pages' delays; objects collected before writing would arrive together.
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results/query' -Times 10 -Action @{ delayMs = 700 }
            try {
                # One request at a time (-ThrottleLimit 1): with pages in flight they would all be answered together.
                $arrivals = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -PageSize 1 -ThrottleLimit 1 | ForEach-Object { [DateTime]::UtcNow })
            }
            finally { Clear-WeaveEmulatorFault -Emulator $emulator }
            $arrivals.Count | Should -Be 6
            ($arrivals[1] - $arrivals[0]).TotalMilliseconds | Should -BeLessThan 300 -Because 'the two trials of one row come in one page'
            ($arrivals[-1] - $arrivals[0]).TotalMilliseconds | Should -BeGreaterThan 1000 -Because 'the last page is answered at least 1.4 s after the first'
        }

        It '-IncludeTotalCount writes the trial total of the summary first' {
            $output = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -IncludeTotalCount -First 1)
            $output.Count | Should -Be 2
            "$($output[0])" | Should -Match '6'
        }
    }

    Context 'errors' {
        It 'retries a failed page and writes no duplicates' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results/query' -Times 1 -Action @{ status = 502 }
            @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -RetryIntervalSec 0).Count | Should -Be 6
        }

        It 'a rejected key stops the command (WeaveEval.Unauthorized)' {
            { Get-WeaveEvalResult -EvaluationRunId $demo.RunA -ApiKey (ConvertTo-SecureString 'nope' -AsPlainText -Force) } |
                Should -Throw -ErrorId 'WeaveEval.Unauthorized,WeaveEval.Commands.GetWeaveEvalResultCommand'
        }
    }

    Context 'cancellation' {
        It 'stops promptly when the pipeline is stopped (Ctrl+C) during a slow request' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results/query' -Times 1 -Action @{ delayMs = 30000 }
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddScript("Import-Module '$(Get-WeaveModulePath)'; Get-WeaveEvalResult -EvaluationRunId '$($demo.RunA)'")
                $async = $shell.BeginInvoke()
                Start-Sleep -Milliseconds 1500
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $shell.Stop()
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
                $async.IsCompleted | Should -BeTrue
            }
            finally {
                $shell.Dispose()
                Clear-WeaveEmulatorFault -Emulator $emulator
            }
        }
    }

    Context 'generated data (many pages, every scorer kind, SDK and API runs)' {
        BeforeAll {
            $generated = Invoke-WeaveEmulatorAdmin -Emulator $emulator -Method Post -Path 'generate' -Body @{ project = 'acme-ai/generated'; rows = 25; trials = 2; runs = 2; apiRuns = 1 }
            $runIds = @($generated.sdkRunIds) + @($generated.apiRunIds)
            $shell = [powershell]::Create()
            $null = $shell.AddScript("Import-Module '$(Get-WeaveModulePath)'; Get-WeaveEvalResult -Project generated -EvaluationRunId '$($runIds -join "','")' -PageSize 10")
            $results = @($shell.Invoke())
            $progress = @($shell.Streams.Progress)
            $errors = @($shell.Streams.Error)
            $shell.Dispose()
        }

        It 'reads every trial of both runs without error' {
            $errors | Should -BeNullOrEmpty
            $results.Count | Should -Be 100
            ($results.EvaluationRunId | Select-Object -First 50 | Sort-Object -Unique) | Should -Be $runIds[0]
        }

        It 'gives every object the same flat columns' {
            $first = Get-FlatColumn $results[0]
            $first | Should -Not -BeNullOrEmpty
            foreach ($result in $results) { Get-FlatColumn $result | Should -Be $first }
            @($first | Where-Object { $_ -like 'Score.*.*' }).Count | Should -BeGreaterThan 0
        }

        It 'shows progress with a percentage of the known trial total and completes it' {
            $running = @($progress | Where-Object RecordType -ne 'Completed')
            $running.Count | Should -BeGreaterThan 1
            $running | ForEach-Object { $_.StatusDescription | Should -Match ' of 100 trials' }
            $percents = @($running.PercentComplete)
            $percents | Should -Be @($percents | Sort-Object) -Because 'progress only moves forward'
            $percents[0] | Should -BeGreaterThan 0
            $percents[-1] | Should -Be 100
            $progress[-1].RecordType | Should -Be 'Completed'
        }

        It 'shows no progress for a single page' {
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddScript("Import-Module '$(Get-WeaveModulePath)'; Get-WeaveEvalResult -Project generated -EvaluationRunId '$($runIds[0])' -PageSize 100")
                $null = $shell.Invoke()
                @($shell.Streams.Progress).Count | Should -Be 0
            }
            finally { $shell.Dispose() }
        }
    }

    Context 'ConvertTo-Json' {
        It 'keeps nested scores at the default depth' {
            $json = Get-WeaveEvalResult -EvaluationRunId $demo.RunA -First 1 | ConvertTo-Json -WarningAction SilentlyContinue
            $json | Should -Match 'correct'
            $json | Should -Match '0\.9'
            $json | Should -Match 'How do I reset my password\?'
            $json | Should -Not -Match 'System\.Collections|WeaveEval\.Model\.'
        }
    }
}
