#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the WeaveEval module.
.DESCRIPTION
    Tasks:
      Build    compiles the module and assembles the shippable folder out/WeaveEval
               (manifest with its version stamped, dll, dependencies/ folder, format file, help),
               and compiles the emulator.
      Test     Build and Package, then the reference-graph check of out/WeaveEval (-Verbose prints
               the graph), the xunit suites and the Pester suite (in a fresh pwsh that imports the
               built module; one file installs the package); prints 'N passed, N failed' and fails on
               any failure. The interop tests need Node.js: their pinned W&B TypeScript SDK is
               installed with 'npm ci' from tests/interop/package-lock.json; without node or npm they
               are reported as skipped (never as passed).
      Demo     Build, start the emulator with its demo data, list the runs, export every completed
               run's results and the summary to CSV under out/demo, show the summary table.
      Package  Build, then a .nupkg of the module (LICENSE included) under out/packages (Compress-PSResource).
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Demo
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tag filter for quick local runs (empty = everything).
    [string[]] $PesterTag = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$ModuleOut = Join-Path $OutDir 'WeaveEval'
$ModuleProject = Join-Path $RepoRoot 'src/WeaveEval/WeaveEval.csproj'
$EmulatorProject = Join-Path $RepoRoot 'tests/WeaveEval.Emulator/WeaveEval.Emulator.csproj'
$PesterVersion = '5.7.1'
$InteropDir = Join-Path $RepoRoot 'tests/interop'

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    [xml] $project = Get-Content -LiteralPath $ModuleProject -Raw
    $version = $project.Project.PropertyGroup | ForEach-Object { $_.Version } | Where-Object { $_ } | Select-Object -First 1
    if (-not $version) { throw "No <Version> in $ModuleProject." }
    $version
}

# The module dll in the module root; the third-party assemblies in dependencies/, where neither .NET Framework's
# probing nor PowerShell's finds them, so that the module's resolver (Loading/DependencyResolver.cs) answers for them.
# System.Management.Automation is the host's own; shipping the reference copy would shadow it.
function Copy-ModuleAssemblies {
    $binDir = Join-Path $RepoRoot "src/WeaveEval/bin/$Configuration/netstandard2.0"
    $dependencies = Join-Path $ModuleOut 'dependencies'
    $null = New-Item -ItemType Directory -Path $dependencies
    Copy-Item -LiteralPath (Join-Path $binDir 'WeaveEval.dll') -Destination $ModuleOut
    Get-ChildItem -LiteralPath $binDir -Filter '*.dll' |
        Where-Object Name -NotIn 'WeaveEval.dll', 'System.Management.Automation.dll' |
        Copy-Item -Destination $dependencies
}

function Invoke-Build {
    Write-Host "==> Build ($Configuration)" -ForegroundColor Cyan
    Invoke-Native dotnet @('build', $ModuleProject, '-c', $Configuration, '-nologo', '-v', 'q')
    Invoke-Native dotnet @('build', $EmulatorProject, '-c', $Configuration, '-nologo', '-v', 'q')

    if (Test-Path -LiteralPath $ModuleOut) { Remove-Item -LiteralPath $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut
    Copy-ModuleAssemblies
    Copy-Item -LiteralPath (Join-Path $RepoRoot 'WeaveEval.format.ps1xml') -Destination $ModuleOut
    Copy-Item -LiteralPath (Join-Path $RepoRoot 'LICENSE') -Destination $ModuleOut
    Copy-Item -LiteralPath (Join-Path $RepoRoot 'src/WeaveEval/en-US') -Destination $ModuleOut -Recurse

    $version = Get-ModuleVersion
    $manifest = Get-Content -LiteralPath (Join-Path $RepoRoot 'WeaveEval.psd1') -Raw
    $stamped = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion = '$version'"
    Set-Content -LiteralPath (Join-Path $ModuleOut 'WeaveEval.psd1') -Value $stamped -Encoding utf8NoBOM
    $null = Test-ModuleManifest -Path (Join-Path $ModuleOut 'WeaveEval.psd1')
    Write-Host "    module $version -> $ModuleOut"
}

function Get-PesterModulePath {
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $path = Join-Path $packages "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $path)) {
        Invoke-Native dotnet @('restore', (Join-Path $RepoRoot 'tests/tools/Pester.csproj'), '-nologo', '-v', 'q')
    }
    if (-not (Test-Path -LiteralPath $path)) { throw "Pester $PesterVersion was restored but $path is missing." }
    $path
}

# Starts a pwsh child process running the same PowerShell as this script (the pinned local tool).
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Command, [hashtable] $Environment = @{})
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $Environment[$name])
    }
    try {
        $pwshDll = Join-Path $PSHOME 'pwsh.dll'
        if (Test-Path -LiteralPath $pwshDll) {
            & dotnet $pwshDll -NoProfile -NonInteractive -Command $Command | Out-Host
        }
        else {
            & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $Command | Out-Host
        }
        $LASTEXITCODE
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function Invoke-XunitSuites {
    $results = Join-Path $OutDir 'test-results'
    $null = New-Item -ItemType Directory -Path $results -Force
    $passed = 0; $failed = 0
    foreach ($suite in 'WeaveEval.Tests', 'WeaveEval.Emulator.Tests') {
        Write-Host "==> xunit $suite" -ForegroundColor Cyan
        $trx = Join-Path $results "$suite.trx"
        if (Test-Path -LiteralPath $trx) { Remove-Item -LiteralPath $trx }
        & dotnet test (Join-Path $RepoRoot "tests/$suite/$suite.csproj") -c $Configuration -nologo `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' `
            --blame-hang-timeout 5m | Out-Host
        $exit = $LASTEXITCODE
        if (-not (Test-Path -LiteralPath $trx)) {
            Write-Host "    $suite produced no results (exit $exit)" -ForegroundColor Red
            $failed++
            continue
        }
        [xml] $report = Get-Content -LiteralPath $trx -Raw
        $counters = $report.TestRun.ResultSummary.Counters
        $passed += [int] $counters.passed
        $failed += [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        if ($exit -ne 0 -and [int] $counters.failed -eq 0) { $failed++ }
    }
    [pscustomobject] @{ Passed = $passed; Failed = $failed }
}

function Invoke-PesterSuite {
    Write-Host '==> Pester' -ForegroundColor Cyan
    $pester = Get-PesterModulePath
    $summary = Join-Path $OutDir 'test-results/pester-summary.json'
    if (Test-Path -LiteralPath $summary) { Remove-Item -LiteralPath $summary }
    $tags = ($PesterTag | ForEach-Object { "'$_'" }) -join ','
    $command = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester' -MinimumVersion $PesterVersion
`$config = New-PesterConfiguration
`$config.Run.Path = '$(Join-Path $RepoRoot 'tests')'
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Normal'
`$config.TestResult.Enabled = `$true
`$config.TestResult.OutputPath = '$(Join-Path $OutDir 'test-results/pester.xml')'
if (@($tags).Count) { `$config.Filter.Tag = @($tags) }
`$result = Invoke-Pester -Configuration `$config
@{ Passed = `$result.PassedCount; Failed = `$result.FailedCount + `$result.FailedBlocksCount + `$result.FailedContainersCount; Skipped = `$result.SkippedCount } |
    ConvertTo-Json | Set-Content -LiteralPath '$summary'
"@
    $null = Invoke-ChildPwsh -Command $command -Environment @{
        WEAVEEVAL_MODULE_PATH = (Join-Path $ModuleOut 'WeaveEval.psd1')
        WEAVEEVAL_PACKAGE_DIRECTORY = (Join-Path $OutDir 'packages')
        WEAVEEVAL_CONFIGURATION = $Configuration
    }
    if (-not (Test-Path -LiteralPath $summary)) {
        Write-Host '    Pester produced no summary' -ForegroundColor Red
        return [pscustomobject] @{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    $counts = Get-Content -LiteralPath $summary -Raw | ConvertFrom-Json
    [pscustomobject] @{ Passed = [int] $counts.Passed; Failed = [int] $counts.Failed; Skipped = [int] $counts.Skipped }
}

# Installs the interop tests' pinned packages exactly as the lock file says (npm ci, from the local
# npm cache when it has them). Without node or npm it says so and installs nothing: the interop tests
# then skip themselves (tests/Interop.Tests.ps1 checks the same commands). Returns whether npm ci failed.
function Install-InteropPackage {
    Write-Host '==> npm ci (tests/interop)' -ForegroundColor Cyan
    $missing = @('node', 'npm') | Where-Object { -not (Get-Command $_ -CommandType Application -ErrorAction SilentlyContinue) }
    if ($missing) {
        Write-Host "    $($missing -join ' and ') not found: the interop tests with the real W&B TypeScript SDK are skipped" -ForegroundColor Yellow
        return $false
    }
    Push-Location -LiteralPath $InteropDir
    try {
        & npm ci --prefer-offline --no-audit --no-fund --loglevel error | Out-Host
        if ($LASTEXITCODE -eq 0) { return $false }
        Write-Host "    npm ci failed with exit code $LASTEXITCODE" -ForegroundColor Red
        $true
    }
    finally {
        Pop-Location
    }
}

# Reads out/WeaveEval with System.Reflection.Metadata (tests/WeaveEval.ReferenceCheck) and checks it against
# .NET Framework 4.7.2, netstandard2.0 and PowerShell Standard 5.1; each rule counts as one test. The graph is
# written with Write-Verbose (build.ps1 Test -Verbose shows it).
function Get-ReferenceCheckPath {
    Join-Path $RepoRoot "tests/WeaveEval.ReferenceCheck/bin/$Configuration/net10.0/WeaveEval.ReferenceCheck.dll"
}

function Invoke-ReferenceGraphCheck {
    Write-Host '==> Reference graph of out/WeaveEval' -ForegroundColor Cyan
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'tests/WeaveEval.ReferenceCheck/WeaveEval.ReferenceCheck.csproj'), '-c', $Configuration, '-nologo', '-v', 'q')
    $passed = 0; $failed = 0
    $lines = & dotnet (Get-ReferenceCheckPath) $ModuleOut 2>&1
    $exit = $LASTEXITCODE
    foreach ($line in $lines) {
        switch -Regex ("$line") {
            '^graph: (.*)$' { Write-Verbose $Matches[1]; break }
            '^pass: (.*)$' { $passed++; Write-Host "    [+] $($Matches[1])" -ForegroundColor Green; break }
            '^fail: (.*)$' { Write-Host "    [-] $($Matches[1])" -ForegroundColor Red; break }
            default { Write-Host "    $line" }
        }
    }
    $failedRules = @($lines | ForEach-Object { "$_" } | Where-Object { $_ -match '^fail: (\w+) - ' } | ForEach-Object { ($_ -split ' - ', 2)[0] } | Sort-Object -Unique).Count
    $failed += $failedRules
    if ($exit -ne 0 -and $failedRules -eq 0) {
        Write-Host "    the reference check did not run (exit $exit)" -ForegroundColor Red
        $failed++
    }
    [pscustomobject] @{ Passed = $passed; Failed = $failed }
}

function Invoke-Test {
    Invoke-Build
    New-ModulePackage
    $graph = Invoke-ReferenceGraphCheck
    $xunit = Invoke-XunitSuites
    $npmFailed = Install-InteropPackage
    $pester = Invoke-PesterSuite
    $passed = $graph.Passed + $xunit.Passed + $pester.Passed
    $failed = $graph.Failed + $xunit.Failed + $pester.Failed + [int] $npmFailed
    Write-Host "reference graph: $($graph.Passed) passed, $($graph.Failed) failed; xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
    # The last line is the one CI reads.
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Start-DemoEmulator {
    param([string] $ApiKey)
    $dll = Join-Path $RepoRoot "tests/WeaveEval.Emulator/bin/$Configuration/net10.0/WeaveEval.Emulator.dll"
    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in @($dll, '--port', '0', '--seed', 'demo', '--api-key', $ApiKey)) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ([DateTime]::UtcNow -lt $deadline) {
        $line = $process.StandardOutput.ReadLine()
        if ($null -eq $line) { break }
        if ($line -match 'listening on (http://\S+)') { return [pscustomobject] @{ Process = $process; BaseUri = $Matches[1] } }
    }
    $process.Kill()
    throw 'The emulator did not report its address.'
}

function Invoke-Demo {
    Invoke-Build
    $demoDir = Join-Path $OutDir 'demo'
    $null = New-Item -ItemType Directory -Path $demoDir -Force
    $apiKey = 'demo-' + [Guid]::NewGuid().ToString('N')
    $emulator = Start-DemoEmulator -ApiKey $apiKey
    try {
        Write-Host "==> Emulator with demo data at $($emulator.BaseUri)" -ForegroundColor Cyan
        Import-Module (Join-Path $ModuleOut 'WeaveEval.psd1') -Force
        $secureKey = ConvertTo-SecureString $apiKey -AsPlainText -Force
        Connect-Weave -Entity acme-ai -Project helpdesk-bot -ApiKey $secureKey -BaseUri $emulator.BaseUri

        Write-Host '==> Evaluation runs (newest first)' -ForegroundColor Cyan
        $runs = Get-WeaveEvaluationRun
        # The module's own default views, as a user sees them.
        $runs | Out-String -Width 200 | Out-Host

        $completed = $runs | Where-Object Status -EQ completed
        $resultsCsv = Join-Path $demoDir 'results.csv'
        $summaryCsv = Join-Path $demoDir 'summary.csv'
        $completed | Get-WeaveEvalResult | Export-Csv -LiteralPath $resultsCsv -NoTypeInformation
        $summary = $completed | Get-WeaveEvalSummary
        $summary | Export-Csv -LiteralPath $summaryCsv -NoTypeInformation

        Write-Host '==> Scorer summary of the completed runs' -ForegroundColor Cyan
        $summary | Out-String -Width 200 | Out-Host
        Write-Host '==> The first results of the newest completed run' -ForegroundColor Cyan
        $completed | Select-Object -First 1 | Get-WeaveEvalResult -First 5 | Out-String -Width 200 | Out-Host
        $rows = @(Import-Csv -LiteralPath $resultsCsv).Count
        Write-Host "Wrote $rows trial rows to $resultsCsv and $(@($summary).Count) scorer rows to $summaryCsv" -ForegroundColor Green
        Disconnect-Weave
    }
    finally {
        if (-not $emulator.Process.HasExited) { $emulator.Process.Kill() }
        $emulator.Process.Dispose()
    }
}

function Invoke-Package {
    Invoke-Build
    New-ModulePackage
}

# The .nupkg of the built module folder (LICENSE included) under out/packages, replacing any older one.
# Test makes it too: Package.Tests.ps1 installs it from a local repository.
function New-ModulePackage {
    $packages = Join-Path $OutDir 'packages'
    if (Test-Path -LiteralPath $packages) { Remove-Item -LiteralPath $packages -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $packages
    Compress-PSResource -Path $ModuleOut -DestinationPath $packages
    Get-ChildItem -LiteralPath $packages -Filter '*.nupkg' | ForEach-Object { Write-Host "    package -> $($_.FullName)" }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Package' { Invoke-Package }
}
