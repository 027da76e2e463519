#Requires -Modules Pester

# Paging against the emulator's remote-like profile (latency per request, every eval_results query
# grouping the whole run again): what pages are asked for, and that nothing is lost or repeated when a
# page breaks off or is refused. No timing assertions; bench/Invoke-Benchmark.ps1 measures speed.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')

    # 12,000 rows × 2 trials, about 1.6 KB per row: several pages of the default 8 MB.
    $generated = Invoke-WeaveEmulatorAdmin -Emulator $emulator -Method Post -Path 'generate' -Body @{ project = 'acme-ai/remote'; rows = 12000; trials = 2; runs = 1; apiRuns = 0; seed = 5 }
    $runId = $generated.sdkRunIds[0]
    # The reference: one page after the other, every page of the same size, on loopback.
    $reference = @(Get-WeaveEvalResult -Project remote -EvaluationRunId $runId -PageSize 5000 -ThrottleLimit 1 | ForEach-Object PredictAndScoreCallId)
    $null = Invoke-WeaveEmulatorAdmin -Emulator $emulator -Method Post -Path 'profile' -Body @{ profile = 'remote'; latencyMs = 20; bandwidthBytesPerSecond = 0 }

    function Get-PageRequest {
        @(Get-WeaveEmulatorRequest -Emulator $emulator | Where-Object { $_.path -like '*/eval_results/query' -and $_.body -notmatch '"include_rows":\s*false' } |
            ForEach-Object { $_.body | ConvertFrom-Json })
    }
}

AfterAll {
    if ($emulator) { $null = Invoke-WeaveEmulatorAdmin -Emulator $emulator -Method Post -Path 'profile' -Body @{ profile = 'loopback' } }
    Stop-WeaveTestEmulator -Emulator $emulator
}

Describe 'Get-WeaveEvalResult against a remote-like server' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }

    It 'starts with a small page, then asks for larger pages sized from the first, and writes every trial once in order' {
        $ids = @(Get-WeaveEvalResult -Project remote -EvaluationRunId $runId | ForEach-Object PredictAndScoreCallId)
        $ids.Count | Should -Be 24000
        $ids | Should -Be $reference
        $pages = Get-PageRequest | Sort-Object offset
        $pages[0].limit | Should -Be 50
        $pages[0].offset | Should -Be 0
        $pages.Count | Should -BeGreaterThan 2
        $pages | Select-Object -Skip 1 | Select-Object -SkipLast 1 | ForEach-Object { $_.limit | Should -BeGreaterThan 1000 }
        # The pages tile the run: each starts where the one before ended.
        for ($i = 1; $i -lt $pages.Count; $i++) { $pages[$i].offset | Should -Be ($pages[$i - 1].offset + $pages[$i - 1].limit) }
    }

    It 'resumes a page that breaks off mid-way from the first row not yet received' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results/query$' -Body '"offset":[1-9]' -Times 1 -Action @{ dropAfterBytes = 300000 }
        $ids = @(Get-WeaveEvalResult -Project remote -EvaluationRunId $runId | ForEach-Object PredictAndScoreCallId)
        $ids | Should -Be $reference
        $pages = Get-PageRequest
        # The resumed request starts inside the page that broke off.
        @($pages | Where-Object { $resumed = $_; @($pages | Where-Object { $_.offset -lt $resumed.offset -and $_.offset + $_.limit -gt $resumed.offset }).Count -gt 0 }).Count | Should -Be 1
    }

    It 'asks for a page refused as too large (<Action>) again as two smaller pages, with no gap and no duplicate' -ForEach @(
        @{ Action = 'HTTP 413'; Fault = @{ status = 413 } }
        @{ Action = 'HTTP 504'; Fault = @{ status = 504 } }
    ) {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results/query$' -Body '"limit":\d{4,}' -Times 1 -Action $Fault
        $seen = @{ Split = $null }
        $ids = @(Get-WeaveEvalResult -Project remote -EvaluationRunId $runId -Verbose 4>&1 | ForEach-Object {
                if ($_ -is [System.Management.Automation.VerboseRecord]) { if ("$_" -match 'refused a page') { $seen.Split = "$_" } } else { $_.PredictAndScoreCallId }
            })
        $ids | Should -Be $reference
        $seen.Split | Should -Match 'asking for it as two pages'
        $refused = @(Get-WeaveEmulatorRequest -Emulator $emulator | Where-Object { $_.path -like '*/eval_results/query' -and $_.status -ne 200 })
        $refused.Count | Should -Be 1
        $big = ($refused[0].body | ConvertFrom-Json)
        @(Get-PageRequest | Where-Object { $_.offset -eq $big.offset -and $_.limit -eq [math]::Floor($big.limit / 2) }).Count | Should -Be 1
    }

    It '-First 5 sends one small request for rows' {
        @(Get-WeaveEvalResult -Project remote -EvaluationRunId $runId -First 5).Count | Should -Be 5
        $pages = Get-PageRequest
        $pages.Count | Should -Be 1
        $pages[0].limit | Should -Be 5
    }
}
