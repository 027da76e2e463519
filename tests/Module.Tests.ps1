#Requires -Modules Pester

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $script:commands = @(Get-Command -Module WeaveEval | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
    $script:examples = foreach ($command in Get-Command -Module WeaveEval | Sort-Object Name) {
        $number = 0
        foreach ($example in (Get-Help $command.Name -Full).examples.example) {
            $number++
            @{ Name = $command.Name; Number = $number; Code = ($example.code -join [Environment]::NewLine) }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $manifestPath = Get-WeaveModulePath
    $manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
    $expectedCmdlets = 'Connect-Weave', 'Disconnect-Weave', 'Export-WeaveEvalResult', 'Get-WeaveConnection',
        'Get-WeaveEvalResult', 'Get-WeaveEvalSummary', 'Get-WeaveEvaluationRun', 'Get-WeavePrediction',
        'Compare-WeaveEvaluation', 'Test-WeaveEvalGate'
    $commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'WeaveEval manifest' {
    It 'exports exactly the cmdlets, listed explicitly' {
        @($manifest.CmdletsToExport) | Sort-Object | Should -Be ($expectedCmdlets | Sort-Object)
        (Get-Command -Module WeaveEval).Name | Sort-Object | Should -Be ($expectedCmdlets | Sort-Object)
    }

    It 'exports no functions, variables or aliases' {
        @($manifest.FunctionsToExport).Count | Should -Be 0
        @($manifest.VariablesToExport).Count | Should -Be 0
        @($manifest.AliasesToExport).Count | Should -Be 0
        (Get-Module WeaveEval).ExportedAliases.Count | Should -Be 0
    }

    It 'declares both editions, PowerShell 5.1, the binary root module and the format file' {
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $manifest.PowerShellVersion | Should -Be '5.1'
        $manifest.RootModule | Should -Be 'WeaveEval.dll'
        $manifest.FormatsToProcess | Should -Contain 'WeaveEval.format.ps1xml'
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'has a default table view for <_>' -ForEach 'WeaveEval.EvaluationRun', 'WeaveEval.EvalResult', 'WeaveEval.ScorerStat', 'WeaveEval.Prediction',
        'WeaveEval.ScoreComparison', 'WeaveEval.RowComparison' {
        $view = Get-FormatData -TypeName $_ -PowerShellVersion $PSVersionTable.PSVersion
        $view | Should -Not -BeNullOrEmpty
        $view.FormatViewDefinition.Control | Where-Object { $_ -is [System.Management.Automation.TableControl] } | Should -Not -BeNullOrEmpty
    }
}

Describe 'WeaveEval help' {
    Context '<Name>' -ForEach $commands {
        BeforeAll {
            $help = Get-Help $Name -Full
            $command = Get-Command $Name
        }

        It 'has a synopsis' {
            $help.Synopsis | Should -Not -BeNullOrEmpty
            # Without MAML help, Get-Help makes the synopsis from the syntax.
            $help.Synopsis | Should -Not -Match ([regex]::Escape($Name) + '\s+\[')
        }

        It 'has a description' {
            ($help.description.Text -join '') | Should -Not -BeNullOrEmpty
        }

        It 'describes every parameter' {
            foreach ($parameter in $command.Parameters.Keys | Where-Object { $_ -notin $commonParameters }) {
                $entry = $help.parameters.parameter | Where-Object Name -eq $parameter
                $entry | Should -Not -BeNullOrEmpty -Because "-$parameter needs a help entry"
                ($entry.description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
            }
        }

        It 'documents no parameter that does not exist' {
            foreach ($entry in $help.parameters.parameter) {
                $command.Parameters.Keys | Should -Contain $entry.Name
            }
        }

        It 'has at least one example with code and remarks' {
            @($help.examples.example).Count | Should -BeGreaterOrEqual 1
            foreach ($example in $help.examples.example) {
                ($example.code -join '') | Should -Not -BeNullOrEmpty
                ($example.remarks.Text -join '') | Should -Not -BeNullOrEmpty
            }
        }
    }

    It 'has the about_WeaveEval topic with the error catalogue and the Export-Csv contract' {
        $about = Get-Help about_WeaveEval | Out-String
        $about | Should -Match 'EXPORT-CSV CONTRACT'
        foreach ($id in 'MissingEntityOrProject', 'MissingApiKey', 'Unauthorized', 'NotFound', 'MissingPredictionId') { $about | Should -Match $id }
    }
}

# These tests run the help examples' code as written, against the emulator (demo project).
Describe 'WeaveEval help examples run against the emulator' -Tag 'Examples' {
    BeforeAll {
        $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    }

    AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        $workDirectory = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $workDirectory
        Push-Location -LiteralPath $workDirectory
    }

    AfterEach {
        Pop-Location
    }

    It '<Name> example <Number> runs without error' -ForEach $examples {
        $script = [scriptblock]::Create($Code)
        $output = & {
            $ErrorActionPreference = 'Stop'
            & $script
        } 6>$null 3>$null | Out-String
        $output | Should -Not -Match 'System\.Object\[\]'
    }
}
