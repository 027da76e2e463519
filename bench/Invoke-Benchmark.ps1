#Requires -Version 7.2
<#
.SYNOPSIS
    Measures WeaveEval against the scripts a user would write by hand, as ratios within one run.
.DESCRIPTION
    Builds the module (unless -NoBuild), copies it to out/bench/module (so a rebuild cannot change it
    mid-run), starts the emulator and generates one SDK evaluation run of N trials per size. Every
    measurement runs in its own child pwsh, so each has its own peak working set:
      export    Get-WeaveEvalResult | Export-Csv
      naive     one Invoke-RestMethod POST without paging, a loop building [pscustomobject] rows, Export-Csv
      download  the pages the module asks for, read and thrown away (no parsing): the emulator's
                serve time plus loopback transfer, and the floor for any client
      csvonly   Export-Csv of the same objects, built before the clock starts
      parse     $null = Get-WeaveEvalResult (parse and emit only)
      first     time to the first object of Get-WeaveEvalResult, as a fraction of its total
    then prediction fan-out against a sequential Invoke-RestMethod loop (emulator latency per request),
    and module import against a bare pwsh start. Prints one table of figures and ratios and writes it
    to out/bench/results.csv. Not part of the test suite.
.PARAMETER Sizes
    Trials per measured run. 1000000 is opt-in (it needs about 4 GB in the emulator and a few minutes).
.PARAMETER PageSizeSweep
    Instead of the suite: parse-and-emit and export at the largest size for each of -PageSizes.
.EXAMPLE
    dotnet pwsh ./bench/Invoke-Benchmark.ps1                 # 10k and 100k trials
.EXAMPLE
    dotnet pwsh -NoProfile -c "./bench/Invoke-Benchmark.ps1 -IncludeMillion"
.EXAMPLE
    dotnet pwsh ./bench/Invoke-Benchmark.ps1 -Sizes 100000 -PageSizeSweep
#>
[CmdletBinding()]
param(
    [int[]] $Sizes = @(10000, 100000),
    [int] $TrialsPerRow = 2,
    [int] $PredictionCount = 500,
    [int] $PredictionLatencyMs = 50,
    [int] $ImportRepetitions = 7,
    # The naive script and the pre-built objects of the floor hold every row in memory: skip them above this.
    [int] $InMemoryLimit = 200000,
    # Adds the 1M-trial size (about 4 GB in the emulator, some minutes).
    [switch] $IncludeMillion,
    [switch] $PageSizeSweep,
    [int[]] $PageSizes = @(50, 100, 200, 500, 1000),
    [switch] $NoBuild
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$repo = Split-Path $PSScriptRoot -Parent
$scratch = Join-Path $repo 'out/bench'
$null = New-Item -ItemType Directory -Path $scratch -Force

if ($IncludeMillion -and $Sizes -notcontains 1000000) { $Sizes = @($Sizes) + 1000000 }
if (-not $NoBuild) { & (Join-Path $repo 'build.ps1') Build | Out-Host }
$moduleCopy = Join-Path $scratch 'module/WeaveEval'
if (Test-Path -LiteralPath $moduleCopy) { Remove-Item -LiteralPath $moduleCopy -Recurse -Force }
$null = New-Item -ItemType Directory -Path (Split-Path $moduleCopy) -Force
Copy-Item -LiteralPath (Join-Path $repo 'out/WeaveEval') -Destination $moduleCopy -Recurse
$modulePath = Join-Path $moduleCopy 'WeaveEval.psd1'
$pwshDll = Join-Path $PSHOME 'pwsh.dll'
$pwsh = if (Test-Path -LiteralPath $pwshDll) { @('dotnet', $pwshDll) } else { @((Join-Path $PSHOME 'pwsh')) }

$apiKey = 'bench-' + [Guid]::NewGuid().ToString('N')
$authHeader = 'Basic ' + [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes("api:$apiKey"))

function Invoke-Child {
    # Runs a script's text in a fresh pwsh and returns the hashtable $result it leaves, plus its peak working set.
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Arguments = @{})
    $prelude = ($Arguments.GetEnumerator() | ForEach-Object { "`$$($_.Key) = '$($_.Value)'" }) -join "`n"
    $epilogue = @'

$self = [Diagnostics.Process]::GetCurrentProcess()
$self.Refresh()
$result['PeakWorkingSetMB'] = [math]::Round($self.PeakWorkingSet64 / 1MB, 1)
'@ + "`n'@@RESULT@@' + (`$result | ConvertTo-Json -Compress)"
    $file = Join-Path $scratch ('child-' + [Guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -LiteralPath $file -Value ("`$ErrorActionPreference = 'Stop'`n" + $prelude + "`n" + $Script + $epilogue)
    try {
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file 2>&1
        $line = $output | Where-Object { "$_".StartsWith('@@RESULT@@') } | Select-Object -Last 1
        if ($LASTEXITCODE -ne 0 -or -not $line) { throw "Child failed ($LASTEXITCODE): $($output -join "`n")" }
        "$line".Substring(10) | ConvertFrom-Json -AsHashtable
    }
    finally { Remove-Item -LiteralPath $file -ErrorAction Ignore }
}

function Merge([hashtable] $Base, [hashtable] $Override) {
    $merged = $Base.Clone()
    foreach ($key in $Override.Keys) { $merged[$key] = $Override[$key] }
    $merged
}

function Start-BenchEmulator {
    $dll = Join-Path $repo 'tests/WeaveEval.Emulator/bin/Release/net10.0/WeaveEval.Emulator.dll'
    $info = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--port', '0', '--seed', 'none', '--api-key', $apiKey)) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    # Server GC: the emulator builds pages on several threads and must not be the slow side.
    $info.Environment['DOTNET_gcServer'] = '1'
    $process = [Diagnostics.Process]::Start($info)
    while ($true) {
        $line = $process.StandardOutput.ReadLine()
        if ($null -eq $line) { throw 'The emulator exited before reporting its address.' }
        if ($line -match 'listening on (http://\S+)') { return [pscustomobject] @{ Process = $process; BaseUri = $Matches[1] } }
    }
}

function New-BenchRun([string] $Project, [int] $Trials, [bool] $WithChildren) {
    $spec = @{ project = "bench/$Project"; rows = [int][math]::Ceiling($Trials / $TrialsPerRow); trials = $TrialsPerRow; runs = 1; apiRuns = 0; withChildren = $WithChildren; seed = 7 } | ConvertTo-Json
    Invoke-RestMethod -Method Post -Uri "$base/__emulator/generate" -Body $spec -ContentType 'application/json'
}

$rows = [System.Collections.Generic.List[object]]::new()
function Add-Figure([string] $Name, [double] $Value, [string] $Unit, [string] $Target = '', [string] $Note = '') {
    $rows.Add([pscustomobject] @{ Measure = $Name; Value = [math]::Round($Value, 3); Unit = $Unit; Target = $Target; Note = $Note })
}
function Test-Target([double] $Value, [string] $Op, [double] $Limit) {
    $ok = if ($Op -eq '<=') { $Value -le $Limit } else { $Value -ge $Limit }
    "$Op $Limit " + $(if ($ok) { 'met' } else { 'NOT MET' })
}

# Scripts run by the children. Parameters arrive as variables: $Base $Auth $ApiKey $Module $Project $RunId $Csv $PageSize.
$connect = @'
Import-Module $Module
$key = ConvertTo-SecureString $ApiKey -AsPlainText -Force
Connect-Weave -Entity bench -Project $Project -ApiKey $key -BaseUri $Base -SkipValidation
$extra = @{}
if ([int]$PageSize -gt 0) { $extra.PageSize = [int]$PageSize }
'@
# Throughput children first run their operation once on a small run (untimed), so that the timed pass
# measures steady work, not JIT (tiered compilation) and connection set-up; the baselines get the same.
$exportScript = $connect + @'
$warmCsv = Join-Path ([IO.Path]::GetTempPath()) ('bench-warm-' + [Guid]::NewGuid().ToString('N') + '.csv')
Get-WeaveEvalResult -Project $WarmProject -EvaluationRunId $WarmRunId @extra | Export-Csv -LiteralPath $warmCsv -NoTypeInformation
Remove-Item -LiteralPath $warmCsv
$clock = [Diagnostics.Stopwatch]::StartNew()
Get-WeaveEvalResult -EvaluationRunId $RunId @extra | Export-Csv -LiteralPath $Csv -NoTypeInformation
$result = @{ Seconds = $clock.Elapsed.TotalSeconds }
'@
# Parse and emit, objects dropped as they come (> $null streams; $null = first gathers every object).
$parseScript = $connect + @'
Get-WeaveEvalResult -Project $WarmProject -EvaluationRunId $WarmRunId @extra > $null
$clock = [Diagnostics.Stopwatch]::StartNew()
Get-WeaveEvalResult -EvaluationRunId $RunId @extra > $null
$result = @{ Seconds = $clock.Elapsed.TotalSeconds }
'@
$parseAssignScript = $connect + @'
$null = Get-WeaveEvalResult -Project $WarmProject -EvaluationRunId $WarmRunId @extra
$clock = [Diagnostics.Stopwatch]::StartNew()
$null = Get-WeaveEvalResult -EvaluationRunId $RunId @extra
$result = @{ Seconds = $clock.Elapsed.TotalSeconds }
'@
$firstScript = $connect + @'
$clock = [Diagnostics.Stopwatch]::StartNew()
# A hashtable, because the process block runs in a scope of its own.
$seen = @{ First = $null }
Get-WeaveEvalResult -EvaluationRunId $RunId @extra | & { process { if ($null -eq $seen.First) { $seen.First = $clock.Elapsed.TotalSeconds } } }
$result = @{ Seconds = $clock.Elapsed.TotalSeconds; First = $seen.First }
'@
$csvOnlyScript = $connect + @'
$warmCsv = Join-Path ([IO.Path]::GetTempPath()) ('bench-warm-' + [Guid]::NewGuid().ToString('N') + '.csv')
Get-WeaveEvalResult -Project $WarmProject -EvaluationRunId $WarmRunId | Export-Csv -LiteralPath $warmCsv -NoTypeInformation
Remove-Item -LiteralPath $warmCsv
$objects = Get-WeaveEvalResult -EvaluationRunId $RunId
$clock = [Diagnostics.Stopwatch]::StartNew()
$objects | Export-Csv -LiteralPath $Csv -NoTypeInformation
$result = @{ Seconds = $clock.Elapsed.TotalSeconds }
'@
# The requests the module makes, with the same bodies, read into a scratch buffer and dropped.
$downloadScript = @'
$http = [System.Net.Http.HttpClient]::new()
$http.DefaultRequestHeaders.Add('Authorization', $Auth)
$buffer = [byte[]]::new(81920)
$clock = $null
$bytes = 0L
# The first request (unmeasured) warms the emulator's per-run index and this process's HTTP stack.
for ($offset = -[int]$PageSize; $offset -lt [int]$Rows; $offset += [int]$PageSize) {
    if ($offset -eq 0) { $clock = [Diagnostics.Stopwatch]::StartNew(); $bytes = 0L }
    $body = '{"evaluation_run_ids":["' + $RunId + '"],"require_intersection":false,"include_raw_data_rows":true,"resolve_row_refs":true,"include_costs":false,"include_summary":false,"limit":' + $PageSize + ',"offset":' + [math]::Max(0, $offset) + '}'
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, "$Base/v2/bench/$Project/eval_results/query")
    $request.Content = [System.Net.Http.StringContent]::new($body, [Text.Encoding]::UTF8, 'application/json')
    $response = $http.SendAsync($request, [System.Net.Http.HttpCompletionOption]::ResponseHeadersRead).GetAwaiter().GetResult()
    $stream = $response.Content.ReadAsStream()
    while (($read = $stream.Read($buffer, 0, $buffer.Length)) -gt 0) { $bytes += $read }
    $response.Dispose()
}
$result = @{ Seconds = $clock.Elapsed.TotalSeconds; Bytes = $bytes }
'@
# What the W&B docs page leads a user to write: one POST, ConvertFrom-Json (inside Invoke-RestMethod),
# a loop building rows with the module's columns, Export-Csv.
$naiveScript = @'
function Export-Naive([string] $RunId, [string] $Project, [string] $Csv) {
$body = @{ evaluation_run_ids = @($RunId); include_raw_data_rows = $true; resolve_row_refs = $true } | ConvertTo-Json
$response = Invoke-RestMethod -Method Post -Uri "$Base/v2/bench/$Project/eval_results/query" -Headers @{ Authorization = $Auth } -Body $body -ContentType 'application/json'
$table = foreach ($row in $response.rows) {
    foreach ($evaluation in $row.evaluations) {
        $index = 0
        foreach ($trial in $evaluation.trials) {
            $record = [ordered] @{
                EvaluationRunId = $evaluation.evaluation_call_id; RowDigest = $row.row_digest; TrialIndex = $index++
                PredictAndScoreCallId = $trial.predict_and_score_call_id; PredictionId = $trial.predict_call_id
                Inputs = $row.raw_data_row | ConvertTo-Json -Compress -Depth 10; DatasetRowRef = $null; Output = $trial.model_output
                Scores = $trial.scores | ConvertTo-Json -Compress -Depth 10
                ModelLatencySeconds = $trial.model_latency_seconds; TotalTokens = $trial.total_tokens; TotalCost = $trial.total_cost
                ScorerCallIds = $trial.scorer_call_ids | ConvertTo-Json -Compress; Entity = 'bench'; Project = $Project
            }
            foreach ($p in $row.raw_data_row.PSObject.Properties) { $record["Input.$($p.Name)"] = $p.Value }
            foreach ($p in $trial.scores.PSObject.Properties) {
                if ($p.Value -is [pscustomobject]) {
                    foreach ($q in $p.Value.PSObject.Properties) { $record["Score.$($p.Name).$($q.Name)"] = $q.Value }
                } else { $record["Score.$($p.Name)"] = $p.Value }
            }
            [pscustomobject] $record
        }
    }
}
$table | Export-Csv -LiteralPath $Csv -NoTypeInformation
}
$warmCsv = Join-Path ([IO.Path]::GetTempPath()) ('bench-warm-' + [Guid]::NewGuid().ToString('N') + '.csv')
Export-Naive $WarmRunId $WarmProject $warmCsv
Remove-Item -LiteralPath $warmCsv
$clock = [Diagnostics.Stopwatch]::StartNew()
Export-Naive $RunId $Project $Csv
$result = @{ Seconds = $clock.Elapsed.TotalSeconds }
'@

$emulator = Start-BenchEmulator
$base = $emulator.BaseUri
$warmRun = New-BenchRun 'warm' 20000 $false
$common = @{ Base = $base; ApiKey = $apiKey; Module = $modulePath; Auth = $authHeader; PageSize = 0; WarmProject = 'warm'; WarmRunId = $warmRun.sdkRunIds[0] }
$defaultPageSize = [int] (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "Add-Type -Path '$(Join-Path $moduleCopy 'WeaveEval.dll')'; [WeaveEval.Client.EvalResultsQuery]::DefaultPageSize")

try {
    if ($PageSizeSweep) {
        $size = ($Sizes | Measure-Object -Maximum).Maximum
        $generated = New-BenchRun "sweep$size" $size $false
        foreach ($candidate in $PageSizes) {
            $arguments = Merge $common @{ Project = "sweep$size"; RunId = $generated.sdkRunIds[0]; Csv = (Join-Path $scratch 'sweep.csv'); PageSize = $candidate }
            $parse = Invoke-Child -Arguments $arguments -Script $parseScript
            $export = Invoke-Child -Arguments $arguments -Script $exportScript
            Add-Figure "page size $candidate, parse and emit $size" $parse.Seconds 's' '' "peak $($parse.PeakWorkingSetMB) MB"
            $download = Invoke-Child -Arguments (Merge $arguments @{ Rows = $generated.rows }) -Script $downloadScript
            Add-Figure "page size $candidate, download alone $size" $download.Seconds 's' '' "$([math]::Round($download.Bytes / 1MB, 1)) MB"
            Add-Figure "page size $candidate, export $size" $export.Seconds 's' '' "peak $($export.PeakWorkingSetMB) MB"
        }
        return
    }

    $peaks = @{}
    foreach ($size in $Sizes) {
        $project = "n$size"
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $generated = New-BenchRun $project $size $false
        Add-Figure "emulator: generate $size trials" $clock.Elapsed.TotalSeconds 's' '' 'setup, not timed in any ratio'
        $arguments = Merge $common @{ Project = $project; RunId = $generated.sdkRunIds[0]; Csv = (Join-Path $scratch "$project.csv"); Rows = $generated.rows }

        $download = Invoke-Child -Arguments (Merge $arguments @{ PageSize = $defaultPageSize }) -Script $downloadScript
        $export = Invoke-Child -Arguments $arguments -Script $exportScript
        $parse = Invoke-Child -Arguments $arguments -Script $parseScript
        $first = Invoke-Child -Arguments $arguments -Script $firstScript
        $parseAssign = if ($size -le $InMemoryLimit) { Invoke-Child -Arguments $arguments -Script $parseAssignScript }
        $peaks[$size] = $export.PeakWorkingSetMB
        Add-Figure "emulator serve + transfer (download alone) $size" $download.Seconds 's' '' "$([math]::Round($download.Bytes / 1MB, 1)) MB of JSON in pages of $defaultPageSize rows; $([math]::Round(100 * $download.Seconds / $export.Seconds))% of the export time"
        Add-Figure "export (Get-WeaveEvalResult | Export-Csv) $size" $export.Seconds 's' '' "peak working set $($export.PeakWorkingSetMB) MB"
        Add-Figure "parse and emit (Get-WeaveEvalResult > `$null) $size" $parse.Seconds 's' '' "peak working set $($parse.PeakWorkingSetMB) MB"
        Add-Figure "parse and emit / download alone $size" ($parse.Seconds / $download.Seconds) 'ratio' $(if ($size -eq 100000) { Test-Target ($parse.Seconds / $download.Seconds) '<=' 3 })
        if ($parseAssign) {
            Add-Figure "`$null = Get-WeaveEvalResult $size (gathers all objects first)" $parseAssign.Seconds 's' '' "peak working set $($parseAssign.PeakWorkingSetMB) MB"
            Add-Figure "`$null = Get-WeaveEvalResult / download alone $size" ($parseAssign.Seconds / $download.Seconds) 'ratio' $(if ($size -eq 100000) { Test-Target ($parseAssign.Seconds / $download.Seconds) '<=' 3 })
        }
        Add-Figure "time to first object / total $size" ($first.First / $first.Seconds) 'ratio' $(if ($size -ge 1000000) { Test-Target ($first.First / $first.Seconds) '<=' 0.05 }) "first after $([math]::Round($first.First, 3)) s of $([math]::Round($first.Seconds, 2)) s"
        Add-Figure "peak working set, export $size" $export.PeakWorkingSetMB 'MB'

        if ($size -le $InMemoryLimit) {
            $csvOnly = Invoke-Child -Arguments (Merge $arguments @{ Csv = (Join-Path $scratch "$project-prebuilt.csv") }) -Script $csvOnlyScript
            $naiveCsv = Join-Path $scratch "$project-naive.csv"
            $naive = Invoke-Child -Arguments (Merge $arguments @{ Csv = $naiveCsv }) -Script $naiveScript
            $columnsOf = { param($path) ((Get-Content -LiteralPath $path -TotalCount 1) -split ',' | Sort-Object) -join ',' }
            $sameHeader = (& $columnsOf $naiveCsv) -eq (& $columnsOf $arguments.Csv)
            $floor = $download.Seconds + $csvOnly.Seconds
            Add-Figure "floor (download alone + Export-Csv of pre-built objects) $size" $floor 's' '' "Export-Csv alone $([math]::Round($csvOnly.Seconds, 2)) s"
            Add-Figure "export / floor $size" ($export.Seconds / $floor) 'ratio' $(if ($size -eq 100000) { Test-Target ($export.Seconds / $floor) '<=' 1.3 })
            Add-Figure "naive script $size" $naive.Seconds 's' '' "peak working set $($naive.PeakWorkingSetMB) MB; same columns as the module's CSV: $sameHeader"
            Add-Figure "naive / export $size (speed-up)" ($naive.Seconds / $export.Seconds) 'ratio' $(if ($size -eq 100000) { Test-Target ($naive.Seconds / $export.Seconds) '>=' 5 })
            Add-Figure "peak working set, naive $size" $naive.PeakWorkingSetMB 'MB' '' "$([math]::Round($naive.PeakWorkingSetMB / $export.PeakWorkingSetMB, 1))x the module's"
        }
        $null = Invoke-RestMethod -Method Delete -Uri "$base/__emulator/requests"
    }
    if ($peaks.ContainsKey(100000) -and $peaks.ContainsKey(1000000)) {
        $growth = $peaks[1000000] / $peaks[100000]
        Add-Figure 'peak working set 1M / 100k (export)' $growth 'ratio' (Test-Target $growth '<=' 1.5)
    }

    # Prediction fan-out against a sequential loop, with emulator latency per request.
    $predictions = New-BenchRun 'preds' $PredictionCount $true
    $fanout = Invoke-Child -Arguments (Merge $common @{ Project = 'preds'; RunId = $predictions.sdkRunIds[0]; Count = $PredictionCount; Latency = $PredictionLatencyMs }) -Script ($connect + @'
$ids = @(Get-WeaveEvalResult -EvaluationRunId $RunId | ForEach-Object PredictionId | Select-Object -First ([int]$Count))
$rule = @{ method = 'GET'; path = '/predictions/[^/]+$'; times = 1000000; action = @{ delayMs = [int]$Latency } } | ConvertTo-Json
$null = Invoke-RestMethod -Method Post -Uri "$Base/__emulator/faults" -Body $rule -ContentType 'application/json'
$null = Get-WeavePrediction -PredictionId $ids[0]
$null = Invoke-RestMethod -Uri "$Base/v2/bench/$Project/predictions/$($ids[0])" -Headers @{ Authorization = $Auth }
$clock = [Diagnostics.Stopwatch]::StartNew()
$fetched = @($ids | Get-WeavePrediction)
$module = $clock.Elapsed.TotalSeconds
$clock.Restart()
$sequentialFetched = @(foreach ($id in $ids) { Invoke-RestMethod -Uri "$Base/v2/bench/$Project/predictions/$id" -Headers @{ Authorization = $Auth } })
$sequential = $clock.Elapsed.TotalSeconds
$null = Invoke-RestMethod -Method Delete -Uri "$Base/__emulator/faults"
if ($fetched.Count -ne $ids.Count -or $sequentialFetched.Count -ne $ids.Count) { throw "Fetched $($fetched.Count) and $($sequentialFetched.Count) of $($ids.Count) predictions." }
$result = @{ Module = $module; Sequential = $sequential; Count = $ids.Count }
'@)
    $speedup = $fanout.Sequential / $fanout.Module
    Add-Figure "predictions, $($fanout.Count) ids at $PredictionLatencyMs ms: sequential Invoke-RestMethod loop" $fanout.Sequential 's'
    Add-Figure "predictions, $($fanout.Count) ids at $PredictionLatencyMs ms: Get-WeavePrediction (-ThrottleLimit 8)" $fanout.Module 's'
    Add-Figure 'predictions: sequential / fan-out (speed-up)' $speedup 'ratio' (Test-Target $speedup '>=' 6)

    # Module import against a bare start: median of several starts each, alternating.
    $bare = [System.Collections.Generic.List[double]]::new()
    $import = [System.Collections.Generic.List[double]]::new()
    $importCommand = "Import-Module '$modulePath'; exit"
    foreach ($i in 1..$ImportRepetitions) {
        $bare.Add((Measure-Command { & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command 'exit' }).TotalSeconds)
        $import.Add((Measure-Command { & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $importCommand }).TotalSeconds)
    }
    $median = { param($values) $sorted = @($values | Sort-Object); $sorted[[int][math]::Floor($sorted.Count / 2)] }
    $bareMedian = & $median $bare
    $importMedian = & $median $import
    Add-Figure 'pwsh -NoProfile -c exit (median)' $bareMedian 's'
    Add-Figure 'pwsh -NoProfile -c "Import-Module WeaveEval; exit" (median)' $importMedian 's'
    Add-Figure 'import: (start + Import-Module) / bare start' ($importMedian / $bareMedian) 'ratio' (Test-Target ($importMedian / $bareMedian) '<=' 1.3)
}
finally {
    if (-not $emulator.Process.HasExited) { $emulator.Process.Kill() }
    $emulator.Process.WaitForExit()
    $rows | Format-Table -AutoSize -Wrap | Out-String -Width 250 | Out-Host
    $rows | Export-Csv -LiteralPath (Join-Path $scratch 'results.csv') -NoTypeInformation
}
