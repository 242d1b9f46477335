# Get-XenDomain, Get-XenHost, Get-XenVCpu, Get-XenUptime and Get-XenLog against the replay xl (tests/pester/common.ps1).

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Get-XenDomain' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'returns one XenPS.XenDomain per line of xl list, with typed properties' {
        $domains = @(Get-XenDomain)
        $domains.Count | Should -Be 2
        $domains[0].PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenDomain'
        $domains[0].Name | Should -BeExactly 'Domain-0'
        $domains[0].Id | Should -Be 0
        $domains[0].MemoryMB | Should -Be 1024
        $domains[0].VCpus | Should -Be 2
        $domains[0].State | Should -Be ([XenPS.XenDomainState]::Running)
        $domains[0].CpuTime | Should -Be ([timespan]::FromSeconds(157.8))
        $domains[0].ComputerName | Should -BeExactly 'localhost'
        $domains[1].Name | Should -BeExactly 'guest1'
        $domains[1].StateText | Should -BeExactly '--p---'
        Get-FakeXlCall | Should -Be @('list')
    }

    It 'selects <Script>' -TestCases @(
        @{ Script = { Get-XenDomain guest1 }; Expected = 'guest1' }
        @{ Script = { Get-XenDomain GUEST1 }; Expected = 'guest1' }
        @{ Script = { Get-XenDomain -Name 'g*' }; Expected = 'guest1' }
        @{ Script = { Get-XenDomain -Id 0 }; Expected = 'Domain-0' }
        @{ Script = { 'guest1' | Get-XenDomain }; Expected = 'guest1' }
        @{ Script = { [pscustomobject]@{ Name = 'guest1' } | Get-XenDomain }; Expected = 'guest1' }
        @{ Script = { [pscustomobject]@{ DomId = 1 } | Get-XenDomain }; Expected = 'guest1' }
        @{ Script = { [pscustomobject]@{ Id = 0 } | Get-XenDomain }; Expected = 'Domain-0' }
        @{ Script = { Get-XenDomain guest1 | Get-XenDomain }; Expected = 'guest1' }
    ) {
        $result = @(& $Script)
        $result.Name | Should -Be @($Expected)
    }

    It 'has the parameter sets Name (default) and Id' {
        $command = Get-Command Get-XenDomain
        $command.DefaultParameterSet | Should -BeExactly 'Name'
        $command.ParameterSets.Name | Sort-Object | Should -Be @('Id', 'Name')
        { Get-XenDomain -Name guest1 -Id 1 } | Should -Throw -ErrorId 'AmbiguousParameterSet,XenPS.Commands.GetXenDomainCommand'
    }

    It 'writes one non-terminating XenDomainNotFound error per literal name that matches nothing' {
        $result = Get-XenDomain nosuch, guest1, 'zz*' -ErrorVariable errors -ErrorAction SilentlyContinue
        $result.Name | Should -Be @('guest1')
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenDomainNotFound,XenPS.Commands.GetXenDomainCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -BeExactly 'nosuch'
        $errors[0].Exception.Message | Should -Match "'nosuch'"
    }

    It 'makes the error terminating with -ErrorAction Stop' {
        { Get-XenDomain nosuch -ErrorAction Stop } | Should -Throw -ErrorId 'XenDomainNotFound,XenPS.Commands.GetXenDomainCommand'
    }

    It 'reports an id that matches nothing with the id as target' {
        $null = Get-XenDomain -Id 7 -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenDomainNotFound,XenPS.Commands.GetXenDomainCommand'
        $errors[0].TargetObject | Should -Be 7
    }

    It 'merges xl list -l with -Detailed' {
        Set-FakeXl 'list' -Capture 'xl-list-after-create'
        $guest = Get-XenDomain -Detailed | Where-Object Name -EQ 'guest1'
        $guest.IsDetailed | Should -BeTrue
        $guest.Type | Should -Be 'PV'
        $guest.Uuid | Should -Be ([guid]'890fbdea-8c5b-4103-b72b-8f663dc81512')
        $guest.MaxMemoryMB | Should -Be 128
        $guest.Kernel | Should -BeExactly '/var/lib/xen/guest-vmlinuz'
        Get-FakeXlCall | Should -Contain 'list -l'
    }

    It 'filters with Where-Object on the State flags' {
        (Get-XenDomain | Where-Object State -EQ Paused).Name | Should -Be 'guest1'
        (Get-XenDomain | Where-Object { $_.State.HasFlag([XenPS.XenDomainState]::Running) }).Name | Should -Be 'Domain-0'
    }

    It 'shows the command line in Verbose and the raw output in Debug' {
        $verbose = Get-XenDomain -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Contain 'Running: xl list'
        $DebugPreference = 'Continue'
        $debugRecords = Get-XenDomain 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }
        $debugRecords.Message | Should -Match 'exit code 0'
    }

    It 'says XenNotDom0 (PermissionDenied) when xl cannot reach the hypervisor' {
        Set-FakeXl 'list' -Stderr "xencall: error: Could not obtain handle on privileged command interface: No such file or directory`ncannot init xl context`n" -ExitCode 1
        $null = Get-XenDomain -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenNotDom0,XenPS.Commands.GetXenDomainCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $errors[0].TargetObject | Should -BeExactly 'localhost'
    }

    It 'says XenToolsNotInstalled (NotInstalled) when there is no xl' {
        $env:XENPS_XL_PATH = '/nonexistent/xl'
        $null = Get-XenDomain -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenToolsNotInstalled,XenPS.Commands.GetXenDomainCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'NotInstalled'
        $errors[0].Exception.Message | Should -Match 'xen-tools'
    }

    It 'declares its output type' {
        (Get-Command Get-XenDomain).OutputType.Name | Should -Contain 'XenPS.XenDomain'
    }
}

Describe 'Get-XenHost' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'turns xl info into one XenPS.XenHost' {
        $xenHost = Get-XenHost
        $xenHost.PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenHost'
        $xenHost.XenVersion | Should -Not -BeNullOrEmpty
        $xenHost.TotalMemoryMB | Should -BeGreaterThan 0
        $xenHost.FreeMemoryMB | Should -BeLessOrEqual $xenHost.TotalMemoryMB
        $xenHost.ComputerName | Should -BeExactly 'localhost'
        Get-FakeXlCall | Should -Be @('info')
    }

    It 'adds UsedMemoryMB through the type data' {
        $xenHost = Get-XenHost
        $xenHost.UsedMemoryMB | Should -Be ($xenHost.TotalMemoryMB - $xenHost.FreeMemoryMB)
    }

    It 'takes ComputerName from the pipeline' {
        $hosts = 'dom0a', 'dom0b' | Get-XenHost
        $hosts.ComputerName | Sort-Object | Should -Be @('dom0a', 'dom0b')
    }
}

Describe 'Get-XenVCpu' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'returns one XenPS.XenVCpu per line of xl vcpu-list' {
        $vcpus = @(Get-XenVCpu)
        $vcpus.Count | Should -Be 3
        $vcpus[0].PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenVCpu'
        $vcpus.Name | Should -Contain 'Domain-0'
        $vcpus[0].DomId | Should -Be $vcpus[0].Id
    }

    It 'takes domains from Get-XenDomain by property name' {
        $vcpus = @(Get-XenDomain guest1 | Get-XenVCpu)
        $vcpus.Name | Select-Object -Unique | Should -Be @('guest1')
    }
}

Describe 'Get-XenUptime' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'returns one XenPS.XenDomainUptime per domain with a TimeSpan' {
        $uptimes = @(Get-XenUptime)
        $uptimes.Count | Should -BeGreaterThan 0
        $uptimes[0].PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenDomainUptime'
        $uptimes[0].Uptime | Should -BeOfType [timespan]
        Get-FakeXlCall | Should -Be @('uptime')
    }

    It 'filters by name with wildcards' {
        @(Get-XenUptime -Name 'Dom*').Name | Should -Be @('Domain-0')
    }
}

Describe 'Get-XenLog' {
    BeforeEach {
        $fake = New-FakeXl
        Set-Content -LiteralPath (Join-Path $fake.LogDir 'xl-guest1.log') -Value @(
            'Waiting for domain guest1 (domid 1) to die [pid 282]'
            'Domain 1 has been destroyed.'
        )
    }
    AfterEach { Remove-FakeXl }

    It 'reads the xl daemon log of a domain as XenPS.XenLogEntry objects' {
        $entries = @(Get-XenLog guest1 -Kind Xl)
        $entries.Count | Should -Be 2
        $entries[0].PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenLogEntry'
        $entries.Message | Should -Contain 'Domain 1 has been destroyed.'
        "$($entries[0].Kind)" | Should -BeExactly 'Xl'
    }

    It 'keeps the last lines with -Tail' {
        @(Get-XenLog guest1 -Kind Xl -Tail 1).Message | Should -Be @('Domain 1 has been destroyed.')
    }

    It 'refuses a negative -Tail and an unknown -Kind before reading anything' {
        { Get-XenLog guest1 -Tail -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,XenPS.Commands.GetXenLogCommand'
        { Get-XenLog guest1 -Kind Bogus } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,XenPS.Commands.GetXenLogCommand'
    }
}
