#Requires -Modules Pester

# Behaviour of the concurrent paths: what the user gets must not depend on how many reads run at once.
# No timing assertions here; bench/Invoke-Benchmark.ps1 measures speed.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveEmulator
    Initialize-WeaveTestEnvironment -Emulator $emulator -HomeDirectory (Join-Path $TestDrive 'home')

    $generated = Invoke-WeaveEmulatorAdmin -Emulator $emulator -Method Post -Path 'generate' -Body @{ project = 'acme-ai/perf'; rows = 30; trials = 2; runs = 4; apiRuns = 1; seed = 3 }
    $generatedRuns = @($generated.sdkRunIds) + @($generated.apiRunIds)

    # The pages: not the summary (include_rows false), not the one-row requests that learn each run's input fields.
    function Get-ResultRequest {
        @(Get-WeaveEmulatorRequest -Emulator $emulator | Where-Object { $_.path -like '*/eval_results/query' -and $_.body -notmatch '"include_rows":\s*false' -and $_.body -notmatch '"limit":1,' })
    }

    function Export-Results([string] $Path, [hashtable] $Parameters) {
        Get-WeaveEvalResult @Parameters -WarningAction SilentlyContinue | Export-Csv -LiteralPath $Path -NoTypeInformation
        [IO.File]::ReadAllBytes($Path)
    }

    # The first page of a run (not its summary or its one-row input probe) gets $Action.
    function Set-PageFault([string] $RunId, [hashtable] $Action) {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results/query$' -Body "$RunId.*`"limit`":(?!1,)" -Times 1 -Action $Action
    }

    # Run ids of the results, each run once, in output order.
    function Get-RunOrder($Results) {
        $order = [System.Collections.Generic.List[string]]::new()
        foreach ($result in $Results) { if ($order.Count -eq 0 -or $order[-1] -ne $result.EvaluationRunId) { $order.Add($result.EvaluationRunId) } }
        $order.ToArray()
    }
}

AfterAll {
    Restore-WeaveTestEnvironment
    if ($emulator) { Stop-WeaveEmulator -Emulator $emulator }
}

Describe 'Get-WeaveEvalResult with concurrent reads' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }

    Context 'the same output whatever the throttle' {
        It 'writes a byte-identical CSV with -ThrottleLimit 1 and the default (<Name>)' -ForEach @(
            @{ Name = 'generated runs over several pages'; Project = 'perf'; Runs = 'generated'; PageSize = 7 }
            @{ Name = 'demo runs with different columns'; Project = 'support-bot'; Runs = 'demo'; PageSize = 2 }
        ) {
            $ids = if ($Runs -eq 'generated') { $generatedRuns } else { @($demo.RunA, $demo.RunC, $demo.RunB) }
            $parameters = @{ Project = $Project; EvaluationRunId = $ids; PageSize = $PageSize }
            $sequential = Export-Results (Join-Path $TestDrive 'sequential.csv') ($parameters + @{ ThrottleLimit = 1 })
            $parallel = Export-Results (Join-Path $TestDrive 'parallel.csv') $parameters
            $sequential.Length | Should -BeGreaterThan 1000
            [Convert]::ToBase64String($parallel) | Should -BeExactly ([Convert]::ToBase64String($sequential))
        }

        It 'keeps the input order and each run together when a run answers late' {
            Set-PageFault $generatedRuns[0] @{ delayMs = 1500 }
            $results = @(Get-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -WarningAction SilentlyContinue)
            $results.Count | Should -Be ($generatedRuns.Count * 60)
            Get-RunOrder $results | Should -Be $generatedRuns
        }

        It 'reads the other runs while a slow one is still on its way' {
            Set-PageFault $generatedRuns[0] @{ delayMs = 1500 }
            $null = Get-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -WarningAction SilentlyContinue
            # The emulator logs a request once it has answered. The slow run comes first in the output: a later
            # run's page answered before it was requested before the slow one was answered (one at a time,
            # none could be).
            $reads = Get-ResultRequest
            $reads.Count | Should -Be $generatedRuns.Count
            $slowAt = [array]::FindIndex([object[]] $reads, [Predicate[object]] { param($r) $r.body -match $generatedRuns[0] })
            $slowAt | Should -BeGreaterThan 0
        }

        It '-ThrottleLimit 1 reads one run after the other' {
            Set-PageFault $generatedRuns[0] @{ delayMs = 500 }
            $null = Get-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -ThrottleLimit 1 -WarningAction SilentlyContinue
            $reads = Get-ResultRequest
            for ($i = 0; $i -lt $generatedRuns.Count; $i++) { $reads[$i].body | Should -Match $generatedRuns[$i] }
        }

        It 'gives the same trials to -Skip and -First' {
            $all = @(Get-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -ThrottleLimit 1 -WarningAction SilentlyContinue)
            $page = @(Get-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -Skip 50 -First 100 -PageSize 7 -WarningAction SilentlyContinue)
            $page.PredictAndScoreCallId | Should -Be ($all.PredictAndScoreCallId | Select-Object -Skip 50 -First 100)
        }
    }

    Context '-First with several runs' {
        It 'reads only the runs that -First reaches' {
            $results = @(Get-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -First 61 -WarningAction SilentlyContinue)
            $results.Count | Should -Be 61
            Get-RunOrder $results | Should -Be $generatedRuns[0..1]
            $reads = Get-ResultRequest
            $reads.Count | Should -Be 2
            @($reads | Where-Object { $_.body -match $generatedRuns[2] -or $_.body -match $generatedRuns[3] }) | Should -BeNullOrEmpty
        }
    }

    Context 'a run that fails' {
        It 'reports the failed run in its place and writes the others whole' {
            Set-PageFault $generatedRuns[2] @{ status = 400; body = @{ reason = 'bad page' } }
            $output = @(Get-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -WarningAction SilentlyContinue -ErrorAction Continue 2>&1)
            $errors = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.BadRequest,WeaveEval.Commands.GetWeaveEvalResultCommand'
            $failed = $errors[0].TargetObject
            $failed | Should -Be $generatedRuns[2]

            $expected = @(foreach ($id in $generatedRuns) { if ($id -eq $failed) { 'error' } else { $id } })
            $order = @(foreach ($item in $output) {
                    $label = if ($item -is [System.Management.Automation.ErrorRecord]) { 'error' } else { $item.EvaluationRunId }
                    if ($label) { $label }
                }) | Get-Unique
            $order | Should -Be $expected
            @($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }).Count | Should -Be (($generatedRuns.Count - 1) * 60)
        }

        It 'a rejected key still stops the command' {
            { Get-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -ApiKey (ConvertTo-SecureString 'nope' -AsPlainText -Force) } |
                Should -Throw -ErrorId 'WeaveEval.Unauthorized,WeaveEval.Commands.GetWeaveEvalResultCommand'
        }
    }

    Context 'progress' {
        It 'shows progress over several runs and completes it' {
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddScript("Import-Module '$(Get-WeaveModulePath)'; Get-WeaveEvalResult -Project perf -EvaluationRunId '$($generatedRuns -join "','")' -PageSize 10 -WarningAction SilentlyContinue")
                $results = @($shell.Invoke())
                $results.Count | Should -Be ($generatedRuns.Count * 60)
                $progress = @($shell.Streams.Progress)
                $progress.Count | Should -BeGreaterThan 1
                $percents = @($progress | Where-Object RecordType -ne 'Completed' | ForEach-Object PercentComplete)
                $percents | Should -Be ($percents | Sort-Object)
                $progress[-1].RecordType | Should -Be 'Completed'
            }
            finally { $shell.Dispose() }
        }
    }

    Context 'parameters' {
        It '-ThrottleLimit <Value> is out of range' -ForEach @(@{ Value = 0 }, @{ Value = 65 }) {
            { Get-WeaveEvalResult -EvaluationRunId $demo.RunA -ThrottleLimit $Value } | Should -Throw -ErrorId 'ParameterArgumentValidationError,WeaveEval.Commands.GetWeaveEvalResultCommand'
        }
    }
}

Describe 'Export-WeaveEvalResult -EvaluationRunId with concurrent reads' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }

    It 'keeps more pages in flight than Get-WeaveEvalResult by default: every later run is answered while the first is slow' {
        Set-PageFault $generatedRuns[0] @{ delayMs = 1500 }
        $null = Export-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -Path (Join-Path $TestDrive 'concurrent.csv') -WarningAction SilentlyContinue
        # Logged once answered: with 8 in flight all five first pages go out at once, so the slow one comes
        # last; with Get-WeaveEvalResult's 2 at most one later run could overtake it.
        $reads = Get-ResultRequest
        $reads.Count | Should -Be $generatedRuns.Count
        $reads[-1].body | Should -Match $generatedRuns[0]
    }

    It 'writes the same file with -ThrottleLimit 1 as with the default' {
        $one = Join-Path $TestDrive 'one.csv'
        $default = Join-Path $TestDrive 'default.csv'
        $null = Export-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -Path $one -ThrottleLimit 1 -WarningAction SilentlyContinue
        $null = Export-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns -Path $default -WarningAction SilentlyContinue
        [IO.File]::ReadAllBytes($default) | Should -Be ([IO.File]::ReadAllBytes($one))
    }
}

Describe 'Get-WeavePrediction with concurrent reads' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
    }

    It 'gives the same predictions in the same order with -ThrottleLimit 1 and the default' {
        $ids = @(Get-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns[0] | ForEach-Object PredictionId)
        $ids.Count | Should -Be 60
        $sequential = @($ids | Get-WeavePrediction -Project perf -ThrottleLimit 1)
        $parallel = @($ids | Get-WeavePrediction -Project perf)
        $parallel.PredictionId | Should -Be $ids
        ($parallel | ConvertTo-Json -Depth 5) | Should -BeExactly ($sequential | ConvertTo-Json -Depth 5)
    }

    It 'keeps errors in their place among many ids' {
        $ids = @(Get-WeaveEvalResult -Project perf -EvaluationRunId $generatedRuns[0] -First 20 | ForEach-Object PredictionId)
        $inputIds = @($ids[0..9]) + $demo.MissingId + @($ids[10..19])
        $output = @($inputIds | Get-WeavePrediction -Project perf -ErrorAction Continue 2>&1)
        $output.Count | Should -Be 21
        $output[10] | Should -BeOfType ([System.Management.Automation.ErrorRecord])
        $output[10].TargetObject | Should -Be $demo.MissingId
        @($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }).PredictionId | Should -Be $ids
    }
}
