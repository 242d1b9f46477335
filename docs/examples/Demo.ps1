#Requires -Modules XenPS
<#
.SYNOPSIS
    A short tour of XenPS against one Xen Dom0: the host, a new guest, the domain table, stop and remove.

.DESCRIPTION
    Run it with pwsh -File where XenPS is installed (Install-PSResource XenPS) or on PSModulePath;
    tests/lab/demo runs it against the project's Xen lab.
    The guest is a small PV Linux guest that boots the kernel and initramfs the lab ships in /var/lib/xen; on a
    FreeBSD Dom0 you would rather install an HVM guest from an ISO (see Get-Help New-XenDomU -Examples).

.PARAMETER ComputerName
    The Dom0 to use (an ssh_config host, user@host or host:port).
#>
param(
    [string] $ComputerName = 'xenlab1',
    [string] $GuestName = 'demo'
)

$ErrorActionPreference = 'Stop'

'== The Xen host (Get-XenHost)'
Get-XenHost -ComputerName $ComputerName | Out-Default

'== A new guest: a sparse 1 GB disk image, a NIC on bridge0, the config file, xl create (New-XenDomU)'
$guest = New-XenDomU -ComputerName $ComputerName -Name $GuestName -Type Pv -MemoryMB 128 -VCpus 1 `
    -Kernel /var/lib/xen/guest-vmlinux -Ramdisk /var/lib/xen/guest-initrd.gz -Extra 'console=hvc0 rdinit=/sbin/init' `
    -DiskPath "/root/$GuestName.img" -DiskSizeGB 1 -Confirm:$false
"Created $($guest.Name) (id $($guest.Id)) on $($guest.ComputerName)"

'== The domains, as xl list shows them (Get-XenDomain)'
Get-XenDomain -ComputerName $ComputerName | Out-Default

'== Its configuration (Get-XenDomUConfig)'
Get-XenDomUConfig -ComputerName $ComputerName -Name $GuestName | Out-Default

'== Stop it gracefully, destroying it if it does not stop within 90 s (Stop-XenDomain)'
$guest | Stop-XenDomain -Timeout 90 -Force -PassThru | Out-Default

'== Remove its configuration file and its disk (Remove-XenDomain -RemoveConfig -RemoveStorage)'
Remove-XenDomain -ComputerName $ComputerName -Name $GuestName -RemoveConfig -RemoveStorage -Confirm:$false

'== What is left (Get-XenDomain)'
Get-XenDomain -ComputerName $ComputerName | Out-Default
