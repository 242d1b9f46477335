using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;

namespace XenPS.Core.Dom0;

/// <summary>What the host (or the system under -Root) is: FreeBSD release, Xen version and where it came from,
/// the Xen packages, the running hypervisor. Gathered by <see cref="Dom0Probe"/>.</summary>
public sealed class Dom0Facts
{
    /// <summary>freebsd-version -u (or uname -r), e.g. "14.1-RELEASE-p5"; null when it could not be told.</summary>
    public string? FreeBsdVersion { get; internal set; }

    public int? FreeBsdMajor { get; internal set; }

    /// <summary>The Xen version (major.minor) that chooses the command line style; null when unknown.</summary>
    public Version? XenVersion { get; internal set; }

    /// <summary>Where <see cref="XenVersion"/> came from: "-XenVersion", "pkg query", "pkg rquery", "xl info".</summary>
    public string? XenVersionSource { get; internal set; }

    /// <summary>Installed package versions (pkg query %v); a missing key: not installed.</summary>
    public Dictionary<string, string> Packages { get; } = new(StringComparer.Ordinal);

    /// <summary>Why the packages could not be queried (pkg missing or failing); null when they could.</summary>
    public string? PackageProblem { get; internal set; }

    /// <summary>Versions of the packages in the repository (pkg rquery %v), for -InstallPackages.</summary>
    public Dictionary<string, string> RepositoryPackages { get; } = new(StringComparer.Ordinal);

    /// <summary>The running hypervisor (xl info); null when Xen is not running or not asked (with -Root).</summary>
    public XenHost? RunningXen { get; internal set; }

    /// <summary>Why xl info failed, when it was asked.</summary>
    public string? XlProblem { get; internal set; }

    /// <summary>True when &lt;root&gt;/boot/xen exists (installed by the xen-kernel package).</summary>
    public bool XenKernelPresent { get; internal set; }

    /// <summary>Xen 4.11 and later: dom0=pvh; before: hw.pci.mcfg=0 and dom0pvh=1. Unknown versions get the current style.</summary>
    public bool ModernCommandLine => XenVersion is null || XenVersion >= new Version(4, 11);

    /// <summary>The wired-memory sysctl: vm.max_user_wired since FreeBSD 13 (the Handbook's vm.max_wired is the old
    /// name, FreeBSD 12 and before). Unknown releases get the current name.</summary>
    public string WiredMemorySysctl => FreeBsdMajor is { } m && m <= 12 ? "vm.max_wired" : "vm.max_user_wired";

    /// <summary>The other name, which is removed when present.</summary>
    public string StaleWiredMemorySysctl => WiredMemorySysctl == "vm.max_wired" ? "vm.max_user_wired" : "vm.max_wired";

    public string DescribeXen() => XenVersion is null
        ? "Xen version unknown"
        : $"Xen {XenVersion} (from {XenVersionSource}): {(ModernCommandLine ? "dom0=pvh" : "hw.pci.mcfg=0 and dom0pvh=1")}";
}

/// <summary>Finds the facts of <see cref="Dom0Facts"/> by running the tools on the host (locally or over SSH), never
/// by looking at the machine PowerShell runs on.
/// <list type="bullet">
/// <item>FreeBSD release: with -Root, the <c>USERLAND_VERSION="14.1-RELEASE-p5"</c> line of &lt;root&gt;/bin/freebsd-version,
/// read as a file (freebsd-version(1) is a sh script with the userland version written in by the build,
/// bin/freebsd-version/freebsd-version.sh.in); nothing of the mounted system is ever executed. On the host itself
/// <c>freebsd-version -u</c>, else <c>uname -sr</c> when it says FreeBSD.</item>
/// <item>Packages: <c>pkg [-r &lt;root&gt;] query %v NAME</c> (exit 69, EX_UNAVAILABLE, with no output when the package
/// is not installed: pkg's src/query.c) and <c>pkg [-r &lt;root&gt;] rquery %v NAME</c> for the repository's version.
/// pkg(8): "-r root directory: pkg will install all packages within the specified root directory".</item>
/// <item>Xen version: -XenVersion, else the installed xen-kernel package, else (with -InstallPackages) the repository's,
/// else, on the host itself, <c>xl info</c> xen_version.</item>
/// </list></summary>
public sealed class Dom0Probe
{
    /// <summary>pkg's exit code when no package matched (sysexits.h EX_UNAVAILABLE).</summary>
    public const int PkgNotFoundExitCode = 69;

    private static readonly Regex FreeBsdRelease = new(@"^(?<major>[0-9]+)\.(?<minor>[0-9]+)-[A-Z]", RegexOptions.CultureInvariant);
    private static readonly Regex PackageVersion = new(@"^(?<major>[0-9]+)\.(?<minor>[0-9]+)", RegexOptions.CultureInvariant);
    private static readonly Regex UserlandVersion = new(@"^USERLAND_VERSION=""(?<v>[0-9]{1,3}\.[0-9]{1,3}-[A-Za-z0-9][A-Za-z0-9.-]{0,62})""[ \t]*\r?$", RegexOptions.Multiline | RegexOptions.CultureInvariant);

    private readonly IXenHost _host;
    private readonly IXenOutput _output;

    public Dom0Probe(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
    }

    public static readonly string[] XenPackages = { "xen-kernel", "xen-tools" };

    /// <summary>Gathers the facts. <paramref name="requireXenVersion"/>: fail (XenVersionUnknown) when no source tells
    /// the Xen version; otherwise it stays null.</summary>
    public async Task<Dom0Facts> GatherAsync(Dom0Target target, bool requireXenVersion, bool askRunningXen, CancellationToken ct)
    {
        var state = target.State;
        var facts = new Dom0Facts();
        (facts.FreeBsdVersion, facts.FreeBsdMajor) = await FreeBsdVersionAsync(target, ct).ConfigureAwait(false);
        if (facts.FreeBsdMajor is null)
            _output.WriteVerbose($"Could not tell the FreeBSD release of {Where(state)}: assuming FreeBSD 13 or later (vm.max_user_wired).");

        // Packages: always when they may be installed or are checked; pkg missing is not fatal here.
        if (state.XenVersion is null || state.InstallPackages || !requireXenVersion)
        {
            foreach (var name in XenPackages)
            {
                var (version, problem) = await PackageQueryAsync(state, "query", name, ct).ConfigureAwait(false);
                if (problem is not null)
                {
                    facts.PackageProblem = problem;
                    break;
                }
                if (version is not null) facts.Packages[name] = version;
            }
            if (state.InstallPackages && facts.PackageProblem is null)
            {
                foreach (var name in XenPackages.Where(n => !facts.Packages.ContainsKey(n)))
                {
                    var (version, problem) = await PackageQueryAsync(state, "rquery", name, ct).ConfigureAwait(false);
                    if (problem is not null)
                    {
                        facts.PackageProblem = problem;
                        break;
                    }
                    if (version is not null) facts.RepositoryPackages[name] = version;
                }
            }
        }

        if (askRunningXen && !state.HasRoot)
        {
            try
            {
                facts.RunningXen = await new XlClient(_host, _output).InfoAsync(ct).ConfigureAwait(false);
            }
            catch (XenException ex)
            {
                facts.XlProblem = ex.Message;
            }
        }

        if (state.XenVersion is not null)
        {
            facts.XenVersion = state.XenVersion;
            facts.XenVersionSource = "-XenVersion";
        }
        else if (facts.Packages.TryGetValue("xen-kernel", out var installed) && ParseMajorMinor(installed) is { } v1)
        {
            facts.XenVersion = v1;
            facts.XenVersionSource = $"pkg query: xen-kernel {installed}";
        }
        else if (facts.RepositoryPackages.TryGetValue("xen-kernel", out var available) && ParseMajorMinor(available) is { } v2)
        {
            facts.XenVersion = v2;
            facts.XenVersionSource = $"pkg rquery: xen-kernel {available} in the repository";
        }
        else
        {
            if (!state.HasRoot && facts.RunningXen is null && facts.XlProblem is null && requireXenVersion)
            {
                try
                {
                    facts.RunningXen = await new XlClient(_host, _output).InfoAsync(ct).ConfigureAwait(false);
                }
                catch (XenException ex)
                {
                    facts.XlProblem = ex.Message;
                }
            }
            if (facts.RunningXen?.XenVersion is { } running && ParseMajorMinor(running) is { } v3)
            {
                facts.XenVersion = v3;
                facts.XenVersionSource = $"xl info: xen_version {running}";
            }
        }
        if (facts.XenVersion is null && requireXenVersion)
        {
            var why = facts.PackageProblem ?? $"the xen-kernel package is not installed in {Where(state)}";
            throw new XenException("XenVersionUnknown", XenErrorKind.NotInstalled,
                $"Cannot tell which Xen version {Where(state)} will boot ({why}{(state.HasRoot ? string.Empty : "; xl info did not answer either")}). " +
                "Install the packages first (pkg install xen-kernel xen-tools, or -InstallPackages), or give -XenVersion (for example 4.19): " +
                "it chooses between the Xen 4.11+ command line (dom0=pvh) and the Xen 4.7 one (hw.pci.mcfg=0, dom0pvh=1).")
            { ComputerName = _host.ComputerName };
        }

        await target.ResolveAsync(new[] { Dom0Editor.XenKernel }, null, ct).ConfigureAwait(false);
        facts.XenKernelPresent = target[Dom0Editor.XenKernel].Exists;
        return facts;
    }

    private string Where(Dom0DesiredState state) => state.HasRoot ? $"{state.Root} on host '{_host.ComputerName}'" : $"host '{_host.ComputerName}'";

    /// <summary>"4.19.1.20250217" or "4.18.0_1" to 4.19 / 4.18.</summary>
    public static Version? ParseMajorMinor(string? text)
    {
        var m = PackageVersion.Match(text ?? string.Empty);
        return m.Success ? new Version(int.Parse(m.Groups["major"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["minor"].Value, CultureInfo.InvariantCulture)) : null;
    }

    /// <summary>"14.1-RELEASE-p5" to 14.</summary>
    public static int? ParseFreeBsdMajor(string? text)
    {
        var m = FreeBsdRelease.Match(text ?? string.Empty);
        return m.Success ? int.Parse(m.Groups["major"].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The userland version written in a freebsd-version(1) script (<c>USERLAND_VERSION="14.1-RELEASE-p5"</c>,
    /// the first such line); null when there is none or it does not look like a FreeBSD release.</summary>
    public static string? ParseUserlandVersion(string? script)
    {
        var m = UserlandVersion.Match(script ?? string.Empty);
        return m.Success && ParseFreeBsdMajor(m.Groups["v"].Value) is not null ? m.Groups["v"].Value : null;
    }

    private async Task<(string?, int?)> FreeBsdVersionAsync(Dom0Target target, CancellationToken ct)
    {
        if (target.State.HasRoot)
        {
            // The mounted system's script, read as a file: never run (it could be anything).
            var text = ParseUserlandVersion(await target.ReadAsync(Dom0Editor.FreeBsdVersionScript, ct).ConfigureAwait(false));
            return (text, ParseFreeBsdMajor(text));
        }

        var version = await TryToolAsync("freebsd-version", new[] { "-u" }, ct).ConfigureAwait(false);
        if (version is { ExitCode: 0 } && ParseFreeBsdMajor(FirstLine(version.StandardOutput)) is { } major)
            return (FirstLine(version.StandardOutput), major);
        var uname = await TryToolAsync("uname", new[] { "-sr" }, ct).ConfigureAwait(false);
        if (uname is { ExitCode: 0 } && FirstLine(uname.StandardOutput) is { } line && line.StartsWith("FreeBSD ", StringComparison.Ordinal))
        {
            var release = line.Substring("FreeBSD ".Length).Trim();
            return (release, ParseFreeBsdMajor(release));
        }
        return (null, null);
    }

    /// <summary>pkg [-r root] query|rquery %v NAME: (version, null), (null, null) when not there, (null, problem) when pkg
    /// could not be asked.</summary>
    private async Task<(string?, string?)> PackageQueryAsync(Dom0DesiredState state, string command, string name, CancellationToken ct)
    {
        var args = new List<string>();
        if (state.HasRoot) { args.Add("-r"); args.Add(state.Root); }
        args.Add(command);
        args.Add("%v");
        args.Add(name);
        var result = await TryToolAsync("pkg", args, ct).ConfigureAwait(false);
        if (result is null) return (null, $"pkg is not installed on host '{_host.ComputerName}'");
        if (result.ExitCode == 0 && FirstLine(result.StandardOutput) is { } version) return (version, null);
        if (result.ExitCode == PkgNotFoundExitCode || (result.ExitCode == 0 && result.StandardOutput.Trim().Length == 0)) return (null, null);
        if (result.ExitCode == 127) return (null, $"pkg is not installed on host '{_host.ComputerName}'");
        return (null, $"'{_host.Describe("pkg", args)}' failed with exit code {result.ExitCode}: {XlErrorClassifier.Summarize(result.StandardError)}");
    }

    /// <summary>Runs a tool without failing on its exit code; null when it does not exist on the host.</summary>
    private async Task<CommandResult?> TryToolAsync(string tool, IReadOnlyList<string> args, CancellationToken ct)
    {
        try
        {
            var result = await XlClient.RunToolAsync(_host, _output, tool, args, ct, TimeSpan.FromSeconds(60), check: false).ConfigureAwait(false);
            return result.ExitCode == 127 && result.StandardError.IndexOf("not found", StringComparison.Ordinal) >= 0 ? null : result;
        }
        catch (XenToolNotFoundException)
        {
            return null;
        }
    }

    private static string? FirstLine(string text)
    {
        var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        return line;
    }
}
