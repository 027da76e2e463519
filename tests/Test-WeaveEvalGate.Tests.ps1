#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    Import-WeaveModule
    $demo = Get-WeaveDemo
    $emulator = Start-WeaveTestEmulator -HomeDirectory (Join-Path $TestDrive 'home')

    # When this suite itself runs in a CI job, the gates it fails on purpose must not annotate that job.
    $ciVariables = 'GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'TF_BUILD', 'AGENT_TEMPDIRECTORY'
    $savedCi = @{}
    foreach ($name in $ciVariables) { $savedCi[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $null) }

    function Get-Rule {
        param([Parameter(Mandatory)] $Result, [Parameter(Mandatory)] [string] $Rule, [string] $Scorer, [string] $Run)
        @($Result.Rules | Where-Object { $_.Rule -eq $Rule -and (-not $Scorer -or $_.Scorer -eq $Scorer) -and (-not $Run -or $_.EvaluationRunId -eq $Run) })
    }

    function Invoke-GateInChild {
        <#
        Runs $Script in a child pwsh that imported the module, with the emulator's settings and the given
        CI variables; returns its ExitCode, its Stdout lines and its Stderr text.
        #>
        param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
        $prelude = @("Import-Module '$(Get-WeaveModulePath)' -ErrorAction Stop")
        foreach ($name in $ciVariables) {
            $value = if ($Environment.ContainsKey($name)) { "'" + $Environment[$name].Replace("'", "''") + "'" } else { '$null' }
            $prelude += "[Environment]::SetEnvironmentVariable('$name', $value)"
        }
        $file = Join-Path $TestDrive ('gate-' + [guid]::NewGuid().ToString('N') + '.ps1')
        $errorFile = "$file.stderr"
        Set-Content -LiteralPath $file -Value (($prelude + $Script) -join [Environment]::NewLine) -Encoding utf8
        $pwsh = @(Get-PwshCommand)
        $stdout = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file 2> $errorFile
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Stdout = @($stdout); Stderr = (Get-Content -LiteralPath $errorFile -Raw) }
    }
}

AfterAll {
    foreach ($name in $savedCi.Keys) { [Environment]::SetEnvironmentVariable($name, $savedCi[$name]) }
    Stop-WeaveTestEmulator -Emulator $emulator
}

Describe 'Test-WeaveEvalGate' {
    BeforeEach { Reset-WeaveTestEnvironment -Emulator $emulator }

    Context 'the result' {
        It 'is one WeaveEval.GateResult with a GateRuleResult per rule' {
            $output = @(Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumScore @{ exact_match = 0.5 })
            $output.Count | Should -Be 1
            $output[0] | Should -BeOfType ([WeaveEval.GateResult])
            $output[0].Passed | Should -BeTrue
            $output[0].EvaluationRunId | Should -Be @($demo.RunA)
            $output[0].Rules | ForEach-Object { $_ | Should -BeOfType ([WeaveEval.GateRuleResult]) }
            $output[0].Rules.Rule | Should -Be @('Complete', 'MinimumScore')
            $rule = $output[0].Rules[1]
            $rule.Scorer | Should -Be 'exact_match'
            $rule.Measured | Should -Be 0.5
            $rule.Threshold | Should -Be 0.5
            $rule.Message | Should -Match 'meets the minimum 0\.5'
        }

        It 'reads only run checks and summaries, never result rows' {
            $capture = Invoke-WeaveCaptured { Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumRows 1 } -Emulator $emulator
            $queries = @($capture.Requests | Where-Object Path -match 'eval_results/query$')
            $queries.Count | Should -Be 1
            $queries[0].Body | Should -Match '"include_rows":\s*false'
            $capture.Errors | Should -BeNullOrEmpty
        }

        It 'shows the verdict and every rule in its default view' {
            $text = Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumScore @{ similarity = 0.75 } | Out-String -Width 200
            $text | Should -Match 'Passed\s+: False'
            $text | Should -Match 'Failed\s+: 1 of 2 rules'
            $text | Should -Match 'FAILED Mean of ''similarity'''
            $rules = (Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumScore @{ similarity = 0.75 }).Rules | Out-String -Width 200
            $rules | Should -Match 'Passed\s+Rule\s+Scorer\s+Measured\s+Threshold\s+Message'
            $rules | Should -Match 'MinimumScore\s+similarity\s+0\.7183\s+0\.75'
        }
    }

    Context 'rule <Rule> <Outcome>' -ForEach @(
        @{ Rule = 'MinimumScore'; Outcome = 'passes'; Passed = $true; Scorer = 'LLMJudge.correct'; Measured = 0.8333333333333334; Threshold = 0.8; Gate = @{ MinimumScore = @{ 'LLMJudge.correct' = 0.8 } } }
        @{ Rule = 'MinimumScore'; Outcome = 'fails'; Passed = $false; Scorer = 'similarity'; Measured = 0.7183333333333333; Threshold = 0.75; Gate = @{ MinimumScore = @{ similarity = 0.75 } } }
        @{ Rule = 'MinimumRows'; Outcome = 'passes'; Passed = $true; Scorer = $null; Measured = 3; Threshold = 3; Gate = @{ MinimumRows = 3 } }
        @{ Rule = 'MinimumRows'; Outcome = 'fails'; Passed = $false; Scorer = $null; Measured = 3; Threshold = 4; Gate = @{ MinimumRows = 4 } }
        @{ Rule = 'MaximumTokensPerRow'; Outcome = 'passes'; Passed = $true; Scorer = $null; Measured = 2435 / 3; Threshold = 812; Gate = @{ MaximumTokensPerRow = 812 } }
        @{ Rule = 'MaximumTokensPerRow'; Outcome = 'fails'; Passed = $false; Scorer = $null; Measured = 2435 / 3; Threshold = 800; Gate = @{ MaximumTokensPerRow = 800 } }
        # The emulator prices run A's model calls at 0.011435 USD for 3 rows.
        @{ Rule = 'MaximumCostPerRow'; Outcome = 'passes'; Passed = $true; Scorer = $null; Measured = $null; Threshold = 0.004; Gate = @{ MaximumCostPerRow = 0.004 } }
        @{ Rule = 'MaximumCostPerRow'; Outcome = 'fails'; Passed = $false; Scorer = $null; Measured = $null; Threshold = 0.003; Gate = @{ MaximumCostPerRow = 0.003 } }
    ) {
        It 'gives the measured value, the threshold and the verdict' {
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunA @Gate
            $rule = @(Get-Rule $result $Rule)
            $rule.Count | Should -Be 1
            $rule[0].Passed | Should -Be $Passed
            $result.Passed | Should -Be $Passed
            $rule[0].Scorer | Should -Be $Scorer
            $rule[0].Threshold | Should -Be $Threshold
            if ($null -ne $Measured) { $rule[0].Measured | Should -Be $Measured }
            else { $rule[0].Measured | Should -BeGreaterThan 0.0038; $rule[0].Measured | Should -BeLessThan 0.0039 }
            $rule[0].Message | Should -Match ([regex]::Escape($demo.RunA))
        }
    }

    Context 'costs' {
        It 'asks the server for costs only when a cost rule needs them' {
            $withCost = Invoke-WeaveCaptured { Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MaximumCostPerRow 1 } -Emulator $emulator
            ($withCost.Requests | Where-Object Path -match 'eval_results/query$').Body | Should -Match '"include_costs":\s*true'
            $without = Invoke-WeaveCaptured { Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumRows 1 } -Emulator $emulator
            $queries = @($without.Requests | Where-Object Path -match 'eval_results/query$')
            $queries.Count | Should -Be 1
            $queries[0].Body | Should -Not -Match 'include_costs'
        }

        It 'fails a cost rule for a run the server cannot price, saying why' {
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunC -MaximumCostPerRow 1
            $rule = Get-Rule $result MaximumCostPerRow
            $rule.Passed | Should -BeFalse
            $rule.Measured | Should -BeNullOrEmpty
            $rule.Message | Should -Match 'cannot be measured'
        }
    }

    Context 'regression against a baseline' {
        # Run B (still running, so -AllowIncomplete) scored higher than run A: A regressed from B.
        It '<Rule> <Outcome>' -ForEach @(
            @{ Rule = 'MaximumRegression'; Outcome = 'passes within the bound'; Bound = @{ similarity = 0.25 }; Passed = $true; Measured = 0.925 - 0.7183333333333333 }
            @{ Rule = 'MaximumRegression'; Outcome = 'fails beyond the bound'; Bound = @{ similarity = 0.2 }; Passed = $false; Measured = 0.925 - 0.7183333333333333 }
            @{ Rule = 'MaximumRelativeRegression'; Outcome = 'passes within the bound'; Bound = @{ exact_match = 0.5 }; Passed = $true; Measured = 0.5 }
            @{ Rule = 'MaximumRelativeRegression'; Outcome = 'fails beyond the bound'; Bound = @{ exact_match = 0.4 }; Passed = $false; Measured = 0.5 }
        ) {
            $parameters = @{ $Rule = $Bound }
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunA -BaselineRunId $demo.RunB -AllowIncomplete @parameters
            $result.BaselineRunId | Should -Be $demo.RunB
            $rule = @(Get-Rule $result $Rule)
            $rule.Count | Should -Be 1
            $rule[0].BaselineRunId | Should -Be $demo.RunB
            $rule[0].Measured | Should -BeGreaterThan ($Measured - 1e-9)
            $rule[0].Measured | Should -BeLessThan ($Measured + 1e-9)
            $rule[0].Passed | Should -Be $Passed
            $result.Passed | Should -Be $Passed
        }

        It 'bounds every score of the baseline when the bound is one number' {
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunB -BaselineRunId $demo.RunA -MaximumRegression 0 -AllowIncomplete
            (Get-Rule $result MaximumRegression).Scorer | Should -Be @('exact_match', 'similarity', 'LLMJudge.correct', 'LLMJudge.score')
        }

        It 'fails when the baseline does not exist' {
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunA -BaselineRunId $demo.MissingId -MaximumRegression @{ exact_match = 0.1 }
            $result.Passed | Should -BeFalse
            (Get-Rule $result Complete -Run $demo.MissingId).Message | Should -Match "Baseline run $($demo.MissingId) not found in project acme-ai/support-bot"
        }
    }

    Context 'scorers the run does not have' {
        It 'fails the rule and names the scorers the run has' {
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumScore @{ correct = 0.9 }
            $rule = Get-Rule $result MinimumScore
            $rule.Passed | Should -BeFalse
            $rule.Message | Should -Match "has no score 'correct'; its scores are: exact_match, similarity, LLMJudge\.correct, LLMJudge\.score"
        }
    }

    Context 'incomplete runs' {
        It 'fails a run that is still running' {
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunB -MinimumRows 1
            $result.Passed | Should -BeFalse
            (Get-Rule $result Complete).Message | Should -Match 'is still running'
        }

        It 'gates it anyway with -AllowIncomplete' {
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunB -MinimumRows 1 -AllowIncomplete
            $result.Passed | Should -BeTrue
            (Get-Rule $result Complete).Message | Should -Match 'allowed by AllowIncomplete'
        }

        It 'fails a run the server reports partial data for (a warning in its summary)' {
            $partial = @{
                rows = @(); total_rows = 0; warnings = @('Failed to resolve dataset row refs; raw_data_row may contain refs')
                summary = @{ row_count = 3; evaluations = @(@{ evaluation_call_id = $demo.RunA; trial_count = 6; scorer_stats = @() }) }
            }
            Add-WeaveEmulatorFault $emulator -Path 'eval_results/query$' -Body $demo.RunA -Action @{ status = 200; body = $partial }
            try { $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumRows 1 3>$null }
            finally { Clear-WeaveEmulatorFault $emulator }
            $result.Passed | Should -BeFalse
            (Get-Rule $result Complete).Message | Should -Match 'has partial data \(the server warned: Failed to resolve dataset row refs'
        }

        It 'fails a run that does not exist' {
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.MissingId -MinimumRows 1
            $result.Passed | Should -BeFalse
            $result.Rules.Count | Should -Be 1
            $result.Rules[0].Message | Should -Be "Run $($demo.MissingId) not found in project acme-ai/support-bot."
        }

        It 'fails a gate that was given no run at all (an empty pipe)' {
            $result = @() | Test-WeaveEvalGate -MinimumScore @{ exact_match = 0.5 }
            $result.Passed | Should -BeFalse
            $result.Rules.Count | Should -Be 1
            $result.Rules[0].Message | Should -Match 'No evaluation run was given'
        }

        It 'refuses an unusable run id as InvalidArgument and gates the others' {
            $result = Test-WeaveEvalGate -EvaluationRunId ' ', $demo.RunA -MinimumRows 1 -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Match '^WeaveEval\.InvalidArgument'
            $result.EvaluationRunId | Should -Be @($demo.RunA)
        }
    }

    Context 'several runs' {
        It 'gates each run, from the pipeline too, in one GateResult' {
            $output = @(Get-WeaveEvaluationRun -EvaluationRunId $demo.RunA, $demo.RunB | Test-WeaveEvalGate -MinimumScore @{ exact_match = 0.75 } -AllowIncomplete)
            $output.Count | Should -Be 1
            $output[0].EvaluationRunId | Should -Be @($demo.RunA, $demo.RunB)
            (Get-Rule $output[0] MinimumScore -Run $demo.RunA).Passed | Should -BeFalse
            (Get-Rule $output[0] MinimumScore -Run $demo.RunB).Passed | Should -BeTrue
            $output[0].Passed | Should -BeFalse
        }
    }

    Context 'runs of several projects' {
        It 'reads each run in its own project' {
            $helpdesk = Get-WeaveEvaluationRun -Project helpdesk-bot -Status completed -First 1
            $result = @(Get-WeaveEvaluationRun -EvaluationRunId $demo.RunA) + @($helpdesk) | Test-WeaveEvalGate -MinimumRows 1
            $result.EvaluationRunId | Should -Be @($demo.RunA, $helpdesk.EvaluationRunId)
            (Get-Rule $result Complete).Passed | Should -Be @($true, $true)
            (Get-Rule $result MinimumRows -Run $helpdesk.EvaluationRunId).Measured | Should -BeGreaterThan 0
        }
    }

    Context 'rule files' {
        It 'reads the rules from a <Kind> file' -ForEach @(
            @{ Kind = '.psd1'; Name = 'gate.psd1'; Text = "@{`n    MinimumScore = @{ exact_match = 0.5; 'LLMJudge.score' = 0.75 }`n    MinimumRows  = 3`n}" }
            @{ Kind = 'JSON'; Name = 'gate.json'; Text = '{ "MinimumScore": { "exact_match": 0.5, "LLMJudge.score": 0.75 }, "MinimumRows": 3 }' }
        ) {
            $path = Join-Path $TestDrive $Name
            Set-Content -LiteralPath $path -Value $Text
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunA -RulePath $path
            (Get-Rule $result MinimumScore).Scorer | Sort-Object | Should -Be @('exact_match', 'LLMJudge.score')
            (Get-Rule $result MinimumScore -Scorer 'LLMJudge.score').Passed | Should -BeFalse
            (Get-Rule $result MinimumRows).Passed | Should -BeTrue
        }

        It 'lets a parameter replace a rule of the file' {
            $path = Join-Path $TestDrive 'rows.psd1'
            Set-Content -LiteralPath $path -Value '@{ MinimumRows = 10 }'
            (Get-Rule (Test-WeaveEvalGate -EvaluationRunId $demo.RunA -RulePath $path -MinimumRows 2) MinimumRows).Threshold | Should -Be 2
        }

        It 'refuses <Case> before any request' -ForEach @(
            @{ Case = 'an unknown key'; Name = 'bad.psd1'; Text = '@{ MinimumScores = @{ exact_match = 0.5 } }'; Message = "unknown rule 'MinimumScores'" }
            @{ Case = 'code in a .psd1'; Name = 'code.psd1'; Text = '@{ MinimumRows = (Get-Date).Day }'; Message = 'only constant values' }
            @{ Case = 'a JSON array'; Name = 'array.json'; Text = '[1, 2]'; Message = 'one JSON object' }
            @{ Case = 'another file type'; Name = 'gate.txt'; Text = 'MinimumRows=1'; Message = '\.psd1 or a \.json file' }
            @{ Case = 'a missing file'; Name = $null; Text = $null; Message = 'could not be read' }
        ) {
            $path = Join-Path $TestDrive ($(if ($Name) { $Name } else { 'missing.psd1' }))
            if ($Name) { Set-Content -LiteralPath $path -Value $Text }
            $capture = Invoke-WeaveCaptured { Test-WeaveEvalGate -EvaluationRunId $demo.RunA -RulePath $path } -Emulator $emulator
            $capture.Terminated | Should -BeTrue
            $capture.Errors[-1].FullyQualifiedErrorId | Should -Be 'WeaveEval.InvalidGateRule,WeaveEval.Commands.TestWeaveEvalGateCommand'
            $capture.Errors[-1].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $capture.Errors[-1].Exception.Message | Should -Match $Message
            $capture.Requests | Should -BeNullOrEmpty
        }

        It 'refuses a gate without rules, and a regression without a baseline' {
            foreach ($gate in @({ Test-WeaveEvalGate -EvaluationRunId $demo.RunA }, { Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MaximumRegression 0.1 })) {
                $capture = Invoke-WeaveCaptured $gate -Emulator $emulator
                $capture.Errors[-1].FullyQualifiedErrorId | Should -Be 'WeaveEval.InvalidGateRule,WeaveEval.Commands.TestWeaveEvalGateCommand'
                $capture.Requests | Should -BeNullOrEmpty
            }
        }
    }

    Context '-Throw' {
        It 'turns a failed gate into a terminating WeaveEval.GateFailed error carrying the result' {
            $capture = Invoke-WeaveCaptured { Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumScore @{ similarity = 0.75 } -Throw }
            $capture.Terminated | Should -BeTrue
            $failure = $capture.Errors[-1]
            $failure.FullyQualifiedErrorId | Should -Be 'WeaveEval.GateFailed,WeaveEval.Commands.TestWeaveEvalGateCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidResult'
            $failure.TargetObject | Should -BeOfType ([WeaveEval.GateResult])
            $failure.Exception.Message | Should -Match '1 of 2 rules failed\. Mean of ''similarity'''
        }

        It 'does nothing to a gate that passed' {
            $capture = Invoke-WeaveCaptured { Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumScore @{ similarity = 0.7 } -Throw }
            $capture.Terminated | Should -BeFalse
            $capture.Errors | Should -BeNullOrEmpty
            $capture.Output[0].Passed | Should -BeTrue
        }
    }

    Context 'JUnit report' {
        It 'writes one test case per rule, failures carrying the measured value and the threshold' {
            $path = Join-Path $TestDrive 'reports/gate.xml'
            $null = New-Item -ItemType Directory -Path (Split-Path $path) -Force
            $result = Test-WeaveEvalGate -EvaluationRunId $demo.RunA, $demo.RunB -MinimumScore @{ similarity = 0.75; exact_match = 0.5 } -JUnitPath $path
            [xml] $report = Get-Content -LiteralPath $path -Raw
            $suite = $report.testsuites.testsuite
            [int] $suite.tests | Should -Be $result.Rules.Count
            [int] $suite.failures | Should -Be $result.FailedCount
            [int] $report.testsuites.failures | Should -Be $result.FailedCount
            @($suite.testcase).Count | Should -Be 6
            @($suite.testcase | Where-Object { $_.failure }).Count | Should -Be 2
            $failure = ($suite.testcase | Where-Object { $_.name -eq 'MinimumScore similarity' -and $_.classname -eq "WeaveEval.Gate.$($demo.RunA)" }).failure
            $failure.type | Should -Be 'MinimumScore'
            $failure.'#text' | Should -Match 'Measured: 0\.7183333333333333'
            $failure.'#text' | Should -Match 'Threshold: 0\.75'
            Get-ChildItem -LiteralPath (Split-Path $path) -Force | Should -HaveCount 1 -Because 'the report is written whole, no temporary file is left'
        }

        It 'reports a file it cannot write as an error and still writes the result' {
            $capture = Invoke-WeaveCaptured { Test-WeaveEvalGate -EvaluationRunId $demo.RunA -MinimumRows 1 -JUnitPath (Join-Path $TestDrive 'no/such/folder/gate.xml') }
            $capture.Output.Count | Should -Be 1
            $capture.Errors[0].FullyQualifiedErrorId | Should -Be 'WeaveEval.GateReportNotWritten,WeaveEval.Commands.TestWeaveEvalGateCommand'
        }
    }

    Context 'in a CI job' {
        BeforeAll {
            $gate = "`$result = Test-WeaveEvalGate -EvaluationRunId '$($demo.RunA)' -MinimumScore @{ similarity = 0.75; exact_match = 0.9; 'LLMJudge.score' = 0.5 }`n'objects: ' + @(`$result).Count"
        }

        It 'writes ::error annotations to the job log and a Markdown table to the step summary under GitHub Actions' {
            $summary = Join-Path $TestDrive 'step-summary.md'
            Set-Content -LiteralPath $summary -Value '## an earlier step' -NoNewline
            $child = Invoke-GateInChild -Script $gate -Environment @{ GITHUB_ACTIONS = 'true'; GITHUB_STEP_SUMMARY = $summary }
            $child.ExitCode | Should -Be 0
            $annotations = @($child.Stdout | Where-Object { $_ -like '::error *' })
            $annotations.Count | Should -Be 2
            $annotations | Should -Contain "::error title=Weave evaluation gate%3A MinimumScore similarity::Mean of 'similarity' of run $($demo.RunA): 0.718333 is below the minimum 0.75."
            $child.Stdout | Should -Contain 'objects: 1' -Because 'the annotations go to the log, not into the pipeline'
            $text = Get-Content -LiteralPath $summary -Raw
            $text | Should -Match '^## an earlier step\n### Weave evaluation gate: failed' -Because 'the step summary is appended to, on a line of its own'
            $text | Should -Match '2 of 4 rules failed'
            $text | Should -Match '\| \*\*failed\*\* \| `[0-9a-f-]+` \| MinimumScore \| similarity \| 0\.7183333333333333 \| 0\.75 \|'
            @($text -split "`n" | Where-Object { $_ -like '| passed |*' }).Count | Should -Be 2
        }

        It 'writes ##vso logissue lines and attaches a summary file under Azure Pipelines' {
            $agentTemp = Join-Path $TestDrive 'agent-temp'
            $null = New-Item -ItemType Directory -Path $agentTemp -Force
            $child = Invoke-GateInChild -Script $gate -Environment @{ TF_BUILD = 'True'; AGENT_TEMPDIRECTORY = $agentTemp }
            $child.ExitCode | Should -Be 0
            @($child.Stdout | Where-Object { $_ -like '##vso`[task.logissue type=error`]*' }).Count | Should -Be 2
            $child.Stdout | Should -Contain "##vso[task.logissue type=error]Weave evaluation gate: Pass rate of 'exact_match' of run $($demo.RunA): 0.5 is below the minimum 0.9."
            $upload = @($child.Stdout | Where-Object { $_ -like '##vso`[task.uploadsummary`]*' })
            $upload.Count | Should -Be 1
            $path = $upload[0].Substring('##vso[task.uploadsummary]'.Length)
            Split-Path $path | Should -Be $agentTemp
            Get-Content -LiteralPath $path -Raw | Should -Match '### Weave evaluation gate: failed'
            $child.Stdout | Should -Contain 'objects: 1'
        }

        It 'puts the Azure summary beside the JUnit report when there is one' {
            $folder = Join-Path $TestDrive 'azure-reports'
            $null = New-Item -ItemType Directory -Path $folder -Force
            $child = Invoke-GateInChild -Script "Test-WeaveEvalGate -EvaluationRunId '$($demo.RunA)' -MinimumRows 1 -JUnitPath '$folder/gate.xml' | Out-Null" -Environment @{ TF_BUILD = 'True' }
            $upload = @($child.Stdout | Where-Object { $_ -like '##vso`[task.uploadsummary`]*' })
            Split-Path $upload[0].Substring('##vso[task.uploadsummary]'.Length) | Should -Be $folder
            @($child.Stdout | Where-Object { $_ -like '##vso`[task.logissue*' }).Count | Should -Be 0 -Because 'the gate passed'
        }

        It 'writes nothing for CI outside a CI job' {
            $child = Invoke-GateInChild -Script $gate
            $child.Stdout | Where-Object { $_ -match '^(::error|##vso)' } | Should -BeNullOrEmpty
            $child.Stdout | Should -Contain 'objects: 1'
        }
    }

    Context 'the calling session' {
        It 'survives a failed gate, with -Throw caught and without it (no exit)' {
            $script = @"
`$ErrorActionPreference = 'Stop'
`$result = Test-WeaveEvalGate -EvaluationRunId '$($demo.RunA)' -MinimumRows 100
"passed: `$(`$result.Passed)"
try { Test-WeaveEvalGate -EvaluationRunId '$($demo.RunA)' -MinimumRows 100 -Throw | Out-Null } catch { "caught: `$(`$_.FullyQualifiedErrorId)" }
'still here'
"@
            $child = Invoke-GateInChild -Script $script -Environment @{ GITHUB_ACTIONS = 'true' }
            $child.ExitCode | Should -Be 0
            $child.Stdout | Should -Contain 'passed: False'
            $child.Stdout | Should -Contain 'caught: WeaveEval.GateFailed,WeaveEval.Commands.TestWeaveEvalGateCommand'
            $child.Stdout[-1] | Should -Be 'still here'
        }

        It 'fails a CI step through -Throw: the script ends with an error and a non-zero exit code' {
            $child = Invoke-GateInChild -Script "`$ErrorActionPreference = 'Stop'`nTest-WeaveEvalGate -EvaluationRunId '$($demo.RunA)' -MinimumRows 100 -Throw`n'not reached'"
            $child.ExitCode | Should -Not -Be 0
            $child.Stdout | Should -Not -Contain 'not reached'
            $child.Stderr | Should -Match 'rules? failed|GateFailed'
        }
    }
}
