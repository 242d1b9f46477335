# The module as users meet it: the manifest, the commands, help, the console views at 80 columns, deserialized
# objects, JSON, and tab completion through TabExpansion2.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'The module' {
    It 'has a valid manifest for PowerShell 7.4 and later, Core edition' {
        $info = Test-ModuleManifest -Path (Get-Module XenPS).Path.Replace('XenPS.dll', 'XenPS.psd1')
        $info.PowerShellVersion | Should -Be ([version]'7.4')
        $info.CompatiblePSEditions | Should -Be @('Core')
        $info.PrivateData.PSData.Tags | Should -Contain 'FreeBSD'
    }

    It 'exports one cmdlet per help page (41), no functions, aliases or variables' {
        $module = Get-Module XenPS
        $pages = Get-ChildItem (Join-Path $RepoRoot 'docs/en-US') -Filter '*-*.md' | ForEach-Object BaseName | Sort-Object
        $module.ExportedCmdlets.Count | Should -Be 41
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($pages)
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
    }

    It 'uses approved verbs only' {
        $approved = (Get-Verb).Verb
        Get-Command -Module XenPS | Where-Object Verb -NotIn $approved | Should -BeNullOrEmpty
    }

    It 'runs on net8.0 assemblies (pwsh 7.4) and ships no Windows-only library' {
        $dir = Split-Path (Get-Module XenPS).Path
        (Get-ChildItem $dir -Filter *.dll).Name | Sort-Object | Should -Be @('CliWrap.dll', 'DiffPlex.dll', 'XenPS.Core.dll', 'XenPS.dll')
        $framework = (Get-Module XenPS).ImplementingAssembly.GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], $false)[0].FrameworkName
        $framework | Should -BeExactly '.NETCoreApp,Version=v8.0'
    }
}

Describe 'Help' {
    It '<Name> has a synopsis, a description and at least one example' -TestCases @(
        Get-Command -Module XenPS | ForEach-Object { @{ Name = $_.Name } }
    ) {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match ('^\s*' + [regex]::Escape($Name) + '\s+\[')
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        $help.Description | Should -Not -BeNullOrEmpty
    }

    It 'documents every parameter of Get-XenDomain' {
        $help = Get-Help Get-XenDomain -Full
        $documented = $help.Parameters.Parameter.Name
        foreach ($name in 'Name', 'Id', 'ComputerName', 'Detailed', 'Session') { $documented | Should -Contain $name }
    }

    It 'has the about_XenPS topic' {
        (Get-Help about_XenPS | Out-String) | Should -Match 'XENPS_SSH_CONFIG'
    }
}

Describe 'The console at 80 columns' {
    BeforeEach { $null = New-FakeXl }
    AfterEach { Remove-FakeXl }

    It 'Get-XenDomain reads like xl list, with the host as the group header' {
        $lines = Get-XenDomain | Get-RenderedLine -Width 80
        $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty
        $lines[0] | Should -Match '^\s*ComputerName: localhost$'
        $lines[1] | Should -Match '^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)$'
        $lines[3] | Should -Match '^Domain-0\s+0\s+1024\s+2\s+r-----\s+157\.8$'
        $lines[4] | Should -Match '^guest1\s+1\s+128\s+1\s+--p---\s+22\.4$'
    }

    It 'Get-XenDomain of two hosts shows one table per host' {
        $lines = Get-XenDomain -ComputerName dom0a, dom0b | Sort-Object ComputerName, Id | Get-RenderedLine -Width 80
        ($lines -match '^\s*ComputerName: ').Count | Should -Be 2
        ($lines -match '^Name\s+ID').Count | Should -Be 2
        $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty
    }

    It '<Command> fits in 80 columns with every header on one line' -TestCases @(
        @{ Command = { Get-XenDomain }; Header = '^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)$' }
        @{ Command = { Get-XenVCpu }; Header = '^Name\s+ID\s+VCPU\s+CPU\s+State\s+Time\(s\)\s+Affinity \(Hard / Soft\)$' }
        @{ Command = { Get-XenUptime }; Header = '^Name\s+ID\s+Uptime$' }
        @{ Command = { Connect-XenHost dom0a -User admin }; Header = '^ComputerName\s+HostName\s+User\s+Port\s+State\s+OpenedAt$' }
    ) {
        $lines = & $Command | Get-RenderedLine -Width 80
        $lines | Where-Object Length -GT 80 | Should -BeNullOrEmpty
        $lines -match $Header | Should -Not -BeNullOrEmpty
    }

    It 'Test-XenDom0 and Initialize-XenDom0 fit in 80 columns' {
        $root = New-FreeBsdRoot
        try {
            $checks = Test-XenDom0 -Root $root -Dom0Memory 8192M -Dom0VCpus 4 -BridgeInterface bge2 | Get-RenderedLine -Width 80
            $checks | Where-Object Length -GT 80 | Should -BeNullOrEmpty
            $checks -match '^Compliant\s+Check\s+Expected\s+Actual$' | Should -Not -BeNullOrEmpty
            $changes = Initialize-XenDom0 -Root $root -Dom0Memory 8192M -Dom0VCpus 4 -BridgeInterface bge2 -Confirm:$false 6>$null 3>$null | Get-RenderedLine -Width 80
            $changes | Where-Object Length -GT 80 | Should -BeNullOrEmpty
            $changes -match '^Changed\s+Setting\s+Before\s+After$' | Should -Not -BeNullOrEmpty
            $changes -match "^\s*File: $([regex]::Escape($root))/boot/loader.conf on localhost$" | Should -Not -BeNullOrEmpty
        }
        finally { Remove-Item -LiteralPath $root, "$root.log" -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'Get-XenHost is a list whose labels fit' {
        $lines = Get-XenHost | Get-RenderedLine -Width 80
        $lines[0] | Should -Match '^ComputerName\s+: localhost$'
        $lines -match '^XenVersion\s+: ' | Should -Not -BeNullOrEmpty
    }
}

Describe 'Deserialized objects' {
    BeforeEach { $fake = New-FakeXl; $script:file = Join-Path $fake.Directory 'domains.xml' }
    AfterEach { Remove-FakeXl }

    It 'Import-Clixml objects are Deserialized.XenPS.XenDomain and render with the same view' {
        Get-XenDomain | Export-Clixml -LiteralPath $file
        $imported = Import-Clixml -LiteralPath $file
        $imported[0].PSObject.TypeNames[0] | Should -BeExactly 'Deserialized.XenPS.XenDomain'
        $live = Get-XenDomain | Get-RenderedLine -Width 80
        $imported | Get-RenderedLine -Width 80 | Should -Be $live
    }

    It 'runs in ForEach-Object -Parallel runspaces' {
        $manifest = (Get-Module XenPS).Path.Replace('XenPS.dll', 'XenPS.psd1')
        $names = 0, 1 | ForEach-Object -Parallel { Import-Module $using:manifest; (Get-XenDomain -Id $_).Name } | Sort-Object
        $names | Should -Be @('Domain-0', 'guest1')
    }

    It 'ConvertTo-Json -EnumsAsStrings gives the state by name' {
        $json = Get-XenDomain guest1 | Select-Object Name, State, ComputerName | ConvertTo-Json -EnumsAsStrings | ConvertFrom-Json
        $json.State | Should -BeExactly 'Paused'
        $json.Name | Should -BeExactly 'guest1'
    }
}

Describe 'Tab completion (TabExpansion2)' {
    BeforeEach { $fake = New-FakeXl; $script:dir = $fake.ConfigDir }
    AfterEach { Remove-FakeXl }

    It 'completes domain names for <Line>' -TestCases @(
        @{ Line = 'Get-XenDomain gu'; Expected = @('guest1') }
        @{ Line = 'Get-XenVCpu -Name D'; Expected = @('Domain-0') }
        @{ Line = 'Stop-XenDomain -Name g'; Expected = @('guest1') }
        @{ Line = 'Get-XenDomain -ComputerName dom0b -Name g'; Expected = @('guest1') }
    ) {
        $result = TabExpansion2 -inputScript $Line -cursorColumn $Line.Length
        $result.CompletionMatches.CompletionText | Should -Be $Expected
    }

    It 'asks the -ComputerName host for its domains' {
        Set-FakeXl 'list' -ComputerName dom0b -Stdout (New-XlListText @(, @('remote1', 4, '-b----')))
        $result = TabExpansion2 -inputScript 'Get-XenDomain -ComputerName dom0b r' -cursorColumn 35
        $result.CompletionMatches.CompletionText | Should -Be @('remote1')
        Get-FakeXlHostCall | Should -Contain 'dom0b|list -v'
    }

    It 'completes configuration names (stopped guests too) for <Command>' -TestCases @(
        @{ Command = 'Get-XenDomUConfig' }, @{ Command = 'Set-XenDomUConfig -Name' }
    ) {
        foreach ($n in 'web01', 'web02', 'db01') { Set-Content -LiteralPath (Join-Path $dir "$n.cfg") -Value "name = `"$n`"" }
        $line = "$Command we"
        $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $result.CompletionMatches.CompletionText | Should -Be @('web01', 'web02')
    }

    It 'completes nothing and throws nothing when xl fails' {
        Set-FakeXl 'list' -Stderr 'cannot init xl context' -ExitCode 1
        $result = TabExpansion2 -inputScript 'Get-XenDomain g' -cursorColumn 15
        $result.CompletionMatches | Where-Object ResultType -EQ 'ParameterValue' | Should -BeNullOrEmpty
    }
}
