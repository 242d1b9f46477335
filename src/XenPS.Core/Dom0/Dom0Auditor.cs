using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.FreeBsd;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;

namespace XenPS.Core.Dom0;

/// <summary>
/// Test-XenDom0: the desired state of <see cref="Dom0Editor"/>, read-only, as one <see cref="XenDom0Check"/> per check.
/// File checks come from the same plan Initialize-XenDom0 would carry out (a setting that would change is a failed
/// check). On a live host (no -Root) it also checks the CPU (HVM, EPT/NPT, IOMMU: xl info virt_caps on a running Xen,
/// else the CPU features FreeBSD logged at boot in /var/run/dmesg.boot and the ACPI tables), the boot method
/// (sysctl machdep.bootmethod: FreeBSD 13 needs BIOS, 14 and later also UEFI), xencommons, /dev/xen/privcmd, the
/// bridges named in rc.conf, and whether Xen runs with the command line the loader will use (else a reboot is pending).
/// A setting read from several files is judged by the value that takes effect (the last assignment its FreeBSD reader
/// reads): each check says where it comes from (Source) and which later assignments override the managed file
/// (ConflictsWith).
/// </summary>
public sealed class Dom0Auditor
{
    private static readonly Regex FeatureLine = new(@"Features2=0x[0-9a-fA-F]+<(?<f>[^>]*)>", RegexOptions.CultureInvariant);
    private static readonly Regex VtxLine = new(@"^\s*VT-x:\s*(?<f>.*)$", RegexOptions.Multiline | RegexOptions.CultureInvariant);
    private static readonly Regex SvmLine = new(@"^\s*SVM:\s*(?<f>.*)$", RegexOptions.Multiline | RegexOptions.CultureInvariant);
    private static readonly Regex IommuTable = new(@"^\s*(?<t>DMAR|IVRS):\s*Length=", RegexOptions.Multiline | RegexOptions.CultureInvariant);
    private static readonly Regex BridgeName = new(@"^bridge[0-9]+\z", RegexOptions.CultureInvariant);

    private readonly IXenHost _host;
    private readonly IXenOutput _output;

    public Dom0Auditor(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
    }

    /// <summary>Test hook: run the live checks even with a root (whose files then stand in for the host's).</summary>
    internal bool? LiveChecks { get; set; }

    public async Task<List<XenDom0Check>> AuditAsync(Dom0DesiredState state, CancellationToken ct)
    {
        if (state is null) throw new ArgumentNullException(nameof(state));
        var plan = await new Dom0Planner(_host, _output).PlanAsync(state, audit: true, ct).ConfigureAwait(false);
        var facts = plan.Facts;
        var checks = new List<XenDom0Check>();
        void Add(string check, string? path, string? expected, string? actual, bool compliant, string? remedy, string? source = null, IReadOnlyList<string>? conflicts = null) =>
            checks.Add(new XenDom0Check(_host.ComputerName, check, path, expected, actual, compliant, compliant ? null : remedy)
            {
                Source = source,
                ConflictsWith = conflicts?.ToArray() ?? Array.Empty<string>(),
            });

        var pkg = "pkg " + (state.HasRoot ? "-r " + state.Root + " " : string.Empty) + "install -y xen-kernel xen-tools";
        foreach (var name in Dom0Probe.XenPackages)
        {
            var installed = facts.Packages.TryGetValue(name, out var v) ? v : null;
            Add("Package " + name, null, "installed", installed ?? facts.PackageProblem ?? "not installed", installed is not null, pkg);
        }
        Add("Xen kernel", plan.Target.HostPathOf(Dom0Editor.XenKernel), "present", facts.XenKernelPresent ? "present" : "missing", facts.XenKernelPresent, pkg);

        // The records of overriding assignments are not checks of their own: the check of the setting they override
        // fails, and names them in ConflictsWith.
        foreach (var s in plan.Settings.Where(s => s.File != "pkg" && !s.IsOverride))
        {
            if (s.Setting == "cap_mkdb")
            {
                // The database as it is now (a login.conf that would change already fails its own check).
                Add("login.conf.db up to date", s.File, "up to date", s.Before, s.Before == "up to date", $"cap_mkdb {plan.LoginConf}");
                continue;
            }
            var check = s.Setting switch
            {
                "directory" => "Log directory " + Dom0Editor.LogDirectory,
                _ => Path.GetFileName(s.File) + ": " + s.Setting,
            };
            Add(check, s.File, s.After ?? "(not set)", s.Before ?? (s.Setting == "directory" ? "missing" : "(not set)"), !s.Changed,
                s.Remedy is null ? null : s.Remedy + " (or run Initialize-XenDom0 with the same parameters)", s.Source, s.ConflictsWith);
        }

        // Settings this run does not manage: they must at least be there (in the command line that takes effect).
        var loaderConf = plan.Target.HostPathOf(Dom0Editor.LoaderConf);
        var (cmdline, cmdlineSource) = CommandLine(plan);
        var words = WordList.Parse(cmdline);
        void Present(string key, string example, string parameter)
        {
            var word = words.Words.LastOrDefault(w => w == key || w.StartsWith(key + "=", StringComparison.Ordinal));
            Add("loader.conf: xen_cmdline " + key, loaderConf, $"{key}=<value>", word ?? "(not set)", word is not null,
                $"Initialize-XenDom0 {parameter} (the Handbook: {example})", cmdlineSource);
        }
        if (state.Dom0MemoryMB is null) Present("dom0_mem", "dom0_mem=8192M", "-Dom0Memory 8192M");
        if (state.Dom0VCpus is null) Present("dom0_max_vcpus", "dom0_max_vcpus=4", "-Dom0VCpus 4");
        if (state.Console is null) Present("console", "console=com1,vga", "-Console com1,vga");

        var bridges = BridgesOf(plan.Sources);
        if (state.BridgeInterface is null)
        {
            Add("rc.conf: bridge", plan.Target.HostPathOf(Dom0Editor.RcConf), "a bridge in cloned_interfaces (bridge0)", bridges.Count == 0 ? "(none)" : string.Join(" ", bridges), bridges.Count > 0,
                "Initialize-XenDom0 -BridgeInterface <nic> (guests reach the network through bridge0)");
        }

        if (LiveChecks ?? !state.HasRoot) await LiveAsync(plan, cmdline, cmdlineSource, bridges, Add, ct).ConfigureAwait(false);
        foreach (var warning in plan.Warnings) _output.WriteVerbose(warning);
        return checks;
    }

    private async Task LiveAsync(Dom0Plan plan, string? cmdline, string? cmdlineSource, List<string> bridges,
        Action<string, string?, string?, string?, bool, string?, string?, IReadOnlyList<string>?> addCheck, CancellationToken ct)
    {
        void add(string check, string? path, string? expected, string? actual, bool compliant, string? remedy, string? source = null, IReadOnlyList<string>? conflicts = null) =>
            addCheck(check, path, expected, actual, compliant, remedy, source, conflicts);
        var facts = plan.Facts;
        var target = plan.Target;
        var xen = facts.RunningXen;
        var xlProblem = facts.XlProblem;
        if (xen is null && xlProblem is null)
        {
            try
            {
                xen = await new XlClient(_host, _output).InfoAsync(ct).ConfigureAwait(false);
            }
            catch (XenException ex)
            {
                xlProblem = ex.Message;
            }
        }
        add("Xen running", null, "xl info answers", xen is not null ? "Xen " + xen.XenVersion : "not running: " + FirstSentence(xlProblem), xen is not null,
            "Reboot the host into Xen (check xen_kernel and xen_cmdline in /boot/loader.conf, then shutdown -r now)");

        // CPU: what Xen reports when it runs, else what the FreeBSD kernel logged at boot.
        bool? hvm, hap, iommu;
        string source;
        if (xen is not null)
        {
            hvm = xen.VirtCaps.HVM;
            hap = xen.VirtCaps.HAP;
            iommu = xen.VirtCaps.HvmDirectIO;
            source = "xl info virt_caps: " + xen.VirtCaps;
        }
        else
        {
            var dmesg = await target.ReadAsync("/var/run/dmesg.boot", ct).ConfigureAwait(false);
            (hvm, hap) = ParseCpuFeatures(dmesg);
            iommu = await AcpiIommuAsync(ct).ConfigureAwait(false);
            source = dmesg is null ? "/var/run/dmesg.boot is missing" : "/var/run/dmesg.boot and acpidump";
        }
        string Yes(bool? v) => v is null ? $"unknown ({source})" : (v.Value ? "yes" : "no") + $" ({source})";
        add("CPU: HVM", null, "yes", Yes(hvm), hvm == true, "Enable Intel VT-x or AMD-V in the firmware setup; without it Xen cannot run a PVH Dom0 or HVM guests.");
        add("CPU: HAP (EPT/NPT)", null, "yes", Yes(hap), hap == true, "The CPU needs Extended Page Tables (Intel EPT) or Nested Page Tables (AMD NPT) for HVM guests.");
        add("CPU: IOMMU", null, "yes", Yes(iommu), iommu == true, "Enable VT-d (Intel) or AMD-Vi (IOMMU) in the firmware setup; the Handbook requires an IOMMU.");

        var bootMethod = await ToolAsync("sysctl", new[] { "-n", "machdep.bootmethod" }, ct).ConfigureAwait(false);
        var method = bootMethod is { ExitCode: 0 } ? bootMethod.StandardOutput.Trim() : null;
        var major = facts.FreeBsdMajor;
        var bootOk = method is not null && (string.Equals(method, "BIOS", StringComparison.OrdinalIgnoreCase) || (major is >= 14 && string.Equals(method, "UEFI", StringComparison.OrdinalIgnoreCase)));
        add("Boot method", null, major is >= 14 ? "BIOS or UEFI" : "BIOS (FreeBSD 13 boots a Xen Dom0 only with BIOS; 14 and later also with UEFI)",
            method ?? "unknown (sysctl machdep.bootmethod did not answer)", bootOk,
            "Boot the host in legacy BIOS mode (CSM), or upgrade to FreeBSD 14 or later, which boots a Xen Dom0 with UEFI too.");

        var xencommons = await ToolAsync("service", new[] { "xencommons", "status" }, ct).ConfigureAwait(false);
        add("xencommons running", null, "running", xencommons is null ? "service(8) not found" : xencommons.ExitCode == 0 ? FirstLine(xencommons.StandardOutput) ?? "running" : "not running" + Suffix(xencommons),
            xencommons is { ExitCode: 0 }, "sysrc xencommons_enable=YES && service xencommons start (needs a running Xen)");

        await target.ResolveAsync(new[] { "/dev/xen/privcmd" }, null, ct).ConfigureAwait(false);
        var privcmd = target.HostPathOf("/dev/xen/privcmd");
        var hasPrivcmd = target["/dev/xen/privcmd"].Exists;
        add("/dev/xen/privcmd", privcmd, "present", hasPrivcmd ? "present" : "missing", hasPrivcmd, "Boot into Xen: the device exists only in a Dom0.");

        foreach (var bridge in bridges)
        {
            var r = await ToolAsync("ifconfig", new[] { bridge }, ct).ConfigureAwait(false);
            add("Bridge " + bridge + " exists", null, "exists", r is { ExitCode: 0 } ? "exists" : "missing", r is { ExitCode: 0 },
                $"service netif cloneup {bridge} (or reboot): {bridge} is named in rc.conf but does not exist");
        }

        var next = cmdline ?? "(not set)";
        if (xen is null)
        {
            add("Reboot pending", target.HostPathOf(Dom0Editor.LoaderConf), next, "(Xen is not running)", false, "Reboot the host into Xen (shutdown -r now).", cmdlineSource, null);
        }
        else
        {
            var running = xen.XenCommandLine ?? string.Empty;
            var same = cmdline is not null && SplitWords(cmdline).SequenceEqual(SplitWords(running), StringComparer.Ordinal);
            add("Reboot pending", target.HostPathOf(Dom0Editor.LoaderConf), next, running, same,
                "Xen was booted with another command line than the xen_cmdline the next boot will use (reboot pending): reboot the host (shutdown -r now).", cmdlineSource, null);
        }
    }

    /// <summary>HVM (VMX or SVM in Features2) and HAP (EPT in the VT-x line, NP in the SVM line) from the boot log
    /// of FreeBSD's identcpu; null when the log does not tell.</summary>
    public static (bool? Hvm, bool? Hap) ParseCpuFeatures(string? dmesg)
    {
        if (dmesg is null) return (null, null);
        var features = FeatureLine.Matches(dmesg).Cast<Match>().SelectMany(m => m.Groups["f"].Value.Split(',')).ToList();
        if (features.Count == 0) return (null, null);
        var hvm = features.Contains("VMX") || features.Contains("SVM");
        bool? hap = null;
        var vtx = VtxLine.Match(dmesg);
        var svm = SvmLine.Match(dmesg);
        if (vtx.Success) hap = vtx.Groups["f"].Value.Split(',').Select(f => f.Trim()).Contains("EPT");
        else if (svm.Success) hap = svm.Groups["f"].Value.Split(',').Select(f => f.Trim()).Contains("NP");
        else if (!hvm) hap = false;
        return (hvm, hap);
    }

    /// <summary>True when acpidump -t shows a DMAR (Intel VT-d) or IVRS (AMD-Vi) table.</summary>
    public static bool? ParseAcpiTables(string? acpidump) => acpidump is null ? null : IommuTable.IsMatch(acpidump);

    private async Task<bool?> AcpiIommuAsync(CancellationToken ct)
    {
        var r = await ToolAsync("acpidump", new[] { "-t" }, ct).ConfigureAwait(false);
        return r is { ExitCode: 0 } ? ParseAcpiTables(r.StandardOutput) : null;
    }

    /// <summary>The bridges named in rc.conf: bridgeN words of cloned_interfaces and autobridge_interfaces.</summary>
    public static List<string> BridgesOf(string rcConf) => Bridges(name =>
    {
        try
        {
            return ShellConfigEditor.RcConf.GetValue(rcConf, name);
        }
        catch (XenConfigFileException)
        {
            return null;
        }
    });

    /// <summary>The bridges rc creates: bridgeN words of cloned_interfaces (as the netif script reads it) and of
    /// autobridge_interfaces (as the bridge script reads it).</summary>
    public static List<string> BridgesOf(Dom0Files files) => Bridges(name =>
        (name == "cloned_interfaces" ? files.Netif : files.Bridge).Evaluate(files.Text, name).Value);

    private static List<string> Bridges(Func<string, string?> valueOf)
    {
        var result = new List<string>();
        foreach (var name in new[] { "cloned_interfaces", "autobridge_interfaces" })
        {
            foreach (var word in (valueOf(name) ?? string.Empty).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (BridgeName.IsMatch(word) && !result.Contains(word)) result.Add(word);
            }
        }
        return result;
    }

    /// <summary>The xen_cmdline the loader ends up with, and where it comes from ("host path:line").</summary>
    private static (string? Value, string? Source) CommandLine(Dom0Plan plan)
    {
        var value = plan.Sources.Loader.Evaluate(plan.Sources.Text, "xen_cmdline");
        return value.Effective is { } e ? (e.Value, plan.Where(e)) : (null, null);
    }

    private static string[] SplitWords(string text) => text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);

    private async Task<CommandResult?> ToolAsync(string tool, IReadOnlyList<string> args, CancellationToken ct)
    {
        try
        {
            var r = await XlClient.RunToolAsync(_host, _output, tool, args, ct, TimeSpan.FromSeconds(60), check: false).ConfigureAwait(false);
            return r.ExitCode == 127 && r.StandardError.IndexOf("not found", StringComparison.Ordinal) >= 0 ? null : r;
        }
        catch (XenToolNotFoundException)
        {
            return null;
        }
    }

    private static string? FirstLine(string text) => text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);

    private static string Suffix(CommandResult r) => FirstLine(r.StandardOutput + "\n" + r.StandardError) is { } line ? ": " + line : string.Empty;

    private static string FirstSentence(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "xl info failed";
        var dot = text!.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? text.Substring(0, dot + 1) : text;
    }
}
