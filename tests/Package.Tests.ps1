#Requires -Modules Pester

# The package a user installs: build.ps1 Package's .nupkg, published in a temporary local PSResourceGet
# repository, saved into a temporary module path, imported by name in a fresh pwsh -NoProfile and
# exercised against the emulator.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $packageDirectory = if ($env:WEAVEEVAL_PACKAGE_DIRECTORY) { $env:WEAVEEVAL_PACKAGE_DIRECTORY } else { Join-Path (Split-Path -Parent $PSScriptRoot) 'out/packages' }
    $package = @(Get-ChildItem -LiteralPath $packageDirectory -Filter 'WeaveEval.*.nupkg' -ErrorAction SilentlyContinue)
    if ($package.Count -ne 1) { throw "Expected one WeaveEval .nupkg in $packageDirectory (run ./build.ps1 Package), found $($package.Count)." }

    $repositoryFolder = Join-Path $TestDrive 'repository'
    $null = New-Item -ItemType Directory -Path $repositoryFolder
    Copy-Item -LiteralPath $package[0].FullName -Destination $repositoryFolder
    $repositoryName = 'WeaveEvalTest' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Register-PSResourceRepository -Name $repositoryName -Uri $repositoryFolder -Trusted
    $modulePath = Join-Path $TestDrive 'modules'
    $null = New-Item -ItemType Directory -Path $modulePath
    Save-PSResource -Name WeaveEval -Repository $repositoryName -Path $modulePath -TrustRepository -SkipDependencyCheck -Quiet
    $installed = Get-ChildItem -LiteralPath (Join-Path $modulePath 'WeaveEval') -Directory | Select-Object -First 1

    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    $demo = Get-WeaveDemo
}

AfterAll {
    Stop-WeaveTestEmulator -Emulator $emulator
    if ($repositoryName) { Unregister-PSResourceRepository -Name $repositoryName -ErrorAction SilentlyContinue }
}

Describe 'The installed package' {
    It 'carries the module, its help, its views and the LICENSE' {
        foreach ($file in 'WeaveEval.psd1', 'WeaveEval.dll', 'WeaveEval.format.ps1xml', 'LICENSE', 'en-US/WeaveEval.dll-Help.xml', 'en-US/about_WeaveEval.help.txt') {
            Join-Path $installed.FullName $file | Should -Exist
        }
        Get-Content -Raw -LiteralPath (Join-Path $installed.FullName 'LICENSE') | Should -Match 'MIT License[\s\S]*WeaveEval contributors'
    }

    It 'has release notes in the manifest' {
        $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $installed.FullName 'WeaveEval.psd1')
        $manifest.PrivateData.PSData.ReleaseNotes | Should -Match $manifest.ModuleVersion
    }

    It 'imports by name from the module path in a fresh pwsh -NoProfile and works against the emulator' {
        $smoke = Join-Path $TestDrive 'smoke.ps1'
        Set-Content -LiteralPath $smoke -Encoding utf8 -Value @'
param([string] $ModulePath, [string] $RunA, [string] $PredictionA)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $ModulePath + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module WeaveEval
$runs = @(Get-WeaveEvaluationRun)
$results = @(Get-WeaveEvalResult -EvaluationRunId $RunA)
[pscustomobject]@{
    ModuleBase  = (Get-Module WeaveEval).ModuleBase
    Cmdlets     = @((Get-Command -Module WeaveEval).Name).Count
    Runs        = $runs.Count
    Results     = $results.Count
    ScoreColumn = @($results[0].PSObject.Properties.Name -like 'Score.*').Count
    Scorers     = @(Get-WeaveEvalSummary -EvaluationRunId $RunA).Count
    Prediction  = (Get-WeavePrediction -PredictionId $PredictionA).PredictionId
    Synopsis    = (Get-Help Get-WeaveEvalResult).Synopsis
    Table       = ($results | Out-String -Width 120)
} | ConvertTo-Json -Compress
'@
        $pwsh = @(Get-PwshCommand)
        $json = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $smoke $modulePath $demo.RunA $demo.PredictionA
        $LASTEXITCODE | Should -Be 0 -Because ($json -join "`n")
        $answer = ($json -join "`n") | ConvertFrom-Json
        $answer.ModuleBase | Should -BeLike (Join-Path $modulePath '*')
        $answer.Cmdlets | Should -Be @((Import-PowerShellDataFile -LiteralPath (Join-Path (Split-Path -Parent $PSScriptRoot) 'WeaveEval.psd1')).CmdletsToExport).Count -Because 'the package exports every cmdlet of the manifest'
        $answer.Runs | Should -Be 4
        $answer.Results | Should -Be 6
        $answer.ScoreColumn | Should -BeGreaterThan 0
        $answer.Scorers | Should -Be 4
        $answer.Prediction | Should -Be $demo.PredictionA
        $answer.Synopsis | Should -Not -BeNullOrEmpty
        $answer.Table | Should -Match '(?m)^Run\s+Trial\s+Latency\s+Input'
    }
}
