using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Config;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;

namespace XenPS.Core.Provisioning;

/// <summary>A checked plan for a new guest: the config and the steps that will make it, nothing done yet.</summary>
public sealed class NewDomUPlan
{
    internal NewDomUPlan(NewDomURequest request, XenDomUConfig config, string configPath, string? diskTarget)
    {
        Request = request;
        Config = config;
        ConfigPath = configPath;
        DiskTarget = diskTarget;
    }

    public NewDomURequest Request { get; }
    public XenDomUConfig Config { get; }
    public string ConfigPath { get; }
    public string? DiskTarget { get; }
    public List<string> Steps { get; } = new();
    public List<string> Warnings { get; } = new();

    /// <summary>Every step, then the config text (passwords masked): what -WhatIf shows.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < Steps.Count; i++) sb.Append(i + 1).Append(". ").Append(Steps[i]).Append('\n');
        sb.Append("Configuration ").Append(ConfigPath).Append(":\n").Append(Config.ToString());
        return SecretRedactor.Redact(sb.ToString(), Secrets);
    }

    /// <summary>The values that must never be shown: the password asked for, and any in -ConfigOption.</summary>
    public IReadOnlyList<string> Secrets
    {
        get
        {
            var secrets = new List<string>(Config.SecretValues);
            if (!string.IsNullOrEmpty(Request.VncPassword)) secrets.Add(Request.VncPassword!);
            return secrets.Distinct(StringComparer.Ordinal).ToList();
        }
    }
}

/// <summary>
/// Creates a guest the Handbook way (storage, config file, xl create), checking everything it can before it changes
/// anything, and undoing what it made when a later step fails: nothing is left half-done on the host.
/// </summary>
public sealed class XenDomUProvisioner
{
    private static readonly Regex MacPattern = new(@"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$", RegexOptions.CultureInvariant);
    private static readonly Regex BridgePattern = new(@"^[A-Za-z][A-Za-z0-9_.-]{0,14}$", RegexOptions.CultureInvariant);

    private readonly XlClient _xl;
    private readonly IXenOutput _output;
    private readonly HostFileSystem _fs;
    private readonly StorageOperations _storage;

    public XenDomUProvisioner(XlClient xl)
    {
        _xl = xl;
        _output = xl.Output;
        _fs = new HostFileSystem(xl.Host, xl.Output);
        _storage = new StorageOperations(xl.Host, xl.Output);
        UseGuard = xl.Host is SshXenHost;
    }

    private IXenHost Host => _xl.Host;

    /// <summary>Whether the create runs under an on-host <see cref="CreateGuard"/> (default: on SSH hosts, where the
    /// client can go away while the host stays).</summary>
    public bool UseGuard { get; set; }

    /// <summary>Checks the request against the host and builds the plan. Changes nothing.</summary>
    public async Task<NewDomUPlan> PlanAsync(NewDomURequest r, CancellationToken ct)
    {
        XenDomainName.Validate(r.Name);
        if (r.MemoryMB < 16) throw Invalid("XenInvalidArgument", $"-MemoryMB {r.MemoryMB} is too small: a guest needs at least 16 MiB.");
        if (r.VCpus < 1) throw Invalid("XenInvalidArgument", "A guest needs at least one vCPU.");
        if (r.Type == XenDomainType.Unknown) throw Invalid("XenInvalidArgument", "Choose -Type Hvm, Pvh or Pv.");
        if (r.Type != XenDomainType.HVM && r.Kernel is null)
            throw Invalid("XenInvalidArgument", $"A {r.Type} guest boots a kernel given with -Kernel (and usually -Ramdisk and -Extra); HVM guests boot from their disk or -InstallMedia.");
        if (r.ZfsVolume is not null && r.DiskPath is not null) throw Invalid("XenInvalidArgument", "Give -ZfsVolume or -DiskPath, not both.");
        if (r.ZfsVolume is not null && r.DiskSizeGB is null) throw Invalid("XenInvalidArgument", "-ZfsVolume creates a volume: give its size with -DiskSizeGB.");
        if (r.DiskSizeGB is < 1) throw Invalid("XenInvalidArgument", "-DiskSizeGB must be at least 1.");
        if (r.DiskSizeGB is not null && r.ZfsVolume is null && r.DiskPath is null) throw Invalid("XenInvalidArgument", "-DiskSizeGB needs -ZfsVolume or -DiskPath.");
        if (r.ZfsVolume is not null && !StorageOperations.IsValidVolumeName(r.ZfsVolume)) throw Invalid("XenInvalidArgument", $"'{Printable(r.ZfsVolume)}' is not a ZFS volume name (pool/volume).");
        foreach (var (what, path) in new[] { ("-DiskPath", r.DiskPath), ("-InstallMedia", r.InstallMedia), ("-Kernel", r.Kernel), ("-Ramdisk", r.Ramdisk), ("-ConfigPath", r.ConfigPath) })
        {
            if (path is not null && (path.Length == 0 || path[0] != '/' || path.Any(c => char.IsControl(c) || c == '\'' || c == '"' || c == ',')))
                throw Invalid("XenInvalidArgument", $"{what} '{Printable(path)}' must be an absolute path without quotes, commas or control characters.");
        }
        if (!r.NoNetwork && !BridgePattern.IsMatch(r.Bridge)) throw Invalid("XenInvalidArgument", $"'{Printable(r.Bridge)}' is not a network interface name.");
        if (r.MacAddress is not null && !MacPattern.IsMatch(r.MacAddress)) throw Invalid("XenInvalidArgument", $"'{Printable(r.MacAddress)}' is not a MAC address (xx:xx:xx:xx:xx:xx).");
        if (r.Vnc && r.Type != XenDomainType.HVM) throw Invalid("XenInvalidArgument", "-Vnc is for HVM guests (their emulated graphics card).");
        if (r.VncPassword is not null && (r.VncPassword.Length == 0 || r.VncPassword.Length > 8 || r.VncPassword.Any(c => char.IsControl(c) || c == '"' || c == '\\')))
            throw Invalid("XenInvalidArgument", "A VNC password has 1 to 8 characters (the VNC protocol's limit), without quotes, backslashes or control characters.");

        // Facts from the host, in parallel.
        var domainsTask = _xl.ListAsync(ct);
        var configPathTask = r.ConfigPath is null ? XenPaths.GetDefaultConfigPathAsync(Host, r.Name, ct) : Task.FromResult(r.ConfigPath);
        var domains = await domainsTask.ConfigureAwait(false);
        var configPath = await configPathTask.ConfigureAwait(false);
        if (domains.Any(d => string.Equals(d.Name, r.Name, StringComparison.Ordinal)))
            throw Invalid("XenDomainExists", $"A domain named '{r.Name}' already runs on host '{Host.ComputerName}'.", XenErrorKind.ResourceExists);
        var otherCase = domains.Where(d => string.Equals(d.Name, r.Name, StringComparison.OrdinalIgnoreCase)).Select(d => $"{XenDomainName.Display(d.Name)} (id {d.Id})").ToList();
        if (await _fs.ExistsAsync(configPath, ct).ConfigureAwait(false))
            throw Invalid("XenConfigExists", $"The configuration file {configPath} already exists on host '{Host.ComputerName}'. Start it with Start-XenDomain, or remove it first.", XenErrorKind.ResourceExists);

        string? diskTarget = null;
        if (r.ZfsVolume is not null)
        {
            if (await _storage.ZfsDatasetExistsAsync(r.ZfsVolume, ct).ConfigureAwait(false))
                throw Invalid("XenDiskExists", $"The ZFS dataset {r.ZfsVolume} already exists on host '{Host.ComputerName}'.", XenErrorKind.ResourceExists);
            diskTarget = StorageOperations.ZvolDevicePath(r.ZfsVolume);
        }
        else if (r.DiskPath is not null)
        {
            var exists = await _fs.ExistsAsync(r.DiskPath, ct).ConfigureAwait(false);
            if (r.DiskSizeGB is not null && exists) throw Invalid("XenDiskExists", $"{r.DiskPath} already exists on host '{Host.ComputerName}': leave out -DiskSizeGB to use it as it is.", XenErrorKind.ResourceExists);
            if (r.DiskSizeGB is null && !exists) throw Invalid("XenDiskNotFound", $"The disk {r.DiskPath} does not exist on host '{Host.ComputerName}': give -DiskSizeGB to create it.", XenErrorKind.ObjectNotFound);
            diskTarget = r.DiskPath;
        }
        foreach (var (what, path) in new[] { ("install media", r.InstallMedia), ("kernel", r.Kernel), ("ramdisk", r.Ramdisk) })
        {
            if (path is not null && !await _storage.IsRegularFileAsync(path, ct).ConfigureAwait(false))
                throw Invalid(what == "install media" ? "XenInstallMediaNotFound" : "XenGuestFileNotFound", $"The {what} {path} does not exist on host '{Host.ComputerName}'.", XenErrorKind.ObjectNotFound);
        }
        if (!r.NoNetwork && !await BridgeExistsAsync(r.Bridge, ct).ConfigureAwait(false))
        {
            throw Invalid("XenBridgeNotFound",
                $"The bridge '{r.Bridge}' does not exist on host '{Host.ComputerName}' (FreeBSD: cloned_interfaces=\"bridge0\" in rc.conf, see Initialize-XenDom0 -BridgeInterface; or give -Bridge, or -NoNetwork).", XenErrorKind.ObjectNotFound);
        }
        if (!r.NoStart)
        {
            var free = (await _xl.InfoAsync(ct).ConfigureAwait(false)).FreeMemoryMB;
            if (free is { } f && f < r.MemoryMB)
                throw Invalid("XenInsufficientMemory", $"Host '{Host.ComputerName}' has {f} MiB of free memory; '{r.Name}' needs {r.MemoryMB} MiB. Lower -MemoryMB, stop a guest, or use -NoStart.", XenErrorKind.ResourceUnavailable);
        }
        var mac = r.NoNetwork ? null : r.MacAddress ?? await NewMacAddressAsync(ct).ConfigureAwait(false);

        var config = BuildConfig(r, configPath, diskTarget, mac);
        config.ComputerName = Host.ComputerName;
        var errors = config.Validate().Where(p => p.Severity == XenConfigProblemSeverity.Error).ToList();
        if (errors.Count > 0) throw Invalid("XenConfigInvalid", "The configuration would not be valid: " + string.Join("; ", errors), XenErrorKind.InvalidData);

        var plan = new NewDomUPlan(r, config, configPath, diskTarget);
        if (otherCase.Count > 0)
            plan.Warnings.Add($"{string.Join(", ", otherCase)} already runs on host '{Host.ComputerName}': xl names are case-sensitive, so '{r.Name}' is another domain. Commands that take a name act only on the domain of exactly that name.");
        if (r.ZfsVolume is not null) plan.Steps.Add($"Create the ZFS volume {r.ZfsVolume} ({r.DiskSizeGB} GB): zfs create -V{r.DiskSizeGB}G -o volmode=dev {r.ZfsVolume}");
        else if (r.DiskPath is not null && r.DiskSizeGB is not null) plan.Steps.Add($"Create the sparse disk image {r.DiskPath} ({r.DiskSizeGB} GB)");
        plan.Steps.Add($"Write the configuration file {configPath}{(config.HoldsSecrets ? " (mode 0600: it holds a password)" : string.Empty)}");
        if (!r.NoStart) plan.Steps.Add($"Start the domain: xl create {configPath}");
        if (r.Vnc && !IsLoopback(r.VncListen) && r.VncPassword is null)
            plan.Warnings.Add($"The VNC console of '{r.Name}' will listen on {r.VncListen} without a password: anyone who reaches that address gets its screen and keyboard. Give -VncPassword, or keep -VncListen 127.0.0.1 and use an SSH tunnel.");
        return plan;
    }

    /// <summary>Carries out a plan. On failure undoes what it made, in reverse order, and throws one error that says
    /// which step failed and what was rolled back (with the id and category of the underlying failure).</summary>
    public async Task<XenDomain?> ExecuteAsync(NewDomUPlan plan, bool verboseXl, CancellationToken ct)
    {
        var r = plan.Request;
        var undo = new Stack<(string What, Func<Task<bool>> Action)>();
        var step = string.Empty;
        Exception? createFailure = null;
        CreateGuard? guard = null;
        if (UseGuard)
        {
            // Before the first change: the on-host guard that undoes this create if the client goes away between steps.
            var ids = (await _xl.ListAsync(ct).ConfigureAwait(false)).Select(d => d.Id).ToList();
            var sum = FileExpectation.Of(plan.Config.ToFileText()).Sha256!;
            guard = await CreateGuard.StartAsync(Host, _output, r.Name, ids, r.ZfsVolume, r.ZfsVolume is null && r.DiskSizeGB is not null ? r.DiskPath : null,
                plan.ConfigPath, sum, ct).ConfigureAwait(false);
        }
        try
        {
            if (r.ZfsVolume is not null)
            {
                step = plan.Steps[0];
                try
                {
                    await _storage.CreateZfsVolumeAsync(r.ZfsVolume, r.DiskSizeGB!.Value, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException || ex is XenException { ErrorId: "XenZvolDeviceMissing" })
                {
                    // Interrupted while zfs ran, or made but its device never came: the volume (checked absent by the
                    // plan a moment ago) may exist now, and is this call's.
                    undo.Push(($"destroyed the ZFS volume {r.ZfsVolume}", () => DestroyVolumeIfPresentAsync(r.ZfsVolume)));
                    throw;
                }
                undo.Push(($"destroyed the ZFS volume {r.ZfsVolume}", () => Done(_storage.DestroyZfsVolumeAsync(r.ZfsVolume, CancellationToken.None))));
            }
            else if (r.DiskPath is not null && r.DiskSizeGB is not null)
            {
                step = plan.Steps[0];
                await _storage.CreateSparseFileAsync(r.DiskPath, r.DiskSizeGB.Value * 1024L * 1024L * 1024L, ct).ConfigureAwait(false);
                undo.Push(($"deleted {r.DiskPath}", () => Done(_fs.DeleteFileAsync(r.DiskPath, CancellationToken.None))));
            }

            step = $"write {plan.ConfigPath}";
            await new XenConfigStore(Host, _output).SaveAsync(plan.Config, backup: false, ct).ConfigureAwait(false);
            undo.Push(($"deleted {plan.ConfigPath}", () => Done(_fs.DeleteFileAsync(plan.ConfigPath, CancellationToken.None))));

            XenDomain? created = null;
            if (!r.NoStart)
            {
                step = $"xl create {plan.ConfigPath}";
                // What this create makes is told apart from what was there before by id: the rollback destroys only a
                // domain of exactly this name with an id that was not listed before xl create ran.
                var existing = (await _xl.ListAsync(ct).ConfigureAwait(false)).Select(d => d.Id).ToList();
                undo.Push(($"destroyed the domain {r.Name}", () => DestroyCreatedAsync(r.Name, existing, createFailure)));
                created = await _xl.CreateAsync(plan.ConfigPath, r.Name, paused: false, verboseXl, ct, existingIds: existing).ConfigureAwait(false);
            }
            if (guard is not null)
            {
                step = "confirm the create to the rollback guard";
                await guard.CommitAsync(ct).ConfigureAwait(false);
                guard = null;
            }
            return created;
        }
        catch (Exception ex)
        {
            createFailure = ex;
            var undone = new List<string>();
            var failedUndo = new List<string>();
            while (undo.Count > 0)
            {
                var (what, action) = undo.Pop();
                try
                {
                    if (await action().ConfigureAwait(false)) undone.Add(what);
                }
                catch (Exception undoError)
                {
                    failedUndo.Add($"could not undo ({what}): {undoError.Message}");
                }
            }
            var rolledBack = undone.Count == 0 ? "Nothing had been created." : "Rolled back: " + string.Join(", ", undone) + ".";
            if (failedUndo.Count > 0) rolledBack += " " + string.Join(" ", failedUndo);
            if (guard is not null)
            {
                // Everything undone here (or the name belongs to someone else's domain): the guard keeps what is there.
                // Otherwise its input ends and it undoes, on the host, whatever is left of this create.
                if (failedUndo.Count == 0 || ex is XenException { ErrorId: "XenDomainExists" })
                {
                    try { await guard.CommitAsync(CancellationToken.None).ConfigureAwait(false); }
                    catch (XenException) { /* the guard has decided to undo: nothing of this create is left to keep */ }
                }
                else
                {
                    await guard.AbandonAsync().ConfigureAwait(false);
                    rolledBack += " The rollback guard on the host undoes the rest.";
                }
            }
            var inner = ex as XenException;
            var message = $"Could not create '{r.Name}' on host '{Host.ComputerName}': the step '{step}' failed: {inner?.Summary ?? ex.Message} {rolledBack}";
            if (ex is OperationCanceledException) throw new OperationCanceledException(message, ex, ct);
            throw new XenException(inner?.ErrorId ?? "XenDomUCreateFailed", inner?.Kind ?? XenErrorKind.NotSpecified, message, ex)
            {
                ComputerName = Host.ComputerName,
                LogLines = inner?.LogLines ?? Array.Empty<string>(),
                RecommendedAction = inner?.RecommendedAction,
            };
        }
    }

    private async Task<bool> DestroyVolumeIfPresentAsync(string volume)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (await _storage.ZfsDatasetExistsAsync(volume, CancellationToken.None).ConfigureAwait(false))
            {
                await _storage.DestroyZfsVolumeAsync(volume, CancellationToken.None).ConfigureAwait(false);
                return true;
            }
            // A zfs create stopped by Ctrl+C may still be finishing its work in the kernel.
            if (attempt == 0) await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        return false;
    }

    private static async Task<bool> Done(Task task)
    {
        await task.ConfigureAwait(false);
        return true;
    }

    /// <summary>Destroys the domain this create made, if any: the domain may exist even though xl create failed (it can
    /// die at exit after creating it). Only a domain named exactly <paramref name="name"/> whose id was not listed before
    /// xl create ran, each by its id and UUID; when xl create said that a domain of that name already exists, the one
    /// there is someone else's and nothing is destroyed.</summary>
    private async Task<bool> DestroyCreatedAsync(string name, IReadOnlyCollection<int> existingIds, Exception? failure)
    {
        if (failure is XenException { ErrorId: "XenDomainExists" })
        {
            _output.WriteVerbose($"xl create found a domain named {XenDomainName.Display(name)} already there: it is not this create's and is left alone.");
            return false;
        }
        var created = await _xl.FindCreatedAsync(name, existingIds, CancellationToken.None).ConfigureAwait(false);
        foreach (var domain in created)
            await _xl.DestroyAndWaitAsync(domain, TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
        return created.Count > 0;
    }

    internal static XenDomUConfig BuildConfig(NewDomURequest r, string configPath, string? diskTarget, string? mac)
    {
        var config = XenDomUConfig.Create(r.Name, r.Type, r.MemoryMB, r.VCpus);
        config.Path = configPath;
        var hvm = r.Type == XenDomainType.HVM;
        if (r.Kernel is not null) config.Kernel = r.Kernel;
        if (r.Ramdisk is not null) config.Ramdisk = r.Ramdisk;
        if (r.Extra is not null) config.Extra = r.Extra;
        if (diskTarget is not null) config.AddDisk($"format=raw, vdev={(hvm ? "hda" : "xvda")}, access=rw, target={diskTarget}");
        if (r.InstallMedia is not null) config.AddDisk($"format=raw, vdev={(hvm ? "hdc" : "xvdc")}, access=ro, devtype=cdrom, target={r.InstallMedia}");
        if (mac is not null) config.AddVif($"mac={mac},bridge={r.Bridge}");
        if (hvm)
        {
            config.Boot = r.InstallMedia is not null ? "dc" : "c";
            config.Vnc = r.Vnc;
            if (r.Vnc)
            {
                config.VncListen = r.VncListen;
                if (r.VncDisplay is not null) config.VncDisplay = r.VncDisplay;
                if (r.VncPassword is not null) config.SetVncPassword(r.VncPassword);
            }
        }
        if (r.Serial is not null) config.Serial = r.Serial;
        config.OnPoweroff = "destroy";
        config.OnReboot = "restart";
        config.OnCrash = "destroy";
        foreach (var pair in r.ConfigOptions) config.Set(pair.Key, pair.Value);
        return config;
    }

    /// <summary>A random MAC in Xen's 00:16:3e range that no domain on the host uses.</summary>
    private async Task<string> NewMacAddressAsync(CancellationToken ct)
    {
        var used = new HashSet<string>((await _xl.ListLongAsync(ct).ConfigureAwait(false)).SelectMany(c => c.Nics).Select(n => n.Mac ?? string.Empty), StringComparer.OrdinalIgnoreCase);
        var bytes = new byte[3];
        using var rng = System.Security.Cryptography.RandomNumberGenerator.Create();
        while (true)
        {
            rng.GetBytes(bytes);
            bytes[0] &= 0x7f; // 00:16:3e:00-7f is what libxl itself hands out
            var mac = string.Format(CultureInfo.InvariantCulture, "00:16:3e:{0:x2}:{1:x2}:{2:x2}", bytes[0], bytes[1], bytes[2]);
            if (!used.Contains(mac)) return mac;
        }
    }

    private async Task<bool> BridgeExistsAsync(string bridge, CancellationToken ct)
    {
        var result = await Host.RunScriptAsync(BridgeCheckScript(bridge), new HostRunOptions(), ct).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    /// <summary>Exit code 0 when the bridge exists (Linux: /sys/class/net; FreeBSD: ifconfig knows it).</summary>
    internal static ShellScript BridgeCheckScript(string bridge) =>
        ShellScript.Of($"[ -e {"/sys/class/net/" + bridge} ] && exit 0").Line($"ifconfig {bridge} >/dev/null 2>&1");

    private static bool IsLoopback(string address) =>
        address == "localhost" || address == "::1" || address.StartsWith("127.", StringComparison.Ordinal);

    private static string Printable(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static XenException Invalid(string id, string message, XenErrorKind kind = XenErrorKind.InvalidArgument) => new(id, kind, message);
}
