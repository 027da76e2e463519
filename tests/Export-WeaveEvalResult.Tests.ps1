#Requires -Modules Pester

# Export-WeaveEvalResult's direct writer (-EvaluationRunId: CSV and JSON Lines straight from the pages,
# atomic, -Append) and its incremental export for scheduled tasks (-StateFile).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')

    # The files of a folder, hidden ones too: an AtomicFile's temporary file starts with a dot.
    function Get-FolderContent([string] $Folder) { @(Get-ChildItem -LiteralPath $Folder -Force -File | Sort-Object Name) }

    function New-ScratchFolder {
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $folder
        $folder
    }

    # Writes an evaluation run into the emulator the way a Weave SDK does (call start, and end when
    # given), so that a test controls exactly when a run finishes.
    function New-EmulatorRun([string] $Project, [string] $Id, [string] $EndedAt, [string] $Exception) {
        $headers = @{ Authorization = 'Basic ' + [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes("api:$($emulator.ApiKey)")) }
        $start = @{ start = @{
            project_id = "acme-ai/$Project"; id = $Id; trace_id = $Id; started_at = '2026-11-30T08:00:00.000Z'
            op_name = "weave:///acme-ai/$Project/op/Evaluation.evaluate:digest1"; attributes = @{}; inputs = @{}
        } }
        $null = Invoke-RestMethod -Method Post -Uri "$($emulator.BaseUri)/call/start" -Headers $headers -ContentType 'application/json' -Body ($start | ConvertTo-Json -Depth 5)
        if ($EndedAt) { Complete-EmulatorRun -Project $Project -Id $Id -EndedAt $EndedAt -Exception $Exception }
    }

    function Complete-EmulatorRun([string] $Project, [string] $Id, [string] $EndedAt, [string] $Exception) {
        $headers = @{ Authorization = 'Basic ' + [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes("api:$($emulator.ApiKey)")) }
        $end = @{ project_id = "acme-ai/$Project"; id = $Id; ended_at = $EndedAt; output = $null; summary = @{} }
        if ($Exception) { $end.exception = $Exception }
        $null = Invoke-RestMethod -Method Post -Uri "$($emulator.BaseUri)/call/end" -Headers $headers -ContentType 'application/json' -Body (@{ end = $end } | ConvertTo-Json -Depth 5)
    }

    $finishedDemoRuns = @($demo.RunA, $demo.RunC, $demo.RunD)
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Export-WeaveEvalResult -EvaluationRunId (the direct writer)' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context 'CSV' {
        BeforeAll {
            Reset-WeaveTestEnvironment -Emulator $emulator
            $folder = New-ScratchFolder
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunC -WarningAction SilentlyContinue)
            $viaExportCsv = Join-Path $folder 'export-csv.csv'
            $results | Export-Csv -LiteralPath $viaExportCsv
            $viaObjects = Join-Path $folder 'objects.csv'
            $results | Export-WeaveEvalResult -Path $viaObjects
            # The direct writer in a culture that writes numbers and dates differently.
            $direct = Join-Path $folder 'direct.csv'
            $written = Invoke-InCulture -Culture 'de-DE' -Script "(Export-WeaveEvalResult -EvaluationRunId '$($demo.RunA)', '$($demo.RunC)' -Path '$direct' -WarningAction SilentlyContinue).FullName"
            $rows = @(Import-Csv -LiteralPath $direct)
        }

        It 'has the columns of Export-Csv, in its order' {
            $rows[0].PSObject.Properties.Name | Should -Be @(Import-Csv -LiteralPath $viaExportCsv)[0].PSObject.Properties.Name
            $rows.Count | Should -Be $results.Count
        }

        It 'writes the same bytes as the invariant writer of the objects, in any culture' {
            [IO.File]::ReadAllBytes($direct) | Should -Be ([IO.File]::ReadAllBytes($viaObjects))
        }

        It 'writes every value culture-invariantly' {
            for ($i = 0; $i -lt $results.Count; $i++) {
                $rows[$i].PredictAndScoreCallId | Should -Be $results[$i].PredictAndScoreCallId
                $rows[$i].'Input.question' | Should -Be $results[$i].'Input.question'
                $rows[$i].Scores | Should -Be $results[$i].Scores.ToString()
            }
            $rows[0].'Score.similarity' | Should -Be '0.93'
            $rows[0].ModelLatencySeconds | Should -Be '1.284'
            $rows[0].'Score.exact_match' | Should -Be 'true'
        }

        It 'gives every row its run''s model, evaluation and display name' {
            foreach ($row in $rows) {
                $run = Get-WeaveEvaluationRun -EvaluationRunId $row.EvaluationRunId
                $row.ModelName | Should -Be $run.ModelName
                $row.EvaluationName | Should -Be $run.EvaluationName
                $row.DisplayName | Should -Be "$($run.DisplayName)"
            }
        }

        It 'emits the file it wrote' {
            $written | Should -Be $direct
        }

        It 'writes UTF-8 without a byte order mark unless asked to' {
            [IO.File]::ReadAllBytes($direct)[0] | Should -Be ([byte][char]'"')
            $bom = Join-Path $folder 'bom.csv'
            $null = Export-WeaveEvalResult -EvaluationRunId $demo.RunC -Path $bom -Encoding utf8BOM
            [IO.File]::ReadAllBytes($bom)[0..3] | Should -Be @(0xEF, 0xBB, 0xBF, [byte][char]'"')
        }

        It 'takes run ids from the pipeline by property name when the format is named' {
            $piped = Join-Path $folder 'piped.csv'
            $file = Get-WeaveEvaluationRun -EvaluationRunId $demo.RunA, $demo.RunC | Export-WeaveEvalResult -Path $piped -Format Csv -WarningAction SilentlyContinue
            $file.FullName | Should -Be $piped
            [IO.File]::ReadAllBytes($piped) | Should -Be ([IO.File]::ReadAllBytes($viaObjects))
        }

        It 'has an Input column for every input field of the runs of the call (helpdesk-bot)' {
            $env:WANDB_PROJECT = 'helpdesk-bot'
            $runs = @(Get-WeaveEvaluationRun)
            $objects = Join-Path $folder 'helpdesk-objects.csv'
            $runs | Get-WeaveEvalResult -WarningAction SilentlyContinue | Export-WeaveEvalResult -Path $objects
            $helpdesk = Join-Path $folder 'helpdesk.csv'
            $null = $runs | Export-WeaveEvalResult -Path $helpdesk -Format Csv -WarningAction SilentlyContinue
            [IO.File]::ReadAllBytes($helpdesk) | Should -Be ([IO.File]::ReadAllBytes($objects))
        }
    }

    Context 'JSON Lines' {
        BeforeAll {
            Reset-WeaveTestEnvironment -Emulator $emulator
            $folder = New-ScratchFolder
            $results = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunC -WarningAction SilentlyContinue)
            $path = Join-Path $folder 'results.jsonl'
            $null = Export-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunC -Path $path -Format JsonLines
            $lines = @(Get-Content -LiteralPath $path)
        }

        It 'writes one JSON object per trial that ConvertFrom-Json reads back' {
            $lines.Count | Should -Be $results.Count
            $parsed = @($lines | ConvertFrom-Json)
            $parsed.PredictAndScoreCallId | Should -Be $results.PredictAndScoreCallId
            $parsed.ModelName | Should -Be $results.ModelName
            $parsed.DisplayName | Should -Be $results.DisplayName
            $parsed.TrialIndex | Should -Be $results.TrialIndex
            $parsed.ModelLatencySeconds | Should -Be $results.ModelLatencySeconds
        }

        It 'keeps inputs, output and scores nested, as JSON' {
            for ($i = 0; $i -lt $results.Count; $i++) {
                $line = $lines[$i] | ConvertFrom-Json -AsHashtable
                $line.Scores | ConvertTo-Json -Compress -Depth 10 | Should -Be $results[$i].Scores.ToString()
                $line.Inputs | ConvertTo-Json -Compress -Depth 10 | Should -Be $results[$i].Inputs.ToString()
                $line.Keys | Should -Not -Contain 'Score.similarity'
            }
            ($lines[0] | ConvertFrom-Json).Scores.LLMJudge.score | Should -Be 0.9
        }

        It 'appends lines' {
            $null = Export-WeaveEvalResult -EvaluationRunId $demo.RunC -Path $path -Format JsonLines -Append
            @(Get-Content -LiteralPath $path | ConvertFrom-Json).Count | Should -Be ($results.Count + 2)
        }
    }

    Context '-Append to a CSV file' {
        It 'writes under the existing header and warns about the columns it lacks' {
            $path = Join-Path (New-ScratchFolder) 'append.csv'
            $null = Export-WeaveEvalResult -EvaluationRunId $demo.RunC -Path $path
            $header = (Get-Content -LiteralPath $path -TotalCount 1)
            $run = Invoke-WeaveCaptured { Export-WeaveEvalResult -EvaluationRunId $demo.RunA -Path $path -Append }

            $run.Errors | Should -BeNullOrEmpty
            $run.Output.FullName | Should -Be $path
            $run.Warnings | Should -Contain "The file '$path' has no column 'Score.similarity': its values are not written (rows are appended under the file's header). Export to a new file to keep them."
            Get-Content -LiteralPath $path -TotalCount 1 | Should -Be $header
            $rows = @(Import-Csv -LiteralPath $path)
            $rows.Count | Should -Be 8
            $rows[-1].EvaluationRunId | Should -Be $demo.RunA
            $rows[-1].'Input.question' | Should -Not -BeNullOrEmpty
            @($rows | Where-Object EvaluationRunId -eq $demo.RunC).Count | Should -Be 2
        }

        It 'creates the file, with its header, when there is none' {
            $path = Join-Path (New-ScratchFolder) 'new.csv'
            $null = Export-WeaveEvalResult -EvaluationRunId $demo.RunC -Path $path -Append
            @(Import-Csv -LiteralPath $path).Count | Should -Be 2
        }
    }

    Context 'pages formatted as they arrive' {
        BeforeAll {
            # Two generated runs of 120 rows. In pages of 25 every page after the first result is formatted on
            # its own task as it arrives; in pages of 1000 each run's one page is written result by result.
            $generated = Invoke-WeaveEmulatorAdmin -Emulator $emulator -Method Post -Path 'generate' -Body @{ project = 'acme-ai/pages'; rows = 120; trials = 2; runs = 2; apiRuns = 0; seed = 5 }
            $pagedRuns = @($generated.sdkRunIds)
        }

        It 'writes the same <Format> file in pages of 25 as in one page per run' -ForEach @(@{ Format = 'Csv' }, @{ Format = 'JsonLines' }) {
            $folder = New-ScratchFolder
            $whole = Join-Path $folder "whole.$Format"
            $paged = Join-Path $folder "paged.$Format"
            $null = Export-WeaveEvalResult -Project pages -EvaluationRunId $pagedRuns -Path $whole -Format $Format -PageSize 1000
            Clear-WeaveEmulatorRequest -Emulator $emulator
            $null = Export-WeaveEvalResult -Project pages -EvaluationRunId $pagedRuns -Path $paged -Format $Format -PageSize 25

            @(Get-WeaveEmulatorRequest -Emulator $emulator | Where-Object Path -Like '*eval_results/query').Count | Should -BeGreaterOrEqual 10
            [IO.File]::ReadAllBytes($paged) | Should -Be ([IO.File]::ReadAllBytes($whole))
            $lines = @(Get-Content -LiteralPath $paged)
            $lines.Count | Should -Be (480 + [int]($Format -eq 'Csv'))
            $lines[-1] | Should -Match ([regex]::Escape($pagedRuns[1]))
        }

        It 'appends in pages of 25 what it appends in one page' {
            $folder = New-ScratchFolder
            $whole = Join-Path $folder 'whole.csv'
            $paged = Join-Path $folder 'paged.csv'
            foreach ($file in $whole, $paged) { $null = Export-WeaveEvalResult -Project pages -EvaluationRunId $pagedRuns[0] -Path $file -PageSize 1000 }
            $null = Export-WeaveEvalResult -Project pages -EvaluationRunId $pagedRuns[1] -Path $whole -PageSize 1000 -Append
            $null = Export-WeaveEvalResult -Project pages -EvaluationRunId $pagedRuns[1] -Path $paged -PageSize 25 -Append

            [IO.File]::ReadAllBytes($paged) | Should -Be ([IO.File]::ReadAllBytes($whole))
            @(Import-Csv -LiteralPath $paged).Count | Should -Be 480
        }

        It 'appends in pages of 25 under a header of other columns in another order what it appends in one page' {
            $folder = New-ScratchFolder
            $whole = Join-Path $folder 'whole.csv'
            $paged = Join-Path $folder 'paged.csv'
            foreach ($file in $whole, $paged) { Set-Content -LiteralPath $file -Value '"PredictAndScoreCallId","Elsewhere","TrialIndex","EvaluationRunId"' }
            $null = Export-WeaveEvalResult -Project pages -EvaluationRunId $pagedRuns -Path $whole -PageSize 1000 -Append -WarningAction SilentlyContinue
            $null = Export-WeaveEvalResult -Project pages -EvaluationRunId $pagedRuns -Path $paged -PageSize 25 -Append -WarningAction SilentlyContinue

            [IO.File]::ReadAllBytes($paged) | Should -Be ([IO.File]::ReadAllBytes($whole))
            $rows = @(Import-Csv -LiteralPath $paged)
            $rows.Count | Should -Be 480
            $rows[-1].EvaluationRunId | Should -Be $pagedRuns[1]
            $rows.Elsewhere | Sort-Object -Unique | Should -Be ''
        }
    }

    Context 'atomic writes' {
        BeforeEach {
            $folder = New-ScratchFolder
            $path = Join-Path $folder 'results.csv'
            Set-Content -LiteralPath $path -Value 'previous export'
        }

        It 'leaves the previous file untouched and no other file when a page fails' {
            # Run A read in pages of one row: its third page fails every time, after two rows are written.
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results' -Body "$($demo.RunA).*`"offset`":2\b" -Times 10 -Action @{ status = 503 }
            $run = Invoke-WeaveCaptured { Export-WeaveEvalResult -EvaluationRunId $demo.RunA -Path $path -PageSize 1 -MaximumRetryCount 0 }

            $run.Terminated | Should -BeTrue
            $run.Errors[-1].FullyQualifiedErrorId | Should -Be 'WeaveEval.StreamInterrupted,WeaveEval.Commands.ExportWeaveEvalResultCommand'
            $run.Output | Should -BeNullOrEmpty
            Get-Content -LiteralPath $path | Should -Be 'previous export'
            (Get-FolderContent $folder).Name | Should -Be 'results.csv'
        }

        It 'leaves the previous file untouched and no other file when the pipeline is stopped' {
            # The second page waits long enough for the test to stop the command while it reads.
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results' -Body "$($demo.RunA).*`"offset`":1\b" -Times 1 -Action @{ delayMs = 30000 }
            $shell = New-WeavePowerShell
            try {
                $null = $shell.AddCommand('Export-WeaveEvalResult').AddParameter('EvaluationRunId', $demo.RunA).AddParameter('Path', $path).AddParameter('PageSize', 1)
                $invocation = $shell.BeginInvoke()
                Wait-WeaveCondition -Because 'the second page to be requested' -Condition {
                    @(Get-ChildItem -LiteralPath $folder -Force -Filter '.results.csv.*.tmp').Count -gt 0
                }
                Start-Sleep -Milliseconds 300
                $shell.Stop()
                try { $null = $shell.EndInvoke($invocation) } catch { $null = $_ }
            }
            finally { Remove-WeavePowerShell -Shell $shell }
            Clear-WeaveEmulatorFault -Emulator $emulator

            Get-Content -LiteralPath $path | Should -Be 'previous export'
            (Get-FolderContent $folder).Name | Should -Be 'results.csv'
        }

        It 'writes nothing when a run is unknown, and says so' {
            $run = Invoke-WeaveCaptured { Export-WeaveEvalResult -EvaluationRunId $demo.RunC, $demo.MissingId -Path $path }

            $run.Errors.FullyQualifiedErrorId | Should -Be @(
                'WeaveEval.NotFound,WeaveEval.Commands.ExportWeaveEvalResultCommand'
                'WeaveEval.ExportIncomplete,WeaveEval.Commands.ExportWeaveEvalResultCommand')
            $run.Errors[1].Exception.Message | Should -Match 'keeps its previous content'
            $run.Output | Should -BeNullOrEmpty
            Get-Content -LiteralPath $path | Should -Be 'previous export'
            (Get-FolderContent $folder).Name | Should -Be 'results.csv'
        }

        It 'writes nothing when a run id names nothing, and says so' {
            $run = Invoke-WeaveCaptured { Export-WeaveEvalResult -EvaluationRunId $demo.RunC, '..' -Path $path } -Emulator $emulator

            $run.Errors.FullyQualifiedErrorId | Should -Contain 'WeaveEval.InvalidArgument,WeaveEval.Commands.ExportWeaveEvalResultCommand'
            $run.Errors.FullyQualifiedErrorId | Should -Contain 'WeaveEval.ExportIncomplete,WeaveEval.Commands.ExportWeaveEvalResultCommand'
            Get-Content -LiteralPath $path | Should -Be 'previous export'
            (Get-FolderContent $folder).Name | Should -Be 'results.csv'
        }

        It 'keeps the pipeline form working, now atomic too' {
            Get-WeaveEvalResult -EvaluationRunId $demo.RunC | Export-WeaveEvalResult -Path $path
            @(Import-Csv -LiteralPath $path).Count | Should -Be 2
            (Get-FolderContent $folder).Name | Should -Be 'results.csv'
        }
    }
}

Describe 'Export-WeaveEvalResult -StateFile (incremental export)' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
        $folder = New-ScratchFolder
        $state = Join-Path $folder 'state.json'
        $out = Join-Path $folder 'results'
    }

    It 'exports every finished run once, one file per run, and nothing the second time' {
        $first = @(Export-WeaveEvalResult -StateFile $state -Path $out)
        $second = @(Export-WeaveEvalResult -StateFile $state -Path $out)

        $first.Name | Sort-Object | Should -Be ($finishedDemoRuns | ForEach-Object { "$_.csv" } | Sort-Object)
        $second | Should -BeNullOrEmpty
        @(Import-Csv -LiteralPath (Join-Path $out "$($demo.RunA).csv")).Count | Should -Be 6
        $saved = Get-Content -Raw -LiteralPath $state | ConvertFrom-Json
        $saved.formatVersion | Should -Be 1
        $saved.entity | Should -Be $demo.Entity
        $saved.project | Should -Be $demo.Project
        $saved.watermark | Should -Not -BeNullOrEmpty
        (Get-FolderContent $folder).Name | Should -Be 'state.json'
    }

    It 'names JSON Lines files <EvaluationRunId>.jsonl' {
        $files = @(Export-WeaveEvalResult -StateFile $state -Path $out -Format JsonLines)
        $files.Name | Sort-Object | Should -Be ($finishedDemoRuns | ForEach-Object { "$_.jsonl" } | Sort-Object)
        @(Get-Content -LiteralPath (Join-Path $out "$($demo.RunA).jsonl") | ConvertFrom-Json).Count | Should -Be 6
    }

    It 'exports only runs finished since -Since on the first export' {
        $runA = Get-WeaveEvaluationRun -EvaluationRunId $demo.RunA
        $files = @(Export-WeaveEvalResult -StateFile $state -Path $out -Since $runA.FinishedAt.AddSeconds(1))
        $files.Name | Should -Not -Contain "$($demo.RunA).csv"
        $files.Count | Should -Be 2
    }

    It 'skips running runs, exports failed ones, and exports runs that finish in the same second on either side of the watermark exactly once' {
        $project = 'incremental-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $env:WANDB_PROJECT = $project
        New-EmulatorRun -Project $project -Id 'run-1' -EndedAt '2026-12-01T10:00:00.500Z'
        New-EmulatorRun -Project $project -Id 'run-failed' -EndedAt '2026-12-01T09:00:00.000Z' -Exception 'model exploded'
        New-EmulatorRun -Project $project -Id 'run-late'

        $first = @(Export-WeaveEvalResult -StateFile $state -Path $out)
        Get-Content -Raw -LiteralPath $state | Should -Match '"watermark": "2026-12-01T10:00:00\.5000000Z"'
        # run-late finishes just before the watermark (its end arrives late), another run exactly at it and one just after.
        Complete-EmulatorRun -Project $project -Id 'run-late' -EndedAt '2026-12-01T10:00:00.200Z'
        New-EmulatorRun -Project $project -Id 'run-tie' -EndedAt '2026-12-01T10:00:00.500Z'
        New-EmulatorRun -Project $project -Id 'run-after' -EndedAt '2026-12-01T10:00:00.900Z'
        $second = @(Export-WeaveEvalResult -StateFile $state -Path $out)
        $third = @(Export-WeaveEvalResult -StateFile $state -Path $out)

        $first.Name | Should -Be 'run-failed.csv', 'run-1.csv'
        $second.Name | Should -Be 'run-late.csv', 'run-tie.csv', 'run-after.csv'
        $third | Should -BeNullOrEmpty
        Get-Content -Raw -LiteralPath $state | Should -Match '"watermark": "2026-12-01T10:00:00\.9000000Z"'
    }

    It 'loses and duplicates nothing when a run fails after others were written' {
        # The second run to export (run C, by finish time) cannot be read; A and D are written.
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results' -Body $demo.RunC -Times 100 -Action @{ status = 503 }
        $failing = Invoke-WeaveCaptured { Export-WeaveEvalResult -StateFile $state -Path $out -MaximumRetryCount 0 }
        Clear-WeaveEmulatorFault -Emulator $emulator
        $rerun = @(Export-WeaveEvalResult -StateFile $state -Path $out)
        $again = @(Export-WeaveEvalResult -StateFile $state -Path $out)

        $failing.Errors.FullyQualifiedErrorId | Should -Contain 'WeaveEval.ServerError,WeaveEval.Commands.ExportWeaveEvalResultCommand'
        $failing.Errors.FullyQualifiedErrorId | Should -Contain 'WeaveEval.ExportIncomplete,WeaveEval.Commands.ExportWeaveEvalResultCommand'
        $failing.Output.Name | Should -Be "$($demo.RunA).csv", "$($demo.RunD).csv"
        $rerun.Name | Should -Be "$($demo.RunC).csv"
        $again | Should -BeNullOrEmpty
        (Get-FolderContent $out).Name | Sort-Object | Should -Be ($finishedDemoRuns | ForEach-Object { "$_.csv" } | Sort-Object)
        @(Import-Csv -LiteralPath (Join-Path $out "$($demo.RunC).csv")).Count | Should -Be 2
    }

    It 'loses and duplicates nothing after a crash between the data files and the state file' {
        # A crash after the data files are on disk and before the state file is replaced leaves the
        # state file as it was before the export: here, none.
        $null = Export-WeaveEvalResult -StateFile $state -Path $out
        $written = Get-FolderContent $out | ForEach-Object { @{ Name = $_.Name; Text = Get-Content -Raw -LiteralPath $_.FullName } }
        Remove-Item -LiteralPath $state
        $rerun = @(Export-WeaveEvalResult -StateFile $state -Path $out)
        $again = @(Export-WeaveEvalResult -StateFile $state -Path $out)

        $rerun.Name | Sort-Object | Should -Be ($finishedDemoRuns | ForEach-Object { "$_.csv" } | Sort-Object)
        $again | Should -BeNullOrEmpty
        $files = Get-FolderContent $out
        $files.Name | Should -Be $written.Name
        for ($i = 0; $i -lt $files.Count; $i++) { Get-Content -Raw -LiteralPath $files[$i].FullName | Should -Be $written[$i].Text }
    }

    It 'refuses a corrupt state file with WeaveEval.InvalidStateFile and changes nothing' {
        Set-Content -LiteralPath $state -Value '{"formatVersion": 1, "entity": "acme-ai", "proj'
        $run = Invoke-WeaveCaptured { Export-WeaveEvalResult -StateFile $state -Path $out } -Emulator $emulator

        $run.Errors.FullyQualifiedErrorId | Should -Be 'WeaveEval.InvalidStateFile,WeaveEval.Commands.ExportWeaveEvalResultCommand'
        $run.Errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $run.Errors[0].TargetObject | Should -Be $state
        $run.Errors[0].Exception.Message | Should -Match 'cannot be read'
        $run.Requests | Should -BeNullOrEmpty
        Get-Content -Raw -LiteralPath $state | Should -Be ('{"formatVersion": 1, "entity": "acme-ai", "proj' + [Environment]::NewLine)
        Test-Path -LiteralPath $out | Should -BeFalse
    }

    It 'refuses the state file of another project with WeaveEval.StateFileProjectMismatch and changes nothing' {
        $null = Export-WeaveEvalResult -StateFile $state -Path $out
        $before = Get-Content -Raw -LiteralPath $state
        $run = Invoke-WeaveCaptured { Export-WeaveEvalResult -StateFile $state -Path $out -Project helpdesk-bot } -Emulator $emulator

        $run.Errors.FullyQualifiedErrorId | Should -Be 'WeaveEval.StateFileProjectMismatch,WeaveEval.Commands.ExportWeaveEvalResultCommand'
        $run.Errors[0].Exception.Message | Should -Match 'belongs to project acme-ai/support-bot, not acme-ai/helpdesk-bot'
        $run.Requests | Should -BeNullOrEmpty
        Get-Content -Raw -LiteralPath $state | Should -Be $before
    }

    It 'exports several projects from the pipeline, each with its state file and folder (-Format selects the direct writer)' {
        $projects = @(
            [pscustomobject]@{ Project = 'support-bot'; StateFile = Join-Path $folder 'support.json'; Path = Join-Path $folder 'support' }
            [pscustomobject]@{ Project = 'helpdesk-bot'; StateFile = Join-Path $folder 'helpdesk.json'; Path = Join-Path $folder 'helpdesk' }
        )
        $files = @($projects | Export-WeaveEvalResult -Format Csv -WarningAction SilentlyContinue)

        @($files | Where-Object { $_.DirectoryName -eq $projects[0].Path }).Count | Should -Be 3
        @($files | Where-Object { $_.DirectoryName -eq $projects[1].Path }).Count | Should -Be @(Get-WeaveEvaluationRun -Project helpdesk-bot | Where-Object Status -ne running).Count
        (Get-Content -Raw -LiteralPath $projects[1].StateFile | ConvertFrom-Json).project | Should -Be 'helpdesk-bot'
        @($projects | Export-WeaveEvalResult -Format Csv) | Should -BeNullOrEmpty
    }
}
