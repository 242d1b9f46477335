@{
    RootModule           = 'XenPS.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '5b0c3e6a-8f3e-4c1d-9a57-2f6e1d7c4b90'
    Author               = 'XenPS contributors'
    CompanyName          = 'XenPS'
    Copyright            = '(c) 2026 XenPS contributors. MIT License.'
    Description          = 'Manage the Xen hypervisor on FreeBSD Dom0 hosts from PowerShell: the xl toolstack and the host setup of the FreeBSD Handbook as objects that pipe into one another, locally or over SSH.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('XenPS.Format.ps1xml')
    TypesToProcess       = @('XenPS.Types.ps1xml')
    CmdletsToExport      = @(
        'Add-XenDomainDisk'
        'Add-XenNetworkAdapter'
        'Checkpoint-XenDomain'
        'Connect-XenHost'
        'Copy-XenDomU'
        'Disable-XenDomainAutostart'
        'Disconnect-XenHost'
        'Enable-XenDomainAutostart'
        'Enter-XenDomainConsole'
        'Get-XenDomain'
        'Get-XenDomainAutostart'
        'Get-XenDomainCheckpoint'
        'Get-XenDomainDisk'
        'Get-XenDomainStatistic'
        'Get-XenDomUConfig'
        'Get-XenHost'
        'Get-XenHostSession'
        'Get-XenLog'
        'Get-XenNetworkAdapter'
        'Get-XenUptime'
        'Get-XenVCpu'
        'Initialize-XenDom0'
        'Move-XenDomain'
        'New-XenDomU'
        'Remove-XenDomain'
        'Remove-XenDomainCheckpoint'
        'Remove-XenDomainDisk'
        'Remove-XenNetworkAdapter'
        'Restart-XenDomain'
        'Restore-XenDomain'
        'Restore-XenDomainCheckpoint'
        'Resume-XenDomain'
        'Save-XenDomain'
        'Set-XenDomain'
        'Set-XenDomUConfig'
        'Set-XenDvdDrive'
        'Set-XenVCpu'
        'Start-XenDomain'
        'Stop-XenDomain'
        'Suspend-XenDomain'
        'Test-XenDom0'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Xen', 'FreeBSD', 'Hypervisor', 'Virtualization', 'PSEdition_Core', 'xl', 'Dom0')
            LicenseUri   = 'https://github.com/xenps/XenPS/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/xenps/XenPS'
            ReleaseNotes = 'See https://github.com/xenps/XenPS/blob/main/CHANGELOG.md'
        }
    }
}
