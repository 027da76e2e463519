#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    $predictionsOfC = '019f5075-7a36-721d-a2e6-9330410bb56f', '019f5075-80da-7baa-b061-adbfe72c9d91'

    function Get-PredictionRequest { @(Get-WeaveEmulatorRequest -Emulator $emulator | Where-Object path -like '*/predictions*') }
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Get-WeavePrediction' {
    BeforeEach {
        Reset-WeaveTestEnvironment -Emulator $emulator
        Clear-WeaveEmulatorRequest -Emulator $emulator
    }

    Context 'ById' {
        It 'reads an SDK predict call' {
            $prediction = Get-WeavePrediction -PredictionId $demo.PredictionA
            $prediction | Should -BeOfType ([WeaveEval.Prediction])
            $prediction.PredictionId | Should -Be $demo.PredictionA
            $prediction.Model | Should -Be ''
            $prediction.Inputs.Count | Should -Be 0
            $prediction.Output | Should -Be "Click 'Forgot password' on the login page and follow the emailed link."
            $prediction.EvaluationRunId | Should -Be $demo.RunA
            $prediction.Entity | Should -Be 'acme-ai'
            $prediction.Project | Should -Be 'support-bot'
        }

        It 'reads a v2 API prediction' {
            $prediction = Get-WeavePrediction -PredictionId $predictionsOfC[1]
            $prediction.ModelName | Should -Be 'HaikuSupportModel'
            $prediction.Inputs.question | Should -Be 'Do you support SSO?'
        }

        It 'keeps the input order while reading concurrently' {
            $ids = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA).PredictionId + $predictionsOfC
            $predictions = @($ids | Get-WeavePrediction -ThrottleLimit 4)
            $predictions.PredictionId | Should -Be $ids
        }

        It 'keeps the input order when the first read is the slowest' {
            Add-WeaveEmulatorFault -Emulator $emulator -Path ([regex]::Escape($predictionsOfC[0])) -Times 1 -Action @{ delayMs = 700 }
            $predictions = @(Get-WeavePrediction -PredictionId $predictionsOfC[0], $predictionsOfC[1], $demo.PredictionA)
            $predictions.PredictionId | Should -Be @($predictionsOfC[0], $predictionsOfC[1], $demo.PredictionA)
        }

        It 'takes EvalResult objects from the pipeline (PredictionId, Entity, Project by property name)' {
            $predictions = @(Get-WeaveEvalResult -EvaluationRunId $demo.RunA | Where-Object { -not $_.Scores.exact_match } | Get-WeavePrediction)
            $predictions.Count | Should -Be 3
            $predictions.EvaluationRunId | Sort-Object -Unique | Should -Be $demo.RunA
        }

        It 'binds the PredictCallId alias' {
            ([pscustomobject]@{ PredictCallId = $demo.PredictionA } | Get-WeavePrediction).PredictionId | Should -Be $demo.PredictionA
        }

        It 'writes WeaveEval.NotFound for an unknown id, in order, and goes on' {
            $predictions = @(Get-WeavePrediction -PredictionId $demo.MissingId, $demo.PredictionA -ErrorAction SilentlyContinue -ErrorVariable failed)
            $predictions.PredictionId | Should -Be $demo.PredictionA
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.NotFound,WeaveEval.Commands.GetWeavePredictionCommand'
            $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failed[0].TargetObject | Should -Be $demo.MissingId
            $failed[0].ErrorDetails.Message | Should -Match "Prediction $($demo.MissingId) not found"
        }

        It 'writes WeaveEval.MissingPredictionId for an input without an id' {
            $inputs = [pscustomobject]@{ PredictionId = $null }, [pscustomobject]@{ PredictionId = $demo.PredictionA }
            $predictions = @($inputs | Get-WeavePrediction -ErrorAction SilentlyContinue -ErrorVariable failed)
            $predictions.PredictionId | Should -Be $demo.PredictionA
            $failed[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.MissingPredictionId,WeaveEval.Commands.GetWeavePredictionCommand'
        }

        It '-First stops reading' {
            @(Get-WeavePrediction -PredictionId $predictionsOfC[0], $predictionsOfC[1], $demo.PredictionA -First 1 -ThrottleLimit 1).PredictionId | Should -Be $predictionsOfC[0]
        }

        It 'a rejected key stops the command' {
            { Get-WeavePrediction -PredictionId $demo.PredictionA, $predictionsOfC[0] -ApiKey (ConvertTo-SecureString 'nope' -AsPlainText -Force) } |
                Should -Throw -ErrorId 'WeaveEval.Unauthorized,WeaveEval.Commands.GetWeavePredictionCommand'
        }
    }

    Context 'ByRun' {
        It 'lists the v2 predictions of a run' {
            $predictions = @(Get-WeavePrediction -EvaluationRunId $demo.RunC)
            $predictions.PredictionId | Should -Be $predictionsOfC
            $predictions.EvaluationRunId | Sort-Object -Unique | Should -Be $demo.RunC
        }

        It 'lists nothing for an SDK run' {
            @(Get-WeavePrediction -EvaluationRunId $demo.RunA).Count | Should -Be 0
        }

        It 'takes runs from the pipeline' {
            $predictions = @(Get-WeaveEvaluationRun -Model Haiku* | Get-WeavePrediction)
            $predictions.PredictionId | Should -Be $predictionsOfC
        }

        It '-First smaller than a page requests one page' {
            @(Get-WeavePrediction -EvaluationRunId $demo.RunC -First 1 -PageSize 1).PredictionId | Should -Be $predictionsOfC[0]
            (Get-PredictionRequest).Count | Should -Be 1
        }

        It '-First of exactly a page requests no second page' {
            @(Get-WeavePrediction -EvaluationRunId $demo.RunC -First 2 -PageSize 2).PredictionId | Should -Be $predictionsOfC
            (Get-PredictionRequest).Count | Should -Be 1
        }

        It '-First beyond the end gives every prediction' {
            @(Get-WeavePrediction -EvaluationRunId $demo.RunC -First 10 -PageSize 1).Count | Should -Be 2
        }

        It '-Skip skips predictions' {
            @(Get-WeavePrediction -EvaluationRunId $demo.RunC -Skip 1).PredictionId | Should -Be $predictionsOfC[1]
        }
    }

    Context 'output' {
        It 'has a compact default table' {
            $table = Get-WeavePrediction -EvaluationRunId $demo.RunC | Format-Table | Out-String -Width 200
            $table | Should -Match 'PredictionId\s+ModelName'
        }

        It 'keeps the inputs in JSON at the default depth' {
            $json = Get-WeavePrediction -PredictionId $predictionsOfC[1] | ConvertTo-Json
            $json | Should -Match 'Do you support SSO'
        }
    }
}
