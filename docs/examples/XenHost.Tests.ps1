#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }, XenPS
<#
.SYNOPSIS
    A Pester 5 audit of Xen Dom0 hosts, built on Test-XenDom0, Get-XenDomain and Get-XenHost.

.DESCRIPTION
    One It block per Test-XenDom0 check, named after the check, so that a failing check shows by name with its
    remedy; then, on live hosts, no crashed domains and free memory above a threshold. Pass the hosts and the
    thresholds as container data:

        $container = New-PesterContainer -Path ./XenHost.Tests.ps1 -Data @{
            ComputerName        = 'dom0a', 'dom0b'
            MinimumFreeMemoryMB = 4096
            Dom0Memory          = '8192M'
            BridgeInterface     = 'igb0'
        }
        Invoke-Pester -Container $container -Output Detailed

    Without -Data the local host is audited with the parameters' defaults. -Root audits a FreeBSD system mounted at
    that path instead (a new install, a boot environment) with the same checks Test-XenDom0 -Root makes, on each
    -ComputerName; the live checks (domains, memory) are about the running host, so -Root alone leaves them out and
    -Root with -ComputerName keeps them. Give the same Dom0 settings that
    Initialize-XenDom0 was run with (Dom0Memory, Dom0VCpus, BridgeInterface); settings that are not given are only
    checked for being there.
#>
param(
    [string[]] $ComputerName = @('localhost'),
    [string] $Root,
    [int] $MinimumFreeMemoryMB = 1024,
    [string] $Dom0Memory,
    [int] $Dom0VCpus,
    [string] $BridgeInterface
)

# Live checks: always on hosts; with -Root only when the hosts were named (a mounted root alone has no domains).
$liveChecks = -not $Root -or $PSBoundParameters.ContainsKey('ComputerName')

BeforeDiscovery {
    # The checks are read at discovery time so that each one becomes its own It block.
    $targets = foreach ($computer in $ComputerName) {
        $audit = @{ ComputerName = $computer }
        if ($Root) { $audit.Root = $Root }
        if ($Dom0Memory) { $audit.Dom0Memory = $Dom0Memory }
        if ($Dom0VCpus) { $audit.Dom0VCpus = $Dom0VCpus }
        if ($BridgeInterface) { $audit.BridgeInterface = $BridgeInterface }
        # The public contract: one result per check, with its name (Check) and whether it holds (Compliant);
        # Expected, Actual and Remedy explain a failure.
        $checks = Test-XenDom0 @audit -ErrorAction Continue | ForEach-Object {
            @{
                Check         = $_.Check
                Path          = $_.Path
                Expected      = $_.Expected
                Actual        = $_.Actual
                Compliant     = $_.Compliant
                Remedy        = $_.Remedy
                # Where the value that takes effect is set (file:line), and what overrides the managed file.
                Source        = $_.Source
                ConflictsWith = @($_.ConflictsWith)
            }
        }
        @{
            ComputerName = $computer
            Target       = if ($Root) { "$computer, the system at $Root" } else { $computer }
            Live         = $liveChecks
            Checks       = @($checks)
        }
    }
}

Describe 'Xen Dom0 <Target>' -ForEach $targets {
    Context 'Host preparation (Test-XenDom0)' {
        It 'answers Test-XenDom0' {
            $Checks.Count | Should -BeGreaterThan 0 -Because 'Test-XenDom0 must return one result per check (see its errors above)'
        }

        It '<Check>' -ForEach $Checks {
            $found = "'$Actual'$(if ($Source) { " (from $Source)" })$(if ($ConflictsWith) { ", overridden by $($ConflictsWith -join ', ')" })"
            $Compliant | Should -BeTrue -Because "expected '$Expected' but found $found$(if ($Remedy) { "; remedy: $Remedy" })"
        }
    }

    # Live hosts only: a mounted system has no running domains ($Live is the -ForEach data, known at discovery).
    if ($Live) { Context 'Domains' {
        BeforeAll {
            $domains = Get-XenDomain -ComputerName $ComputerName
            $xenHost = Get-XenHost -ComputerName $ComputerName
        }

        It 'has no crashed domains' {
            $crashed = $domains | Where-Object { $_.State -band [XenPS.XenDomainState]::Crashed }
            $crashed.Name | Should -BeNullOrEmpty -Because 'a crashed domain keeps its memory until it is destroyed (Remove-XenDomain)'
        }

        It 'has more than <MinimumFreeMemoryMB> MiB of free memory' -TestCases @(@{ MinimumFreeMemoryMB = $MinimumFreeMemoryMB }) {
            $xenHost.FreeMemoryMB | Should -BeGreaterThan $MinimumFreeMemoryMB
        }
    } }
}
