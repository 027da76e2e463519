#Requires -Modules Pester

# Ids and names that could change the request path are either refused with a clear error before any
# request, or percent-encoded as one path segment: the emulator's request log shows that they reach
# the route they were meant for and no other. Absurd sizes are refused by parameter binding.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveEmulator
    Initialize-WeaveTestEnvironment -Emulator $emulator -HomeDirectory (Join-Path $TestDrive 'home')
}

AfterAll {
    Restore-WeaveTestEnvironment
    if ($emulator) { Stop-WeaveEmulator -Emulator $emulator }
}

Describe 'Get-WeavePrediction -PredictionId' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context 'an id that would change the path is sent as one encoded segment' {
        # Logged: the path as the emulator's request log shows it (it decodes everything but %2F).
        It '<Case>: <Id>' -ForEach @(
            @{ Case = 'slash'; Id = 'a/b'; Logged = 'a%2Fb' }
            @{ Case = 'parent segment inside'; Id = '../evaluation_runs'; Logged = '..%2Fevaluation_runs' }
            @{ Case = 'question mark'; Id = 'a?limit=1'; Logged = 'a?limit=1' }
            @{ Case = 'hash'; Id = 'a#b'; Logged = 'a#b' }
            @{ Case = 'backslash'; Id = 'a\b'; Logged = 'a\b' }
            @{ Case = 'percent-encoded dots'; Id = '%2e%2e'; Logged = '%2e%2e' }
            @{ Case = 'space inside'; Id = 'a b'; Logged = 'a b' }
            @{ Case = 'unicode'; Id = 'grüße-日本-🙂'; Logged = 'grüße-日本-🙂' }
        ) {
            $run = Invoke-WeaveCaptured -Emulator $emulator { Get-WeavePrediction -PredictionId $Id }

            $run.Requests.Count | Should -Be 1
            $run.Requests[0].Method | Should -Be 'GET'
            $run.Requests[0].Path | Should -BeExactly "/v2/acme-ai/support-bot/predictions/$Logged"
            $run.Requests[0].Query | Should -BeNullOrEmpty
            $run.Errors.Count | Should -Be 1
            $run.Errors[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.NotFound,WeaveEval.Commands.GetWeavePredictionCommand'
            # The prediction route answered (not the router's own 404 for an unknown path).
            $run.Errors[0].ErrorDetails.Message | Should -BeLike 'Prediction * not found'
            $run.Errors[0].Exception.RequestPath | Should -BeLike '/v2/acme-ai/support-bot/predictions/*'
        }
    }

    Context 'an id that names nothing is refused before any request' {
        It '<Case> is WeaveEval.<ErrorId> (InvalidArgument)' -ForEach @(
            @{ Case = 'empty'; Id = ''; ErrorId = 'MissingPredictionId' }
            @{ Case = 'blank'; Id = '   '; ErrorId = 'InvalidArgument' }
            @{ Case = 'a tab'; Id = "`t"; ErrorId = 'InvalidArgument' }
            @{ Case = "'.'"; Id = '.'; ErrorId = 'InvalidArgument' }
            @{ Case = "'..'"; Id = '..'; ErrorId = 'InvalidArgument' }
        ) {
            $run = Invoke-WeaveCaptured -Emulator $emulator { Get-WeavePrediction -PredictionId $Id }
            $run.Requests | Should -BeNullOrEmpty
            $run.Errors.Count | Should -Be 1
            $run.Errors[0].FullyQualifiedErrorId | Should -Be "WeaveEval.$ErrorId,WeaveEval.Commands.GetWeavePredictionCommand"
            $run.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'goes on with the next id after a refused one' {
            $run = Invoke-WeaveCaptured -Emulator $emulator { Get-WeavePrediction -PredictionId '..', $demo.PredictionA }
            $run.Output.PredictionId | Should -Be $demo.PredictionA
            $run.Errors.Count | Should -Be 1
        }
    }
}

Describe 'Evaluation run ids' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context '<Command> with an odd run id' -ForEach @(
        # The run check goes out together with the summary and the first page: the id travels in JSON bodies only.
        @{ Command = 'Get-WeaveEvaluationRun'; Routes = @('/calls/stream_query') }
        @{ Command = 'Get-WeaveEvalResult'; Routes = @('/calls/stream_query', '/v2/acme-ai/support-bot/eval_results/query') }
        @{ Command = 'Get-WeaveEvalSummary'; Routes = @('/calls/stream_query', '/v2/acme-ai/support-bot/eval_results/query') }
    ) {
        It 'sends <Id> only in JSON bodies (<Routes>) and reports WeaveEval.NotFound' -ForEach @(
            @{ Id = 'a/b?c#d' }
            @{ Id = '../../v2/acme-ai/support-bot/evaluation_runs' }
            @{ Id = 'ünï cødé 日本' }
        ) {
            $run = Invoke-WeaveCaptured -Emulator $emulator { & $Command -EvaluationRunId $Id }
            @($run.Requests.Path | Sort-Object -Unique) | Should -Be $Routes
            $check = @($run.Requests | Where-Object Path -EQ '/calls/stream_query')
            $check.Count | Should -Be 1
            ($check[0].Body | ConvertFrom-Json).filter.call_ids | Should -BeExactly $Id
            $run.Errors.Count | Should -Be 1
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.NotFound,*'
            $run.Errors[0].TargetObject | Should -BeExactly $Id
        }

        It 'refuses an empty id at binding, before any request' {
            $run = Invoke-WeaveCaptured -Emulator $emulator { & $Command -EvaluationRunId '' }
            $run.Requests | Should -BeNullOrEmpty
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
        }
    }

    Context 'Get-WeavePrediction -EvaluationRunId' {
        It 'percent-encodes <Id> as one query value of the predictions route' -ForEach @(
            @{ Id = 'a/b?c=d#e&limit=1000'; Encoded = 'a%2Fb%3Fc%3Dd%23e%26limit%3D1000' }
            @{ Id = 'grüße'; Encoded = 'gr%C3%BC%C3%9Fe' }
        ) {
            $run = Invoke-WeaveCaptured -Emulator $emulator { Get-WeavePrediction -EvaluationRunId $Id }
            $run.Requests.Count | Should -Be 1
            $run.Requests[0].Path | Should -BeExactly '/v2/acme-ai/support-bot/predictions'
            $run.Requests[0].Query | Should -BeExactly "?evaluation_run_id=$Encoded&limit=100&offset=0"
            $run.Errors | Should -BeNullOrEmpty
        }
    }
}

Describe 'Entity and project names' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context 'a name that is not one path segment' {
        It '-<Parameter> <Value> (<Case>) stops with WeaveEval.InvalidEntityOrProject before any request' -ForEach @(
            @{ Case = 'slash'; Parameter = 'Entity'; Value = 'acme-ai/support-bot' }
            @{ Case = 'parent'; Parameter = 'Entity'; Value = '..' }
            @{ Case = 'dot'; Parameter = 'Project'; Value = '.' }
            @{ Case = 'question mark'; Parameter = 'Project'; Value = 'support-bot?x=1' }
            @{ Case = 'hash'; Parameter = 'Project'; Value = 'support-bot#x' }
            @{ Case = 'backslash'; Parameter = 'Entity'; Value = 'acme\ai' }
            @{ Case = 'blank'; Parameter = 'Project'; Value = '   ' }
            @{ Case = 'control character'; Parameter = 'Entity'; Value = "acme`nai" }
        ) {
            $splat = @{ $Parameter = $Value }
            foreach ($attempt in { Get-WeaveEvaluationRun @splat }, { Get-WeavePrediction -PredictionId $demo.PredictionA @splat }, { Connect-Weave -SkipValidation @splat }) {
                $run = Invoke-WeaveCaptured -Emulator $emulator $attempt
                $run.Requests | Should -BeNullOrEmpty
                $run.Errors.Count | Should -Be 1
                $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.InvalidEntityOrProject,*'
                $run.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
                $example = if ($Parameter -eq 'Project') { 'support-bot' } else { 'acme-ai' }
                $run.Errors[0].Exception.Message | Should -Match "The W&B $($Parameter.ToLowerInvariant()) '.*' .*; it must be a single name such as '$example'\.$"
            }
            Get-WeaveConnection | Should -BeNullOrEmpty
        }

        It 'refuses an empty -<_> at binding' -ForEach 'Entity', 'Project' {
            $splat = @{ $_ = '' }
            $run = Invoke-WeaveCaptured -Emulator $emulator { Get-WeaveEvaluationRun @splat }
            $run.Requests | Should -BeNullOrEmpty
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
        }
    }

    Context 'a unicode name' {
        It 'is percent-encoded as one segment of the v2 path' {
            $run = Invoke-WeaveCaptured -Emulator $emulator { Get-WeavePrediction -Entity 'ácmé-ai' -Project 'support bot' -PredictionId 'p1' }
            $run.Requests.Count | Should -Be 1
            $run.Requests[0].Path | Should -BeExactly '/v2/ácmé-ai/support bot/predictions/p1'
            $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WeaveEval.NotFound,*'
        }

        It 'is sent as the project_id of the calls query, not in its path' {
            $run = Invoke-WeaveCaptured -Emulator $emulator { Get-WeaveEvaluationRun -Entity 'ácmé-ai' -Project '日本' }
            $run.Requests.Path | Should -Be '/calls/stream_query'
            ($run.Requests[0].Body | ConvertFrom-Json).project_id | Should -BeExactly 'ácmé-ai/日本'
            $run.Output | Should -BeNullOrEmpty
            $run.Errors | Should -BeNullOrEmpty
        }
    }
}

Describe 'Absurd sizes and limits' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    It '<Command> -<Parameter> <Value> is refused at binding, before any request' -ForEach @(
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'PageSize'; Value = 0 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'PageSize'; Value = -1 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'PageSize'; Value = 10001 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'PageSize'; Value = 3000000000 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'First'; Value = -1 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'First'; Value = '1e30' }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'Skip'; Value = -5 }
        @{ Command = 'Get-WeaveEvalResult'; Parameter = 'PageSize'; Value = 0 }
        @{ Command = 'Get-WeaveEvalResult'; Parameter = 'PageSize'; Value = 100000 }
        @{ Command = 'Get-WeaveEvalResult'; Parameter = 'First'; Value = -1 }
        @{ Command = 'Get-WeavePrediction'; Parameter = 'ThrottleLimit'; Value = 0 }
        @{ Command = 'Get-WeavePrediction'; Parameter = 'ThrottleLimit'; Value = 65 }
        @{ Command = 'Get-WeavePrediction'; Parameter = 'First'; Value = -3 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'TimeoutSec'; Value = 0 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'TimeoutSec'; Value = -1 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'MaximumRetryCount'; Value = -1 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'MaximumRetryCount'; Value = 101 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'RetryIntervalSec'; Value = -0.5 }
        @{ Command = 'Get-WeaveEvaluationRun'; Parameter = 'RetryIntervalSec'; Value = 3601 }
        @{ Command = 'Connect-Weave'; Parameter = 'TimeoutSec'; Value = 0 }
        @{ Command = 'Connect-Weave'; Parameter = 'MaximumRetryCount'; Value = 1000 }
    ) {
        $splat = @{ $Parameter = $Value }
        if ($Command -in 'Get-WeaveEvalResult', 'Get-WeavePrediction') { $splat.EvaluationRunId = $demo.RunA }
        if ($Command -eq 'Get-WeavePrediction' -and $Parameter -eq 'ThrottleLimit') { $splat.Remove('EvaluationRunId'); $splat.PredictionId = $demo.PredictionA }
        if ($Command -eq 'Connect-Weave') { $splat.SkipValidation = $true }
        $run = Invoke-WeaveCaptured -Emulator $emulator { & $Command @splat }
        $run.Requests | Should -BeNullOrEmpty
        $run.Output | Should -BeNullOrEmpty
        $run.Errors.Count | Should -Be 1
        $run.Errors[0].FullyQualifiedErrorId | Should -Match '^(ParameterArgumentValidationError|CannotConvertArgumentNoMessage|ParameterArgumentTransformationError),'
        $run.Errors[0].Exception.Message | Should -BeLike "*'$Parameter'*"
    }
}
