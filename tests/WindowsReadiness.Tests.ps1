#Requires -Modules Pester
# What makes the module load on Windows PowerShell 5.1 (checked here, on PowerShell 7, by construction):
# the module layout, the reference-graph check failing on a broken graph, which copy of a dependency
# PowerShell 7 binds, and the missing-key hint a scheduled task's log would show.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $moduleFolder = Split-Path -Parent (Get-WeaveModulePath)
    $configuration = if ($env:WEAVEEVAL_CONFIGURATION) { $env:WEAVEEVAL_CONFIGURATION } else { 'Release' }
    $checker = Join-Path (Split-Path -Parent $PSScriptRoot) "tests/WeaveEval.ReferenceCheck/bin/$configuration/net10.0/WeaveEval.ReferenceCheck.dll"
    $shippedNames = @(Get-ChildItem -LiteralPath (Join-Path $moduleFolder 'dependencies') -Filter '*.dll' | ForEach-Object BaseName)

    function Invoke-ReferenceCheck([string] $Folder) {
        $output = & dotnet $checker $Folder 2>&1 | ForEach-Object { "$_" }
        [pscustomobject] @{ ExitCode = $LASTEXITCODE; Failures = @($output | Where-Object { $_ -like 'fail: *' }) }
    }
}

Describe 'The module folder' {
    It 'holds WeaveEval.dll alone in its root and the third-party assemblies in dependencies/' {
        @(Get-ChildItem -LiteralPath $moduleFolder -Filter '*.dll').Name | Should -Be @('WeaveEval.dll')
        $shippedNames | Should -Contain 'System.Text.Json'
        $shippedNames | Should -Contain 'System.Runtime.CompilerServices.Unsafe'
        $shippedNames | Should -Not -Contain 'System.Management.Automation'
    }

    It 'passes the reference-graph check' {
        $result = Invoke-ReferenceCheck $moduleFolder
        $result.Failures | Should -BeNullOrEmpty
        $result.ExitCode | Should -Be 0
    }
}

Describe 'The reference-graph check on a broken module folder' {
    BeforeEach {
        $broken = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        Copy-Item -LiteralPath $moduleFolder -Destination $broken -Recurse
    }

    It 'fails when a dependency the graph needs is not shipped' {
        Remove-Item -LiteralPath (Join-Path $broken 'dependencies/System.Buffers.dll')
        $result = Invoke-ReferenceCheck $broken
        $result.ExitCode | Should -Be 1
        $result.Failures | Should -Contain 'fail: references - System.Memory 4.0.1.2 references System.Buffers 4.0.2.0, which is neither part of .NET Framework 4.7.2 nor shipped in dependencies/.'
    }

    It 'fails when a dependency sits beside WeaveEval.dll, where .NET Framework would probe for it' {
        Move-Item -LiteralPath (Join-Path $broken 'dependencies/System.Memory.dll') -Destination $broken
        $result = Invoke-ReferenceCheck $broken
        $result.ExitCode | Should -Be 1
        $result.Failures | Should -Contain 'fail: layout - System.Memory.dll lies beside WeaveEval.dll: .NET Framework would find it there by probing (and fail on a version mismatch) before the module''s resolver is asked; it belongs in dependencies/.'
    }
}

Describe 'Dependencies on PowerShell 7' {
    It 'binds every reference of WeaveEval.dll to the runtime''s own copy, which PowerShell 7.6 ships at the same or a newer version' {
        $module = (Get-Command Get-WeaveConnection).ImplementingType.Assembly
        foreach ($reference in $module.GetReferencedAssemblies() | Where-Object Name -In $shippedNames) {
            $bound = [System.Reflection.Assembly]::Load($reference)
            $bound.GetName().Version | Should -BeGreaterOrEqual $reference.Version -Because $reference.Name
            $bound.Location | Should -Not -BeLike (Join-Path $moduleFolder '*') -Because "$($reference.Name) comes from the runtime on PowerShell 7"
        }
    }
}

Describe 'The missing-key hint' {
    BeforeAll { $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home') }
    AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    It 'names the netrc machine of the W&B server in use (<Machine>)' -ForEach @(
        @{ Base = 'https://acme.wandb.io'; Machine = 'acme.wandb.io'; Server = 'the host of $env:WANDB_BASE_URL' }
        @{ Base = ''; Machine = 'api.wandb.ai'; Server = 'W&B''s cloud; set $env:WANDB_BASE_URL for another W&B server' }
    ) {
        $env:WANDB_API_KEY = $null
        $env:WANDB_BASE_URL = if ($Base) { $Base } else { $null }
        $thrown = $null
        try { Get-WeaveEvaluationRun -First 1 -ErrorAction Stop } catch { $thrown = $_ }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -BeLike 'WeaveEval.MissingApiKey,*'
        $thrown.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $netrc = Join-Path $TestDrive 'home/.netrc'
        $thrown.Exception.Message | Should -BeLike "*or add 'machine $Machine login user password <key>' ($([WildcardPattern]::Escape($Server))) to $netrc*"
    }
}
