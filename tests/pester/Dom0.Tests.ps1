# Initialize-XenDom0 and Test-XenDom0 on a FreeBSD 14 root in a temporary directory (-Root), and the audit pack
# docs/examples/XenHost.Tests.ps1 run by Pester on that root: red before Initialize-XenDom0, green after.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Handbook = @{ Dom0Memory = '8192M'; Dom0VCpus = 4; BridgeInterface = 'bge2' }
    $script:AuditPack = Join-Path $script:RepoRoot 'docs/examples/XenHost.Tests.ps1'

    # Every file under a root with the SHA-256 of its bytes, as "path=hash" lines.
    function Get-TreeHash([string] $Root) {
        Get-ChildItem -LiteralPath $Root -Recurse -File | Sort-Object FullName | Get-FileHash | ForEach-Object { "$($_.Path)=$($_.Hash)" }
    }

    # Runs the audit pack with Pester in a child pwsh (a Pester run inside a Pester run shares its state) and returns
    # its result as data: the names of the passed and failed tests.
    function Invoke-AuditPack([hashtable] $Data) {
        $manifest = (Get-Module XenPS).Path.Replace('XenPS.dll', 'XenPS.psd1')
        $pester = (Get-Module Pester).Path.Replace('Pester.psm1', 'Pester.psd1')
        $script = {
            param($Pester, $Manifest, $Path, $DataJson)
            $ErrorActionPreference = 'Stop'
            Import-Module $Pester
            Import-Module $Manifest
            $data = @{}
            ($DataJson | ConvertFrom-Json).PSObject.Properties | ForEach-Object { $data[$_.Name] = $_.Value }
            $configuration = New-PesterConfiguration
            $configuration.Run.Container = New-PesterContainer -Path $Path -Data $data
            $configuration.Run.PassThru = $true
            $configuration.Output.Verbosity = 'None'
            $result = Invoke-Pester -Configuration $configuration
            [pscustomobject]@{
                Result = $result.Result
                Passed = @($result.Passed.ExpandedName)
                Failed = @($result.Failed.ExpandedName)
                Messages = @($result.Failed | ForEach-Object { $_.ErrorRecord[0].Exception.Message })
            } | ConvertTo-Json -Depth 3
        }
        $pwsh = Get-PwshPath
        $json = & $pwsh -NoProfile -NonInteractive -Command $script -args $pester, $manifest, $script:AuditPack, ($Data | ConvertTo-Json -Compress)
        $LASTEXITCODE | Should -Be 0 -Because "the child pwsh said: $json"
        $json | ConvertFrom-Json
    }
}

Describe 'Test-XenDom0 and Initialize-XenDom0 on a mounted FreeBSD 14 root' {
    BeforeEach { $null = New-FakeXl; $script:root = New-FreeBsdRoot }
    AfterEach { Remove-FakeXl; Remove-Item -LiteralPath $root, "$root.log" -Recurse -Force -ErrorAction SilentlyContinue }

    It 'Test-XenDom0 returns one XenPS.XenDom0Check per check, failing ones with a remedy' {
        $checks = @(Test-XenDom0 -Root $root @Handbook)
        $checks.Count | Should -BeGreaterThan 5
        $checks | ForEach-Object { $_.PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenDom0Check' }
        $failing = $checks | Where-Object { -not $_.Compliant }
        $failing.Check | Should -Contain 'loader.conf: xen_kernel'
        $failing.Check | Should -Contain 'sysctl.conf: vm.max_user_wired'
        $failing | ForEach-Object { $_.Remedy | Should -Not -BeNullOrEmpty }
        Test-XenDom0 -Root $root @Handbook -Quiet | Should -BeFalse
    }

    It 'Initialize-XenDom0 -WhatIf changes no file' {
        $before = Get-TreeHash $root
        Initialize-XenDom0 -Root $root @Handbook -WhatIf 6>$null
        Get-TreeHash $root | Should -Be $before
    }

    It 'Initialize-XenDom0 writes XenPS.XenDom0Change records, then Test-XenDom0 is compliant, and a second run changes nothing' {
        $changes = @(Initialize-XenDom0 -Root $root @Handbook -Confirm:$false -WarningAction SilentlyContinue 6>$null)
        $changes[0].PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenDom0Change'
        ($changes | Where-Object Changed).Count | Should -BeGreaterThan 0
        Test-XenDom0 -Root $root @Handbook -Quiet | Should -BeTrue
        $again = @(Initialize-XenDom0 -Root $root @Handbook -Confirm:$false -WarningAction SilentlyContinue 6>$null)
        $again | Where-Object Changed | Should -BeNullOrEmpty
    }

    It 'refuses hostile input with XenInvalidArgument before anything changes: <Name>' -TestCases @(
        @{ Name = 'memory with a command'; Extra = @{ Dom0Memory = '8G; reboot' } }
        @{ Name = 'a bridge NIC with a space'; Extra = @{ Dom0Memory = '8192M'; BridgeInterface = 'em 0' } }
        @{ Name = 'a console with a separator'; Extra = @{ Dom0Memory = '8192M'; Console = 'com1;vga' } }
    ) {
        $before = Get-TreeHash $root
        $e = { Initialize-XenDom0 -Root $root @Extra -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeExactly 'XenInvalidArgument,XenPS.Commands.InitializeXenDom0Command'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-TreeHash $root | Should -Be $before
    }

    It 'Initialize-XenDom0 is ConfirmImpact High' {
        $attribute = (Get-Command Initialize-XenDom0).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)[0]
        "$($attribute.ConfirmImpact)" | Should -BeExactly 'High'
    }
}

Describe 'The audit pack docs/examples/XenHost.Tests.ps1 on a mounted root' {
    BeforeAll { $null = New-FakeXl; $script:root = New-FreeBsdRoot }
    AfterAll { Remove-FakeXl; Remove-Item -LiteralPath $root, "$root.log" -Recurse -Force -ErrorAction SilentlyContinue }

    It 'fails before Initialize-XenDom0, naming each failing check' {
        $expected = @(Test-XenDom0 -Root $root @Handbook | Where-Object { -not $_.Compliant } | ForEach-Object Check)
        $expected.Count | Should -BeGreaterThan 0
        $run = Invoke-AuditPack (@{ Root = $root } + $Handbook)
        $run.Result | Should -BeExactly 'Failed'
        @($run.Failed) | Sort-Object | Should -Be ($expected | Sort-Object)
        ($run.Messages -join "`n") | Should -Match 'remedy: '
    }

    It 'passes every test after Initialize-XenDom0 -Root' {
        $null = Initialize-XenDom0 -Root $root @Handbook -Confirm:$false -WarningAction SilentlyContinue 6>$null
        $checks = @(Test-XenDom0 -Root $root @Handbook)
        $run = Invoke-AuditPack (@{ Root = $root } + $Handbook)
        @($run.Failed) | Should -BeNullOrEmpty -Because ($run.Messages -join '; ')
        $run.Result | Should -BeExactly 'Passed'
        # One test per check, plus the one that Test-XenDom0 answered.
        @($run.Passed).Count | Should -Be ($checks.Count + 1)
        @($run.Passed) | Should -Contain 'loader.conf: xen_kernel'
    }
}
