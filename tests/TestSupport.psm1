Set-StrictMode -Version Latest

# Shared by the *.Tests.ps1 files: start/stop the loopback emulator, import the built module, and
# give every test the same clean configuration (no key, server or netrc of the machine leaks in).

$script:RepoRoot = Split-Path -Parent $PSScriptRoot
$script:Demo = [pscustomobject]@{
    Entity     = 'acme-ai'
    Project    = 'support-bot'
    RunA       = '019f4c56-e6b4-7923-bc1a-adbde48b1697'   # SDK, completed, 2 trials per row, 3 rows
    RunB       = '019f4c9d-48f7-719a-868f-32b7a6b38b6b'   # SDK, running, 1 trial for q1 and q2
    RunC       = '019f5075-7266-71c2-8e28-b26c57472737'   # v2 API, 2 predictions with inline inputs
    RunD       = '019f5733-9c01-785b-9858-9a43ce0bba75'   # rescoring of A
    PredictionA = '019f4c56-ea9f-7afc-94da-3bdd19614774'  # SDK predict call of run A, row q1, trial 0
    MissingId  = '019f0000-0000-7000-8000-000000000000'
}
$script:ConfigVariables = 'WANDB_API_KEY', 'WANDB_ENTITY', 'WANDB_PROJECT', 'WANDB_BASE_URL', 'WF_TRACE_SERVER_URL', 'NETRC', 'HOME', 'USERPROFILE'
$script:SavedEnvironment = @{}

function Get-WeaveDemo {
    <# The ids and names of the emulator's demo project acme-ai/support-bot. #>
    $script:Demo
}

function Get-WeaveModulePath {
    <# The built module under test: $env:WEAVEEVAL_MODULE_PATH, else <repo>/out/WeaveEval/WeaveEval.psd1. #>
    if ($env:WEAVEEVAL_MODULE_PATH) { return $env:WEAVEEVAL_MODULE_PATH }
    Join-Path $script:RepoRoot 'out/WeaveEval/WeaveEval.psd1'
}

function Import-WeaveModule {
    $path = Get-WeaveModulePath
    if (-not (Test-Path -LiteralPath $path)) { throw "The built module is missing: $path (run ./build.ps1 Build or set WEAVEEVAL_MODULE_PATH)." }
    Import-Module $path -Force -Global -ErrorAction Stop
}

function Get-WeaveEmulatorPath {
    if ($env:WEAVEEVAL_EMULATOR_PATH) { return $env:WEAVEEVAL_EMULATOR_PATH }
    Join-Path $script:RepoRoot 'tests/WeaveEval.Emulator/bin/Release/net10.0/WeaveEval.Emulator.dll'
}

function Start-WeaveEmulator {
    <#
    Starts the emulator on a free loopback port and waits for its "listening on" line.
    Returns BaseUri, ApiKey, Process and the log files.
    #>
    param(
        [string] $ApiKey = 'pester-key-' + [guid]::NewGuid().ToString('N'),
        [string] $Seed = 'demo',
        [string[]] $ArgumentList = @(),
        [int] $TimeoutSec = 60
    )
    $dll = Get-WeaveEmulatorPath
    if (-not (Test-Path -LiteralPath $dll)) { throw "The emulator is not built: $dll (dotnet build tests/WeaveEval.Emulator -c Release)." }
    $logDir = Join-Path ([IO.Path]::GetTempPath()) ('weave-emulator-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $logDir
    $stdout = Join-Path $logDir 'stdout.txt'
    $stderr = Join-Path $logDir 'stderr.txt'
    $arguments = @("`"$dll`"", '--port', '0', '--seed', "`"$Seed`"", '--api-key', $ApiKey) + $ArgumentList
    $process = Start-Process -FilePath 'dotnet' -ArgumentList $arguments -RedirectStandardOutput $stdout -RedirectStandardError $stderr -PassThru -NoNewWindow
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    $baseUri = $null
    while (-not $baseUri) {
        if ($process.HasExited) { throw "The emulator exited with code $($process.ExitCode): $(Get-Content -Raw -LiteralPath $stderr -ErrorAction SilentlyContinue)" }
        if ([DateTime]::UtcNow -gt $deadline) {
            Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
            throw "The emulator did not report its address within $TimeoutSec s."
        }
        $text = Get-Content -Raw -LiteralPath $stdout -ErrorAction SilentlyContinue
        if ($text -match 'WeaveEval emulator listening on (http://127\.0\.0\.1:\d+)') { $baseUri = $Matches[1] }
        else { Start-Sleep -Milliseconds 100 }
    }
    [pscustomobject]@{ BaseUri = $baseUri; ApiKey = $ApiKey; Process = $process; LogDirectory = $logDir }
}

function Stop-WeaveEmulator {
    param([Parameter(Mandatory)] $Emulator)
    if ($null -eq $Emulator) { return }
    if (-not $Emulator.Process.HasExited) { Stop-Process -Id $Emulator.Process.Id -Force -ErrorAction SilentlyContinue }
    $null = $Emulator.Process.WaitForExit(10000)
    Remove-Item -LiteralPath $Emulator.LogDirectory -Recurse -Force -ErrorAction SilentlyContinue
}

function Get-PwshCommand {
    <# How to start a child pwsh like this one (a dotnet-tool pwsh runs as 'dotnet pwsh.dll'). #>
    $self = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { return @($self, (Join-Path $PSHOME 'pwsh.dll')) }
    @($self)
}

function Invoke-WeaveEmulatorAdmin {
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        $Body
    )
    $request = @{ Method = $Method; Uri = $Emulator.BaseUri + '/__emulator/' + $Path }
    if ($null -ne $Body) { $request.Body = ($Body | ConvertTo-Json -Depth 10 -Compress); $request.ContentType = 'application/json' }
    Invoke-RestMethod @request
}

function Add-WeaveEmulatorFault {
    <# e.g. Add-WeaveEmulatorFault $emu -Path '/eval_results/query$' -Times 2 -Action @{ status = 503 } #>
    param([Parameter(Mandatory)] $Emulator, [string] $Method, [string] $Path = '.*', [string] $Body, [int] $Times = 1, [hashtable] $Action = @{})
    $rule = @{ path = $Path; times = $Times; action = $Action }
    if ($Method) { $rule.method = $Method }
    if ($Body) { $rule.body = $Body }
    $null = Invoke-WeaveEmulatorAdmin -Emulator $Emulator -Method Post -Path 'faults' -Body $rule
}

function Clear-WeaveEmulatorFault {
    param([Parameter(Mandatory)] $Emulator)
    $null = Invoke-WeaveEmulatorAdmin -Emulator $Emulator -Method Delete -Path 'faults'
}

function Get-WeaveEmulatorRequest {
    <# The requests the emulator answered (admin requests excluded), oldest first. #>
    param([Parameter(Mandatory)] $Emulator)
    # The emulator logs a request after its response is sent: give the last one time to land.
    Start-Sleep -Milliseconds 100
    $log = Invoke-WeaveEmulatorAdmin -Emulator $Emulator -Method Get -Path 'requests'
    # An empty JSON array arrives as one (empty) object: flatten.
    @(foreach ($entry in $log) { $entry })
}

function Clear-WeaveEmulatorRequest {
    param([Parameter(Mandatory)] $Emulator)
    Start-Sleep -Milliseconds 100
    $null = Invoke-WeaveEmulatorAdmin -Emulator $Emulator -Method Delete -Path 'requests'
}

function Invoke-WeaveCaptured {
    <#
    Runs a command and returns what it did: Output, Errors (a terminating one included, last), Verbose
    and Warning lines, Terminated, Seconds, and with -Emulator the Requests the emulator answered
    (its request log is cleared first). Non-terminating errors stay non-terminating even where the
    caller's preference is Stop (build.ps1 Test).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $ScriptBlock, $Emulator)
    # The script block runs in the caller's session state: the preference has to be set there.
    $callerPreference = $PSCmdlet.SessionState.PSVariable.Get('ErrorActionPreference')
    $savedPreference = if ($callerPreference) { $callerPreference.Value } else { 'Continue' }
    $PSCmdlet.SessionState.PSVariable.Set('ErrorActionPreference', 'Continue')
    $ErrorActionPreference = 'Continue'
    if ($null -ne $Emulator) { Clear-WeaveEmulatorRequest -Emulator $Emulator }
    $errors = [System.Collections.Generic.List[object]]::new()
    $verbose = [System.Collections.Generic.List[string]]::new()
    $warnings = [System.Collections.Generic.List[string]]::new()
    $output = [System.Collections.Generic.List[object]]::new()
    $watch = [Diagnostics.Stopwatch]::StartNew()
    try {
        & $ScriptBlock 2>&1 3>&1 4>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.ErrorRecord]) { $errors.Add($_) }
            elseif ($_ -is [System.Management.Automation.VerboseRecord]) { $verbose.Add($_.Message) }
            elseif ($_ -is [System.Management.Automation.WarningRecord]) { $warnings.Add($_.Message) }
            else { $output.Add($_) }
        }
        $terminated = $false
    }
    catch {
        $errors.Add($_)
        $terminated = $true
    }
    finally {
        $PSCmdlet.SessionState.PSVariable.Set('ErrorActionPreference', $savedPreference)
    }
    $watch.Stop()
    $capture = [pscustomobject]@{
        Output = $output.ToArray(); Errors = $errors.ToArray(); Verbose = $verbose.ToArray(); Warnings = $warnings.ToArray()
        Terminated = $terminated; Seconds = $watch.Elapsed.TotalSeconds; Requests = @()
    }
    if ($null -ne $Emulator) { $capture.Requests = @(Get-WeaveEmulatorRequest -Emulator $Emulator) }
    $capture
}

function Initialize-WeaveTestEnvironment {
    <#
    Saves the configuration variables of the process and replaces them with a clean setup that points
    at the emulator: its key in WANDB_API_KEY, its address in WF_TRACE_SERVER_URL, the demo project in
    WANDB_ENTITY/WANDB_PROJECT, and an empty home directory (no ~/.netrc of the machine).
    #>
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $HomeDirectory)
    foreach ($name in $script:ConfigVariables) {
        if (-not $script:SavedEnvironment.ContainsKey($name)) { $script:SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name) }
    }
    $null = New-Item -ItemType Directory -Path $HomeDirectory -Force
    $script:TestHome = $HomeDirectory
    Reset-WeaveTestEnvironment -Emulator $Emulator
}

function Reset-WeaveTestEnvironment {
    <# Back to the clean setup of Initialize-WeaveTestEnvironment (and no session connection). #>
    param([Parameter(Mandatory)] $Emulator)
    foreach ($name in $script:ConfigVariables) { [Environment]::SetEnvironmentVariable($name, $null) }
    $env:HOME = $script:TestHome
    $env:USERPROFILE = $script:TestHome
    $env:WANDB_API_KEY = $Emulator.ApiKey
    $env:WF_TRACE_SERVER_URL = $Emulator.BaseUri
    $env:WANDB_ENTITY = $script:Demo.Entity
    $env:WANDB_PROJECT = $script:Demo.Project
    if (Get-Command Disconnect-Weave -ErrorAction SilentlyContinue) { Disconnect-Weave }
}

function Start-WeaveTestEmulator {
    <#
    The usual start of a test file: an emulator (Start-WeaveEmulator's parameters) and the clean
    environment of Initialize-WeaveTestEnvironment pointing at it. Returns the emulator.
    #>
    param([Parameter(Mandatory)] [string] $HomeDirectory, [string] $Seed = 'demo', [string[]] $ArgumentList = @())
    $emulator = Start-WeaveEmulator -Seed $Seed -ArgumentList $ArgumentList
    Initialize-WeaveTestEnvironment -Emulator $emulator -HomeDirectory $HomeDirectory
    $emulator
}

function Stop-WeaveTestEmulator {
    <# The end of a test file started with Start-WeaveTestEmulator: the saved environment back, the emulator stopped. #>
    param($Emulator)
    Restore-WeaveTestEnvironment
    if ($null -ne $Emulator) { Stop-WeaveEmulator -Emulator $Emulator }
}

function Restore-WeaveTestEnvironment {
    foreach ($name in @($script:SavedEnvironment.Keys)) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnvironment[$name]) }
    $script:SavedEnvironment = @{}
    if (Get-Command Disconnect-Weave -ErrorAction SilentlyContinue) { Disconnect-Weave }
}

function Invoke-InCulture {
    <#
    Runs a script in a child pwsh whose current culture is $Culture, with the module under test
    imported and the current WeaveEval environment variables. Returns its output.
    #>
    param([Parameter(Mandatory)] [string] $Culture, [Parameter(Mandatory)] [string] $Script)
    $prelude = "[System.Globalization.CultureInfo]::CurrentCulture = '$Culture'; [System.Globalization.CultureInfo]::CurrentUICulture = '$Culture'; Import-Module '$(Get-WeaveModulePath)' -ErrorAction Stop;"
    $file = Join-Path ([IO.Path]::GetTempPath()) ('weave-culture-' + [guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -LiteralPath $file -Value ($prelude + [Environment]::NewLine + $Script) -Encoding utf8
    try {
        $pwsh = @(Get-PwshCommand)
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file 2>&1
        if ($LASTEXITCODE -ne 0) { throw "The child pwsh failed ($LASTEXITCODE): $($output -join [Environment]::NewLine)" }
        $output
    }
    finally {
        Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue
    }
}

function New-WeavePowerShell {
    <#
    A [powershell] in a runspace of its own that has imported the module under test, for tests that
    need Stop() or the raw Streams (progress included). Dispose it (and its Runspace) when done.
    #>
    $runspace = [runspacefactory]::CreateRunspace()
    $runspace.Open()
    $shell = [powershell]::Create($runspace)
    $null = $shell.AddCommand('Import-Module').AddParameter('Name', (Get-WeaveModulePath)).AddParameter('ErrorAction', 'Stop').Invoke()
    $shell.Commands.Clear()
    $shell
}

function Remove-WeavePowerShell {
    param([Parameter(Mandatory)] [powershell] $Shell)
    $runspace = $Shell.Runspace
    $Shell.Dispose()
    $runspace.Dispose()
}

function Wait-WeaveCondition {
    <# Polls $Condition every 20 ms until it is true; throws after $TimeoutSec. #>
    param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $TimeoutSec = 20, [string] $Because = 'the condition')
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSec s waiting for $Because." }
        Start-Sleep -Milliseconds 20
    }
}

function ConvertTo-WeaveSearchText {
    <#
    Everything a record could show a reader, as text: its formatted form, every property, and for
    errors the exception chain (messages, properties, stack), ErrorDetails and the target object.
    Used to assert that a secret appears nowhere.
    #>
    param([Parameter(ValueFromPipeline)] $InputObject)
    process {
        if ($null -eq $InputObject) { return }
        $text = [System.Collections.Generic.List[string]]::new()
        $text.Add([string] $InputObject)
        try {
            $text.Add(($InputObject | Out-String -Width 4096))
            $text.Add(($InputObject | Format-List -Property * -Force | Out-String -Width 4096))
        }
        catch [System.InvalidOperationException] {
            # Formatting records (the output of Format-*) cannot be formatted again; their text is above.
            $null = $_
        }
        $record = if ($InputObject -is [System.Management.Automation.ErrorRecord]) { $InputObject }
                  elseif ($InputObject -is [System.Management.Automation.IContainsErrorRecord]) { $InputObject.ErrorRecord }
        if ($record) {
            if ($record.ErrorDetails) {
                $text.Add([string] $record.ErrorDetails.Message)
                $text.Add([string] $record.ErrorDetails.RecommendedAction)
            }
            $text.Add([string] $record.TargetObject)
            $text.Add([string] $record.CategoryInfo)
            $exception = $record.Exception
            while ($exception) {
                $text.Add($exception.ToString())
                $text.Add(($exception | Format-List -Property * -Force | Out-String -Width 4096))
                $exception = $exception.InnerException
            }
        }
        $text -join "`n"
    }
}

Export-ModuleMember -Function New-WeavePowerShell, Remove-WeavePowerShell, Wait-WeaveCondition, ConvertTo-WeaveSearchText, Invoke-WeaveCaptured
Export-ModuleMember -Function Get-WeaveDemo, Get-WeaveModulePath, Import-WeaveModule, Start-WeaveEmulator, Stop-WeaveEmulator,
    Invoke-WeaveEmulatorAdmin, Add-WeaveEmulatorFault, Clear-WeaveEmulatorFault, Get-WeaveEmulatorRequest, Clear-WeaveEmulatorRequest,
    Initialize-WeaveTestEnvironment, Reset-WeaveTestEnvironment, Restore-WeaveTestEnvironment, Invoke-InCulture, Get-PwshCommand,
    Start-WeaveTestEmulator, Stop-WeaveTestEmulator
