#!/usr/bin/env pwsh
#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, documents, packages and tests the XenPS module.

.DESCRIPTION
    The full build, in pwsh. `dotnet build` alone already lays out an importable module in output/XenPS/<version>/
    (help included, generated from docs/en-US by src/XenPS.HelpGen); this script adds:
      Build    dotnet build XenPS.sln (the module's LayoutModule target, HelpGen, the test projects), then
               Test-ModuleManifest.
      Docs     validates docs/en-US with Microsoft.PowerShell.PlatyPS 1.x where it is installed
               (Measure-PlatyPSMarkdown | Import-MarkdownCommandHelp); without PlatyPS it says so and goes on:
               the module's help is HelpGen's, built by `dotnet build`.
      Package  the PowerShell Gallery .nupkg in output/packages (Publish-PSResource to a local repository).
      Test     the whole test run, every result in output/TestResults:
                 - the lab (tests/lab/lab, two Xen Dom0s under QEMU) is started unless it is up, and stopped at the
                   end if this script started it;
                 - dotnet test XenPS.sln: unit, engine and Xen-lab tests (trx files);
                 - Pester on tests/pester (in a child pwsh: a binary module cannot be unloaded), the Lab-tagged
                   tests against the same lab; NUnit XML in output/TestResults/pester.xml.
               Every part runs even when an earlier one failed; the script fails at the end if any did.
    Tasks run in the order Build, Docs, Package, Test. The version is read from module/XenPS.psd1, the only place
    it lives. tests/run installs pwsh and Pester (tests/tools/install) and runs all four.

.EXAMPLE
    ./build.ps1                                  # Build, Docs
.EXAMPLE
    ./build.ps1 -Task Build, Docs, Package, Test  # what tests/run and CI do
.EXAMPLE
    ./build.ps1 -Task Test -PesterOnly -ExcludeTag Lab   # the Pester suite against the replay xl only
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    # Build, Docs, Package, Test. From sh, `pwsh ./build.ps1 -Task Build, Package` passes "Build," and "Package"
    # (pwsh -File binds no lists): commas are separators here.
    [ArgumentCompleter({ 'Build', 'Docs', 'Package', 'Test' })]
    [string[]] $Task = @('Build', 'Docs'),

    # Test: only the Pester suite (no dotnet test, no lab unless the Lab tag is included).
    [switch] $PesterOnly,

    # Test: Pester tags to leave out (e.g. Lab).
    [string[]] $ExcludeTag = @(),

    # The rest of a task list that pwsh -File split off (`-Task Build, Package` from sh).
    [Parameter(ValueFromRemainingArguments, DontShow)]
    [string[]] $MoreTask = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Task = @(@($Task) + @($MoreTask) -split ',' | ForEach-Object Trim | Where-Object { $_ })
$unknown = $Task | Where-Object { $_ -notin 'Build', 'Docs', 'Package', 'Test' }
if ($unknown) { throw "Unknown task: $($unknown -join ', '). The tasks are Build, Docs, Package and Test." }
$ExcludeTag = @($ExcludeTag -split ',' | ForEach-Object Trim | Where-Object { $_ })

$root = $PSScriptRoot
$manifest = Import-PowerShellDataFile -Path (Join-Path $root 'module/XenPS.psd1')
$version = $manifest.ModuleVersion
$moduleDir = Join-Path $root "output/XenPS/$version"
$packages = Join-Path $root 'output/packages'
$results = Join-Path $root 'output/TestResults'
$pesterVersion = '5.7.1'
$failures = [Collections.Generic.List[string]]::new()

function Invoke-Native {
    param([string] $Command, [string[]] $Arguments)
    Write-Host "> $Command $($Arguments -join ' ')"
    & $Command @Arguments | Out-Host
    $LASTEXITCODE
}

if ('Build' -in $Task) {
    if ((Invoke-Native dotnet @('build', (Join-Path $root 'XenPS.sln'), '-c', $Configuration, '-nologo', '-v', 'minimal')) -ne 0) {
        throw 'dotnet build failed.'
    }
    if (-not (Test-Path (Join-Path $moduleDir 'XenPS.psd1'))) { throw "The build did not produce $moduleDir." }
    $null = Test-ModuleManifest -Path (Join-Path $moduleDir 'XenPS.psd1')
    Write-Host "Module: $moduleDir"
}

if ('Docs' -in $Task) {
    $platyPS = Get-Module -ListAvailable -Name Microsoft.PowerShell.PlatyPS | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $platyPS) {
        # The one allowed "not here": PlatyPS is not served by the package feeds this project can reach. The help that
        # ships is HelpGen's (src/XenPS.HelpGen: Markdig + YamlDotNet), built and checked by dotnet build and the tests.
        Write-Host 'Docs: Microsoft.PowerShell.PlatyPS is not installed here: skipping its validation of docs/en-US (the module help is built by src/XenPS.HelpGen).'
    }
    else {
        Import-Module $platyPS
        $pages = Measure-PlatyPSMarkdown -Path (Join-Path $root 'docs/en-US/*.md') | Where-Object Filetype -Match 'CommandHelp'
        $help = $pages | ForEach-Object { Import-MarkdownCommandHelp -Path $_.FilePath }
        $commands = (Import-PowerShellDataFile (Join-Path $root 'module/XenPS.psd1')).CmdletsToExport
        $missing = $commands | Where-Object { $_ -notin $help.Title }
        if ($missing) { throw "PlatyPS found no page for: $($missing -join ', ')" }
        Write-Host "Docs: PlatyPS $($platyPS.Version) read $(@($help).Count) command pages of docs/en-US."
    }
}

if ('Package' -in $Task) {
    New-Item -ItemType Directory -Path $packages -Force | Out-Null
    Remove-Item -Path (Join-Path $packages "XenPS.$version.nupkg") -ErrorAction SilentlyContinue
    $repo = "XenPSBuild$PID"
    Register-PSResourceRepository -Name $repo -Uri $packages -Trusted
    try {
        Publish-PSResource -Path $moduleDir -Repository $repo
    }
    finally {
        Unregister-PSResourceRepository -Name $repo
    }
    $nupkg = Join-Path $packages "XenPS.$version.nupkg"
    if (-not (Test-Path $nupkg)) { throw "Publish-PSResource did not write $nupkg." }
    Write-Host "Package: $nupkg"
}

if ('Test' -in $Task) {
    New-Item -ItemType Directory -Path $results -Force | Out-Null
    $lab = Join-Path $root 'tests/lab/lab'
    $useLab = -not $PesterOnly -or 'Lab' -notin $ExcludeTag
    $startedLab = $false
    try {
        if ($useLab) {
            & $lab status *> $null
            if ($LASTEXITCODE -ne 0) {
                Write-Host '== starting the Xen lab (tests/lab/lab start --count 2)'
                $null = Invoke-Native $lab @('start', '--count', '2')
                $startedLab = $true
            }
            else { Write-Host '== the Xen lab is up: using it' }
            # The xunit lab tests and the Pester Lab tests share this one lab session.
            $env:XENPS_LAB_REUSE = '1'
        }

        if (-not $PesterOnly) {
            Write-Host '== dotnet test XenPS.sln'
            $code = Invoke-Native dotnet @('test', (Join-Path $root 'XenPS.sln'), '-c', $Configuration, '--no-build', '-nologo',
                '--logger', 'trx', '--logger', 'console;verbosity=normal', '--results-directory', $results)
            if ($code -ne 0) { $failures.Add("dotnet test (exit code $code)") }
        }

        Write-Host "== Pester $pesterVersion on tests/pester$(if ($ExcludeTag) { " (without $($ExcludeTag -join ', '))" })"
        $pesterScript = {
            param($Path, $Manifest, $Output, $PesterVersion, $ExcludeTag)
            $ErrorActionPreference = 'Stop'
            Import-Module Pester -RequiredVersion $PesterVersion
            $env:XENPS_MODULE_MANIFEST = $Manifest
            $c = New-PesterConfiguration
            $c.Run.Path = $Path
            $c.Run.Exit = $true
            $c.Filter.ExcludeTag = $ExcludeTag
            $c.Output.Verbosity = 'Detailed'
            $c.TestResult.Enabled = $true
            $c.TestResult.OutputFormat = 'NUnitXml'
            $c.TestResult.OutputPath = $Output
            Invoke-Pester -Configuration $c
        }
        # The pwsh on PATH (tests/tools/install puts it first): this process may be `dotnet pwsh.dll`.
        $pwsh = (Get-Command pwsh -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
        if (-not $pwsh) { $pwsh = Join-Path $PSHOME 'pwsh' }
        $pesterXml = Join-Path $results 'pester.xml'
        Remove-Item $pesterXml -ErrorAction SilentlyContinue
        & $pwsh -NoProfile -NonInteractive -Command $pesterScript -args (Join-Path $root 'tests/pester'),
            (Join-Path $moduleDir 'XenPS.psd1'), $pesterXml, $pesterVersion, $ExcludeTag
        if ($LASTEXITCODE -ne 0) { $failures.Add("Pester (exit code $LASTEXITCODE)") }
    }
    finally {
        if ($startedLab) {
            Write-Host '== stopping the Xen lab this run started'
            & $lab stop *> $null
        }
    }
}

if ($failures.Count -gt 0) { throw "Failed: $($failures -join '; ')." }
