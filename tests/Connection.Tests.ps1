#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')

    function ConvertTo-Key([string] $Text) { ConvertTo-SecureString -String $Text -AsPlainText -Force }
    function Write-Netrc([string] $Machine, [string] $Password) {
        $path = Join-Path $TestDrive ('netrc-' + [guid]::NewGuid().ToString('N'))
        Set-Content -LiteralPath $path -Value "machine $Machine`n  login user`n  password $Password`n"
        $path
    }
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Connect-Weave' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context 'a valid connection' {
        It 'stores entity, project, server and the key source, and validates with one request' {
            Clear-WeaveEmulatorRequest -Emulator $emulator
            Connect-Weave -Entity acme-ai -Project helpdesk-bot -ApiKey (ConvertTo-Key $emulator.ApiKey) -BaseUri $emulator.BaseUri
            @(Get-WeaveEmulatorRequest -Emulator $emulator).Count | Should -Be 1
            $connection = Get-WeaveConnection
            $connection.Entity | Should -Be 'acme-ai'
            $connection.Project | Should -Be 'helpdesk-bot'
            $connection.BaseUri.AbsoluteUri | Should -Be ($emulator.BaseUri + '/')
            $connection.KeySource | Should -Be 'Parameter'
        }

        It 'takes the key from -Credential' {
            $credential = [pscredential]::new('anyone', (ConvertTo-Key $emulator.ApiKey))
            $connection = Connect-Weave -Credential $credential -PassThru
            $connection.KeySource | Should -Be 'Credential'
            $connection.PSObject.TypeNames | Should -Contain 'WeaveEval.WeaveConnection'
        }

        It 'makes later commands use the session' {
            Connect-Weave -Entity acme-ai -Project support-bot -ApiKey (ConvertTo-Key $emulator.ApiKey)
            $env:WANDB_ENTITY = $null; $env:WANDB_PROJECT = $null; $env:WANDB_API_KEY = $null
            $runs = @(Get-WeaveEvaluationRun)
            $runs.Count | Should -Be 4
            $runs[0].Entity | Should -Be 'acme-ai'
        }

        It 'never shows the key' {
            $connection = Connect-Weave -ApiKey (ConvertTo-Key $emulator.ApiKey) -PassThru
            ($connection | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($emulator.ApiKey))
            ($connection | ConvertTo-Json) | Should -Not -Match ([regex]::Escape($emulator.ApiKey))
        }
    }

    Context 'a connection that fails validation' {
        It 'stops with WeaveEval.Unauthorized and keeps no session' {
            { Connect-Weave -ApiKey (ConvertTo-Key 'wrong-key') } |
                Should -Throw -ErrorId 'WeaveEval.Unauthorized,WeaveEval.Commands.ConnectWeaveCommand'
            Get-WeaveConnection | Should -BeNullOrEmpty
        }

        It 'is stored without a request with -SkipValidation' {
            Clear-WeaveEmulatorRequest -Emulator $emulator
            Connect-Weave -ApiKey (ConvertTo-Key 'wrong-key') -SkipValidation
            @(Get-WeaveEmulatorRequest -Emulator $emulator).Count | Should -Be 0
            (Get-WeaveConnection).KeySource | Should -Be 'Parameter'
        }

        It 'refuses -ApiKey together with -Credential' {
            $credential = [pscredential]::new('api', (ConvertTo-Key $emulator.ApiKey))
            { Connect-Weave -ApiKey (ConvertTo-Key $emulator.ApiKey) -Credential $credential } |
                Should -Throw -ErrorId 'WeaveEval.ConflictingApiKeyParameters,WeaveEval.Commands.ConnectWeaveCommand'
        }
    }
}

Describe 'Disconnect-Weave' {
    It 'clears the session' {
        Connect-Weave -SkipValidation
        Get-WeaveConnection | Should -Not -BeNullOrEmpty
        Disconnect-Weave
        Get-WeaveConnection | Should -BeNullOrEmpty
    }

    It 'is quiet without a session' {
        Disconnect-Weave
        { Disconnect-Weave -ErrorAction Stop } | Should -Not -Throw
    }
}

Describe 'Get-WeaveConnection' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    It 'writes nothing when not connected' {
        Get-WeaveConnection | Should -BeNullOrEmpty
    }

    It 'names the environment as the key source' {
        Connect-Weave -SkipValidation
        $connection = Get-WeaveConnection
        $connection.KeySource | Should -Be 'Environment'
        $connection.KeySourceDescription | Should -Match 'WANDB_API_KEY'
    }
}

Describe 'Connection resolution' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context 'precedence of the key: parameter, session, environment, netrc' {
        It 'a parameter beats the environment' {
            { Get-WeaveEvaluationRun -ApiKey (ConvertTo-Key 'wrong-key') } |
                Should -Throw -ErrorId 'WeaveEval.Unauthorized,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
        }

        It 'the session beats the environment' {
            Connect-Weave -ApiKey (ConvertTo-Key $emulator.ApiKey)
            $env:WANDB_API_KEY = 'wrong-key'
            @(Get-WeaveEvaluationRun).Count | Should -Be 4
        }

        It 'the environment beats the netrc file' {
            $env:NETRC = Write-Netrc -Machine 'api.wandb.ai' -Password 'wrong-key'
            @(Get-WeaveEvaluationRun).Count | Should -Be 4
        }

        It 'the netrc file ($env:NETRC) is used when nothing else gives a key' {
            $env:WANDB_API_KEY = $null
            $env:NETRC = Write-Netrc -Machine 'api.wandb.ai' -Password $emulator.ApiKey
            @(Get-WeaveEvaluationRun).Count | Should -Be 4
        }

        It 'the netrc file in the home directory is found' {
            $env:WANDB_API_KEY = $null
            $file = if ($IsWindows) { '_netrc' } else { '.netrc' }
            Copy-Item -LiteralPath (Write-Netrc -Machine 'api.wandb.ai' -Password $emulator.ApiKey) -Destination (Join-Path $env:HOME $file)
            try { @(Get-WeaveEvaluationRun).Count | Should -Be 4 }
            finally { Remove-Item -LiteralPath (Join-Path $env:HOME $file) -Force }
        }

        It 'the netrc machine is the host of $env:WANDB_BASE_URL' {
            $env:WANDB_API_KEY = $null
            $env:WANDB_BASE_URL = 'https://wandb.example.com'
            $env:NETRC = Write-Netrc -Machine 'wandb.example.com' -Password $emulator.ApiKey
            @(Get-WeaveEvaluationRun).Count | Should -Be 4
        }

        It 'a rejected netrc key is reported with the netrc file, never with the key' {
            $env:WANDB_API_KEY = $null
            $env:NETRC = Write-Netrc -Machine 'api.wandb.ai' -Password 'wrong-netrc-key'
            $thrown = { Get-WeaveEvaluationRun } | Should -Throw -ErrorId 'WeaveEval.Unauthorized,WeaveEval.Commands.GetWeaveEvaluationRunCommand' -PassThru
            $thrown.Exception.Message | Should -Match 'netrc'
            $thrown.CategoryInfo.Category | Should -Be 'AuthenticationError'
            ($thrown | Out-String) | Should -Not -Match 'wrong-netrc-key'
        }

        It 'a rejected key is reported with where it came from (<Source>)' -ForEach @(
            @{ Source = 'the -ApiKey parameter'; Pattern = '-ApiKey'; UseParameter = $true }
            @{ Source = 'the environment'; Pattern = 'WANDB_API_KEY'; UseParameter = $false }
        ) {
            $arguments = @{}
            if ($UseParameter) { $arguments.ApiKey = ConvertTo-Key 'wrong-key' } else { $env:WANDB_API_KEY = 'wrong-key' }
            $thrown = { Get-WeaveEvaluationRun @arguments } | Should -Throw -ErrorId 'WeaveEval.Unauthorized,WeaveEval.Commands.GetWeaveEvaluationRunCommand' -PassThru
            $thrown.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $thrown.Exception.Message | Should -Match ([regex]::Escape($Pattern))
            $thrown.Exception.Message | Should -Match '401'
            ($thrown | Out-String) | Should -Not -Match 'wrong-key'
        }

        It 'an empty -ApiKey is WeaveEval.MissingApiKey, not a fallback to other sources' {
            { Get-WeaveEvaluationRun -ApiKey ([securestring]::new()) } | Should -Throw -ErrorId 'WeaveEval.MissingApiKey,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
        }

        It 'no key anywhere is WeaveEval.MissingApiKey' {
            $env:WANDB_API_KEY = $null
            { Get-WeaveEvaluationRun } | Should -Throw -ErrorId 'WeaveEval.MissingApiKey,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
        }
    }

    Context 'entity and project' {
        It 'a parameter beats the session' {
            Connect-Weave -Entity acme-ai -Project helpdesk-bot
            $runs = @(Get-WeaveEvaluationRun -Project support-bot)
            $runs.Count | Should -Be 4
            $runs.Project | Sort-Object -Unique | Should -Be 'support-bot'
        }

        It 'the session beats the environment' {
            $env:WANDB_PROJECT = 'helpdesk-bot'
            Connect-Weave -Project support-bot
            @(Get-WeaveEvaluationRun).Count | Should -Be 4
        }

        It 'missing ones are WeaveEval.MissingEntityOrProject naming both ways to set them' {
            $env:WANDB_ENTITY = $null
            $thrown = { Get-WeaveEvaluationRun } | Should -Throw -ErrorId 'WeaveEval.MissingEntityOrProject,WeaveEval.Commands.GetWeaveEvaluationRunCommand' -PassThru
            $thrown.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $thrown.Exception.Message | Should -Match 'Connect-Weave'
            $thrown.Exception.Message | Should -Match 'WANDB_ENTITY'
        }
    }

    Context 'the trace server' {
        It '<Case>' -ForEach @(
            @{ Case = 'https://api.wandb.ai gives https://trace.wandb.ai'; WandbBaseUrl = 'https://api.wandb.ai'; TraceServer = $null; Expected = 'https://trace.wandb.ai/' }
            @{ Case = 'another W&B server gives <base>/traces'; WandbBaseUrl = 'https://wandb.example.com'; TraceServer = $null; Expected = 'https://wandb.example.com/traces/' }
            @{ Case = 'no WANDB_BASE_URL gives https://trace.wandb.ai'; WandbBaseUrl = $null; TraceServer = $null; Expected = 'https://trace.wandb.ai/' }
            @{ Case = 'WF_TRACE_SERVER_URL beats WANDB_BASE_URL'; WandbBaseUrl = 'https://wandb.example.com'; TraceServer = 'https://traces.example.net'; Expected = 'https://traces.example.net/' }
        ) {
            $env:WANDB_BASE_URL = $WandbBaseUrl
            $env:WF_TRACE_SERVER_URL = $TraceServer
            Connect-Weave -SkipValidation
            (Get-WeaveConnection).BaseUri.AbsoluteUri | Should -Be $Expected
        }

        It 'the session beats WF_TRACE_SERVER_URL' {
            Connect-Weave -BaseUri $emulator.BaseUri
            $env:WF_TRACE_SERVER_URL = 'https://traces.example.net'
            @(Get-WeaveEvaluationRun).Count | Should -Be 4
        }

        It '-BaseUri beats the environment' {
            $env:WF_TRACE_SERVER_URL = 'https://traces.example.net'
            @(Get-WeaveEvaluationRun -BaseUri $emulator.BaseUri).Count | Should -Be 4
        }

        It 'refuses http:// to a host that is not loopback' {
            { Get-WeaveEvaluationRun -BaseUri 'http://weave.example.com' } |
                Should -Throw -ErrorId 'WeaveEval.UnencryptedConnectionRefused,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
        }
    }

    Context 'a project the key may not read' {
        BeforeAll { $forbidding = Start-WeaveEmulator -ArgumentList '--forbid', 'acme-ai/support-bot' }
        AfterAll { if ($forbidding) { Stop-WeaveEmulator -Emulator $forbidding } }

        It 'stops the command with WeaveEval.Forbidden (PermissionDenied), naming the key source and the project' {
            $key = ConvertTo-Key $forbidding.ApiKey
            $thrown = { Get-WeaveEvaluationRun -BaseUri $forbidding.BaseUri -ApiKey $key } |
                Should -Throw -ErrorId 'WeaveEval.Forbidden,WeaveEval.Commands.GetWeaveEvaluationRunCommand' -PassThru
            $thrown.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $thrown.Exception.Message | Should -Match '-ApiKey'
            $thrown.Exception.Message | Should -Match 'acme-ai/support-bot'
            $thrown.ErrorDetails.Message | Should -Be 'Forbidden'
        }

        It 'names the environment variable when the key came from there' {
            $env:WANDB_API_KEY = $forbidding.ApiKey
            $thrown = { Get-WeaveEvalSummary -EvaluationRunId $demo.RunA -BaseUri $forbidding.BaseUri } |
                Should -Throw -ErrorId 'WeaveEval.Forbidden,WeaveEval.Commands.GetWeaveEvalSummaryCommand' -PassThru
            $thrown.Exception.Message | Should -Match 'WANDB_API_KEY'
        }
    }

    Context 'the key stays secret' {
        It 'appears in no stream with -Verbose and -Debug' {
            $key = $emulator.ApiKey
            $all = & {
                $DebugPreference = 'Continue'
                $VerbosePreference = 'Continue'
                Get-WeaveEvaluationRun -First 1 | Get-WeaveEvalResult -First 1
                Get-WeavePrediction -PredictionId $demo.MissingId -ErrorAction SilentlyContinue -ErrorVariable failed
                $failed
            } *>&1 | Out-String
            $all | Should -Match 'Authorization: Basic \[redacted\]'
            $all | Should -Not -Match ([regex]::Escape($key))
            $all | Should -Not -Match ([regex]::Escape([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("api:$key"))))
        }
    }

    Context 'transport' {
        It 'retries a 503 and succeeds' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ status = 503 }
            @(Get-WeaveEvaluationRun -RetryIntervalSec 0).Count | Should -Be 4
        }

        It 'gives up after -MaximumRetryCount with WeaveEval.ServerError' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 5 -Action @{ status = 503 }
            try {
                $null = Get-WeaveEvaluationRun -MaximumRetryCount 1 -RetryIntervalSec 0 -ErrorAction SilentlyContinue -ErrorVariable failed
                $failed[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.ServerError,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
                $failed[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            }
            finally { Clear-WeaveEmulatorFault -Emulator $emulator }
        }

        It '-Proxy sends the requests through the proxy (the emulator serves absolute-form requests)' {
            Clear-WeaveEmulatorRequest -Emulator $emulator
            # Nothing listens on the discard port: the runs can only come through the proxy.
            @(Get-WeaveEvaluationRun -BaseUri 'http://127.0.0.1:9' -Proxy $emulator.BaseUri -MaximumRetryCount 0).Count | Should -Be 4
            @(Get-WeaveEmulatorRequest -Emulator $emulator).Count | Should -Be 1
        }

        It 'an unreachable server is WeaveEval.NetworkError naming the host' {
            $null = Get-WeaveEvaluationRun -BaseUri 'http://127.0.0.1:9' -MaximumRetryCount 0 -ErrorAction SilentlyContinue -ErrorVariable failed
            $failed[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.NetworkError,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
            $failed[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $failed[0].Exception.Message | Should -Match '127\.0\.0\.1'
        }

        It 'times out with WeaveEval.Timeout' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ delayMs = 3000 }
            try {
                $null = Get-WeaveEvaluationRun -TimeoutSec 1 -MaximumRetryCount 0 -ErrorAction SilentlyContinue -ErrorVariable failed
                $failed[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.Timeout,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
                $failed[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            }
            finally { Clear-WeaveEmulatorFault -Emulator $emulator }
        }
    }
}
