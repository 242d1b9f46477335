#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }, XenPS
<#
.SYNOPSIS
    A Pester 5 audit of Xen Dom0 hosts, built on Test-XenDom0, Get-XenDomain and Get-XenHost.

.DESCRIPTION
    One It block per Test-XenDom0 check, named after the check, so that a failing check shows by name with its
    remedy; then no crashed domains, and free memory above a threshold. Pass the hosts and the thresholds as
    container data:

        $container = New-PesterContainer -Path ./XenHost.Tests.ps1 -Data @{
            ComputerName        = 'dom0a', 'dom0b'
            MinimumFreeMemoryMB = 4096
            Dom0Memory          = '8192M'
            BridgeInterface     = 'igb0'
        }
        Invoke-Pester -Container $container -Output Detailed

    Without -Data the local host is audited with the parameters' defaults. Give the same Dom0 settings that
    Initialize-XenDom0 was run with (Dom0Memory, Dom0VCpus, BridgeInterface); settings that are not given are only
    checked for being there.
#>
param(
    [string[]] $ComputerName = @('localhost'),
    [int] $MinimumFreeMemoryMB = 1024,
    [string] $Dom0Memory,
    [int] $Dom0VCpus,
    [string] $BridgeInterface
)

BeforeDiscovery {
    # The checks are read at discovery time so that each one becomes its own It block.
    $hosts = foreach ($computer in $ComputerName) {
        $audit = @{ ComputerName = $computer }
        if ($Dom0Memory) { $audit.Dom0Memory = $Dom0Memory }
        if ($Dom0VCpus) { $audit.Dom0VCpus = $Dom0VCpus }
        if ($BridgeInterface) { $audit.BridgeInterface = $BridgeInterface }
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
        @{ ComputerName = $computer; Checks = @($checks) }
    }
}

Describe 'Xen Dom0 <ComputerName>' -ForEach $hosts {
    Context 'Host preparation (Test-XenDom0)' {
        It '<Check>' -ForEach $Checks {
            $found = "'$Actual'$(if ($Source) { " (from $Source)" })$(if ($ConflictsWith) { ", overridden by $($ConflictsWith -join ', ')" })"
            $Compliant | Should -BeTrue -Because "expected '$Expected' but found $found$(if ($Remedy) { "; remedy: $Remedy" })"
        }
    }

    Context 'Domains' {
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
    }
}
