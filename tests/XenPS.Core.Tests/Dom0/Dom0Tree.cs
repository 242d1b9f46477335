using System.Security.Cryptography;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Tests.FreeBsd;

namespace XenPS.Core.Tests.Dom0;

/// <summary>A FreeBSD system laid out as a tree in a temporary directory (etc/, boot/, boot/defaults/, bin/, var/), built
/// from the real FreeBSD 14 files of Data/freebsd-14-etc: what -Root points at.</summary>
internal sealed class Dom0Tree : IDisposable
{
    public Dom0Tree(string userland = "14.1-RELEASE-p5", bool xenKernel = true, bool packages = true)
    {
        Root = Directory.CreateTempSubdirectory("xenps dom0 '$x' ").FullName;
        foreach (var dir in new[] { "etc", "boot/defaults", "bin", "var/log", "var/run", "var/db/pkg" }) Directory.CreateDirectory(P(dir));
        foreach (var name in new[] { "rc.conf", "login.conf", "sysctl.conf", "ttys" }) File.Copy(Path.Combine(FreeBsdData.Folder, name), P("etc/" + name));
        File.Copy(Path.Combine(FreeBsdData.Folder, "loader.conf"), P("boot/loader.conf"));
        // FreeBSD 14's /boot/defaults/loader.conf: loader.conf, loader.conf.local, then /boot/loader.conf.d/*.conf.
        File.Copy(Path.Combine(FreeBsdData.Folder, "defaults-loader.conf"), P("boot/defaults/loader.conf"));
        // The stock login.conf.db, built when the system was installed (older than any edit of login.conf).
        File.WriteAllText(P("etc/login.conf.db"), "stock database\n");
        File.SetLastWriteTimeUtc(P("etc/login.conf.db"), File.GetLastWriteTimeUtc(P("etc/login.conf")).AddMinutes(1));
        var version = File.ReadAllText(Fakes.Path("freebsd-version")).Replace("14.1-RELEASE-p5", userland, StringComparison.Ordinal);
        File.WriteAllText(P("bin/freebsd-version"), version);
        if (xenKernel) File.WriteAllText(P("boot/xen"), "xen hypervisor\n");
        if (packages) File.WriteAllText(P("var/db/pkg/xenps-fake-packages"), "xen-kernel 4.19.1.20250217\nxen-tools 4.19.1.20250217_1\n");
    }

    public string Root { get; }

    public string P(string relative) => Path.Combine(Root, relative);

    public string Read(string relative) => File.ReadAllText(P(relative));

    /// <summary>Every file of the tree (relative path) with its SHA-256, and every directory.</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in Directory.GetDirectories(Root, "*", SearchOption.AllDirectories)) map[Path.GetRelativePath(Root, dir) + "/"] = "dir";
        foreach (var file in Directory.GetFiles(Root, "*", SearchOption.AllDirectories))
            map[Path.GetRelativePath(Root, file)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
        return map;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>The stand-ins for FreeBSD-only programs (tests/XenPS.Tests/fakes), copied next to the test assembly.</summary>
internal static class Fakes
{
    public static string Directory => System.IO.Path.Combine(AppContext.BaseDirectory, "fakes");

    public static string Path(string tool)
    {
        var path = System.IO.Path.Combine(Directory, tool);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }
}

/// <summary>This machine as a host, with some tools redirected to the stand-ins and others answering canned
/// output (xl info, service, ifconfig...). Scripts (the file operations) run for real.</summary>
internal sealed class ScriptedHost : IXenHost
{
    private readonly LocalXenHost _inner = new();
    private readonly Dictionary<string, string> _redirects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CommandResult> _canned = new(StringComparer.Ordinal);

    public ScriptedHost(string? log = null)
    {
        Log = log;
        Redirect("cap_mkdb").Redirect("pkg");
    }

    public string? Log { get; }

    public List<string> Calls { get; } = new();

    public string ComputerName => "localhost";

    public bool IsLocal => true;

    public ScriptedHost Redirect(string tool, string? path = null)
    {
        _redirects[tool] = path ?? Fakes.Path(tool);
        return this;
    }

    public ScriptedHost Answer(string commandLine, string stdout, int exitCode = 0, string stderr = "")
    {
        var parts = commandLine.Split(' ');
        _canned[commandLine] = new CommandResult(parts[0], parts.Skip(1).ToArray(), exitCode, stdout, stderr, TimeSpan.Zero);
        return this;
    }

    public async Task<CommandResult> RunAsync(string tool, IReadOnlyList<string> arguments, HostRunOptions options, CancellationToken cancellationToken)
    {
        var line = string.Join(" ", new[] { tool }.Concat(arguments));
        lock (Calls) Calls.Add(line);
        if (_canned.TryGetValue(line, out var canned)) return canned;
        if (_redirects.TryGetValue(tool, out var path))
        {
            var r = await _inner.RunAsync(path, arguments, options, cancellationToken);
            return new CommandResult(tool, arguments, r.ExitCode, r.StandardOutput, r.StandardError, r.Duration);
        }
        // Anything else does not exist here (as on a host without it).
        return new CommandResult(tool, arguments, 127, string.Empty, $"xenps: {tool}: not found on this host\n", TimeSpan.Zero);
    }

    public Task<CommandResult> RunScriptAsync(ShellScript script, HostRunOptions options, CancellationToken cancellationToken) =>
        _inner.RunScriptAsync(script, options, cancellationToken);

    public string Describe(string tool, IReadOnlyList<string> arguments) => _inner.Describe(tool, arguments);
}
