#Requires -Modules Pester

# Every fault the emulator can inject, driven through the cmdlets: what is retried and how long it
# takes, what fails with which error id, that objects received before a failure are written exactly
# once, and that Ctrl+C (Stop) ends a request, a back-off and a stream read promptly.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveEmulator
    Initialize-WeaveTestEnvironment -Emulator $emulator -HomeDirectory (Join-Path $TestDrive 'home')

    function Get-ApiRequest([string] $Pattern = '.') { @(Get-WeaveEmulatorRequest -Emulator $emulator | Where-Object Path -Match $Pattern) }

    $baseline = [pscustomobject]@{
        Runs        = @(Get-WeaveEvaluationRun).EvaluationRunId
        ResultsA    = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA).PredictAndScoreCallId
        PredictionsC = @(Get-WeavePrediction -EvaluationRunId $demo.RunC).PredictionId
    }
}

AfterAll {
    Restore-WeaveTestEnvironment
    if ($emulator) { Stop-WeaveEmulator -Emulator $emulator }
}

Describe 'Retries' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }
    AfterAll { Clear-WeaveEmulatorFault -Emulator $emulator }

    Context 'a status that is retried (<_>)' -ForEach 408, 409, 429, 500, 502, 503, 504 {
        It 'succeeds after two retries, within the back-off it announced' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 2 -Action @{ status = $_ }
            $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -RetryIntervalSec 0.1 -Verbose }

            $run.Errors | Should -BeNullOrEmpty
            $run.Output.EvaluationRunId | Should -Be $baseline.Runs
            (Get-ApiRequest 'stream_query').Status | Should -Be @($_, $_, 200)
            $run.Verbose | Should -Contain "Retry 1/4 of POST /calls/stream_query in 0.1 s after HTTP $_"
            @($run.Verbose -match "^Retry 2/4 of POST /calls/stream_query in 0\.[12] s after HTTP $_$").Count | Should -Be 1
            # Back-offs of 0.1 s and 0.2 s (±25 % jitter): at least 0.2 s; the upper bound leaves room for a loaded CI machine.
            $run.Seconds | Should -BeGreaterThan 0.2
            $run.Seconds | Should -BeLessThan 5
        }
    }

    Context 'a status that is not retried' {
        It 'HTTP <Status> fails at once with WeaveEval.<ErrorId> (<Category>)' -ForEach @(
            @{ Status = 400; ErrorId = 'BadRequest'; Category = 'InvalidArgument'; Terminates = $false }
            @{ Status = 401; ErrorId = 'Unauthorized'; Category = 'AuthenticationError'; Terminates = $true }
            @{ Status = 403; ErrorId = 'Forbidden'; Category = 'PermissionDenied'; Terminates = $true }
            @{ Status = 404; ErrorId = 'NotFound'; Category = 'ObjectNotFound'; Terminates = $false }
            @{ Status = 413; ErrorId = 'RequestTooLarge'; Category = 'LimitsExceeded'; Terminates = $false }
            @{ Status = 422; ErrorId = 'ValidationFailed'; Category = 'InvalidArgument'; Terminates = $false }
        ) {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 3 -Action @{ status = $Status; body = @{ reason = "injected $Status" } }
            $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -RetryIntervalSec 0 -ErrorAction Continue }

            $run.Output | Should -BeNullOrEmpty
            @(Get-ApiRequest 'stream_query').Count | Should -Be 1
            $run.Terminated | Should -Be $Terminates
            $error0 = $run.Errors[0]
            $error0.FullyQualifiedErrorId | Should -Be "WeaveEval.$ErrorId,WeaveEval.Commands.GetWeaveEvaluationRunCommand"
            $error0.CategoryInfo.Category | Should -Be $Category
            $error0.Exception.StatusCode | Should -Be $Status
            $error0.Exception.RequestPath | Should -Be '/calls/stream_query'
            $error0.Exception.Method | Should -Be 'POST'
            if ($Status -ne 401) { $error0.ErrorDetails.Message | Should -Be "injected $Status" }
        }
    }

    Context 'giving up' {
        It 'fails with WeaveEval.ServerError after -MaximumRetryCount retries, naming status and path' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 10 -Action @{ status = 502 }
            $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -MaximumRetryCount 2 -RetryIntervalSec 0.05 }

            @(Get-ApiRequest 'stream_query').Count | Should -Be 3
            $run.Errors.Count | Should -Be 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.ServerError,*'
            $run.Errors[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $run.Errors[0].ErrorDetails.Message | Should -Be 'Temporary backend error'
            $run.Errors[0].Exception.StatusCode | Should -Be 502
        }

        It 'fails with WeaveEval.RateLimited when 429 persists' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'predictions/' -Times 10 -Action @{ status = 429; headers = @{ 'retry-after-ms' = '10' } }
            $run = Invoke-WeaveCaptured { Get-WeavePrediction -PredictionId $demo.PredictionA -MaximumRetryCount 1 }

            @(Get-ApiRequest 'predictions/').Count | Should -Be 2
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.RateLimited,*'
            $run.Errors[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        }

        It 'does not retry with -MaximumRetryCount 0' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 2 -Action @{ status = 503 }
            $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -MaximumRetryCount 0 }
            @(Get-ApiRequest 'stream_query').Count | Should -Be 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.ServerError,*'
        }
    }

    Context 'the server says when to come back' {
        It 'honours Retry-After in seconds' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ status = 503; headers = @{ 'Retry-After' = '1' } }
            $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -RetryIntervalSec 0 -Verbose }
            $run.Output.Count | Should -Be $baseline.Runs.Count
            $run.Verbose | Should -Contain 'Retry 1/4 of POST /calls/stream_query in 1.0 s after HTTP 503'
            $run.Seconds | Should -BeGreaterThan 0.9
            $run.Seconds | Should -BeLessThan 5
        }

        It 'honours Retry-After as an HTTP date' {
            $date = [DateTime]::UtcNow.AddSeconds(2).ToString('r', [cultureinfo]::InvariantCulture)
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ status = 429; headers = @{ 'Retry-After' = $date } }
            $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -RetryIntervalSec 0 -Verbose }
            $run.Output.Count | Should -Be $baseline.Runs.Count
            # The date has whole seconds: the wait is between 1 and 2 s from the moment it was written.
            $run.Seconds | Should -BeGreaterThan 0.8
            $run.Seconds | Should -BeLessThan 5
            @($run.Verbose -match '^Retry 1/4 of POST /calls/stream_query in [12]\.\d s after HTTP 429$').Count | Should -Be 1
        }

        It 'honours retry-after-ms' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 2 -Action @{ status = 429; headers = @{ 'retry-after-ms' = '300' } }
            $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -RetryIntervalSec 0 -Verbose }
            $run.Output.Count | Should -Be $baseline.Runs.Count
            @($run.Verbose -like '* in 0.3 s after HTTP 429').Count | Should -Be 2
            $run.Seconds | Should -BeGreaterThan 0.55
            $run.Seconds | Should -BeLessThan 5
        }
    }

    Context 'network errors' {
        It 'retries a refused connection, then fails with WeaveEval.NetworkError (ConnectionError)' {
            $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
            $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
            $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -BaseUri "http://127.0.0.1:$port" -MaximumRetryCount 2 -RetryIntervalSec 0.05 -Verbose }
            @($run.Verbose -like 'Retry ?/2 of POST /calls/stream_query in * after a network error').Count | Should -Be 2
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.NetworkError,*'
            $run.Errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        }

        It 'requests a single document again when its body breaks off (dropAfterBytes)' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'predictions/' -Times 2 -Action @{ dropAfterBytes = 20 }
            $run = Invoke-WeaveCaptured { Get-WeavePrediction -PredictionId $demo.PredictionA -RetryIntervalSec 0.05 -Verbose }
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.PredictionId | Should -Be $demo.PredictionA
            @(Get-ApiRequest 'predictions/').Count | Should -Be 3
            @($run.Verbose -like '*after the response broke off').Count | Should -Be 2
        }

        It 'fails with WeaveEval.Timeout (OperationTimeout) when the answer takes longer than -TimeoutSec (delayMs)' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results' -Times 1 -Action @{ delayMs = 4000 }
            $run = Invoke-WeaveCaptured { Get-WeaveEvalSummary -EvaluationRunId $demo.RunA -TimeoutSec 1 -MaximumRetryCount 0 }
            $run.Errors[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.Timeout,WeaveEval.Commands.GetWeaveEvalSummaryCommand'
            $run.Errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $run.Seconds | Should -BeGreaterThan 0.9
            $run.Seconds | Should -BeLessThan 3.5
        }

        It 'retries a request that timed out, and succeeds' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ delayMs = 4000 }
            $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -TimeoutSec 1 -MaximumRetryCount 1 -RetryIntervalSec 0 -Verbose }
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.EvaluationRunId | Should -Be $baseline.Runs
            $run.Verbose | Should -Contain 'Retry 1/1 of POST /calls/stream_query in 0.0 s after a timeout'
            $run.Seconds | Should -BeGreaterThan 0.9
            $run.Seconds | Should -BeLessThan 3.5
        }

        It 'reads a slow but steady answer completely (trickleBytesPerSecond)' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path 'predictions' -Times 1 -Action @{ trickleBytesPerSecond = 4000 }
            $run = Invoke-WeaveCaptured { Get-WeavePrediction -EvaluationRunId $demo.RunC -TimeoutSec 1 }
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.PredictionId | Should -Be $baseline.PredictionsC
        }
    }
}

Describe 'Resuming a page that broke off' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }
    AfterAll { Clear-WeaveEmulatorFault -Emulator $emulator }

    It 'lists every run exactly once when each answer is cut after one line (truncateLines)' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 3 -Action @{ truncateLines = 1 }
        $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -PageSize 3 -RetryIntervalSec 0.05 -Verbose }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output.EvaluationRunId | Should -Be $baseline.Runs
        # The third cut comes after the page's last line, which completes the page: nothing to resume.
        @($run.Verbose -like 'Retry 1/4 of POST /calls/stream_query from offset ? in * after the response broke off').Count | Should -Be 2
        # The log has each request when its answer ended, so a cut one may come later: compare sorted.
        (Get-ApiRequest 'stream_query' | ForEach-Object { ($_.Body | ConvertFrom-Json).offset } | Sort-Object) | Should -Be @(0, 1, 2, 3)
    }

    It 'writes every trial of an eval_results page exactly once when the page is cut mid-row (dropAfterBytes)' {
        # The summary answer is smaller than the cut and passes; the first page is cut in its second row.
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results' -Times 2 -Action @{ dropAfterBytes = 1800 }
        $run = Invoke-WeaveCaptured { Get-WeaveEvalResult -EvaluationRunId $demo.RunA -PageSize 2 -RetryIntervalSec 0.05 -Verbose }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output.PredictAndScoreCallId | Should -Be $baseline.ResultsA
        @($run.Verbose -like '*eval_results/query from offset 1 in * after the response broke off').Count | Should -Be 1
    }

    It 'lists every prediction exactly once when an answer is cut (truncateLines)' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'predictions' -Times 1 -Action @{ truncateLines = 1 }
        $run = Invoke-WeaveCaptured { Get-WeavePrediction -EvaluationRunId $demo.RunC -PageSize 2 -RetryIntervalSec 0.05 }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output.PredictionId | Should -Be $baseline.PredictionsC
        (Get-ApiRequest 'predictions').Query | Should -Be @(
            "?evaluation_run_id=$($demo.RunC)&limit=2&offset=0"
            "?evaluation_run_id=$($demo.RunC)&limit=1&offset=1"
            "?evaluation_run_id=$($demo.RunC)&limit=2&offset=2")
    }
}

Describe 'A failure part-way through a list' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }
    AfterAll { Clear-WeaveEmulatorFault -Emulator $emulator }

    It 'Get-WeaveEvaluationRun writes the runs received, then stops with WeaveEval.StreamInterrupted' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{}
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 10 -Action @{ status = 500 }
        $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -PageSize 2 -MaximumRetryCount 1 -RetryIntervalSec 0 }

        $run.Output.EvaluationRunId | Should -Be $baseline.Runs[0..1]
        $run.Terminated | Should -BeTrue
        $run.Errors.Count | Should -Be 1
        $failure = $run.Errors[0]
        $failure.FullyQualifiedErrorId | Should -Be 'WeaveEval.StreamInterrupted,WeaveEval.Commands.GetWeaveEvaluationRunCommand'
        $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
        $failure.Exception.ItemsReceived | Should -Be 2
        $failure.Exception.Message | Should -Match 'after 2 had been received'
        $failure.Exception.InnerException.StatusCode | Should -Be 500
        $failure.Exception.InnerException.RequestPath | Should -Be '/calls/stream_query'
        $failure.ErrorDetails.Message | Should -Match 'Internal server error'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'The 2 objects written'
    }

    It 'Get-WeaveEvalResult writes the trials received exactly once, then stops without reading further runs' {
        # Run A's third row (pages of one row) fails every time; its first two rows are written first.
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results' -Body "$($demo.RunA).*`"offset`":2\b" -Times 10 -Action @{ status = 503 }
        $run = Invoke-WeaveCaptured { Get-WeaveEvalResult -EvaluationRunId $demo.RunA, $demo.RunB -PageSize 1 -MaximumRetryCount 1 -RetryIntervalSec 0 }

        $run.Output.Count | Should -Be 4
        $run.Output.PredictAndScoreCallId | Should -Be $baseline.ResultsA[0..3]
        $run.Output.EvaluationRunId | Select-Object -Unique | Should -Be $demo.RunA
        $run.Terminated | Should -BeTrue
        $run.Errors[-1].FullyQualifiedErrorId | Should -Be 'WeaveEval.StreamInterrupted,WeaveEval.Commands.GetWeaveEvalResultCommand'
        $run.Errors[-1].Exception.ItemsReceived | Should -Be $run.Output.Count
        $run.Errors[-1].TargetObject | Should -Be $demo.RunA
    }

    It 'Get-WeavePrediction -EvaluationRunId writes the predictions received, then stops' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'predictions' -Times 1 -Action @{}
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'predictions' -Times 10 -Action @{ status = 504 }
        $run = Invoke-WeaveCaptured { Get-WeavePrediction -EvaluationRunId $demo.RunC -PageSize 1 -MaximumRetryCount 1 -RetryIntervalSec 0 }

        $run.Output.PredictionId | Should -Be $baseline.PredictionsC[0]
        $run.Terminated | Should -BeTrue
        $run.Errors[-1].FullyQualifiedErrorId | Should -Be 'WeaveEval.StreamInterrupted,WeaveEval.Commands.GetWeavePredictionCommand'
        $run.Errors[-1].Exception.ItemsReceived | Should -Be 1
    }

    It 'a list that keeps breaking off without progress stops with StreamInterrupted after the retries' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 10 -Action @{ truncateLines = 0 }
        $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -MaximumRetryCount 2 -RetryIntervalSec 0.05 }
        $run.Output | Should -BeNullOrEmpty
        @(Get-ApiRequest 'stream_query').Count | Should -Be 3
        $run.Terminated | Should -BeTrue
        $run.Errors[-1].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.StreamInterrupted,*'
        $run.Errors[-1].Exception.ItemsReceived | Should -Be 0
    }
}

Describe 'Malformed server data' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
    }
    AfterAll { Clear-WeaveEmulatorFault -Emulator $emulator }

    It '<Case> is WeaveEval.ProtocolError (InvalidData), never a raw .NET exception' -ForEach @(
        @{ Case = 'an HTML page instead of the runs list'; Path = 'stream_query'; Action = @{ notJson = $true }; Command = { Get-WeaveEvaluationRun } }
        @{ Case = 'an HTML page instead of a prediction'; Path = 'predictions/'; Action = @{ notJson = $true }; Command = { Get-WeavePrediction -PredictionId $demo.PredictionA } }
        @{ Case = 'an HTML page instead of the summary'; Path = 'eval_results'; Action = @{ notJson = $true }; Command = { Get-WeaveEvalSummary -EvaluationRunId $demo.RunA } }
        @{ Case = 'an invalid first line (malformedLineAt)'; Path = 'stream_query'; Action = @{ malformedLineAt = 1 }; Command = { Get-WeaveEvaluationRun } }
        @{ Case = 'a JSON array where an object belongs'; Path = 'predictions/'; Action = @{ status = 200; body = @(1, 2) }; Command = { Get-WeavePrediction -PredictionId $demo.PredictionA } }
        @{ Case = 'an empty body'; Path = 'predictions/'; Action = @{ status = 200; body = '' }; Command = { Get-WeavePrediction -PredictionId $demo.PredictionA } }
        @{ Case = 'JSON nested 5000 deep'; Path = 'predictions/'; Action = @{ status = 200; body = ('{"a":' * 5000) + '1' + ('}' * 5000) }; Command = { Get-WeavePrediction -PredictionId $demo.PredictionA } }
    ) {
        Add-WeaveEmulatorFault -Emulator $emulator -Path $Path -Times 1 -Action $Action
        $run = Invoke-WeaveCaptured $Command
        $run.Output | Should -BeNullOrEmpty
        $run.Errors.Count | Should -Be 1
        $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.ProtocolError,*'
        $run.Errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $run.Errors[0].Exception | Should -BeOfType ([WeaveEval.Client.WeaveException])
    }

    It 'a malformed line after good ones writes the good ones, then stops with StreamInterrupted caused by ProtocolError' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ malformedLineAt = 3 }
        $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun }
        $run.Output.EvaluationRunId | Should -Be $baseline.Runs[0..1]
        $run.Errors[-1].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.StreamInterrupted,*'
        $run.Errors[-1].Exception.InnerException.ErrorId | Should -Be 'ProtocolError'
    }

    It 'fields of the wrong type are read leniently, without an exception' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'predictions/' -Times 1 -Action @{ status = 200; body = @{ prediction_id = 5; inputs = 'text'; output = @(1, 2); model = @{ a = 1 } } }
        $run = Invoke-WeaveCaptured { Get-WeavePrediction -PredictionId $demo.PredictionA }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output.Count | Should -Be 1
    }
}

Describe 'Connect-Weave transport defaults' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }
    AfterAll {
        Clear-WeaveEmulatorFault -Emulator $emulator
        Disconnect-Weave
    }

    It 'stores -MaximumRetryCount and -RetryIntervalSec for later commands' {
        Connect-Weave -MaximumRetryCount 3 -RetryIntervalSec 0.05 -SkipValidation
        (Get-WeaveConnection).MaximumRetryCount | Should -Be 3
        (Get-WeaveConnection).RetryIntervalSec | Should -Be 0.05
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 3 -Action @{ status = 503 }
        $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun -Verbose }
        $run.Output.Count | Should -Be $baseline.Runs.Count
        $run.Verbose | Should -Contain 'Retry 3/3 of POST /calls/stream_query in 0.2 s after HTTP 503'
        $run.Seconds | Should -BeLessThan 5
    }

    It 'stores -MaximumRetryCount 0, and a parameter of the command overrides it' {
        Connect-Weave -MaximumRetryCount 0 -SkipValidation
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ status = 503 }
        (Invoke-WeaveCaptured { Get-WeaveEvaluationRun }).Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.ServerError,*'
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ status = 503 }
        (Invoke-WeaveCaptured { Get-WeaveEvaluationRun -MaximumRetryCount 1 -RetryIntervalSec 0 }).Output.Count | Should -Be $baseline.Runs.Count
    }

    It 'stores -TimeoutSec' {
        Connect-Weave -TimeoutSec 1 -MaximumRetryCount 0 -SkipValidation
        (Get-WeaveConnection).TimeoutSec | Should -Be 1
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ delayMs = 4000 }
        $run = Invoke-WeaveCaptured { Get-WeaveEvaluationRun }
        $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.Timeout,*'
        $run.Seconds | Should -BeLessThan 3.5
    }
}

Describe 'Ctrl+C (Stop)' {
    # Stop() is what the console does on Ctrl+C: it calls StopProcessing and waits until the command
    # has ended. The bound is 1 s; a prompt stop takes a few milliseconds, the rest is margin for a
    # loaded machine.
    BeforeAll {
        $shell = New-WeavePowerShell
        function Stop-Measured([powershell] $Shell, [System.IAsyncResult] $Invocation) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $Shell.Stop()
            $watch.Stop()
            try { $null = $Shell.EndInvoke($Invocation) } catch { $null = $_ }
            $watch.Elapsed.TotalSeconds
        }
        function Start-InShell([string] $Script) {
            $shell.Commands.Clear()
            $shell.Streams.ClearStreams()
            $null = $shell.AddScript($Script)
            $shell.BeginInvoke()
        }
    }
    AfterAll {
        Remove-WeavePowerShell -Shell $shell
        Clear-WeaveEmulatorFault -Emulator $emulator
    }
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorFault -Emulator $emulator
    }
    AfterEach {
        Clear-WeaveEmulatorFault -Emulator $emulator
        $shell.Commands.Clear()
        $shell.Streams.ClearStreams()
        $null = $shell.AddScript('@(Get-WeaveEvaluationRun).Count')
        $shell.Invoke() | Should -Be $baseline.Runs.Count -Because 'the runspace stays usable after a stop'
        $shell.InvocationStateInfo.State | Should -Be 'Completed'
    }

    It 'ends a request waiting for a slow response in under a second' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ delayMs = 30000 }
        $invocation = Start-InShell 'Get-WeaveEvaluationRun -Verbose -Debug'
        Wait-WeaveCondition { $shell.Streams.Debug.Count -ge 1 } -Because 'the request to be sent'
        Start-Sleep -Milliseconds 200
        $seconds = Stop-Measured $shell $invocation
        Write-Host "    stop during a slow response: $([math]::Round($seconds * 1000)) ms"
        $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        $seconds | Should -BeLessThan 1
    }

    It 'ends a back-off (Retry-After 30) in under a second' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'stream_query' -Times 1 -Action @{ status = 503; headers = @{ 'Retry-After' = '30' } }
        $invocation = Start-InShell 'Get-WeaveEvaluationRun -Verbose'
        Wait-WeaveCondition { @($shell.Streams.Verbose | Where-Object Message -Like 'Retry 1/4*').Count -ge 1 } -Because 'the back-off to begin'
        $seconds = Stop-Measured $shell $invocation
        Write-Host "    stop during a back-off: $([math]::Round($seconds * 1000)) ms"
        $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        $seconds | Should -BeLessThan 1
    }

    It 'ends a slow stream read in under a second, after the results already written' {
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results' -Times 2 -Action @{}
        Add-WeaveEmulatorFault -Emulator $emulator -Path 'eval_results' -Times 5 -Action @{ trickleBytesPerSecond = 200 }
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $shell.Commands.Clear()
        $shell.Streams.ClearStreams()
        $null = $shell.AddScript("Get-WeaveEvalResult -EvaluationRunId '$($demo.RunA)' -PageSize 1 -Verbose -Debug")
        $invocation = $shell.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
        Wait-WeaveCondition { $output.Count -ge 1 -and @($shell.Streams.Debug | Where-Object Message -Like '*eval_results/query -> 200*').Count -ge 3 } -Because 'a trickled page to be streaming'
        Start-Sleep -Milliseconds 200
        $seconds = Stop-Measured $shell $invocation
        Write-Host "    stop during a stream read: $([math]::Round($seconds * 1000)) ms"
        $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        $seconds | Should -BeLessThan 1
        $output.Count | Should -BeLessThan $baseline.ResultsA.Count
    }
}

Describe 'about_WeaveEval error catalogue' {
    BeforeAll {
        $source = Join-Path (Split-Path -Parent $PSScriptRoot) 'src/WeaveEval'
        $help = Get-Content -Raw -LiteralPath (Join-Path (Get-Module WeaveEval).ModuleBase 'en-US/about_WeaveEval.help.txt')
        $catalogue = @{}
        foreach ($match in [regex]::Matches($help, '(?m)^    ([A-Z][A-Za-z]+)\s{2,}([A-Za-z]+)\s{2,}\S')) { $catalogue[$match.Groups[1].Value] = $match.Groups[2].Value }
        # Every id the code can emit: ErrorRecord ids in the cmdlets, and the core's bare ErrorIds.
        $code = Get-ChildItem -LiteralPath $source -Recurse -Filter *.cs | Where-Object FullName -NotMatch '[\\/](obj|bin)[\\/]' | Get-Content -Raw
        $emitted = @(
            [regex]::Matches($code, '"WeaveEval\.([A-Za-z]+)"') | ForEach-Object { $_.Groups[1].Value }
            [regex]::Matches($code, 'return \("([A-Za-z]+)", WeaveErrorKind') | ForEach-Object { $_.Groups[1].Value }
            [regex]::Matches($code, 'new Weave(?:Configuration)?Exception\([^;]*?"([A-Z][A-Za-z]+)"\s*(?:,|\))') | ForEach-Object { $_.Groups[1].Value }
            [regex]::Matches($code, ': base\(message, "([A-Za-z]+)"') | ForEach-Object { $_.Groups[1].Value }
        ) | Where-Object { $_ -notin 'Tests' } | Sort-Object -Unique
    }

    It 'finds the ids in the source' {
        $emitted | Should -Contain 'StreamInterrupted'
        $emitted | Should -Contain 'UnencryptedConnectionRefused'
        $emitted.Count | Should -BeGreaterThan 15
    }

    It 'lists <_> with a valid ErrorCategory' -ForEach @(
        'MissingEntityOrProject', 'InvalidEntityOrProject', 'MissingApiKey', 'ConflictingApiKeyParameters', 'InvalidBaseUri',
        'InvalidTransportOption', 'UnencryptedConnectionRefused', 'Unauthorized', 'Forbidden', 'NotFound', 'BadRequest',
        'ValidationFailed', 'RequestTooLarge', 'RateLimited', 'ServerError', 'Timeout', 'NetworkError', 'StreamInterrupted',
        'ProtocolError', 'InvalidArgument', 'MissingPredictionId', 'FileExists', 'FileWriteFailed', 'ExportIncomplete',
        'InvalidStateFile', 'StateFileProjectMismatch'
    ) {
        $catalogue.Keys | Should -Contain $_
        [System.Management.Automation.ErrorCategory].GetEnumNames() | Should -Contain $catalogue[$_]
    }

    It 'lists every id the code can emit' {
        $emitted | Where-Object { -not $catalogue.ContainsKey($_) } | Should -BeNullOrEmpty
    }
}
