# Shared by the Pester suites: imports the built module and puts a fake `xl` first on PATH, the PowerShell-side
# equivalent of tests/XenPS.Tests/FakeXl.cs. The fake is a sh script that replays real captures from the Xen lab
# (tests/XenPS.Core.Tests/Data/xl-captures) by its exact arguments and logs every call; the stand-in `ssh`
# (tests/XenPS.Tests/fakes/ssh) runs "remote" scripts on this machine with XENPS_FAKE_HOST set, so the fake answers per
# host. The XENPS_* variables of src/XenPS.Core (XenPaths, ToolResolver) point the module at temporary config and log
# directories. Dot-source it in BeforeAll; call New-FakeXl in BeforeEach and Remove-FakeXl in AfterEach.

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:Captures = Join-Path $RepoRoot 'tests/XenPS.Core.Tests/Data/xl-captures'
$script:FakeTools = Join-Path $RepoRoot 'tests/XenPS.Tests/fakes'
$script:FreeBsdEtc = Join-Path $RepoRoot 'tests/XenPS.Core.Tests/Data/freebsd-14-etc'

function Get-XenPSManifest {
    if ($env:XENPS_MODULE_MANIFEST) { return $env:XENPS_MODULE_MANIFEST }
    $version = (Import-PowerShellDataFile (Join-Path $script:RepoRoot 'module/XenPS.psd1')).ModuleVersion
    Join-Path $script:RepoRoot "output/XenPS/$version/XenPS.psd1"
}

# By path, unless the test run imported XenPS by name already (the package test installs it first).
if (-not (Get-Module XenPS)) { Import-Module (Get-XenPSManifest) -ErrorAction Stop }

# The pwsh to start a child with: the one on PATH (tests/tools/install puts it first); this process may be
# `dotnet pwsh.dll` (the dotnet tool), so its own path is no answer.
function Get-PwshPath {
    $command = Get-Command pwsh -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) { $command.Source } else { Join-Path $PSHOME 'pwsh' }
}

# sh single-quoted word.
function ConvertTo-ShWord([string] $Text) { "'" + $Text.Replace("'", "'\''") + "'" }

# The file name key the fake uses for an argument line (like FakeXl.Key).
function Get-FakeXlKey([string] $Text) { [regex]::Replace($Text, '[^A-Za-z0-9]', '_') }

$script:EnvNames = 'PATH', 'XENPS_XL_PATH', 'XENPS_RESTART_SETTLE_SEC', 'XENPS_XEN_CONFIG_DIR', 'XENPS_XEN_LOG_DIR',
    'XENPS_SSH_CONTROL_DIR', 'XENPS_SSH_CONFIG', 'XENPS_FAKE_SSH_LOG', 'XENPS_FAKE_SSH_DOWN', 'XENPS_FAKE_SSH_SLOW',
    'XENPS_CAP_MKDB_PATH', 'XENPS_PKG_PATH', 'XENPS_FAKE_LOG'

<#
.SYNOPSIS
    A fresh fake xl (with the default captures of the engine tests: xl list shows Domain-0 and a paused guest1),
    first on PATH, with the stand-in ssh beside it and empty config and log directories.
#>
function New-FakeXl {
    $saved = @{}
    foreach ($name in $script:EnvNames) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    $dir = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "xenps-pester-$([guid]::NewGuid().ToString('n').Substring(0, 12))")).FullName
    $script:Fake = [pscustomobject]@{
        Directory = $dir
        Script    = Join-Path $dir 'xl'
        ConfigDir = (New-Item -ItemType Directory -Path (Join-Path $dir 'etc-xen')).FullName
        LogDir    = (New-Item -ItemType Directory -Path (Join-Path $dir 'log-xen')).FullName
        Map       = [ordered]@{}
        HostMap   = [ordered]@{}
        Then      = [ordered]@{}
        Sleeps    = [ordered]@{}
        Files     = 0
        Saved     = $saved
    }
    Copy-Item (Join-Path $script:FakeTools 'ssh') (Join-Path $dir 'ssh')
    chmod 755 (Join-Path $dir 'ssh')
    $env:PATH = $dir + [IO.Path]::PathSeparator + $saved.PATH
    $env:XENPS_XL_PATH = $null
    $env:XENPS_RESTART_SETTLE_SEC = '0'
    $env:XENPS_XEN_CONFIG_DIR = $script:Fake.ConfigDir
    $env:XENPS_XEN_LOG_DIR = $script:Fake.LogDir
    $env:XENPS_SSH_CONTROL_DIR = Join-Path $dir 'cm'
    $env:XENPS_SSH_CONFIG = $null
    $env:XENPS_FAKE_SSH_LOG = Join-Path $dir 'ssh.log'
    Set-FakeXl 'list' -Capture 'xl-list-paused'
    Set-FakeXl 'list -l' -Capture 'xl-list-l-guest1'
    Set-FakeXl 'info' -Capture 'xl-info'
    Set-FakeXl 'vcpu-list' -Capture 'xl-vcpu-list-all'
    Set-FakeXl 'uptime' -Capture 'xl-uptime'
    $script:Fake
}

function Remove-FakeXl {
    if (-not $script:Fake) { return }
    Get-XenHostSession | Disconnect-XenHost -ErrorAction SilentlyContinue
    foreach ($name in $script:EnvNames) { [Environment]::SetEnvironmentVariable($name, $script:Fake.Saved[$name]) }
    Remove-Item -LiteralPath $script:Fake.Directory -Recurse -Force -ErrorAction SilentlyContinue
    $script:Fake = $null
}

# A base path (without .stdout/.stderr/.rc) for a capture name or literal output.
function New-FakeOutput([string] $Capture, [string] $Stdout, [string] $Stderr, [int] $ExitCode) {
    if ($Capture) { return Join-Path $script:Captures $Capture }
    $base = Join-Path $script:Fake.Directory "custom-$($script:Fake.Files)"
    $script:Fake.Files++
    [IO.File]::WriteAllText("$base.stdout", $Stdout)
    [IO.File]::WriteAllText("$base.stderr", $Stderr)
    [IO.File]::WriteAllText("$base.rc", [string]$ExitCode)
    $base
}

<#
.SYNOPSIS
    What the fake xl answers to exactly these arguments: a capture (a name under xl-captures) or literal output.
    -ComputerName: only when xl runs on that host through the stand-in ssh (wins over the host-less answer).
#>
function Set-FakeXl {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Arguments,
        [string] $Capture, [string] $Stdout = '', [string] $Stderr = '', [int] $ExitCode = 0,
        [string] $ComputerName, [int] $SleepSeconds
    )
    if ($SleepSeconds) { $script:Fake.Sleeps[$Arguments] = $SleepSeconds }
    else {
        $base = New-FakeOutput $Capture $Stdout $Stderr $ExitCode
        if ($ComputerName) { $script:Fake.HostMap["$ComputerName|$Arguments"] = $base } else { $script:Fake.Map[$Arguments] = $base }
    }
    Write-FakeXl
}

<#
.SYNOPSIS
    After a call with -After, later calls with -Arguments answer this (a state change: after "destroy 1", "list"
    no longer shows guest1).
#>
function Add-FakeXlTransition {
    param(
        [Parameter(Mandatory)] [string] $After,
        [Parameter(Mandatory)] [string] $Arguments,
        [string] $Capture, [string] $Stdout = '', [string] $Stderr = '', [int] $ExitCode = 0,
        [string] $ComputerName, [string] $ThenComputerName
    )
    $trigger = if ($ComputerName) { "$ComputerName|$After" } else { "*|$After" }
    $key = if ($ThenComputerName) { Get-FakeXlKey "$ThenComputerName|$Arguments" } else { Get-FakeXlKey $Arguments }
    if (-not $script:Fake.Then.Contains($trigger)) { $script:Fake.Then[$trigger] = [Collections.Generic.List[object]]::new() }
    $script:Fake.Then[$trigger].Add(@($key, (New-FakeOutput $Capture $Stdout $Stderr $ExitCode)))
    Write-FakeXl
}

function Write-FakeXl {
    $d = $script:Fake.Directory
    $sb = [Text.StringBuilder]::new()
    $null = $sb.Append("#!/bin/sh`n# fake xl (tests/pester/common.ps1): replays real captures from the Xen lab`n")
    $null = $sb.Append("d=$(ConvertTo-ShWord $d)`nh=`"`${XENPS_FAKE_HOST:-localhost}`"`n")
    $null = $sb.Append("printf '%s\n' `"`$*`" >> `"`$d/calls.log`"`nprintf '%s|%s\n' `"`$h`" `"`$*`" >> `"`$d/host-calls.log`"`n")
    $null = $sb.Append("k=`$(printf '%s' `"`$*`" | tr -c 'A-Za-z0-9' '_')`nhk=`$(printf '%s|%s' `"`$h`" `"`$*`" | tr -c 'A-Za-z0-9' '_')`n")
    foreach ($trigger in $script:Fake.Then.Keys) {
        $hostPart, $rest = $trigger.Split('|', 2)
        $test = if ($hostPart -eq '*') { "[ `"`$*`" = $(ConvertTo-ShWord $rest) ]" } else { "[ `"`$h|`$*`" = $(ConvertTo-ShWord $trigger) ]" }
        $null = $sb.Append("if $test; then mkdir -p `"`$d/override`"")
        foreach ($pair in $script:Fake.Then[$trigger]) { $null = $sb.Append("; printf '%s' $(ConvertTo-ShWord $pair[1]) > `"`$d/override/$($pair[0])`"") }
        $null = $sb.Append("; fi`n")
    }
    $null = $sb.Append("for o in `"`$d/override/`$hk`" `"`$d/override/`$k`"; do if [ -f `"`$o`" ]; then b=`$(cat `"`$o`"); cat `"`$b.stdout`"; cat `"`$b.stderr`" >&2; exit `$(cat `"`$b.rc`"); fi; done`n")
    $null = $sb.Append("b=''`ncase `"`$h|`$*`" in`n")
    foreach ($key in $script:Fake.HostMap.Keys) { $null = $sb.Append("  $(ConvertTo-ShWord $key)) b=$(ConvertTo-ShWord $script:Fake.HostMap[$key]) ;;`n") }
    $null = $sb.Append("esac`nif [ -n `"`$b`" ]; then cat `"`$b.stdout`"; cat `"`$b.stderr`" >&2; exit `$(cat `"`$b.rc`"); fi`ncase `"`$*`" in`n")
    foreach ($key in $script:Fake.Sleeps.Keys) { $null = $sb.Append("  $(ConvertTo-ShWord $key)) echo `$`$ > `"`$d/sleep.pid`"; exec sleep $($script:Fake.Sleeps[$key]) ;;`n") }
    foreach ($key in $script:Fake.Map.Keys) { $null = $sb.Append("  $(ConvertTo-ShWord $key)) b=$(ConvertTo-ShWord $script:Fake.Map[$key]) ;;`n") }
    $null = $sb.Append("  *) echo `"fake xl: no capture for: `$*`" >&2; exit 99 ;;`nesac`n")
    $null = $sb.Append("cat `"`$b.stdout`"; cat `"`$b.stderr`" >&2; exit `$(cat `"`$b.rc`")`n")
    [IO.File]::WriteAllText($script:Fake.Script, $sb.ToString())
    chmod 755 $script:Fake.Script
}

# Every argument line the fake xl was called with, in order.
function Get-FakeXlCall {
    $log = Join-Path $script:Fake.Directory 'calls.log'
    if (Test-Path $log) { @(Get-Content -LiteralPath $log) } else { @() }
}

# Every "host|arguments" line, in order ("localhost" when not through the stand-in ssh).
function Get-FakeXlHostCall {
    $log = Join-Path $script:Fake.Directory 'host-calls.log'
    if (Test-Path $log) { @(Get-Content -LiteralPath $log) } else { @() }
}

# The text of a capture.
function Get-Capture([string] $Name) { [IO.File]::ReadAllText((Join-Path $script:Captures $Name)) }

# xl list text in xl's own format: Domain-0 and the given domains (@('name', id, 'state')).
function New-XlListText {
    param([object[]] $Domain = @())
    $sb = [Text.StringBuilder]::new("Name                                        ID   Mem VCPUs`tState`tTime(s)`n")
    $all = @(, @('Domain-0', 0, 'r-----')) + $Domain
    foreach ($d in $all) {
        $mem = if ($d[1] -eq 0) { 768 } else { 128 }
        $null = $sb.Append(('{0,-40} {1,5} {2,5} {3,5}     {4}  {5,8}' -f $d[0], $d[1], $mem, 1, $d[2], '12.5') + "`n")
    }
    $sb.ToString()
}

<#
.SYNOPSIS
    A FreeBSD 14 system root in a temporary directory, built from the real /etc files the Dom0 engine tests use
    (tests/XenPS.Tests/Dom0Tests.cs): rc.conf, login.conf, sysctl.conf, ttys, loader.conf, an installed Xen kernel and
    packages, and the stand-ins of cap_mkdb, pkg and freebsd-version. Returns the root's path.
#>
function New-FreeBsdRoot {
    param([string] $Path = (Join-Path ([IO.Path]::GetTempPath()) "xenps-root-$([guid]::NewGuid().ToString('n').Substring(0, 12))"))
    foreach ($sub in 'etc', 'boot', 'bin', 'var/log', 'var/db/pkg') { $null = New-Item -ItemType Directory -Force -Path (Join-Path $Path $sub) }
    foreach ($name in 'rc.conf', 'login.conf', 'sysctl.conf', 'ttys') { Copy-Item (Join-Path $script:FreeBsdEtc $name) (Join-Path $Path "etc/$name") }
    Copy-Item (Join-Path $script:FreeBsdEtc 'loader.conf') (Join-Path $Path 'boot/loader.conf')
    Set-Content -LiteralPath (Join-Path $Path 'boot/xen') -Value 'xen hypervisor'
    Set-Content -LiteralPath (Join-Path $Path 'var/db/pkg/xenps-fake-packages') -Value "xen-kernel 4.19.1.20250217`nxen-tools 4.19.1.20250217_1"
    Copy-Item (Join-Path $script:FakeTools 'freebsd-version') (Join-Path $Path 'bin/freebsd-version')
    foreach ($tool in 'cap_mkdb', 'pkg', 'freebsd-version') { chmod 755 (Join-Path $script:FakeTools $tool) }
    chmod 755 (Join-Path $Path 'bin/freebsd-version')
    $env:XENPS_CAP_MKDB_PATH = Join-Path $script:FakeTools 'cap_mkdb'
    $env:XENPS_PKG_PATH = Join-Path $script:FakeTools 'pkg'
    $env:XENPS_FAKE_LOG = "$Path.log"
    $Path
}

# Renders objects as the console does at a width, and returns the lines (trailing blanks dropped).
function Get-RenderedLine {
    param([Parameter(ValueFromPipeline)] $InputObject, [int] $Width = 80)
    begin { $all = [Collections.Generic.List[object]]::new() }
    process { $all.Add($InputObject) }
    end {
        $text = $all | Out-String -Width $Width
        @($text -split "`r?`n" | ForEach-Object TrimEnd | Where-Object { $_ -ne '' })
    }
}
