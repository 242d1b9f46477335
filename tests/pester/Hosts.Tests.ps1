# Sessions, -ComputerName/-Session and the fan-out to many hosts, and Move-XenDomain, without network: the stand-in
# ssh (tests/XenPS.Tests/fakes/ssh) runs the "remote" script here with XENPS_FAKE_HOST set, so the fake xl answers
# per host.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Fan-out to many hosts' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'merges the domains of several hosts, each stamped with its ComputerName' {
        $rows = Get-XenDomain -ComputerName dom0a, dom0b | ForEach-Object { "$($_.ComputerName)/$($_.Name)" } | Sort-Object
        $rows | Should -Be @('dom0a/Domain-0', 'dom0a/guest1', 'dom0b/Domain-0', 'dom0b/guest1')
        Get-FakeXlHostCall | Sort-Object | Should -Be @('dom0a|list', 'dom0b|list')
    }

    It '<Command> fans out to two hosts' -TestCases @(
        @{ Command = 'Get-XenHost'; Count = 2 }
        @{ Command = 'Get-XenVCpu'; Count = 6 }
        @{ Command = 'Get-XenUptime'; Count = 2 }
    ) {
        $out = @(& $Command -ComputerName dom0a, dom0b)
        $out.Count | Should -Be $Count
        $out.ComputerName | Sort-Object -Unique | Should -Be @('dom0a', 'dom0b')
    }

    It 'writes XenHostUnreachable for a host that refuses and still answers for the others' {
        $env:XENPS_FAKE_SSH_DOWN = 'dead'
        $out = Get-XenDomain -ComputerName dom0a, dead, dom0b -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenHostUnreachable,XenPS.Commands.GetXenDomainCommand'
        $errors[0].TargetObject | Should -BeExactly 'dead'
        $out.ComputerName | Sort-Object -Unique | Should -Be @('dom0a', 'dom0b')
    }

    It 'acts on piped domains on the host each came from' {
        Set-FakeXl 'pause guest1'
        Get-XenDomain -ComputerName dom0a, dom0b -Name guest1 | Suspend-XenDomain
        Get-FakeXlHostCall | Where-Object { $_ -like '*pause*' } | Sort-Object | Should -Be @('dom0a|pause guest1', 'dom0b|pause guest1')
    }

    It 'every cmdlet that reaches a host takes -ComputerName and -Session' {
        $missing = Get-Command -Module XenPS | Where-Object {
            $_.Name -notmatch 'Connect|Disconnect|HostSession' -and -not ($_.Parameters.ContainsKey('ComputerName') -and $_.Parameters.ContainsKey('Session'))
        }
        $missing.Name | Should -BeNullOrEmpty
    }
}

Describe 'Connect-XenHost, Get-XenHostSession and Disconnect-XenHost' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'opens one XenPS.XenHostSession per host with user and port' {
        $sessions = Connect-XenHost -ComputerName dom0a, dom0b -User admin -Port 2222
        @($sessions).Count | Should -Be 2
        $sessions[0].PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenHostSession'
        $sessions.User | Select-Object -Unique | Should -Be 'admin'
        $sessions.Port | Select-Object -Unique | Should -Be 2222
        @(Get-XenHostSession).Count | Should -Be 2
        @(Get-XenHostSession -ComputerName dom0b).Count | Should -Be 1
    }

    It 'writes XenHostUnreachable for a host that refuses' {
        $env:XENPS_FAKE_SSH_DOWN = 'dead'
        $sessions = Connect-XenHost dom0a, dead -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenHostUnreachable,XenPS.Commands.ConnectXenHostCommand'
        @($sessions).ComputerName | Should -Be @('dom0a')
    }

    It 'queries through -Session' {
        $s = Connect-XenHost dom0a
        (Get-XenDomain -Session $s).ComputerName | Select-Object -Unique | Should -Be 'dom0a'
    }

    It 'refuses -Session together with -ComputerName (XenSessionAndComputerName)' {
        $s = Connect-XenHost dom0a
        { Get-XenDomain -Session $s -ComputerName dom0a -ErrorAction Stop } | Should -Throw -ErrorId 'XenSessionAndComputerName,XenPS.Commands.GetXenDomainCommand'
    }

    It 'closes a session, which then says XenSessionClosed' {
        $s = Connect-XenHost dom0a
        $closed = Disconnect-XenHost -Session $s -PassThru
        "$($closed.State)" | Should -BeExactly 'Closed'
        Get-XenHostSession | Should -BeNullOrEmpty
        $null = Get-XenDomain -Session $s -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenSessionClosed,XenPS.Commands.GetXenDomainCommand'
    }

    It 'says XenSessionNotFound for a host without a session' {
        Disconnect-XenHost -ComputerName nosuch -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenSessionNotFound,XenPS.Commands.DisconnectXenHostCommand'
    }

    It 'Disconnect-XenHost has the parameter sets Session (default) and ComputerName, and takes sessions from the pipeline' {
        (Get-Command Disconnect-XenHost).DefaultParameterSet | Should -BeExactly 'Session'
        $null = Connect-XenHost dom0a, dom0b
        Get-XenHostSession | Disconnect-XenHost
        Get-XenHostSession | Should -BeNullOrEmpty
    }
}

Describe 'Move-XenDomain' {
    BeforeEach {
        $null = New-FakeXl
        Set-FakeXl 'list' -ComputerName src -Stdout (New-XlListText @(, @('guest1', 1, '-b----')))
        Set-FakeXl 'list -l' -ComputerName src -Capture 'xl-list-l-guest1'
        Set-FakeXl 'list' -ComputerName dst -Stdout (New-XlListText)
        Set-FakeXl 'info' -ComputerName dst -Stdout "host                   : dst`nrelease                : 6.1.0-28-amd64`nnr_cpus                : 2`ntotal_memory           : 2047`nfree_memory            : 1500`nxen_version            : 4.17.7`n"
        Set-FakeXl 'info host' -ComputerName dst -Stdout "dst`n"
    }
    AfterEach { Remove-FakeXl }

    It 'migrates live with xl migrate and returns the domain from the destination' {
        $migrate = 'migrate -s ssh -o BatchMode=yes guest1 dst'
        Set-FakeXl $migrate -ComputerName src -Stderr (Get-Capture 'multihost/migrate-pvh1-live.stderr')
        Add-FakeXlTransition -ComputerName src -After $migrate -ThenComputerName src -Arguments 'list' -Stdout (New-XlListText)
        Add-FakeXlTransition -ComputerName src -After $migrate -ThenComputerName dst -Arguments 'list' -Stdout (New-XlListText @(, @('guest1', 3, '-b----')))
        $moved = Move-XenDomain guest1 -ComputerName src -Destination dst -Live -Wait -Confirm:$false
        $moved.Name | Should -BeExactly 'guest1'
        $moved.ComputerName | Should -BeExactly 'dst'
        $moved.Id | Should -Be 3
        $calls = Get-FakeXlHostCall
        [array]::IndexOf($calls, 'dst|info') | Should -BeLessThan ([array]::IndexOf($calls, "src|$migrate"))
    }

    It 'resumes the guest at the source when the restore fails (XenMigrationFailed)' {
        Set-FakeXl 'save -p guest1 /dev/stdout' -ComputerName src -Stdout 'STREAM' -Stderr "Saving to /dev/stdout`n"
        Set-FakeXl 'restore /dev/stdin' -ComputerName dst -Stderr "xc: error: Failed to read Record Header from stream (0 = Success): Internal error`n" -ExitCode 1
        Set-FakeXl 'unpause guest1' -ComputerName src
        Move-XenDomain guest1 -ComputerName src -Destination dst -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenMigrationFailed,XenPS.Commands.MoveXenDomainCommand'
        $errors[0].Exception.Message | Should -Match "'guest1' still runs on 'src'"
        Get-FakeXlHostCall | Should -Contain 'src|unpause guest1'
        Get-FakeXlHostCall | Should -Not -Contain 'src|destroy guest1'
    }

    It 'changes nothing with -WhatIf' {
        Move-XenDomain guest1 -ComputerName src -Destination dst -Live -WhatIf
        Get-FakeXlHostCall | Where-Object { $_ -match 'migrate|save|destroy' } | Should -BeNullOrEmpty
    }
}
