using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using XenPS.Core.Config;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Changes domain configuration files: memory, vCPUs, disks, network interfaces, any key; removes the
/// install media. Writes atomically and keeps a timestamped backup; -WhatIf shows the diff.</summary>
[Cmdlet(VerbsCommon.Set, "XenDomUConfig", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(XenDomUConfig))]
public sealed class SetXenDomUConfigCommand : XenCmdlet
{
    private const string NameSet = "Name";
    private const string PathSet = "Path";

    /// <summary>Domain names: their files in the configuration directory.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ConfigNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Paths of configuration files (XenDomUConfig objects bind by their Path).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("ConfigPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    [Parameter]
    [ValidateRange(16, int.MaxValue)]
    public int MemoryMB { get; set; }

    [Parameter]
    [ValidateRange(16, int.MaxValue)]
    public int MaxMemoryMB { get; set; }

    [Parameter]
    [ValidateRange(1, 512)]
    public int VCpus { get; set; }

    [Parameter]
    [ValidateRange(1, 512)]
    public int MaxVCpus { get; set; }

    /// <summary>Disks to add, as xl disk specs, e.g. 'format=raw, vdev=xvdb, access=rw, target=/dev/zvol/zroot/data'.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? AddDisk { get; set; }

    /// <summary>Disks to remove, by vdev (e.g. hdc).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RemoveDisk { get; set; }

    /// <summary>Network interfaces to add, as xl vif specs, e.g. 'bridge=bridge0,mac=00:16:3e:12:34:56'.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? AddVif { get; set; }

    /// <summary>Network interfaces to remove, by MAC address.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RemoveVif { get; set; }

    /// <summary>Remove the install ISO (every cdrom disk) and the CD-ROM from the boot order, as the Handbook says to
    /// do once the guest is installed.</summary>
    [Parameter]
    public SwitchParameter RemoveInstallMedia { get; set; }

    /// <summary>The VNC password (vncpasswd), e.g. from Read-Host -AsSecureString; an empty one removes it. The file
    /// becomes mode 0600, and the password is never shown.</summary>
    [Parameter]
    public SecureString? VncPassword { get; set; }

    /// <summary>Other keys to set (a $null value removes the key), e.g. @{ on_crash = 'preserve'; usbdevice = 'tablet' }.</summary>
    [Parameter]
    public Hashtable? Setting { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Begin()
    {
        if (new[] { nameof(MemoryMB), nameof(MaxMemoryMB), nameof(VCpus), nameof(MaxVCpus), nameof(AddDisk), nameof(RemoveDisk), nameof(AddVif), nameof(RemoveVif), nameof(RemoveInstallMedia), nameof(VncPassword), nameof(Setting) }
            .All(p => !MyInvocation.BoundParameters.ContainsKey(p)))
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give at least one change (-MemoryMB, -VCpus, -AddDisk, -RemoveInstallMedia, -VncPassword, -Setting, ...)."),
                "XenNothingToSet", ErrorCategory.InvalidArgument, null));
        }
    }

    private XenDomUConfigEdit BuildEdit()
    {
        var edit = new XenDomUConfigEdit
        {
            MemoryMB = MyInvocation.BoundParameters.ContainsKey(nameof(MemoryMB)) ? MemoryMB : null,
            MaxMemoryMB = MyInvocation.BoundParameters.ContainsKey(nameof(MaxMemoryMB)) ? MaxMemoryMB : null,
            VCpus = MyInvocation.BoundParameters.ContainsKey(nameof(VCpus)) ? VCpus : null,
            MaxVCpus = MyInvocation.BoundParameters.ContainsKey(nameof(MaxVCpus)) ? MaxVCpus : null,
            RemoveInstallMedia = RemoveInstallMedia,
            VncPassword = VncPassword is null ? null : new NetworkCredential(string.Empty, VncPassword).Password,
        };
        RegisterSecrets(new[] { edit.VncPassword ?? string.Empty });
        RegisterSecrets(edit.Settings.Where(p => SecretRedactor.IsSecretConfigKey(p.Key)).Select(p => p.Value as string ?? string.Empty));
        foreach (var d in AddDisk ?? Array.Empty<string>()) edit.AddDisks.Add(d);
        foreach (var d in RemoveDisk ?? Array.Empty<string>()) edit.RemoveDisks.Add(d);
        foreach (var v in AddVif ?? Array.Empty<string>()) edit.AddVifs.Add(v);
        foreach (var v in RemoveVif ?? Array.Empty<string>()) edit.RemoveVifs.Add(v);
        foreach (var pair in PowerShellValues.ToDictionary(Setting)) edit.Settings[pair.Key] = pair.Value;
        return edit;
    }

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        var store = new XenConfigStore(xl.Host, Output);
        var paths = Path?.Select(p => (Target: p, Error: (System.Exception?)null)).ToList()
            ?? ConfigLocator.Resolve(store, Await(XenPaths.GetConfigDirectoryAsync(xl.Host, CancelToken)), Name, Await);
        foreach (var (path, error) in paths)
        {
            if (error is not null)
            {
                WriteXenError(error, path);
                continue;
            }
            try
            {
                var config = Await(store.LoadAsync(path, CancelToken));
                RegisterSecrets(config.SecretValues);
                var before = config.ToFileText();
                var shownBefore = config.ToString();
                var changes = BuildEdit().Apply(config);
                RegisterSecrets(config.SecretValues);
                var after = config.ToFileText();
                if (before == after)
                {
                    WriteVerbose($"{path} on {xl.Host.ComputerName} already has these settings: nothing to change.");
                }
                else
                {
                    // The diff of the texts as shown (passwords masked); a change of a password alone shows as such.
                    var shownAfter = config.ToString();
                    var diff = shownBefore == shownAfter
                        ? $"{path}: a password changes (not shown)."
                        : TextDiff.Unified(path, shownBefore, shownAfter);
                    var target = $"{path} on {xl.Host.ComputerName}";
                    if (!ShouldProcess($"Update {target}:\n{diff}", $"Update {target}? {string.Join("; ", changes)}", "Set-XenDomUConfig")) continue;
                    var written = Await(store.SaveAsync(config, backup: true, CancelToken));
                    WriteVerbose($"Updated {target} ({string.Join("; ", changes)}); the old file is {written.BackupPath}.");
                }
                if (PassThru) WriteObject(config);
            }
            catch (Exception ex) when (!IsStopping(ex))
            {
                WriteXenError(ex, path);
            }
        }
    });
}
