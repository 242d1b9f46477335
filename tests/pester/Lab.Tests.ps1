# Against the two real Xen 4.17 Dom0s of the lab (tests/lab), over SSH: what users run in pwsh, and the audit pack's
# live checks. Tagged Lab: build.ps1 -Task Test runs them in the lab session it starts (or finds) for the xunit lab
# tests; by hand: flock /tmp/xenps-lab.lock pwsh ./build.ps1 -Task Test -PesterOnly  (with the lab up).

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:LabRun = if ($env:XENPS_LAB_RUN) { $env:XENPS_LAB_RUN } else { '/tmp/xenps-lab' }
    $script:SshConfig = Join-Path $LabRun 'ssh_config'
    $script:Saved = @{ Config = $env:XENPS_SSH_CONFIG; Control = $env:XENPS_SSH_CONTROL_DIR }
    $env:XENPS_SSH_CONFIG = $SshConfig
    $env:XENPS_SSH_CONTROL_DIR = Join-Path $LabRun 'xenps-cm'
    $script:Hosts = 'xenlab1', 'xenlab2'

    # A raw command on a lab host with the system ssh and the lab's client config (independent of XenPS).
    function Invoke-LabSsh([string] $ComputerName, [string] $Command, [string] $InputText) {
        $output = if ($PSBoundParameters.ContainsKey('InputText')) { $InputText | ssh -F $SshConfig $ComputerName $Command 2>&1 } else { ssh -F $SshConfig $ComputerName $Command 2>&1 }
        if ($LASTEXITCODE -ne 0) { throw "ssh $ComputerName '$Command' exited with $LASTEXITCODE`: $output" }
        $output
    }
}

AfterAll {
    Get-XenHostSession | Disconnect-XenHost -ErrorAction SilentlyContinue
    $env:XENPS_SSH_CONFIG = $Saved.Config
    $env:XENPS_SSH_CONTROL_DIR = $Saved.Control
}

Describe 'The lab Dom0s' -Tag Lab {
    It 'the lab is up (tests/lab/lab status)' {
        & (Join-Path $RepoRoot 'tests/lab/lab') status | Out-Null
        $LASTEXITCODE | Should -Be 0 -Because 'build.ps1 -Task Test starts the lab; by hand: tests/lab/lab start --count 2'
        Test-Path $SshConfig | Should -BeTrue
    }

    It 'Get-XenHost reads Xen 4.17 on both hosts in one call' {
        $facts = Get-XenHost -ComputerName $Hosts
        $facts.ComputerName | Sort-Object | Should -Be $Hosts
        $facts | ForEach-Object { $_.XenVersion | Should -Match '^4\.17\.' }
        $facts | ForEach-Object { $_.TotalMemoryMB | Should -BeGreaterThan 0 }
    }

    It 'Get-XenDomain lists Domain-0 of each host, and the table fits 80 columns with a header per host' {
        $domains = Get-XenDomain -ComputerName $Hosts
        ($domains | Where-Object Id -EQ 0).ComputerName | Sort-Object | Should -Be $Hosts
        $lines = $domains | Sort-Object ComputerName, Id | Get-RenderedLine -Width 80
        $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty
        ($lines -match '^\s*ComputerName: xenlab[12]$').Count | Should -Be 2
        $lines -match '^Domain-0\s+0\s+\d+\s+\d+\s+r-----\s+\d+\.\d$' | Should -Not -BeNullOrEmpty
    }

    It 'a session serves Get-XenVCpu and Get-XenUptime' {
        $s = Connect-XenHost -ComputerName xenlab1
        try {
            (Get-XenVCpu -Session $s -Name Domain-0).Count | Should -BeGreaterThan 0
            (Get-XenUptime -Session $s -Name Domain-0).Uptime | Should -BeGreaterThan ([timespan]::Zero)
        }
        finally { $s | Disconnect-XenHost }
    }

    It 'tab completion asks the -ComputerName host' {
        # Completion gives up after 5 s (a Tab never hangs): the SSH master connection is opened first, as the
        # user's earlier commands would have.
        $null = Get-XenDomain -ComputerName xenlab2 -Id 0
        $line = 'Get-XenDomain -ComputerName xenlab2 -Name Dom'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('Domain-0')
    }

    It 'Get-XenDomainStatistic samples both hosts with xentop, and the table fits 80 columns' {
        $stats = Get-XenDomainStatistic -ComputerName $Hosts -Name Domain-0
        $stats.ComputerName | Sort-Object | Should -Be $Hosts
        $stats | ForEach-Object { $_.VCpus | Should -BeGreaterThan 0; $_.MemoryKB | Should -BeGreaterThan 0 }
        $stats | Get-RenderedLine -Width 80 | Where-Object Length -GT 80 | Should -BeNullOrEmpty
    }

    It 'device hot-plug refuses Domain-0 and a missing file, and changes nothing' {
        Add-XenDomainDisk -ComputerName xenlab1 -Name Domain-0 -Path /root/xenps-none.img -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -BeExactly 'XenDomain0Protected,XenPS.Commands.AddXenDomainDiskCommand'
        Add-XenNetworkAdapter -ComputerName xenlab1 -Name Domain-0 -Bridge bridge0 -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeExactly 'XenDomain0Protected,XenPS.Commands.AddXenNetworkAdapterCommand'
        Invoke-LabSsh xenlab1 'xl block-list 0' | Select-Object -Skip 1 | Should -BeNullOrEmpty
    }

    It 'an unknown domain is XenDomainNotFound with the remote host in the message' {
        $null = Get-XenDomain -ComputerName xenlab1 -Name 'xenps-no-such-guest' -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenDomainNotFound,XenPS.Commands.GetXenDomainCommand'
    }
}

# The audit pack against the lab: a FreeBSD 14 root copied to each Dom0 (the lab Dom0s are Debian, so the FreeBSD
# files live under a root, as in tests/XenPS.Lab.Tests/Dom0LabTests.cs) with the stand-ins of cap_mkdb and pkg where
# the host has none; red before Initialize-XenDom0, green after, and the live checks (no crashed domain, free memory)
# on the running hosts.
Describe 'The audit pack against the lab Dom0s' -Tag Lab {
    BeforeAll {
        $script:Root = '/root/xenps-audit'
        $script:Handbook = @{ Dom0Memory = '8192M'; Dom0VCpus = 4; BridgeInterface = 'bge2'; XenVersion = '4.17' }
        $script:Installed = @{}
        foreach ($h in $Hosts) {
            $null = Invoke-LabSsh $h "rm -rf $Root $Root.log && mkdir -p $Root/etc $Root/boot $Root/bin $Root/var/log $Root/var/db/pkg"
            foreach ($name in 'rc.conf', 'login.conf', 'sysctl.conf', 'ttys') {
                $null = Invoke-LabSsh $h "cat > $Root/etc/$name" -InputText (Get-Content -Raw (Join-Path $FreeBsdEtc $name))
            }
            $null = Invoke-LabSsh $h "cat > $Root/boot/loader.conf" -InputText (Get-Content -Raw (Join-Path $FreeBsdEtc 'loader.conf'))
            $null = Invoke-LabSsh $h "cat > $Root/bin/freebsd-version && chmod 755 $Root/bin/freebsd-version" -InputText (Get-Content -Raw (Join-Path $FakeTools 'freebsd-version'))
            $null = Invoke-LabSsh $h "printf 'stand-in for the Xen hypervisor\n' > $Root/boot/xen && printf 'xen-kernel 4.17.5\nxen-tools 4.17.5\n' > $Root/var/db/pkg/xenps-fake-packages"
            # The stand-ins, only where the host has no tool of that name (removed again in AfterAll).
            $Installed[$h] = @()
            foreach ($tool in 'cap_mkdb', 'pkg') {
                $present = ssh -F $SshConfig $h "command -v $tool >/dev/null 2>&1 && ! grep -q 'xenps stand-in\|Stand-in for FreeBSD' /usr/local/bin/$tool 2>/dev/null" 2>$null
                if ($LASTEXITCODE -eq 0) { continue }
                $text = (Get-Content -Raw (Join-Path $FakeTools $tool)).Replace("#!/bin/sh`n", "#!/bin/sh`nXENPS_FAKE_LOG=$Root.log`n")
                $null = Invoke-LabSsh $h "mkdir -p /usr/local/bin && cat > /usr/local/bin/$tool && chmod 755 /usr/local/bin/$tool" -InputText $text
                $Installed[$h] += $tool
            }
        }

        function Invoke-LabAudit {
            $manifest = (Get-Module XenPS).Path.Replace('XenPS.dll', 'XenPS.psd1')
            $pester = (Get-Module Pester).Path.Replace('Pester.psm1', 'Pester.psd1')
            $data = @{ ComputerName = $Hosts; Root = $Root; MinimumFreeMemoryMB = 16 } + $Handbook
            $child = {
                param($Pester, $Manifest, $Path, $DataJson)
                $ErrorActionPreference = 'Stop'
                Import-Module $Pester
                Import-Module $Manifest
                $data = @{}
                ($DataJson | ConvertFrom-Json).PSObject.Properties | ForEach-Object { $data[$_.Name] = $_.Value }
                $data.ComputerName = [string[]]$data.ComputerName
                $c = New-PesterConfiguration
                $c.Run.Container = New-PesterContainer -Path $Path -Data $data
                $c.Run.PassThru = $true
                $c.Output.Verbosity = 'None'
                $r = Invoke-Pester -Configuration $c
                [pscustomobject]@{ Result = $r.Result; Passed = @($r.Passed.ExpandedPath); Failed = @($r.Failed.ExpandedPath) } | ConvertTo-Json -Depth 3
            }
            $json = & (Get-PwshPath) -NoProfile -NonInteractive -Command $child -args $pester, $manifest, (Join-Path $RepoRoot 'docs/examples/XenHost.Tests.ps1'), ($data | ConvertTo-Json -Compress)
            $json | ConvertFrom-Json
        }
    }

    AfterAll {
        foreach ($h in $Hosts) {
            foreach ($tool in $Installed[$h]) { ssh -F $SshConfig $h "rm -f /usr/local/bin/$tool" 2>$null }
            ssh -F $SshConfig $h "rm -rf $Root $Root.log" 2>$null
        }
    }

    It 'fails on both hosts before Initialize-XenDom0, naming the failing checks' {
        $run = Invoke-LabAudit
        $run.Result | Should -BeExactly 'Failed'
        foreach ($h in $Hosts) {
            @($run.Failed) -match "^Xen Dom0 $h, the system at $([regex]::Escape($Root))\.Host preparation \(Test-XenDom0\)\.loader\.conf: xen_kernel$" | Should -Not -BeNullOrEmpty
        }
        # The live checks hold already: they are about the running hosts.
        @($run.Passed) -match '\.Domains\.has no crashed domains$' | Should -HaveCount 2
    }

    It 'passes every check and the live checks on both hosts after Initialize-XenDom0 -Root' {
        $null = Initialize-XenDom0 -ComputerName $Hosts -Root $Root @Handbook -Confirm:$false -WarningAction SilentlyContinue 6>$null
        Test-XenDom0 -ComputerName xenlab1 -Root $Root @Handbook | Where-Object { -not $_.Compliant } | ForEach-Object { "$($_.Check): $($_.Actual)" } | Should -BeNullOrEmpty
        $run = Invoke-LabAudit
        @($run.Failed) | Should -BeNullOrEmpty
        $run.Result | Should -BeExactly 'Passed'
        @($run.Passed) -match '\.Domains\.' | Should -HaveCount 4
    }
}
