#Requires -Modules Pester

# The type names a person sees (Get-Member, format views, help, [OutputType]) are the design's:
# WeaveEval.<Type>, without an internal namespace in between.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')
    $demo = Get-WeaveDemo
}

AfterAll { Stop-WeaveTestEmulator -Emulator $emulator }

Describe 'Output type names' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    It '<Command> writes <TypeName> objects' -ForEach @(
        @{ Command = 'Get-WeaveEvaluationRun'; TypeName = 'WeaveEval.EvaluationRun'; Run = { Get-WeaveEvaluationRun -First 1 } }
        @{ Command = 'Get-WeaveEvalResult'; TypeName = 'WeaveEval.EvalResult'; Run = { Get-WeaveEvalResult -EvaluationRunId $demo.RunA -First 1 } }
        @{ Command = 'Get-WeaveEvalSummary'; TypeName = 'WeaveEval.ScorerStat'; Run = { Get-WeaveEvalSummary -EvaluationRunId $demo.RunA } }
        @{ Command = 'Get-WeavePrediction'; TypeName = 'WeaveEval.Prediction'; Run = { Get-WeavePrediction -PredictionId $demo.PredictionA } }
        @{ Command = 'Connect-Weave'; TypeName = 'WeaveEval.WeaveConnection'; Run = { Connect-Weave -PassThru } }
        @{ Command = 'Get-WeaveConnection'; TypeName = 'WeaveEval.WeaveConnection'; Run = { Connect-Weave; Get-WeaveConnection } }
        @{ Command = 'Compare-WeaveEvaluation'; TypeName = 'WeaveEval.ScoreComparison'; Run = { Compare-WeaveEvaluation -BaselineRunId $demo.RunA -CandidateRunId $demo.RunB } }
        @{ Command = 'Compare-WeaveEvaluation'; TypeName = 'WeaveEval.RowComparison'; Run = { Compare-WeaveEvaluation -BaselineRunId $demo.RunA -CandidateRunId $demo.RunB -PerRow } }
        @{ Command = 'Test-WeaveEvalGate'; TypeName = 'WeaveEval.GateResult'; Run = { Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumRows 1 } }
    ) {
        $output = @(& $Run)
        $output.Count | Should -BeGreaterThan 0
        foreach ($item in $output) { $item.PSObject.TypeNames[0] | Should -BeExactly $TypeName }
        (Get-Command $Command).OutputType.Name | Should -Contain $TypeName
        ($output[0] | Get-Member | Select-Object -First 1).TypeName | Should -BeExactly $TypeName
    }

    It 'names the same types in the format views' {
        foreach ($name in 'WeaveEval.EvaluationRun', 'WeaveEval.EvalResult', 'WeaveEval.ScorerStat', 'WeaveEval.Prediction', 'WeaveEval.WeaveConnection',
            'WeaveEval.ScoreComparison', 'WeaveEval.RowComparison', 'WeaveEval.GateResult', 'WeaveEval.GateRuleResult') {
            Get-FormatData -TypeName $name -PowerShellVersion $PSVersionTable.PSVersion | Should -Not -BeNullOrEmpty -Because "$name needs a view"
        }
    }

    It 'names the same types in the help' {
        $returns = foreach ($command in Get-Command -Module WeaveEval) { (Get-Help $command.Name -Full).returnValues.returnValue.type.name }
        $returns | Should -Not -Match '^WeaveEval\.(Model|Commands)\.'
        $returns | Should -Contain 'WeaveEval.EvalResult'
    }
}
