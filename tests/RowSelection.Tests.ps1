#Requires -Modules Pester

# Server-side row selection of Get-WeaveEvalResult and of Export-WeaveEvalResult's direct writer
# (-Filter, -FailedOnly, -SortBy, -Descending): every
# selection must give exactly the rows, in exactly the order, that the emulator's engine selects for the
# equivalent request written by hand here, also when the rows come in several pages read in parallel.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    # 40 rows × 2 trials × 2 runs with every scorer kind: exact_match (true/false), similarity (number),
    # AnswerJudge {correct, score} and ToneClassifier (a label).
    $generated = Invoke-WeaveEmulatorAdmin -Emulator $emulator -Method Post -Path 'generate' -Body @{ project = 'acme-ai/triage'; rows = 40; trials = 2; runs = 2; apiRuns = 0 }
    $runA, $runB = $generated.sdkRunIds
    # A run with numeric scores only, for -FailedOnly.
    $numeric = Invoke-WeaveEmulatorAdmin -Emulator $emulator -Method Post -Path 'generate' -Body @{ project = 'acme-ai/numeric'; rows = 5; trials = 1; runs = 1; apiRuns = 0; scorers = @('float') }

    # The trials of the rows the engine selects for a hand-written request, in its order: "digest run trial".
    function Get-EngineSelection {
        param([string] $Project, [string[]] $RunId, [hashtable] $Selection = @{}, [switch] $RequireIntersection)
        $body = @{ evaluation_run_ids = $RunId; require_intersection = [bool] $RequireIntersection } + $Selection
        $pair = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('api:' + $emulator.ApiKey))
        $answer = Invoke-RestMethod -Method Post -Uri "$($emulator.BaseUri)/v2/acme-ai/$Project/eval_results/query" `
            -Headers @{ Authorization = "Basic $pair" } -ContentType 'application/json' -Body ($body | ConvertTo-Json -Depth 20)
        @(foreach ($row in $answer.rows) {
                foreach ($evaluation in $row.evaluations) {
                    for ($trial = 0; $trial -lt @($evaluation.trials).Count; $trial++) { '{0} {1} {2}' -f $row.row_digest, $evaluation.evaluation_call_id, $trial }
                }
            })
    }
    # The module's eval_results requests for rows: not the summary, not Get-EngineSelection's (no limit).
    function Get-ResultRequest { @(Get-WeaveEmulatorRequest -Emulator $emulator | Where-Object { $_.path -like '*/eval_results/query' -and $_.body -notmatch '"include_rows":\s*false' -and $_.body -match '"limit":' }) }
    function Get-Selected { param([Parameter(ValueFromPipeline)] $Result) process { '{0} {1} {2}' -f $Result.RowDigest, $Result.EvaluationRunId, $Result.TrialIndex } }
    function Get-FieldFilter([string] $Field, [string] $Op, $Literal, [string] $RunId) {
        $filter = @{ query = @{ '$expr' = @{ $Op = @(@{ '$getField' = $Field }, @{ '$literal' = $Literal }) } } }
        if ($RunId) { $filter.evaluation_call_id = $RunId }
        $filter
    }
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Get-WeaveEvalResult row selection' -Tag RowSelection {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }

    Context 'filters' {
        It 'Value = $false keeps the rows whose first trial failed the scorer (several pages)' {
            $expected = Get-EngineSelection -Project triage -RunId $runA -Selection @{ filters = @(Get-FieldFilter 'scores.exact_match' '$eq' $false) }
            $expected.Count | Should -BeGreaterThan 10
            $results = @(Get-WeaveEvalResult -Project triage $runA -Filter @{ Scorer = 'exact_match'; Value = $false } -PageSize 4)
            $results | Get-Selected | Should -Be $expected
            # Only the first trial of a row is read: a row is kept whatever its other trials scored.
            $results | Where-Object TrialIndex -eq 0 | ForEach-Object { $_.'Score.exact_match' | Should -BeFalse }
        }

        It 'Above and Below together are a range (a nested score by its dotted path)' {
            $expected = Get-EngineSelection -Project triage -RunId $runA -Selection @{
                filters = @(@{ query = @{ '$expr' = @{ '$and' = @(
                                    @{ '$gt' = @(@{ '$getField' = 'scores.AnswerJudge.score' }, @{ '$literal' = 0.2 }) },
                                    @{ '$lt' = @(@{ '$getField' = 'scores.AnswerJudge.score' }, @{ '$literal' = 0.6 }) }) } } })
            }
            $expected.Count | Should -BeGreaterThan 0
            Get-WeaveEvalResult -Project triage $runA -Filter @{ Scorer = 'AnswerJudge.score'; Above = 0.2; Below = 0.6 } -PageSize 5 |
                Get-Selected | Should -Be $expected
        }

        It 'AtLeast and AtMost include the bound' {
            $row = @(Get-WeaveEvalResult -Project triage $runA -First 1)[0]
            $bound = $row.'Score.similarity'
            $atLeast = @(Get-WeaveEvalResult -Project triage $runA -Filter @{ Scorer = 'similarity'; AtLeast = $bound } | Get-Selected)
            $atMost = @(Get-WeaveEvalResult -Project triage $runA -Filter @{ Scorer = 'similarity'; AtMost = $bound } | Get-Selected)
            $atLeast | Should -Be (Get-EngineSelection -Project triage -RunId $runA -Selection @{ filters = @(Get-FieldFilter 'scores.similarity' '$gte' $bound) })
            $atMost | Should -Be (Get-EngineSelection -Project triage -RunId $runA -Selection @{ filters = @(Get-FieldFilter 'scores.similarity' '$lte' $bound) })
            $atLeast | Should -Contain (Get-Selected $row)
            $atMost | Should -Contain (Get-Selected $row)
        }

        It 'In matches any of the values (a text score)' {
            $expected = Get-EngineSelection -Project triage -RunId $runA -Selection @{
                filters = @(@{ query = @{ '$expr' = @{ '$in' = @(@{ '$getField' = 'scores.ToneClassifier' }, @(@{ '$literal' = 'curt' }, @{ '$literal' = 'friendly' })) } } })
            }
            $results = @(Get-WeaveEvalResult -Project triage $runA -Filter @{ Scorer = 'ToneClassifier'; In = 'curt', 'friendly' })
            $results | Get-Selected | Should -Be $expected
            $results | Where-Object TrialIndex -eq 0 | ForEach-Object { $_.'Score.ToneClassifier' | Should -BeIn 'curt', 'friendly' }
        }

        It 'Input and Field read the dataset row and the model output; Contains ignores case' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -Filter @{ Input = 'id'; In = 'q1', 'q2' }, @{ Field = 'output.output'; Contains = 'PASSWORD' })
            $expected = Get-EngineSelection -Project support-bot -RunId $demo.RunA -Selection @{
                filters                = @(
                    @{ query = @{ '$expr' = @{ '$in' = @(@{ '$getField' = 'inputs.id' }, @(@{ '$literal' = 'q1' }, @{ '$literal' = 'q2' })) } } },
                    @{ query = @{ '$expr' = @{ '$contains' = @{ input = @{ '$getField' = 'output.output' }; substr = @{ '$literal' = 'PASSWORD' }; case_insensitive = $true } } } })
                filter_logic_operator = 'and'
            }
            $expected.Count | Should -BeGreaterThan 0
            $results | Get-Selected | Should -Be $expected
            $results.Inputs.id | Sort-Object -Unique | Should -Be 'q1'
        }

        It 'filters scoped to runs read together are AND-ed: rows that passed in one run and failed in the other' {
            $expected = Get-EngineSelection -Project triage -RunId $runA, $runB -RequireIntersection -Selection @{
                filters               = @((Get-FieldFilter 'scores.exact_match' '$eq' $true $runA), (Get-FieldFilter 'scores.exact_match' '$eq' $false $runB))
                filter_logic_operator = 'and'
            }
            $expected.Count | Should -BeGreaterThan 0
            $results = @(Get-WeaveEvalResult -Project triage $runA, $runB -RequireIntersection -PageSize 3 -Filter @(
                    @{ RunId = $runA; Scorer = 'exact_match'; Value = $true }
                    @{ RunId = $runB; Scorer = 'exact_match'; Value = $false }))
            $results | Get-Selected | Should -Be $expected
            (Get-ResultRequest | Where-Object body -match '"filters"')[0].body | Should -Match '"filter_logic_operator":\s*"and"'
        }

        It 'writes nothing when no row passes' {
            @(Get-WeaveEvalResult -Project triage $runA -Filter @{ Scorer = 'similarity'; Above = 2 }).Count | Should -Be 0
        }
    }

    Context '-FailedOnly' {
        It 'keeps the rows whose first trial failed any true/false score of the run (nested ones included)' {
            $expected = Get-EngineSelection -Project triage -RunId $runA -Selection @{
                filters = @(@{ query = @{ '$expr' = @{ '$or' = @(
                                    @{ '$eq' = @(@{ '$getField' = 'scores.exact_match' }, @{ '$literal' = $false }) },
                                    @{ '$eq' = @(@{ '$getField' = 'scores.AnswerJudge.correct' }, @{ '$literal' = $false }) }) } } })
            }
            $expected.Count | Should -BeGreaterThan 0
            Get-WeaveEvalResult -Project triage $runA -FailedOnly -PageSize 6 | Get-Selected | Should -Be $expected
        }

        It 'is AND-ed with -Filter and works with -SortBy' {
            $expected = Get-EngineSelection -Project support-bot -RunId $demo.RunA -Selection @{
                filters               = @(
                    (Get-FieldFilter 'scores.similarity' '$lt' 0.6),
                    @{ query = @{ '$expr' = @{ '$or' = @(
                                        @{ '$eq' = @(@{ '$getField' = 'scores.exact_match' }, @{ '$literal' = $false }) },
                                        @{ '$eq' = @(@{ '$getField' = 'scores.LLMJudge.correct' }, @{ '$literal' = $false }) }) } } })
                filter_logic_operator = 'and'
                sort_by               = @(@{ field = 'scores.similarity'; direction = 'asc' })
            }
            Get-WeaveEvalResult -EvaluationRunId $demo.RunA -FailedOnly -Filter @{ Scorer = 'similarity'; Below = 0.6 } -SortBy similarity |
                Get-Selected | Should -Be $expected
            $expected.Count | Should -Be 2
        }

        It 'warns and writes nothing for a run without a true/false score' {
            $capture = Invoke-WeaveCaptured -Emulator $emulator { Get-WeaveEvalResult -Project numeric $numeric.sdkRunIds[0] -FailedOnly }
            $capture.Output.Count | Should -Be 0
            $capture.Errors.Count | Should -Be 0
            $capture.Warnings | Should -Match 'no true/false score'
            @($capture.Requests | Where-Object { $_.path -like '*/eval_results/query' -and $_.body -notmatch '"include_rows":\s*false' }).Count | Should -Be 0
        }
    }

    Context 'sort' {
        It '-SortBy a score orders the rows by their trials'' average, in order across parallel pages' {
            $expected = Get-EngineSelection -Project triage -RunId $runA -Selection @{ sort_by = @(@{ field = 'scores.similarity'; direction = 'desc' }) }
            $results = @(Get-WeaveEvalResult -Project triage $runA -SortBy similarity -Descending -PageSize 3 -ThrottleLimit 4)
            $results | Get-Selected | Should -Be $expected
            $averages = @(for ($i = 0; $i -lt $results.Count; $i += 2) { ($results[$i].'Score.similarity' + $results[$i + 1].'Score.similarity') / 2 })
            $averages | Should -Be @($averages | Sort-Object -Descending)
        }

        It 'sorts by several keys, inputs and nested scores, ascending by default' {
            $expected = Get-EngineSelection -Project triage -RunId $runA -Selection @{
                sort_by = @(@{ field = 'scores.AnswerJudge.correct'; direction = 'asc' }, @{ field = 'inputs.question'; direction = 'asc' })
            }
            Get-WeaveEvalResult -Project triage $runA -SortBy 'Score.AnswerJudge.correct', 'Input.question' -PageSize 7 | Get-Selected | Should -Be $expected
        }

        It 'Difference: orders rows by how much the runs'' averages differ' {
            $expected = Get-EngineSelection -Project triage -RunId $runA, $runB -RequireIntersection -Selection @{
                sort_by = @(@{ field = 'scores.similarity'; direction = 'desc'; mode = 'difference' })
            }
            $results = @(Get-WeaveEvalResult -Project triage $runA, $runB -RequireIntersection -SortBy Difference:similarity -Descending -PageSize 5)
            $results | Get-Selected | Should -Be $expected
            (Get-ResultRequest | Where-Object body -match '"sort_by"')[0].body | Should -Match '"mode":\s*"difference"'
        }

        It '-First takes the first trials of the sorted rows and asks for no more' {
            $expected = Get-EngineSelection -Project triage -RunId $runA -Selection @{ sort_by = @(@{ field = 'scores.similarity'; direction = 'asc' }) }
            Get-WeaveEvalResult -Project triage $runA -SortBy similarity -First 5 | Get-Selected | Should -Be $expected[0..4]
            $pages = @(Get-ResultRequest)
            $pages.Count | Should -Be 1
            $pages[0].body | Should -Match '"limit":\s*5\b'
        }
    }

    Context 'costs and progress' {
        It '-IncludeCost fills TotalCost of the selected rows' {
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA -Filter @{ Scorer = 'exact_match'; Value = $true } -IncludeCost)
            $results.Count | Should -BeGreaterThan 0
            $results | ForEach-Object { $_.TotalCost | Should -BeGreaterThan 0 }
        }

        It 'counts progress in selected rows, not in the run''s trials' {
            $capture = Invoke-WeaveCaptured { Get-WeaveEvalResult -Project triage $runA -FailedOnly -PageSize 4 -IncludeTotalCount }
            $capture.Output[0].ToString() | Should -Match 'Unknown total count'
        }

        It 'a sort alone keeps the run''s trial total' {
            $capture = Invoke-WeaveCaptured { Get-WeaveEvalResult -Project triage $runA -SortBy similarity -IncludeTotalCount }
            $capture.Output[0].ToString() | Should -Match 'Total count: 80'
        }
    }

    Context 'bad input: a clear error before any request' {
        It '<Case>' -TestCases @(
            @{ Case = 'an unknown key'; Arguments = @{ Filter = @{ Scorrer = 'exact_match'; Value = $false } }; Id = 'InvalidFilter'; Message = "unknown key 'Scorrer'" }
            @{ Case = 'an empty filter'; Arguments = @{ Filter = @{} }; Id = 'InvalidFilter'; Message = 'is empty' }
            @{ Case = 'no field'; Arguments = @{ Filter = @{ Value = $false } }; Id = 'InvalidFilter'; Message = 'names no field' }
            @{ Case = 'two fields'; Arguments = @{ Filter = @{ Scorer = 'a'; Input = 'b'; Value = 1 } }; Id = 'InvalidFilter'; Message = 'more than one field' }
            @{ Case = 'no condition'; Arguments = @{ Filter = @{ Scorer = 'similarity' } }; Id = 'InvalidFilter'; Message = 'no condition' }
            @{ Case = 'an empty scorer'; Arguments = @{ Filter = @{ Scorer = ''; Value = 1 } }; Id = 'InvalidFilter'; Message = 'non-empty scorer name' }
            @{ Case = 'an empty level'; Arguments = @{ Filter = @{ Scorer = 'LLMJudge..correct'; Value = $true } }; Id = 'InvalidFilter'; Message = 'empty level' }
            @{ Case = 'a field the server does not filter on'; Arguments = @{ Filter = @{ Field = 'outputs.label'; Value = 'x' } }; Id = 'InvalidFilter'; Message = 'not a field the server filters on' }
            @{ Case = 'a $null value'; Arguments = @{ Filter = @{ Scorer = 'exact_match'; Value = $null } }; Id = 'InvalidFilter'; Message = 'Value is \$null' }
            @{ Case = 'a bound that is not a number'; Arguments = @{ Filter = @{ Scorer = 'similarity'; Below = '0.5' } }; Id = 'InvalidFilter'; Message = "Below needs a number, not the string '0.5'" }
            @{ Case = 'an empty In'; Arguments = @{ Filter = @{ Scorer = 'ToneClassifier'; In = @() } }; Id = 'InvalidFilter'; Message = 'In is an empty list' }
            @{ Case = 'an empty Contains'; Arguments = @{ Filter = @{ Input = 'question'; Contains = '' } }; Id = 'InvalidFilter'; Message = 'Contains needs a non-empty string' }
            @{ Case = 'Value with a bound'; Arguments = @{ Filter = @{ Scorer = 'similarity'; Value = 1; Below = 2 } }; Id = 'InvalidFilter'; Message = 'stands alone' }
            @{ Case = 'Value and Equals'; Arguments = @{ Filter = @{ Scorer = 'similarity'; Value = 1; Equals = 1 } }; Id = 'InvalidFilter'; Message = 'stands alone' }
            @{ Case = 'two upper bounds'; Arguments = @{ Filter = @{ Scorer = 'similarity'; Below = 1; AtMost = 2 } }; Id = 'InvalidFilter'; Message = 'two bounds on the same side' }
            @{ Case = 'a value of another type'; Arguments = @{ Filter = @{ Scorer = 'similarity'; Value = [datetime]'2026-01-01' } }; Id = 'InvalidFilter'; Message = 'DateTime' }
            @{ Case = 'an empty RunId'; Arguments = @{ Filter = @{ Scorer = 'similarity'; Value = 1; RunId = ' ' } }; Id = 'InvalidFilter'; Message = 'RunId must be' }
            @{ Case = 'a RunId not read in the query'; Arguments = @{ Filter = @{ Scorer = 'exact_match'; Value = $true; RunId = '019f4c9d-48f7-719a-868f-32b7a6b38b6b' } }; Id = 'InvalidFilter'; Message = 'is scoped to run' }
            @{ Case = 'a difference of one run'; Arguments = @{ SortBy = 'Difference:similarity' }; Id = 'InvalidSortBy'; Message = 'two or more runs' }
            @{ Case = 'a difference of an input'; Arguments = @{ SortBy = 'Difference:Input.question' }; Id = 'InvalidSortBy'; Message = 'scores only' }
            @{ Case = 'an empty sort level'; Arguments = @{ SortBy = 'Input.' }; Id = 'InvalidSortBy'; Message = 'empty name' }
            @{ Case = 'a sort key twice'; Arguments = @{ SortBy = 'similarity', 'Score.similarity' }; Id = 'InvalidSortBy'; Message = 'twice' }
            @{ Case = '-Descending alone'; Arguments = @{ Descending = $true }; Id = 'InvalidSortBy'; Message = '-Descending orders the rows of -SortBy' }
        ) {
            param($Arguments, $Id, $Message)
            $capture = Invoke-WeaveCaptured -Emulator $emulator { Get-WeaveEvalResult -EvaluationRunId $demo.RunA @Arguments }
            $capture.Terminated | Should -BeTrue
            $capture.Errors.Count | Should -Be 1
            $capture.Errors[0].FullyQualifiedErrorId | Should -BeLike "WeaveEval.$Id,*"
            $capture.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $capture.Errors[0].Exception.Message | Should -Match $Message
            $capture.Output.Count | Should -Be 0
            $capture.Requests.Count | Should -Be 0
        }

        It 'rejects a RunId filter of runs read one by one, naming -RequireIntersection' {
            $capture = Invoke-WeaveCaptured -Emulator $emulator {
                Get-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunB -Filter @{ RunId = $demo.RunB; Scorer = 'exact_match'; Value = $false }
            }
            $capture.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.InvalidFilter,*'
            $capture.Errors[0].Exception.Message | Should -Match '-RequireIntersection'
            $capture.Requests.Count | Should -Be 0
        }
    }
}

Describe 'Export-WeaveEvalResult -EvaluationRunId row selection' -Tag RowSelection {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }

    It 'writes the rows the engine selects, in its order: -FailedOnly, -Filter, -SortBy -Descending (JSON Lines)' {
        $selection = @{
            filters               = @(
                (Get-FieldFilter 'scores.similarity' '$lt' 0.9),
                @{ query = @{ '$expr' = @{ '$or' = @(
                                    @{ '$eq' = @(@{ '$getField' = 'scores.exact_match' }, @{ '$literal' = $false }) },
                                    @{ '$eq' = @(@{ '$getField' = 'scores.AnswerJudge.correct' }, @{ '$literal' = $false }) }) } } })
            filter_logic_operator = 'and'
            sort_by               = @(@{ field = 'scores.similarity'; direction = 'desc' })
        }
        $expected = Get-EngineSelection -Project triage -RunId $runA -Selection $selection
        $expected.Count | Should -BeGreaterThan 4
        $path = Join-Path $TestDrive 'failures.jsonl'
        $file = Export-WeaveEvalResult -Project triage -EvaluationRunId $runA -Path $path -Format JsonLines -PageSize 4 `
            -FailedOnly -Filter @{ Scorer = 'similarity'; Below = 0.9 } -SortBy similarity -Descending
        $file.FullName | Should -Be $path
        Get-Content -LiteralPath $path | ConvertFrom-Json | Get-Selected | Should -Be $expected
    }

    It 'writes the same CSV as Get-WeaveEvalResult with the same selection (-RequireIntersection, a difference sort, a run-scoped filter)' {
        $arguments = @{
            Project             = 'triage'
            EvaluationRunId     = $runA, $runB
            RequireIntersection = $true
            Filter              = @{ RunId = $runB; Scorer = 'exact_match'; Value = $false }
            SortBy              = 'Difference:similarity'
            Descending          = $true
        }
        $viaObjects = Join-Path $TestDrive 'objects.csv'
        $direct = Join-Path $TestDrive 'direct.csv'
        Get-WeaveEvalResult @arguments | Export-WeaveEvalResult -Path $viaObjects
        $null = Export-WeaveEvalResult @arguments -Path $direct
        $rows = @(Import-Csv -LiteralPath $direct)
        $rows.Count | Should -BeGreaterThan 0
        Get-Content -LiteralPath $direct -Raw | Should -BeExactly (Get-Content -LiteralPath $viaObjects -Raw)
    }

    It 'a selection that cannot be sent is a terminating error before any request, and no file is written' {
        $path = Join-Path $TestDrive 'never.csv'
        $capture = Invoke-WeaveCaptured -Emulator $emulator {
            Export-WeaveEvalResult -EvaluationRunId $demo.RunA -Path $path -SortBy 'Difference:similarity'
        }
        $capture.Terminated | Should -BeTrue
        $capture.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.InvalidSortBy,*'
        $capture.Errors[0].Exception.Message | Should -Match '-RequireIntersection'
        $capture.Requests.Count | Should -Be 0
        Test-Path -LiteralPath $path | Should -BeFalse
    }
}
