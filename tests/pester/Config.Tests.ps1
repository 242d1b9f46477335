# New-XenDomU, Start-XenDomain, the xl.cfg cmdlets and autostart on this machine's file system, with the replay xl.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Handbook = Join-Path $script:RepoRoot 'tests/XenPS.Core.Tests/Data/configs/handbook-freebsd.cfg'

    function New-Args([string] $Name) {
        @{
            Name = $Name; MemoryMB = 256; VCpus = 2; DiskPath = (Join-Path $dir "$Name.img"); DiskSizeGB = 1
            InstallMedia = (Join-Path $dir 'install.iso'); Bridge = 'lo'; MacAddress = '00:16:3e:01:02:03'
            ConfigPath = (Join-Path $dir "$Name.cfg")
        }
    }
}

Describe 'New-XenDomU' {
    BeforeEach {
        $fake = New-FakeXl
        $script:dir = $fake.ConfigDir
        Set-Content -LiteralPath (Join-Path $dir 'install.iso') -Value 'not really an iso'
    }
    AfterEach { Remove-FakeXl }

    It 'lists every step and the config with -WhatIf, masks the VNC password, and changes nothing' {
        $a = New-Args 'web01'
        $password = ConvertTo-SecureString 'secret' -AsPlainText -Force
        $text = New-XenDomU @a -Vnc -VncPassword $password -WhatIf 6>&1 | Out-String
        (Get-ChildItem $dir).Name | Should -Be @('install.iso')
        Get-FakeXlCall | Where-Object { $_ -like 'create*' } | Should -BeNullOrEmpty
    }

    It 'writes the disk and a config xl can read with -NoStart, and returns the config' {
        $a = New-Args 'web02'
        $config = New-XenDomU @a -NoStart -Serial pty
        $config.PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenDomUConfig'
        $config.Path | Should -BeExactly (Join-Path $dir 'web02.cfg')
        (Get-Item (Join-Path $dir 'web02.img')).Length | Should -Be 1GB
        $text = Get-Content -Raw (Join-Path $dir 'web02.cfg')
        $text | Should -Match '(?m)^name = "web02"$'
        $text | Should -Match '(?m)^memory = 256$'
        $text | Should -Match "(?m)^vif = \[ 'mac=00:16:3e:01:02:03,bridge=lo' \]$"
    }

    It 'rolls back the config and the disk when xl create fails' {
        $a = New-Args 'web03'
        Set-FakeXl "create $($a.ConfigPath)" -Stderr "libxl: error: libxl_device.c:1337:device_hotplug_child_death_cb: script: Could not find bridge device lo`n" -ExitCode 3
        New-XenDomU @a -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenBridgeNotFound,XenPS.Commands.NewXenDomUCommand'
        $errors[0].TargetObject | Should -BeExactly 'web03'
        $errors[0].Exception.Message | Should -Match 'Rolled back'
        (Get-ChildItem $dir).Name | Should -Be @('install.iso')
    }

    It 'refuses the hostile name <Name> with XenInvalidDomainName before anything happens' -TestCases @(
        @{ Name = 'bad name' }, @{ Name = 'a/b' }, @{ Name = 'q"uote' }, @{ Name = "x`ny" }, @{ Name = '12345' }, @{ Name = '-rf' }, @{ Name = 'Domain-0' }
    ) {
        New-XenDomU -Name $Name -MemoryMB 256 -DiskPath (Join-Path $dir 'x.img') -DiskSizeGB 1 -NoNetwork -ConfigPath (Join-Path $dir 'x.cfg') -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenInvalidDomainName,XenPS.Commands.NewXenDomUCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-ChildItem $dir).Name | Should -Be @('install.iso')
        Get-FakeXlCall | Should -BeNullOrEmpty
    }

    It 'checks <Id> (<Category>) before anything changes' -TestCases @(
        @{ Extra = @{ Name = 'web04'; MemoryMB = 4096 }; Id = 'XenInsufficientMemory'; Category = 'ResourceUnavailable' }
        @{ Extra = @{ Name = 'web04'; InstallMedia = '/nonexistent.iso' }; Id = 'XenInstallMediaNotFound'; Category = 'ObjectNotFound' }
        @{ Extra = @{ Name = 'web04'; Bridge = 'nosuchbr0' }; Id = 'XenBridgeNotFound'; Category = 'ObjectNotFound' }
        @{ Extra = @{ Name = 'guest1' }; Id = 'XenDomainExists'; Category = 'ResourceExists' }
        @{ Extra = @{ Name = 'web04'; Type = 'Pv' }; Id = 'XenInvalidArgument'; Category = 'InvalidArgument' }
    ) {
        $a = @{ MemoryMB = 256; Bridge = 'lo'; DiskPath = (Join-Path $dir 'web04.img'); DiskSizeGB = 1; ConfigPath = (Join-Path $dir 'web04.cfg') }
        foreach ($k in $Extra.Keys) { $a[$k] = $Extra[$k] }
        New-XenDomU @a -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly "$Id,XenPS.Commands.NewXenDomUCommand"
        "$($errors[0].CategoryInfo.Category)" | Should -BeExactly $Category
        (Get-ChildItem $dir).Name | Should -Be @('install.iso')
    }

    It 'warns about a VNC console on all addresses without a password' {
        $a = New-Args 'web05'
        $null = New-XenDomU @a -Vnc -VncListen 0.0.0.0 -NoStart -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join "`n") | Should -Match '0\.0\.0\.0 without a password'
    }

    It 'takes its parameters from the pipeline by property name' {
        $a = New-Args 'web06'
        $config = [pscustomobject]$a | New-XenDomU -NoStart
        $config.Name | Should -BeExactly 'web06'
    }
}

Describe 'Get-XenDomUConfig' {
    BeforeEach { $fake = New-FakeXl; $script:dir = $fake.ConfigDir }
    AfterEach { Remove-FakeXl }

    It 'reads a config by -Path into a XenPS.XenDomUConfig' {
        Copy-Item $Handbook (Join-Path $dir 'freebsd.cfg')
        $config = Get-XenDomUConfig -Path (Join-Path $dir 'freebsd.cfg')
        $config.PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenDomUConfig'
        $config.MemoryMB | Should -Be 1024
        $config.Path | Should -BeExactly (Join-Path $dir 'freebsd.cfg')
    }

    It 'finds a config by -Name in the config directory' {
        Copy-Item $Handbook (Join-Path $dir 'freebsd.cfg')
        (Get-XenDomUConfig -Name freebsd).Path | Should -BeExactly (Join-Path $dir 'freebsd.cfg')
    }

    It 'reports syntax errors with line and column, and missing files, one error each' {
        Set-Content -LiteralPath (Join-Path $dir 'bad.cfg') -Value "name = `"bad`"`nmemory = 128 128"
        $null = Get-XenDomUConfig -Path (Join-Path $dir 'bad.cfg'), (Join-Path $dir 'missing.cfg') -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenConfigInvalid,XenPS.Commands.GetXenDomUConfigCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[0].Exception.Message | Should -Match 'bad\.cfg:2:'
        $errors[1].FullyQualifiedErrorId | Should -BeExactly 'XenConfigNotFound,XenPS.Commands.GetXenDomUConfigCommand'
        $errors[1].TargetObject | Should -BeExactly (Join-Path $dir 'missing.cfg')
    }

    It 'has the parameter sets Name (default) and Path' {
        (Get-Command Get-XenDomUConfig).DefaultParameterSet | Should -BeExactly 'Name'
        (Get-Command Get-XenDomUConfig).ParameterSets.Name | Sort-Object | Should -Be @('Name', 'Path')
    }
}

Describe 'Set-XenDomUConfig' {
    BeforeEach {
        $fake = New-FakeXl; $script:dir = $fake.ConfigDir
        $script:path = Join-Path $dir 'freebsd.cfg'
        Copy-Item $Handbook $path
        $script:original = Get-Content -Raw $path
    }
    AfterEach { Remove-FakeXl }

    It 'shows a diff with -WhatIf and writes nothing' {
        Set-XenDomUConfig -Path $path -RemoveInstallMedia -MemoryMB 2048 -WhatIf
        Get-Content -Raw $path | Should -BeExactly $original
    }

    It 'removes the install media and sets memory from the pipeline, keeping a backup and every other line' {
        $config = Get-XenDomUConfig -Path $path | Set-XenDomUConfig -RemoveInstallMedia -MemoryMB 2048 -PassThru -Confirm:$false
        $config.MemoryMB | Should -Be 2048
        $after = Get-Content -Raw $path
        $after | Should -Not -Match 'cdrom'
        $after | Should -Match 'memory = 2048'
        $backup = Get-ChildItem $dir -Filter 'freebsd.cfg.xenps-*'
        @($backup).Count | Should -Be 1
        Get-Content -Raw $backup.FullName | Should -BeExactly $original
    }

    It 'has the parameter sets Path (default) and Name' {
        (Get-Command Set-XenDomUConfig).DefaultParameterSet | Should -BeExactly 'Path'
    }
}

Describe 'Start-XenDomain' {
    BeforeEach {
        $fake = New-FakeXl; $script:dir = $fake.ConfigDir
        Set-Content -LiteralPath (Join-Path $dir 'install.iso') -Value 'iso'
    }
    AfterEach { Remove-FakeXl }

    It 'refuses a domain that already runs with XenDomainExists, before xl create' {
        Set-FakeXl 'list' -Capture 'xl-list-after-shutdown'
        $a = New-Args 'guest1'
        $null = New-XenDomU @a -NoStart
        Set-FakeXl 'list' -Capture 'xl-list-paused'
        Get-XenDomUConfig -Path (Join-Path $dir 'guest1.cfg') | Start-XenDomain -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeExactly 'XenDomainExists,XenPS.Commands.StartXenDomainCommand'
        Get-FakeXlCall | Where-Object { $_ -like 'create*' } | Should -BeNullOrEmpty
    }

    It 'creates from config objects on the pipeline and returns the new domain with -PassThru' {
        Set-FakeXl 'list' -Capture 'xl-list-after-shutdown'
        $a = New-Args 'guest1'
        $null = New-XenDomU @a -NoStart
        $cfg = Join-Path $dir 'guest1.cfg'
        Set-FakeXl "create $cfg" -Stderr "Parsing config from $cfg`n"
        Add-FakeXlTransition -After "create $cfg" -Arguments 'list' -Capture 'xl-list-after-create'
        $domain = Get-XenDomUConfig -Path $cfg | Start-XenDomain -PassThru
        $domain.Name | Should -BeExactly 'guest1'
        $domain.Id | Should -Be 1
        Get-FakeXlCall | Should -Contain "create $cfg"
    }

    It 'has the parameter sets Path (default) and Name' {
        (Get-Command Start-XenDomain).DefaultParameterSet | Should -BeExactly 'Path'
        (Get-Command Start-XenDomain).ParameterSets.Name | Sort-Object | Should -Be @('Name', 'Path')
    }
}

Describe 'Autostart' {
    BeforeEach {
        $fake = New-FakeXl; $script:dir = $fake.ConfigDir
        Copy-Item $Handbook (Join-Path $dir 'freebsd.cfg')
    }
    AfterEach { Remove-FakeXl }

    It 'Get-XenDomainAutostart lists the links of the auto directory in start order' {
        $auto = New-Item -ItemType Directory -Path (Join-Path $dir 'auto')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $auto '10-freebsd.cfg') -Target (Join-Path $dir 'freebsd.cfg')
        $entries = @(Get-XenDomainAutostart)
        $entries.Count | Should -Be 1
        $entries[0].PSObject.TypeNames[0] | Should -BeExactly 'XenPS.XenDomainAutostart'
        $entries[0].Name | Should -BeExactly 'freebsd'
        $entries[0].Order | Should -Be 10
    }

    It 'Get-XenDomainAutostart returns nothing without an auto directory' {
        Get-XenDomainAutostart | Should -BeNullOrEmpty
    }

    It 'Enable-XenDomainAutostart -WhatIf changes nothing' {
        Enable-XenDomainAutostart freebsd -WhatIf
        Test-Path (Join-Path $dir 'auto') | Should -BeFalse
    }

    It 'Disable-XenDomainAutostart -WhatIf keeps the link' {
        $auto = New-Item -ItemType Directory -Path (Join-Path $dir 'auto')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $auto '10-freebsd.cfg') -Target (Join-Path $dir 'freebsd.cfg')
        Disable-XenDomainAutostart freebsd -WhatIf
        Test-Path (Join-Path $auto '10-freebsd.cfg') | Should -BeTrue
    }

    It '<Command> takes Name from the pipeline by property name' -TestCases @(
        @{ Command = 'Enable-XenDomainAutostart' }, @{ Command = 'Disable-XenDomainAutostart' }, @{ Command = 'Get-XenDomainAutostart' }
    ) {
        $p = (Get-Command $Command).Parameters['Name']
        ($p.Attributes | Where-Object { $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -Contain $true
    }
}
