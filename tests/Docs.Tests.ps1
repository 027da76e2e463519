#Requires -Modules Pester

# Docs that run: every ```powershell block of README.md and every PS> example of about_WeaveEval runs
# against the emulator's demo project. A README block that cannot run unattended is marked on the line
# before its fence with <!-- docs-test: not run (reason) -->; there are few and each says why.
# The placeholders a reader replaces ('<your key>', 'my-team', 'my-project', MyModel) are replaced by
# the emulator's key, entity, project and a model of its demo data, and ./out/WeaveEval by the module
# under test.

BeforeDiscovery {
    $repoRoot = Split-Path -Parent $PSScriptRoot
    $readme = Get-Content -LiteralPath (Join-Path $repoRoot 'README.md')
    $script:readmeBlocks = @()
    $script:skippedBlocks = @()
    for ($i = 0; $i -lt $readme.Count; $i++) {
        if ($readme[$i] -ne '```powershell') { continue }
        $start = $i + 1
        $end = $start
        while ($readme[$end] -ne '```') { $end++ }
        $block = @{ Line = $start; Code = ($readme[$start..($end - 1)] -join "`n") }
        if ($i -gt 0 -and $readme[$i - 1] -match '^<!-- docs-test: not run \((?<why>.+)\) -->$') { $script:skippedBlocks += $block + @{ Why = $Matches.why } }
        else { $script:readmeBlocks += $block }
        $i = $end
    }

    $about = Get-Content -LiteralPath (Join-Path $repoRoot 'src/WeaveEval/en-US/about_WeaveEval.help.txt')
    $script:aboutExamples = @()
    $current = $null
    for ($i = 0; $i -lt $about.Count; $i++) {
        if ($about[$i] -match '^\s+PS> (?<code>.*)$') {
            $current = @{ Line = $i + 1; Code = $Matches.code }
            $script:aboutExamples += $current
        }
        elseif ($null -ne $current -and $about[$i] -match '^\s+>> (?<code>.*)$') { $current.Code += "`n" + $Matches.code }
        else { $current = $null }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    $demo = Get-WeaveDemo

    # Runs documentation code the way a reader would, with errors terminating, in a scratch folder and
    # a child scope (its variables do not leak into the next). The README's ./out/WeaveEval is the
    # module under test (importing a second copy from elsewhere would leave PowerShell's format table
    # pointing at a scratch folder that is deleted).
    function Invoke-DocumentedCode {
        param([Parameter(Mandatory)] [string] $Code)
        $code = $Code.Replace("'<your key>'", "'$($emulator.ApiKey)'").Replace("'my-team'", "'$($demo.Entity)'").
            Replace("'my-project'", "'$($demo.Project)'").Replace(' MyModel ', ' GPT4oSupportModel ').
            Replace('./out/WeaveEval/WeaveEval.psd1', "'$(Get-WeaveModulePath)'")
        $work = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $work
        Push-Location -LiteralPath $work
        try {
            $script = [scriptblock]::Create($code)
            & { $ErrorActionPreference = 'Stop'; & $script } 3>$null 6>$null | Out-String -Width 200
        }
        finally { Pop-Location }
    }
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'README.md' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    It 'runs the block at line <Line>' -ForEach $readmeBlocks {
        $output = Invoke-DocumentedCode -Code $Code
        $output | Should -Not -Match 'System\.Object\[\]'
    }

    It 'marks only blocks that cannot run unattended (line <Line>: <Why>)' -ForEach $skippedBlocks {
        $Code | Should -Match 'build\.ps1|Get-Credential|C:\\' -Because 'a block is left out only when it builds the repository, prompts, or is a Windows job that writes under C:\'
    }

    It 'its failing-trial filter selects the failing trials, not every trial' {
        $line = $readmeBlocks.Code -split "`n" | Where-Object { $_ -match '\| Where-Object .+\| Get-WeavePrediction$' } | Select-Object -First 1
        $line | Should -Not -BeNullOrEmpty
        # Run A: 6 trials, some pass exact_match and some fail.
        $id = $demo.RunA
        $filter = [scriptblock]::Create(($line -replace '\s*\| Get-WeavePrediction$', ''))
        $selected = @(& $filter)
        $all = @(Get-WeaveEvalResult -EvaluationRunId $id)
        $selected.Count | Should -BeGreaterThan 0
        $selected.Count | Should -BeLessThan $all.Count
        $selected.'Score.exact_match' | Should -Not -Contain $true
    }
}

Describe 'about_WeaveEval' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    It 'runs the example at line <Line>' -ForEach $aboutExamples {
        $output = Invoke-DocumentedCode -Code $Code
        $output | Should -Not -Match 'System\.Object\[\]'
    }

    It 'has examples to run' {
        $aboutExamples.Count | Should -BeGreaterOrEqual 3
    }
}

Describe 'Links' {
    It 'no document of the repository (markdown, help) points at files a clone does not have' {
        $repoRoot = Split-Path -Parent $PSScriptRoot
        $documents = @(git -C $repoRoot ls-files '*.md' '*.txt' '*.xml')
        foreach ($document in $documents) {
            $text = Get-Content -Raw -LiteralPath (Join-Path $repoRoot $document)
            $text | Should -Not -Match '\.\./shared|/work/shared|(?<![\w.])(DESIGN|CALLS|API|ts-sdk)\.md' -Because "$document must not refer to files a clone does not have"
        }
    }
}
