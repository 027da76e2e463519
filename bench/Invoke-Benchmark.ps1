#Requires -Version 7.2
<#
.SYNOPSIS
    Measures WeaveEval against the scripts a user would write by hand, as ratios within one run.
.DESCRIPTION
    Builds the module (unless -NoBuild), copies it to out/bench/module (so a rebuild cannot change it
    mid-run), and for each -Profile starts the emulator with that profile and generates one SDK
    evaluation run of N trials per size. Every measurement runs in its own child pwsh, so each has its
    own peak working set:
      download  one unpaged eval_results request, read and thrown away: the transfer of the floor
      export    Get-WeaveEvalResult | Export-Csv (also: its requests and their bytes)
      direct    Export-WeaveEvalResult -EvaluationRunId -Path (CSV and JSON Lines): the direct writer; its
                speed-up over export compares the medians of -Repeats alternating runs of each
      naive     one Invoke-RestMethod POST without paging, a loop building [pscustomobject] rows, Export-Csv
      csvonly   Export-Csv of the same objects, built before the clock starts
      floor     download + csvonly
      parse     Get-WeaveEvalResult > $null (parse and emit only)
      first     time to the first object of Get-WeaveEvalResult
      compare   Compare-WeaveEvaluation of two runs of N trials each (same rows), default output and
                -PerRow, against Get-WeaveEvalResult | Export-Csv of both runs (-SkipCompare leaves it out)
    then (loopback profile) prediction fan-out against a sequential Invoke-RestMethod loop and module
    import against a bare pwsh start. Prints one table of figures and ratios and writes it to
    out/bench/results.csv. Not part of the test suite.
.PARAMETER Profile
    remote (100 ms per request, 3 µs of server work per trial per eval_results query, 25 MB/s per
    connection: what users meet) and/or loopback (no latency). Both by default, remote first.
.PARAMETER Sizes
    Trials per measured run. 1000000 is opt-in (-IncludeMillion; several GB in the emulator).
.PARAMETER Sweep
    Instead of the suite: export at the largest size for each -ThrottleLimits x -PageSizes.
.EXAMPLE
    dotnet pwsh ./bench/Invoke-Benchmark.ps1                 # 10k and 100k trials, both profiles
.EXAMPLE
    dotnet pwsh -NoProfile -c "./bench/Invoke-Benchmark.ps1 -Profile remote -Sizes 100000 -IncludeMillion"
.EXAMPLE
    dotnet pwsh -NoProfile -c "./bench/Invoke-Benchmark.ps1 -Profile remote -Sizes 100000 -Sweep"
#>
[CmdletBinding()]
param(
    [int[]] $Sizes = @(10000, 100000),
    # loopback: the emulator answers at once. remote: 100 ms per request, 3 µs of server work per trial of
    # the queried run on every eval_results query, 25 MB/s per connection (what users meet over the internet).
    [ValidateSet('loopback', 'remote')]
    [string[]] $Profile = @('remote', 'loopback'),
    [int] $TrialsPerRow = 2,
    [int] $PredictionCount = 500,
    [int] $PredictionLatencyMs = 50,
    [int] $ImportRepetitions = 7,
    # The naive script and the pre-built objects of the floor hold every row in memory: skip them above this.
    [int] $InMemoryLimit = 200000,
    # Adds the 1M-trial size (about 4 GB in the emulator, some minutes).
    [switch] $IncludeMillion,
    # Instead of the suite: export at the largest size for each -ThrottleLimit and -PageSize (0 = sized by bytes).
    [switch] $Sweep,
    [int[]] $ThrottleLimits = @(1, 2, 4, 8),
    [int[]] $PageSizes = @(0, 500, 2000),
    # Leaves out the comparison rows (two more generated runs per size).
    [switch] $SkipCompare,
    # The direct writer's speed-up is a ratio of two timings that the machine's load moves by up to ±20 %
    # each: export and direct writer are timed this many times, alternating, and their medians compared.
    [ValidateRange(1, 15)]
    [int] $Repeats = 3,
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

function Start-BenchEmulator([string] $ProfileName) {
    $dll = Join-Path $repo 'tests/WeaveEval.Emulator/bin/Release/net10.0/WeaveEval.Emulator.dll'
    $info = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--port', '0', '--seed', 'none', '--api-key', $apiKey, '--profile', $ProfileName)) { $info.ArgumentList.Add($a) }
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

function New-BenchRun([string] $Project, [int] $Trials, [bool] $WithChildren, [int] $Runs = 1) {
    $spec = @{ project = "bench/$Project"; rows = [int][math]::Ceiling($Trials / $TrialsPerRow); trials = $TrialsPerRow; runs = $Runs; apiRuns = 0; withChildren = $WithChildren; seed = 7 } | ConvertTo-Json
    Invoke-RestMethod -Method Post -Uri "$base/__emulator/generate" -Body $spec -ContentType 'application/json'
}

$rows = [System.Collections.Generic.List[object]]::new()
function Add-Figure([string] $Name, [double] $Value, [string] $Unit, [string] $Target = '', [string] $Note = '') {
    $rows.Add([pscustomobject] @{ Measure = $Name; Value = [math]::Round($Value, 3); Unit = $Unit; Target = $Target; Note = $Note })
}
function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $middle = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

function Format-Range([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    '{0:0.00}–{1:0.00} s' -f $sorted[0], $sorted[-1]
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
if ([int]$ThrottleLimit -gt 0) { $extra.ThrottleLimit = [int]$ThrottleLimit }
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
# The direct writer: pages straight to the file, no PowerShell objects. $Format: Csv or JsonLines.
$directScript = $connect + @'
$warmFile = Join-Path ([IO.Path]::GetTempPath()) ('bench-warm-' + [Guid]::NewGuid().ToString('N'))
$null = Export-WeaveEvalResult -Project $WarmProject -EvaluationRunId $WarmRunId -Path $warmFile -Format $Format @extra
Remove-Item -LiteralPath $warmFile
$clock = [Diagnostics.Stopwatch]::StartNew()
$null = Export-WeaveEvalResult -EvaluationRunId $RunId -Path $Csv -Format $Format @extra
$result = @{ Seconds = $clock.Elapsed.TotalSeconds }
'@
# Parse and emit, objects dropped as they come (> $null streams; $null = first gathers every object).
$parseScript = $connect + @'
Get-WeaveEvalResult -Project $WarmProject -EvaluationRunId $WarmRunId @extra > $null
$clock = [Diagnostics.Stopwatch]::StartNew()
Get-WeaveEvalResult -EvaluationRunId $RunId @extra > $null
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
# Two runs of the same rows: the comparison against exporting both (what a user would diff by hand).
$exportPairScript = $connect + @'
$warmCsv = Join-Path ([IO.Path]::GetTempPath()) ('bench-warm-' + [Guid]::NewGuid().ToString('N') + '.csv')
Get-WeaveEvalResult -Project $WarmPairProject -EvaluationRunId $WarmBaseline, $WarmCandidate | Export-Csv -LiteralPath $warmCsv -NoTypeInformation
Remove-Item -LiteralPath $warmCsv
$clock = [Diagnostics.Stopwatch]::StartNew()
Get-WeaveEvalResult -EvaluationRunId $RunId, $CandidateRunId | Export-Csv -LiteralPath $Csv -NoTypeInformation
$result = @{ Seconds = $clock.Elapsed.TotalSeconds }
'@
$compareScript = $connect + @'
$perRow = [bool]::Parse($PerRow)
Compare-WeaveEvaluation -Project $WarmPairProject -BaselineRunId $WarmBaseline -CandidateRunId $WarmCandidate -PerRow:$perRow -WarningAction SilentlyContinue > $null
$clock = [Diagnostics.Stopwatch]::StartNew()
$count = @{ Objects = 0 }
Compare-WeaveEvaluation -BaselineRunId $RunId -CandidateRunId $CandidateRunId -PerRow:$perRow -WarningAction SilentlyContinue | & { process { $count.Objects++ } }
$result = @{ Seconds = $clock.Elapsed.TotalSeconds; Objects = $count.Objects }
'@
# One unpaged eval_results request, read into a scratch buffer and dropped: what the floor downloads.
# A one-row request first (unmeasured) sets up this process's HTTP stack and the connection.
$downloadScript = @'
$http = [System.Net.Http.HttpClient]::new()
$http.DefaultRequestHeaders.Add('Authorization', $Auth)
$buffer = [byte[]]::new(81920)
foreach ($limit in @(',"limit":1', '')) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $bytes = 0L
    $body = '{"evaluation_run_ids":["' + $RunId + '"],"include_raw_data_rows":true,"resolve_row_refs":true' + $limit + '}'
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
                EvaluationRunId = $evaluation.evaluation_call_id; ModelName = $null; EvaluationName = $null; DisplayName = $null; RowDigest = $row.row_digest; TrialIndex = $index++
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

function Measure-FanOutAndImport {
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
    $bareMedian = Get-Median $bare
    $importMedian = Get-Median $import
    Add-Figure 'pwsh -NoProfile -c exit (median)' $bareMedian 's'
    Add-Figure 'pwsh -NoProfile -c "Import-Module WeaveEval; exit" (median)' $importMedian 's'
    Add-Figure 'import: (start + Import-Module) / bare start' ($importMedian / $bareMedian) 'ratio' (Test-Target ($importMedian / $bareMedian) '<=' 1.3)
}

# The export's own requests in the emulator's log: those that name its project or its run.
function Get-ExportRequest([string] $Project, [string] $RunId) {
    $logged = Invoke-RestMethod -Uri "$base/__emulator/requests"
    @($logged | ForEach-Object { $_ } | Where-Object { $_.path -like "*/bench/$Project/*" -or $_.body -like "*$RunId*" })
}

# The same fixed work, timed before each profile and at the end: this 2-core machine's speed moves by
# ±25 % over minutes, more than the direct writer's margin, and a ratio taken while it was slow says so here.
$calibration = [int[]]::new(4000000)
$randomBytes = [byte[]]::new(4 * $calibration.Length)
[Random]::new(7).NextBytes($randomBytes)
[Buffer]::BlockCopy($randomBytes, 0, $calibration, 0, $randomBytes.Length)
function Add-MachineSpeed([string] $When) {
    $times = foreach ($round in 1..3) {
        $copy = $calibration.Clone()
        $clock = [Diagnostics.Stopwatch]::StartNew()
        [Array]::Sort($copy)
        $clock.Elapsed.TotalSeconds
    }
    Add-Figure "machine: sorting 4M integers (median of 3), $When" (Get-Median $times) 's' '' 'the same work every time: higher means a busier machine'
}

try {
foreach ($profileName in $Profile) {
    Add-MachineSpeed "before the $profileName profile"
    $emulator = Start-BenchEmulator $profileName
    $base = $emulator.BaseUri
    $p = "[$profileName]"
    try {
        $warmRun = New-BenchRun 'warm' 20000 $false
        $common = @{ Base = $base; ApiKey = $apiKey; Module = $modulePath; Auth = $authHeader; PageSize = 0; ThrottleLimit = 0; WarmProject = 'warm'; WarmRunId = $warmRun.sdkRunIds[0] }
        if (-not $SkipCompare -and -not $Sweep) {
            $warmPair = New-BenchRun 'warmpair' 5000 $false 2
            $common = Merge $common @{ WarmPairProject = 'warmpair'; WarmBaseline = $warmPair.sdkRunIds[0]; WarmCandidate = $warmPair.sdkRunIds[1] }
        }

        if ($Sweep) {
            $size = ($Sizes | Measure-Object -Maximum).Maximum
            $generated = New-BenchRun "sweep$size" $size $false
            foreach ($throttle in $ThrottleLimits) {
                foreach ($candidate in $PageSizes) {
                    $arguments = Merge $common @{ Project = "sweep$size"; RunId = $generated.sdkRunIds[0]; Csv = (Join-Path $scratch 'sweep.csv'); PageSize = $candidate; ThrottleLimit = $throttle }
                    $null = Invoke-RestMethod -Method Delete -Uri "$base/__emulator/requests"
                    $export = Invoke-Child -Arguments $arguments -Script $exportScript
                    $requests = @(Get-ExportRequest "sweep$size" $generated.sdkRunIds[0]).Count
                    $pages = if ($candidate -gt 0) { "$candidate rows" } else { 'sized by bytes' }
                    Add-Figure "$p export $size, -ThrottleLimit $throttle, pages $pages" $export.Seconds 's' '' "peak $($export.PeakWorkingSetMB) MB, $requests requests"
                }
            }
            continue
        }

        $peaks = @{}
        foreach ($size in $Sizes) {
            $project = "n$size"
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $generated = New-BenchRun $project $size $false
            Add-Figure "$p emulator: generate $size trials" $clock.Elapsed.TotalSeconds 's' '' 'setup, not timed in any ratio'
            $runId = $generated.sdkRunIds[0]
            $arguments = Merge $common @{ Project = $project; RunId = $runId; Csv = (Join-Path $scratch "$project.csv"); Rows = $generated.rows }

            # Untimed first: the emulator derives each row's text the first time a query of its shape reads
            # it and keeps it (a remote server's work is charged as time); whichever timed child came first
            # would pay that CPU otherwise.
            $null = Invoke-Child -Arguments $arguments -Script $downloadScript
            $download = Invoke-Child -Arguments $arguments -Script $downloadScript
            $null = Invoke-RestMethod -Method Delete -Uri "$base/__emulator/requests"
            $export = Invoke-Child -Arguments $arguments -Script $exportScript
            $requests = @(Get-ExportRequest $project $runId)
            $first = Invoke-Child -Arguments $arguments -Script $firstScript
            $inMemory = $size -le $InMemoryLimit
            $parse = if ($inMemory) { Invoke-Child -Arguments $arguments -Script $parseScript }
            $peaks[$size] = $export.PeakWorkingSetMB
            $directArguments = Merge $arguments @{ Csv = (Join-Path $scratch "$project-direct.csv"); Format = 'Csv' }
            $direct = Invoke-Child -Arguments $directArguments -Script $directScript
            $exportTimes = @($export.Seconds)
            $directTimes = @($direct.Seconds)
            for ($i = 1; $i -lt $Repeats; $i++) {
                $exportTimes += (Invoke-Child -Arguments $arguments -Script $exportScript).Seconds
                $directTimes += (Invoke-Child -Arguments $directArguments -Script $directScript).Seconds
            }
            # The export's figure and every ratio with it use the median of its runs.
            $exportMedian = Get-Median $exportTimes
            $directMedian = Get-Median $directTimes
            Add-Figure "$p one unpaged download $size" $download.Seconds 's' '' "$([math]::Round($download.Bytes / 1MB, 1)) MB of JSON in one response"
            Add-Figure "$p export (Get-WeaveEvalResult | Export-Csv) $size" $exportMedian 's' '' "median of $Repeats ($(Format-Range $exportTimes)); peak working set $($export.PeakWorkingSetMB) MB; $($requests.Count) requests ($(@($requests | Where-Object path -like '*eval_results*').Count) eval_results)"
            if ($parse) { Add-Figure "$p parse and emit (Get-WeaveEvalResult > `$null) $size" $parse.Seconds 's' '' "peak working set $($parse.PeakWorkingSetMB) MB" }
            $directLines = Invoke-Child -Arguments (Merge $arguments @{ Csv = (Join-Path $scratch "$project-direct.jsonl"); Format = 'JsonLines' }) -Script $directScript
            $sameDirectHeader = (Get-Content -LiteralPath (Join-Path $scratch "$project-direct.csv") -TotalCount 1) -eq (Get-Content -LiteralPath $arguments.Csv -TotalCount 1)
            Add-Figure "$p direct writer (Export-WeaveEvalResult -EvaluationRunId, CSV) $size" $directMedian 's' '' "median of $Repeats ($(Format-Range $directTimes)); peak working set $($direct.PeakWorkingSetMB) MB; same header as Export-Csv: $sameDirectHeader"
            Add-Figure "$p direct writer (JSON Lines) $size" $directLines.Seconds 's' '' "peak working set $($directLines.PeakWorkingSetMB) MB"
            Add-Figure "$p export / direct writer $size (speed-up)" ($exportMedian / $directMedian) 'ratio' $(if ($size -eq 100000) { Test-Target ($exportMedian / $directMedian) '>=' 2 }) "medians of $Repeats alternating runs of each"
            $firstTarget = if ($profileName -eq 'remote' -and $size -eq 100000) { Test-Target $first.First '<=' 1 } elseif ($size -ge 1000000) { Test-Target ($first.First / $first.Seconds) '<=' 0.05 }
            Add-Figure "$p time to first object $size" $first.First 's' $firstTarget "of $([math]::Round($first.Seconds, 2)) s in all ($([math]::Round(100 * $first.First / $first.Seconds, 1)) %)"
            Add-Figure "$p peak working set, export $size" $export.PeakWorkingSetMB 'MB' $(if ($size -ge 1000000) { Test-Target $export.PeakWorkingSetMB '<=' 400 })

            if ($inMemory) {
                $csvOnly = Invoke-Child -Arguments (Merge $arguments @{ Csv = (Join-Path $scratch "$project-prebuilt.csv") }) -Script $csvOnlyScript
                $naiveCsv = Join-Path $scratch "$project-naive.csv"
                $naive = Invoke-Child -Arguments (Merge $arguments @{ Csv = $naiveCsv }) -Script $naiveScript
                $columnsOf = { param($path) ((Get-Content -LiteralPath $path -TotalCount 1) -split ',' | Sort-Object) -join ',' }
                $sameHeader = (& $columnsOf $naiveCsv) -eq (& $columnsOf $arguments.Csv)
                $floor = $download.Seconds + $csvOnly.Seconds
                Add-Figure "$p floor (one unpaged download + Export-Csv of pre-built objects) $size" $floor 's' '' "Export-Csv alone $([math]::Round($csvOnly.Seconds, 2)) s"
                # A target where the transfer is what the floor measures (remote): on loopback the download of a
                # cached run is almost free, and the floor is only Export-Csv of objects already parsed.
                Add-Figure "$p export / floor $size" ($exportMedian / $floor) 'ratio' $(if ($size -eq 100000 -and $profileName -eq 'remote') { Test-Target ($exportMedian / $floor) '<=' 1.3 })
                Add-Figure "$p naive script $size" $naive.Seconds 's' '' "peak working set $($naive.PeakWorkingSetMB) MB; same columns as the module's CSV: $sameHeader"
                Add-Figure "$p naive / export $size (speed-up)" ($naive.Seconds / $exportMedian) 'ratio' $(if ($size -eq 100000) { Test-Target ($naive.Seconds / $exportMedian) '>=' 5 })
            }
            if (-not $SkipCompare) {
                $pairProject = "pair$size"
                $pair = New-BenchRun $pairProject $size $false 2
                $pairArguments = Merge $common @{ Project = $pairProject; RunId = $pair.sdkRunIds[0]; CandidateRunId = $pair.sdkRunIds[1]; Csv = (Join-Path $scratch "$pairProject.csv"); PerRow = 'false' }
                # Each side once untimed first, so that neither pays the emulator's first reading of its queries.
                $null = Invoke-Child -Arguments $pairArguments -Script $exportPairScript
                $null = Invoke-Child -Arguments $pairArguments -Script $compareScript
                $exportPair = Invoke-Child -Arguments $pairArguments -Script $exportPairScript
                $compared = Invoke-Child -Arguments $pairArguments -Script $compareScript
                $perRow = Invoke-Child -Arguments (Merge $pairArguments @{ PerRow = 'true' }) -Script $compareScript
                $ratio = $compared.Seconds / $exportPair.Seconds
                Add-Figure "$p export both runs (Get-WeaveEvalResult | Export-Csv) 2 x $size" $exportPair.Seconds 's' '' "peak working set $($exportPair.PeakWorkingSetMB) MB"
                Add-Figure "$p Compare-WeaveEvaluation 2 x $size" $compared.Seconds 's' '' "peak working set $($compared.PeakWorkingSetMB) MB; $($compared.Objects) ScoreComparison objects"
                Add-Figure "$p compare / export both $size" $ratio 'ratio' $(if ($size -eq 100000) { Test-Target $ratio '<=' 1.5 })
                Add-Figure "$p Compare-WeaveEvaluation -PerRow 2 x $size" $perRow.Seconds 's' '' "peak working set $($perRow.PeakWorkingSetMB) MB; $($perRow.Objects) RowComparison objects (one sorted query per dimension)"
                $memory = $compared.PeakWorkingSetMB / $exportPair.PeakWorkingSetMB
                Add-Figure "$p peak working set, compare / export both $size" $memory 'ratio' $(if ($size -eq 100000) { Test-Target $memory '<=' 1 }) 'flat: the rows stream through, only the totals are kept'
            }
            $null = Invoke-RestMethod -Method Delete -Uri "$base/__emulator/requests"
        }
        if ($peaks.ContainsKey(100000) -and $peaks.ContainsKey(1000000)) {
            $growth = $peaks[1000000] / $peaks[100000]
            Add-Figure "$p peak working set 1M / 100k (export)" $growth 'ratio' (Test-Target $growth '<=' 1.5)
        }
        if ($profileName -eq 'loopback') { Measure-FanOutAndImport }
    }
    finally {
        if (-not $emulator.Process.HasExited) { $emulator.Process.Kill() }
        $emulator.Process.WaitForExit()
    }
}
}
finally {
    Add-MachineSpeed 'at the end'
    $rows | Format-Table -AutoSize -Wrap | Out-String -Width 250 | Out-Host
    $rows | Export-Csv -LiteralPath (Join-Path $scratch 'results.csv') -NoTypeInformation
}
