# The power and state cmdlets against the replay xl: the xl calls they make, -WhatIf/-Confirm, errors, pipelines.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:ListGuest1 = New-XlListText @(, @('guest1', 1, '-b----'))
    $script:ListEmpty = New-XlListText
}

Describe 'Suspend-XenDomain and Resume-XenDomain' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'call xl pause and xl unpause on the resolved domain' {
        Set-FakeXl 'pause guest1'
        Set-FakeXl 'unpause guest1'
        Suspend-XenDomain guest1
        Resume-XenDomain -Id 1
        Get-FakeXlCall | Should -Be @('list', 'pause guest1', 'list', 'unpause guest1')
    }

    It 'refuse Domain-0 with XenDomain0Protected and go on with the others' {
        Set-FakeXl 'pause guest1'
        $out = Get-XenDomain | Suspend-XenDomain -PassThru -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenDomain0Protected,XenPS.Commands.SuspendXenDomainCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $errors[0].TargetObject | Should -BeExactly 'Domain-0'
        $out.Name | Should -Be @('guest1')
        Get-FakeXlCall | Should -Not -Contain 'pause Domain-0'
    }

    It 'write one error per failed domain: XenCommandFailed for xl, XenDomainNotFound for a name' {
        Set-FakeXl 'list' -Stdout (New-XlListText @(@('a', 3, '-b----'), @('b', 4, '-b----')))
        Set-FakeXl 'pause a' -Stderr "libxl: error: something went wrong`n" -ExitCode 1
        Set-FakeXl 'pause b'
        Suspend-XenDomain a, b, nosuch -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenDomainNotFound,XenPS.Commands.SuspendXenDomainCommand'
        $errors[0].TargetObject | Should -BeExactly 'nosuch'
        $errors[1].FullyQualifiedErrorId | Should -BeExactly 'XenCommandFailed,XenPS.Commands.SuspendXenDomainCommand'
        $errors[1].TargetObject | Should -BeExactly 'a'
        Get-FakeXlCall | Should -Contain 'pause b'
    }

    It 'return nothing without -PassThru and the domain with it' {
        Set-FakeXl 'unpause guest1'
        Resume-XenDomain guest1 | Should -BeNullOrEmpty
        (Resume-XenDomain guest1 -PassThru).PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenDomain'
    }

    It '<Command> supports ShouldProcess with ConfirmImpact <Impact>' -TestCases @(
        @{ Command = 'Suspend-XenDomain'; Impact = 'Medium' }
        @{ Command = 'Resume-XenDomain'; Impact = 'Medium' }
        @{ Command = 'Stop-XenDomain'; Impact = 'Medium' }
        @{ Command = 'Restart-XenDomain'; Impact = 'Medium' }
        @{ Command = 'Remove-XenDomain'; Impact = 'High' }
        @{ Command = 'Set-XenDomain'; Impact = 'Medium' }
        @{ Command = 'Save-XenDomain'; Impact = 'Medium' }
        @{ Command = 'Move-XenDomain'; Impact = 'Medium' }
    ) {
        $type = (Get-Command $Command).ImplementingType
        $attribute = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)[0]
        $attribute.SupportsShouldProcess | Should -BeTrue
        "$($attribute.ConfirmImpact)" | Should -BeExactly $Impact
        (Get-Command $Command).Parameters.Keys | Should -Contain 'WhatIf'
    }
}

Describe 'Stop-XenDomain' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'runs xl shutdown -w and waits until the domain is gone' {
        Set-FakeXl 'shutdown -w guest1' -Stderr "Shutting down domain 1`nWaiting for 1 domains`nDomain 1 has been shut down, reason code 0`n"
        Add-FakeXlTransition -After 'shutdown -w guest1' -Arguments 'list' -Capture 'xl-list-after-destroy'
        $stopped = Stop-XenDomain guest1 -PassThru
        $stopped.Name | Should -BeExactly 'guest1'
        "$($stopped.State)" | Should -BeExactly 'Shutdown'
        Get-FakeXlCall | Should -Contain 'shutdown -w guest1'
    }

    It 'shows the target with -WhatIf and changes nothing' {
        $whatIf = Stop-XenDomain guest1 -WhatIf 6>&1 | Out-String
        Get-FakeXlCall | Should -Be @('list')
    }

    It 'falls back to the ACPI power button for an HVM guest without PV drivers' {
        Set-FakeXl 'list' -Capture 'xl-list-hvm1'
        Set-FakeXl 'shutdown -w hvm1' -Stderr "PV control interface not available: external graceful shutdown not possible.`nUse `"-F`" to fallback to ACPI power event.`n" -ExitCode 1
        Set-FakeXl 'shutdown -F -w hvm1' -Stderr "Shutting down domain 5`n"
        Add-FakeXlTransition -After 'shutdown -F -w hvm1' -Arguments 'list' -Capture 'xl-list-after-destroy'
        $verbose = Stop-XenDomain hvm1 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        Get-FakeXlCall | Should -Contain 'shutdown -F -w hvm1'
        ($verbose.Message -join "`n") | Should -Match 'ACPI'
    }

    It 'times out with XenStopTimeout (OperationTimeout) and destroys nothing without -Force' {
        Set-FakeXl 'shutdown -w guest1' -SleepSeconds 30
        Stop-XenDomain guest1 -Timeout 1 -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenStopTimeout,XenPS.Commands.StopXenDomainCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $errors[0].TargetObject | Should -BeExactly 'guest1'
        Get-FakeXlCall | Should -Not -Contain 'destroy 1'
    }

    It 'destroys the domain after the timeout with -Force, with a warning' {
        Set-FakeXl 'shutdown -w guest1' -SleepSeconds 30
        Set-FakeXl 'destroy 1'
        Add-FakeXlTransition -After 'destroy 1' -Arguments 'list' -Capture 'xl-list-after-destroy'
        Stop-XenDomain guest1 -Timeout 1 -Force -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join "`n") | Should -Match 'destroying'
        Get-FakeXlCall | Should -Contain 'destroy 1'
    }

    It 'only asks with -NoWait, and refuses -NoWait with -Force (XenInvalidArgumentCombination)' {
        Set-FakeXl 'shutdown guest1'
        Stop-XenDomain guest1 -NoWait
        Get-FakeXlCall | Should -Be @('list', 'shutdown guest1')
        { Stop-XenDomain guest1 -NoWait -Force } | Should -Throw -ErrorId 'XenInvalidArgumentCombination,XenPS.Commands.StopXenDomainCommand'
    }

    It 'binds domains from Get-XenDomain by property name' {
        Set-FakeXl 'shutdown guest1'
        Get-XenDomain guest1 | Stop-XenDomain -NoWait
        Get-FakeXlCall | Should -Contain 'shutdown guest1'
    }
}

Describe 'Remove-XenDomain' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'destroys the exact instance it resolved (by id) with -Confirm:$false' {
        Set-FakeXl 'destroy 1'
        Add-FakeXlTransition -After 'destroy 1' -Arguments 'list' -Capture 'xl-list-after-destroy'
        Remove-XenDomain guest1 -Confirm:$false
        Get-FakeXlCall | Should -Contain 'destroy 1'
        Get-FakeXlCall | Should -Not -Contain 'destroy guest1'
    }

    It 'changes nothing with -WhatIf' {
        Remove-XenDomain guest1 -WhatIf
        Get-FakeXlCall | Should -Be @('list')
    }

    It 'destroys an instance that comes back after the destroy too' {
        Set-FakeXl 'list' -Stdout $ListGuest1
        Set-FakeXl 'destroy 1'
        Add-FakeXlTransition -After 'destroy 1' -Arguments 'list' -Stdout (New-XlListText @(, @('guest1', 2, '-b----')))
        Set-FakeXl 'destroy 2'
        Add-FakeXlTransition -After 'destroy 2' -Arguments 'list' -Stdout $ListEmpty
        Remove-XenDomain guest1 -Confirm:$false
        Get-FakeXlCall | Where-Object { $_ -like 'destroy*' } | Should -Be @('destroy 1', 'destroy 2')
    }

    It 'refuses Domain-0' {
        Remove-XenDomain -Id 0 -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenDomain0Protected,XenPS.Commands.RemoveXenDomainCommand'
        Get-FakeXlCall | Should -Not -Contain 'destroy 0'
    }

    It 'declares no output' {
        (Get-Command Remove-XenDomain).OutputType.Type | Should -Be ([void])
    }
}

Describe 'Set-XenDomain' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'sets memory in MiB and the number of VCPUs' {
        Set-FakeXl 'mem-set guest1 100m'
        Set-FakeXl 'vcpu-set guest1 2'
        Set-XenDomain guest1 -MemoryMB 100 -VCpus 2 -Confirm:$false
        Get-FakeXlCall | Should -Be @('list', 'mem-set guest1 100m', 'vcpu-set guest1 2')
    }

    It 'refuses too little memory with a parameter validation error' {
        { Set-XenDomain guest1 -MemoryMB 4 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,XenPS.Commands.SetXenDomainCommand'
    }

    It 'says XenNothingToSet (InvalidArgument) without a setting' {
        $e = { Set-XenDomain guest1 } | Should -Throw -ErrorId 'XenNothingToSet,XenPS.Commands.SetXenDomainCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'Restart-XenDomain' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'runs xl reboot on the domain' {
        Set-FakeXl 'reboot guest1'
        Restart-XenDomain guest1 -Confirm:$false
        Get-FakeXlCall | Should -Contain 'reboot guest1'
    }

    It 'changes nothing with -WhatIf' {
        Restart-XenDomain guest1 -WhatIf
        Get-FakeXlCall | Should -Be @('list')
    }

    It 'refuses a name that matches nothing with XenDomainNotFound' {
        Restart-XenDomain nosuch -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenDomainNotFound,XenPS.Commands.RestartXenDomainCommand'
    }
}

Describe 'Save-XenDomain and Restore-XenDomain' {
    BeforeEach { $null = New-FakeXl; $script:dir = (New-Item -ItemType Directory -Path (Join-Path $script:Fake.Directory 'save')).FullName }
    AfterEach { Remove-FakeXl }

    It 'Save-XenDomain -WhatIf names the domain and writes nothing' {
        Save-XenDomain guest1 -Path (Join-Path $dir 'guest1.chk') -WhatIf
        Get-FakeXlCall | Should -Be @('list')
        Get-ChildItem $dir | Should -BeNullOrEmpty
    }

    It 'Restore-XenDomain says XenCheckpointNotFound (ObjectNotFound) for a missing file' {
        Restore-XenDomain -Path (Join-Path $dir 'missing.chk') -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -Match '^Xen\w+,XenPS.Commands.RestoreXenDomainCommand$'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-FakeXlCall | Should -Not -Contain "restore $(Join-Path $dir 'missing.chk')"
    }

    It 'Save-XenDomain declares XenPS.XenDomainCheckpoint, Restore-XenDomain XenPS.XenDomain' {
        (Get-Command Save-XenDomain).OutputType.Name | Should -Be @('XenPS.XenDomainCheckpoint')
        (Get-Command Restore-XenDomain).OutputType.Name | Should -Be @('XenPS.XenDomain')
    }
}
