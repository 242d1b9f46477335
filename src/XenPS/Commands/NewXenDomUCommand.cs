using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using XenPS.Core.Execution;
using XenPS.Core.Provisioning;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Creates a guest the Handbook way: its storage (ZFS volume or sparse file), its xl config file, and
/// (unless -NoStart) the running domain. Checks everything first; undoes what it made if a step fails.</summary>
[Cmdlet(VerbsCommon.New, "XenDomU", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(XenDomain), typeof(XenDomUConfig))]
public sealed class NewXenDomUCommand : XenCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(16, int.MaxValue)]
    public int MemoryMB { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 512)]
    public int VCpus { get; set; } = 1;

    /// <summary>Hvm (default: a full virtual machine, installed from -InstallMedia), Pvh or Pv (both boot -Kernel).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet("Hvm", "Pvh", "Pv", IgnoreCase = true)]
    public string Type { get; set; } = "Hvm";

    /// <summary>Create this ZFS volume (pool/volume) of -DiskSizeGB as the guest's disk (zfs create -V -o volmode=dev).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ZfsVolume { get; set; }

    /// <summary>A disk image file: created sparse with -DiskSizeGB, else an existing file or device is used.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? DiskPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65536)]
    public int DiskSizeGB { get; set; }

    /// <summary>An installer ISO on the host, attached as a read-only cdrom that an HVM guest boots first.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? InstallMedia { get; set; }

    /// <summary>The bridge of the guest's network interface (FreeBSD: bridge0; xl's own default xenbr0 does not exist there).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Bridge { get; set; } = "bridge0";

    [Parameter]
    public SwitchParameter NoNetwork { get; set; }

    /// <summary>Default: a random address in Xen's 00:16:3e range that no domain on the host uses.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? MacAddress { get; set; }

    [Parameter]
    public SwitchParameter Vnc { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string VncListen { get; set; } = "127.0.0.1";

    [Parameter]
    public SecureString? VncPassword { get; set; }

    [Parameter]
    [ValidateRange(0, 99)]
    public int VncDisplay { get; set; }

    /// <summary>The emulated serial port, e.g. pty (so that `xl console` reaches it).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Serial { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Kernel { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Ramdisk { get; set; }

    /// <summary>The kernel command line of a PV or PVH guest (xl.cfg extra).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Extra { get; set; }

    /// <summary>Where to write the config (default: /usr/local/etc/xen/&lt;name&gt;.cfg on FreeBSD, /etc/xen/&lt;name&gt;.cfg on Linux).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>More xl.cfg keys, e.g. @{ usbdevice = 'tablet'; on_crash = 'preserve' }.</summary>
    [Parameter]
    public Hashtable? ConfigOption { get; set; }

    /// <summary>Write the storage and the config but do not start the domain; the config is the output.</summary>
    [Parameter]
    public SwitchParameter NoStart { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string? ComputerName { get; set; }

    protected override void ProcessRecord()
    {
        var request = new NewDomURequest
        {
            Name = Name,
            Type = (XenDomainType)Enum.Parse(typeof(XenDomainType), Type, ignoreCase: true),
            MemoryMB = MemoryMB,
            VCpus = VCpus,
            ZfsVolume = ZfsVolume,
            DiskPath = DiskPath,
            DiskSizeGB = MyInvocation.BoundParameters.ContainsKey(nameof(DiskSizeGB)) ? DiskSizeGB : null,
            InstallMedia = InstallMedia,
            Bridge = Bridge,
            NoNetwork = NoNetwork,
            MacAddress = MacAddress,
            Vnc = Vnc,
            VncListen = VncListen,
            VncPassword = VncPassword is null ? null : new NetworkCredential(string.Empty, VncPassword).Password,
            VncDisplay = MyInvocation.BoundParameters.ContainsKey(nameof(VncDisplay)) ? VncDisplay : null,
            Serial = Serial,
            Kernel = Kernel,
            Ramdisk = Ramdisk,
            Extra = Extra,
            ConfigPath = ConfigPath,
            NoStart = NoStart,
        };
        foreach (var pair in PowerShellValues.ToDictionary(ConfigOption)) request.ConfigOptions[pair.Key] = pair.Value;
        RegisterSecrets(new[] { request.VncPassword ?? string.Empty });
        RegisterSecrets(request.ConfigOptions.Where(p => SecretRedactor.IsSecretConfigKey(p.Key)).Select(p => p.Value as string ?? string.Empty));

        try
        {
            var xl = Xl(ResolveSingleHost(ComputerName));
            var provisioner = new XenDomUProvisioner(xl);
            var plan = Await(provisioner.PlanAsync(request, CancelToken));
            RegisterSecrets(plan.Secrets);
            foreach (var warning in plan.Warnings) WriteWarning(warning);
            var target = $"{Name} on {xl.Host.ComputerName}";
            if (!ShouldProcess($"Create the domain {target}:\n{plan.Describe()}", $"Create the domain {target}?", "New-XenDomU")) return;
            var domain = AwaitWithProgress(provisioner.ExecuteAsync(plan, VerboseRequested, CancelToken), $"Creating {target}", string.Join(", then ", plan.Steps.ConvertAll(s => s.Split(':')[0])), null);
            WriteObject(domain is null ? plan.Config : domain);
        }
        catch (Exception ex) when (!IsStopping(ex))
        {
            WriteXenError(ex, Name);
        }
    }
}
