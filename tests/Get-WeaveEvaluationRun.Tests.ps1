#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    $gpt4oRef = 'weave:///acme-ai/support-bot/object/GPT4oSupportModel:rgtMmTRF5OVm6r67vwDZBarYfDJ4QXRAvODjCWT4TxM'
    $evaluationRef = 'weave:///acme-ai/support-bot/object/support-qa-eval:Fv9sUqNCrQnQD1OSVb5mT4a84O246RJm0hfzEZ53pJs'

    function Get-RunRequest { @(Get-WeaveEmulatorRequest -Emulator $emulator | Where-Object path -like '*/calls/stream_query') }
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Get-WeaveEvaluationRun' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }

    Context 'List (default)' {
        BeforeAll { $runs = @(Get-WeaveEvaluationRun) }

        It 'lists SDK and API runs alike, newest first' {
            $runs.EvaluationRunId | Should -Be @($demo.RunD, $demo.RunC, $demo.RunB, $demo.RunA)
            ($runs | Where-Object EvaluationRunId -eq $demo.RunA).Source | Should -Be 'Sdk'
            ($runs | Where-Object EvaluationRunId -eq $demo.RunC).Source | Should -Be 'Api'
        }

        It 'maps the run A example' {
            $a = $runs | Where-Object EvaluationRunId -eq $demo.RunA
            $a | Should -BeOfType ([WeaveEval.EvaluationRun])
            $a.Status | Should -Be 'completed'
            $a.ModelName | Should -Be 'GPT4oSupportModel'
            $a.EvaluationName | Should -Be 'support-qa-eval'
            $a.DisplayName | Should -Be 'eval-2026-07-10-brave-otter'
            $a.Model | Should -Be $gpt4oRef
            $a.StartedAt.Kind | Should -Be 'Utc'
            $a.Entity | Should -Be 'acme-ai'
            $a.Project | Should -Be 'support-bot'
        }

        It 'marks the running run and the rescoring run' {
            ($runs | Where-Object EvaluationRunId -eq $demo.RunB).Status | Should -Be 'running'
            ($runs | Where-Object EvaluationRunId -eq $demo.RunD).SourceEvaluationRunId | Should -Be $demo.RunA
        }

        It 'filters by model name, case-insensitively and with wildcards' {
            (Get-WeaveEvaluationRun -Model gpt4osupportmodel).EvaluationRunId | Should -Be @($demo.RunD, $demo.RunA)
            (Get-WeaveEvaluationRun -Model 'Haiku*').EvaluationRunId | Should -Be $demo.RunC
        }

        It 'filters by model ref on the server' {
            (Get-WeaveEvaluationRun -Model $gpt4oRef).EvaluationRunId | Should -Be @($demo.RunD, $demo.RunA)
            (Get-RunRequest)[-1].body | Should -Match ([regex]::Escape($gpt4oRef))
        }

        It 'filters by evaluation name and ref' {
            @(Get-WeaveEvaluationRun -Evaluation support-qa-eval).Count | Should -Be 4
            @(Get-WeaveEvaluationRun -Evaluation $evaluationRef -Model 'Claude*').EvaluationRunId | Should -Be $demo.RunB
            @(Get-WeaveEvaluationRun -Evaluation 'no-such-eval').Count | Should -Be 0
        }

        It 'filters by status' {
            (Get-WeaveEvaluationRun -Status running).EvaluationRunId | Should -Be $demo.RunB
            @(Get-WeaveEvaluationRun -Status completed, failed).Count | Should -Be 3
        }

        It 'rejects an unknown status' {
            { Get-WeaveEvaluationRun -Status finished } | Should -Throw -ErrorId 'ParameterArgumentValidationError,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
        }

        It 'keeps -TopLevelOnly runs (all demo runs are roots)' {
            @(Get-WeaveEvaluationRun -TopLevelOnly).Count | Should -Be 4
        }
    }

    Context 'paging' {
        It '-First smaller than a page stops after one request' {
            $runs = @(Get-WeaveEvaluationRun -First 1 -PageSize 2)
            $runs.EvaluationRunId | Should -Be $demo.RunD
            (Get-RunRequest).Count | Should -Be 1
        }

        It '-First of exactly a page requests no second page' {
            $runs = @(Get-WeaveEvaluationRun -First 2 -PageSize 2)
            $runs.EvaluationRunId | Should -Be @($demo.RunD, $demo.RunC)
            (Get-RunRequest).Count | Should -Be 1
        }

        It '-First beyond the end gives every run' {
            @(Get-WeaveEvaluationRun -First 100 -PageSize 3).Count | Should -Be 4
            (Get-RunRequest).Count | Should -BeGreaterOrEqual 2
        }

        It '-Skip skips runs' {
            (Get-WeaveEvaluationRun -Skip 3).EvaluationRunId | Should -Be $demo.RunA
            (Get-WeaveEvaluationRun -Skip 1 -First 1 -PageSize 1).EvaluationRunId | Should -Be $demo.RunC
        }

        It '-IncludeTotalCount writes the total after a complete listing' {
            $output = @(Get-WeaveEvaluationRun -IncludeTotalCount)
            $output.Count | Should -Be 5
            $output[-1] | Should -BeLike '*4*'
        }
    }

    Context 'ById' {
        It 'reads runs by id in input order' {
            $runs = @(Get-WeaveEvaluationRun -EvaluationRunId $demo.RunC, $demo.RunA)
            $runs.EvaluationRunId | Should -Be @($demo.RunC, $demo.RunA)
            (Get-RunRequest).Count | Should -Be 1
        }

        It 'takes ids from the pipeline, as strings and by property name (alias Id)' {
            ($demo.RunB, $demo.RunA | Get-WeaveEvaluationRun).EvaluationRunId | Should -Be @($demo.RunB, $demo.RunA)
            ([pscustomobject]@{ Id = $demo.RunC } | Get-WeaveEvaluationRun).EvaluationRunId | Should -Be $demo.RunC
            (Get-WeaveEvaluationRun -Status running | Get-WeaveEvaluationRun).EvaluationRunId | Should -Be $demo.RunB
        }

        It 'writes WeaveEval.NotFound for an unknown id and goes on' {
            $runs = @(Get-WeaveEvaluationRun -EvaluationRunId $demo.MissingId, $demo.RunA -ErrorAction SilentlyContinue -ErrorVariable failed)
            $runs.EvaluationRunId | Should -Be $demo.RunA
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.NotFound,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
            $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failed[0].TargetObject | Should -Be $demo.MissingId
            $failed[0].Exception.Message | Should -Match "Evaluation run $($demo.MissingId) not found"
        }

        It 'binds -Entity and -Project of piped objects by property name' {
            $env:WANDB_PROJECT = 'helpdesk-bot'
            $run = [pscustomobject]@{ EvaluationRunId = $demo.RunA; Entity = 'acme-ai'; Project = 'support-bot' } | Get-WeaveEvaluationRun
            $run.EvaluationRunId | Should -Be $demo.RunA
            $run.Project | Should -Be 'support-bot'
        }

        It 'applies -First to ids' {
            (Get-WeaveEvaluationRun -EvaluationRunId $demo.RunA, $demo.RunB -First 1).EvaluationRunId | Should -Be $demo.RunA
        }
    }

    Context 'output' {
        It 'converts to JSON at the default depth without losing the summary' {
            $run = Get-WeaveEvaluationRun -EvaluationRunId $demo.RunC
            $json = $run | ConvertTo-Json -WarningAction SilentlyContinue
            $json | Should -Match 'keyword_match_rate'
        }

        It 'exports to CSV without type names' {
            $csv = Get-WeaveEvaluationRun | ConvertTo-Csv | Out-String
            $csv | Should -Not -Match 'System\.Object\[\]|System\.Collections\.Hashtable|WeaveEval\.Model\.'
            $csv | Should -Match 'keyword_match_rate'
        }

        It 'has a compact default table' {
            $table = Get-WeaveEvaluationRun | Format-Table | Out-String -Width 200
            $table | Should -Match 'EvaluationRunId\s+Status'
            $table | Should -Not -Match 'Summary'
        }
    }
}
