# The Gallery package as a user gets it: build.ps1 -Task Package wrote output/packages/XenPS.<version>.nupkg; here it
# is published to a local repository, installed back with Install-PSResource into an empty module path, and imported
# by name, in a child pwsh that never saw the build output.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Version = (Import-PowerShellDataFile (Join-Path $script:RepoRoot 'module/XenPS.psd1')).ModuleVersion
    $script:Nupkg = Join-Path $script:RepoRoot "output/packages/XenPS.$Version.nupkg"
    $script:Work = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "xenps-package-$PID")).FullName
    $script:Feed = (New-Item -ItemType Directory -Path (Join-Path $Work 'feed')).FullName
    $script:Modules = (New-Item -ItemType Directory -Path (Join-Path $Work 'modules')).FullName

    # The package's file list, read from the zip.
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [IO.Compression.ZipFile]::OpenRead($Nupkg)
    try { $script:Entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }

    # In a clean child pwsh: register the folder as a repository, install XenPS from it into the empty module path,
    # import it by name and report what a user sees.
    $child = {
        param($Nupkg, $Feed, $Modules)
        $ErrorActionPreference = 'Stop'
        $env:PSModulePath = $Modules + [IO.Path]::PathSeparator + $env:PSModulePath
        Copy-Item $Nupkg $Feed
        $repo = "XenPSLocal$PID"
        Register-PSResourceRepository -Name $repo -Uri $Feed -Trusted
        try {
            $found = Find-PSResource -Name XenPS -Repository $repo
            Save-PSResource -Name XenPS -Repository $repo -Path $Modules -TrustRepository
        }
        finally { Unregister-PSResourceRepository -Name $repo }
        Import-Module XenPS
        $module = Get-Module XenPS
        $help = Get-Help Get-XenDomain -Examples
        [pscustomobject]@{
            FoundVersion = "$($found.Version)"
            ModuleBase   = $module.ModuleBase
            Cmdlets      = $module.ExportedCommands.Count
            Manifest     = (Test-ModuleManifest (Join-Path $module.ModuleBase 'XenPS.psd1')).Version.ToString()
            Examples     = @($help.Examples.Example).Count
            Synopsis     = (Get-Help Get-XenDomain).Synopsis
            About        = (Get-Help about_XenPS | Out-String).Length
            Files        = @(Get-ChildItem $module.ModuleBase -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($module.ModuleBase, $_.FullName) })
        } | ConvertTo-Json -Depth 3
    }
    $pwsh = Get-PwshPath
    $json = & $pwsh -NoProfile -NonInteractive -Command $child -args $Nupkg, $Feed, $Modules
    $script:ChildExit = $LASTEXITCODE
    $script:Installed = $json | ConvertFrom-Json
}

AfterAll { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'The Gallery package' {
    It 'was built by build.ps1 -Task Package' {
        Test-Path $Nupkg | Should -BeTrue
    }

    It 'holds the module files, its help and nothing else' {
        $files = $Entries | Where-Object { $_ -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$|XenPS\.nuspec$)' } | Sort-Object
        $files | Should -Be @(
            'CliWrap.dll', 'DiffPlex.dll', 'en-US/about_XenPS.help.txt', 'en-US/XenPS.dll-Help.xml',
            'XenPS.Core.dll', 'XenPS.dll', 'XenPS.Format.ps1xml', 'XenPS.psd1', 'XenPS.Types.ps1xml'
        ) -Because 'nothing Windows-only, nothing from the tests, never System.Management.Automation'
        $Entries | Where-Object { $_ -match 'System\.Management|System\.CodeDom|Test|\.pdb$' } | Should -BeNullOrEmpty
    }

    It 'installs from a local repository into an empty module path and imports by name' {
        $ChildExit | Should -Be 0
        $Installed.FoundVersion | Should -BeExactly $Version
        $Installed.ModuleBase | Should -BeExactly (Join-Path $Modules "XenPS/$Version")
        $Installed.Cmdlets | Should -Be 41
        $Installed.Manifest | Should -BeExactly $Version
    }

    It 'brings its help: Get-Help with examples and about_XenPS' {
        $Installed.Examples | Should -BeGreaterThan 0
        $Installed.Synopsis | Should -Not -Match '^\s*Get-XenDomain\s+\['
        $Installed.About | Should -BeGreaterThan 1000
    }

    It 'installs exactly the module files' {
        $Installed.Files | Where-Object { $_ -notmatch '^PSGetModuleInfo\.xml$' } | Sort-Object | Should -Be @(
            'CliWrap.dll', 'DiffPlex.dll', 'en-US/about_XenPS.help.txt', 'en-US/XenPS.dll-Help.xml',
            'XenPS.Core.dll', 'XenPS.dll', 'XenPS.Format.ps1xml', 'XenPS.psd1', 'XenPS.Types.ps1xml'
        )
    }
}
