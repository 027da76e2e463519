#Requires -Modules Pester

# The API key never shows: not in any stream (-Verbose -Debug included), error, exception, progress
# record or file, whether the server answers or fails, even when a server echoes the key back.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $secret = 'local-' + [guid]::NewGuid().ToString('N') + 'S3cretKey'
    $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("api:$secret"))
    $emulator = Start-WeaveEmulator -ApiKey $secret
    Initialize-WeaveTestEnvironment -Emulator $emulator -HomeDirectory (Join-Path $TestDrive 'home')

    function ConvertTo-Key([string] $Text) { ConvertTo-SecureString -String $Text -AsPlainText -Force }

    # Every cmdlet of the module, with -Verbose -Debug, all streams merged into the output.
    $everyCmdlet = {
        param($ApiKey, $Demo, $ExportPath)
        # -Debug alone would make verbose and error records prompt (Inquire); -Verbose and -ErrorAction keep them flowing.
        $common = @{ Verbose = $true; Debug = $true; ErrorAction = 'Continue'; MaximumRetryCount = 1; RetryIntervalSec = 0 }
        & {
            Connect-Weave -ApiKey $ApiKey -PassThru @common
            Connect-Weave -ApiKey $ApiKey -SkipValidation @common
            Get-WeaveConnection -Verbose -Debug -ErrorAction Continue | Format-List * -Force | Out-String
            Get-WeaveEvaluationRun @common
            Get-WeaveEvaluationRun -EvaluationRunId $Demo.RunA, $Demo.MissingId @common
            Get-WeaveEvalResult -EvaluationRunId $Demo.RunA -PageSize 1 -ApiKey $ApiKey @common
            Get-WeaveEvalResult -EvaluationRunId $Demo.RunA -PageSize 1 @common | Export-WeaveEvalResult -Path $ExportPath -Verbose -Debug -ErrorAction Continue
            Get-WeaveEvalSummary -EvaluationRunId $Demo.RunA, $Demo.RunB @common
            Get-WeavePrediction -PredictionId $Demo.PredictionA, $Demo.MissingId @common
            Get-WeavePrediction -EvaluationRunId $Demo.RunC @common
            Disconnect-Weave -Verbose -Debug -ErrorAction Continue
        } *>&1
    }

    # Runs $everyCmdlet in a PowerShell instance of its own and returns every text a user could see.
    function Invoke-EveryCmdlet([string] $ExportPath) {
        $shell = New-WeavePowerShell
        try {
            $null = $shell.AddScript($everyCmdlet.ToString()).AddArgument((ConvertTo-Key $secret)).AddArgument($demo).AddArgument($ExportPath)
            $merged = @($shell.Invoke())
            $errorVariable = @($shell.Runspace.SessionStateProxy.GetVariable('Error'))
            [pscustomobject]@{
                Merged   = $merged
                Errors   = @($merged | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) + $errorVariable + @($shell.Streams.Error)
                Debug    = @($merged | Where-Object { $_ -is [System.Management.Automation.DebugRecord] })
                Verbose  = @($merged | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
                Progress = @($shell.Streams.Progress)
                Other    = @($shell.Streams.Verbose) + @($shell.Streams.Debug) + @($shell.Streams.Warning) + @($shell.Streams.Information)
            }
        }
        finally {
            Remove-WeavePowerShell -Shell $shell
        }
    }

    function Get-AllText($Capture) {
        @($Capture.Merged; $Capture.Errors; $Capture.Progress; $Capture.Other) | ConvertTo-WeaveSearchText
    }
}

AfterAll {
    Restore-WeaveTestEnvironment
    if ($emulator) { Stop-WeaveEmulator -Emulator $emulator }
}

Describe 'The API key' {
    Context 'every cmdlet with -Verbose -Debug against a <Server> server' -ForEach @(
        @{ Server = 'succeeding'; Failing = $false }
        @{ Server = 'failing'; Failing = $true }
    ) {
        BeforeAll {
            Reset-WeaveTestEnvironment -Emulator $emulator
            Clear-WeaveEmulatorFault -Emulator $emulator
            if ($Failing) {
                # A server that fails everything and echoes the key and the Basic credentials back.
                $echo = @{ status = 500; body = @{ reason = "no luck for key $secret (Basic $basic)" }; headers = @{ 'X-Echo' = "Basic $basic $secret" } }
                Add-WeaveEmulatorFault -Emulator $emulator -Path '.' -Times 1000 -Action $echo
            }
            $exportPath = Join-Path $TestDrive "export-$Server.csv"
            $capture = Invoke-EveryCmdlet -ExportPath $exportPath
            $allText = @(Get-AllText $capture) -join "`n"
        }
        AfterAll {
            Clear-WeaveEmulatorFault -Emulator $emulator
            Reset-WeaveTestEnvironment -Emulator $emulator
        }

        It 'exercised what it means to (objects or errors, verbose, debug)' {
            $capture.Verbose.Count | Should -BeGreaterThan 5
            $capture.Debug.Count | Should -BeGreaterThan 5
            if ($Failing) {
                @($capture.Errors | Where-Object { "$($_.FullyQualifiedErrorId)" -like 'WeaveEval.ServerError,*' }).Count | Should -BeGreaterThan 0
                # The echo reached the error records, with the key and the credentials taken out.
                $allText | Should -Match 'no luck for key \[redacted\] \(Basic \[redacted\]\)'
            }
            else {
                @($capture.Merged | Where-Object { $_ -is [WeaveEval.EvalResult] }).Count | Should -BeGreaterThan 0
                $capture.Progress.Count | Should -BeGreaterThan 0
                Test-Path -LiteralPath $exportPath | Should -BeTrue
            }
        }

        It 'redacts Authorization in the debug trace' {
            ($capture.Debug.Message | Where-Object { $_ -match 'Authorization:' }) | Should -Not -BeNullOrEmpty
            ($capture.Debug.Message | Where-Object { $_ -match 'Authorization:' }) | Should -Match 'Authorization: Basic \[redacted\]'
        }

        It 'shows the key in no stream, error, exception, ErrorDetails or progress record' {
            $allText.Length | Should -BeGreaterThan 1000
            $allText | Should -Not -BeLike "*$secret*"
            $allText | Should -Not -BeLike "*$basic*"
        }

        It 'writes the key to no file' {
            foreach ($file in Get-ChildItem -LiteralPath $TestDrive -Recurse -File) {
                [IO.File]::ReadAllText($file.FullName) | Should -Not -BeLike "*$secret*" -Because $file.FullName
                [IO.File]::ReadAllText($file.FullName) | Should -Not -BeLike "*$basic*" -Because $file.FullName
            }
        }
    }

    Context 'a rejected key names its source, never the key (<Source>)' -ForEach @(
        @{ Source = 'Parameter'; Expected = 'the -ApiKey parameter' }
        @{ Source = 'Credential'; Expected = 'the -Credential parameter' }
        @{ Source = 'Session'; Expected = 'the session connection (Connect-Weave)' }
        @{ Source = 'Environment'; Expected = 'the environment variable WANDB_API_KEY' }
        @{ Source = 'Netrc'; Expected = 'the netrc file' }
    ) {
        BeforeAll {
            Reset-WeaveTestEnvironment -Emulator $emulator
            $wrong = 'wrong-' + [guid]::NewGuid().ToString('N')
            $parameters = @{}
            switch ($Source) {
                'Parameter' { $parameters.ApiKey = ConvertTo-Key $wrong }
                'Credential' { $parameters.Credential = [pscredential]::new('api', (ConvertTo-Key $wrong)) }
                'Session' { Connect-Weave -ApiKey (ConvertTo-Key $wrong) -SkipValidation }
                'Environment' { $env:WANDB_API_KEY = $wrong }
                'Netrc' {
                    $env:WANDB_API_KEY = $null
                    $env:NETRC = Join-Path $TestDrive 'rejected.netrc'
                    Set-Content -LiteralPath $env:NETRC -Value "machine api.wandb.ai login user password $wrong"
                }
            }
            $failure = $null
            try { $null = Get-WeaveEvaluationRun @parameters -Verbose -Debug -ErrorAction Continue *>&1 }
            catch { $failure = $_ }
        }
        AfterAll {
            Reset-WeaveTestEnvironment -Emulator $emulator
            if ($env:NETRC) { Remove-Item -LiteralPath $env:NETRC -ErrorAction SilentlyContinue }
        }

        It 'stops with WeaveEval.Unauthorized (AuthenticationError)' {
            $failure.FullyQualifiedErrorId | Should -Be 'WeaveEval.Unauthorized,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
            $failure.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $failure.Exception.StatusCode | Should -Be 401
        }

        It 'says where the key came from' {
            $failure.Exception.Message | Should -BeLike "*$Expected*"
            $failure.ErrorDetails.Message | Should -BeLike "*$Expected*"
        }

        It 'does not reveal the key' {
            ($failure | ConvertTo-WeaveSearchText) | Should -Not -BeLike "*$wrong*"
        }
    }

    Context 'http:// to a host that is not loopback' {
        BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

        It '<Command> refuses it with WeaveEval.UnencryptedConnectionRefused' -ForEach @(
            @{ Command = 'Get-WeaveEvaluationRun' }
            @{ Command = 'Connect-Weave' }
        ) {
            { & $Command -BaseUri 'http://weave.example.invalid' } |
                Should -Throw -ErrorId "WeaveEval.UnencryptedConnectionRefused,WeaveEval.Commands.$($Command -replace '-', '')Command"
        }

        It 'sends the request with -AllowUnencryptedAuthentication' {
            $failure = $null
            $debug = @(try { Get-WeaveEvaluationRun -BaseUri 'http://weave.example.invalid' -AllowUnencryptedAuthentication -MaximumRetryCount 0 -TimeoutSec 10 -Verbose -Debug -ErrorAction Stop 5>&1 4>$null }
                       catch { $failure = $_ })
            $failure.FullyQualifiedErrorId | Should -BeLike 'WeaveEval.NetworkError,*'
            ($debug | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Message | Should -Match '^POST http://weave\.example\.invalid/calls/stream_query'
        }

        It 'allows http:// to loopback (the emulator) without the switch' {
            $emulator.BaseUri | Should -BeLike 'http://127.0.0.1:*'
            @(Get-WeaveEvaluationRun -BaseUri $emulator.BaseUri).Count | Should -BeGreaterThan 0
        }
    }
}
