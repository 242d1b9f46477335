using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.FreeBsd;
using XenPS.Core.Hosts;

namespace XenPS.Core.Dom0;

/// <summary>A path of the target system as found on the host.</summary>
public sealed class Dom0TargetPath
{
    internal Dom0TargetPath(string systemPath, string hostPath, ConfigNodeKind kind, IReadOnlyList<ConfigDirEntry>? entries)
    {
        SystemPath = systemPath;
        HostPath = hostPath;
        Kind = kind;
        Entries = entries;
    }

    /// <summary>The path as the target system sees it (/boot/loader.conf).</summary>
    public string SystemPath { get; }

    /// <summary>Where XenPS reads and writes it on the host: the root, then the path with every symbolic link under
    /// the root resolved (so an edit goes to the file a link points to and keeps the link). For a missing path, where
    /// it would be created.</summary>
    public string HostPath { get; }

    public ConfigNodeKind Kind { get; }

    /// <summary>A listed directory's entries (null when not listed or not a directory).</summary>
    public IReadOnlyList<ConfigDirEntry>? Entries { get; }

    public bool Exists => Kind is ConfigNodeKind.File or ConfigNodeKind.Directory or ConfigNodeKind.Other;

    public override string ToString() => $"{SystemPath} -> {HostPath} ({Kind})";
}

/// <summary>
/// The system Initialize-XenDom0 and Test-XenDom0 work on: the host itself, or the system mounted at -Root. Every path
/// they read or write is first resolved on the host (locally or over SSH) by one sh script made with
/// <see cref="ShellScript"/>, component by component from the root:
/// <list type="bullet">
/// <item>a symbolic link whose target is absolute is refused under a root (XenRootPathEscapes): on the host it names
/// the host's file, in the mounted system another one, so following it would read or write the wrong file;</item>
/// <item>a relative link is followed when it resolves (realpath(1), in FreeBSD's base system and GNU coreutils)
/// inside the root, and refused (XenRootPathEscapes) when it leads out of it;</item>
/// <item>a link that points nowhere makes the path missing.</item>
/// </list>
/// Nothing under the root is ever executed. The resolved paths are checked again just before anything is written.
/// </summary>
public sealed class Dom0Target
{
    private const string EscapeId = "XenRootPathEscapes";

    private readonly IXenHost _host;
    private readonly IXenOutput _output;
    private readonly HostFileSystem _fs;
    private readonly Dictionary<string, Dom0TargetPath> _paths = new(StringComparer.Ordinal);

    public Dom0Target(IXenHost host, Dom0DesiredState state, IXenOutput? output = null)
    {
        _host = host;
        State = state ?? throw new ArgumentNullException(nameof(state));
        _output = output ?? NullXenOutput.Instance;
        _fs = new HostFileSystem(host, _output);
    }

    public Dom0DesiredState State { get; }

    /// <summary>The root as given ("" for the host itself).</summary>
    public string Root => State.Root;

    /// <summary>The root with its symbolic links resolved (realpath), known after the first resolution.</summary>
    public string? RealRoot { get; private set; }

    public string ComputerName => _host.ComputerName;

    /// <summary>Where the target is, for messages.</summary>
    public string Describe() => State.HasRoot ? $"{Root} on host '{_host.ComputerName}'" : $"host '{_host.ComputerName}'";

    public bool IsResolved(string systemPath) => _paths.ContainsKey(systemPath);

    /// <summary>A resolved path (<see cref="ResolveAsync"/> first).</summary>
    public Dom0TargetPath this[string systemPath] =>
        _paths.TryGetValue(systemPath, out var p) ? p : throw new InvalidOperationException($"{systemPath} was not resolved.");

    /// <summary>The host path of a resolved path; for one not resolved, the root prefixed (messages only).</summary>
    public string HostPathOf(string systemPath) => _paths.TryGetValue(systemPath, out var p) ? p.HostPath : State.PathOf(systemPath);

    /// <summary>Resolves paths of the target system on the host (directories in <paramref name="list"/> are also
    /// listed). Throws XenRootPathEscapes for a path that leaves the root.</summary>
    public async Task ResolveAsync(IEnumerable<string> systemPaths, IEnumerable<string>? list, CancellationToken ct)
    {
        var toList = new HashSet<string>(list ?? Array.Empty<string>(), StringComparer.Ordinal);
        var items = systemPaths.Concat(toList).Distinct(StringComparer.Ordinal)
            .Where(p => !_paths.TryGetValue(p, out var known) || (toList.Contains(p) && known.Kind == ConfigNodeKind.Directory && known.Entries is null))
            .ToList();
        if (items.Count == 0) return;
        foreach (var p in items) CheckSystemPath(p);
        var found = await RunResolveAsync(items.Select(p => (p, toList.Contains(p))).ToList(), ct).ConfigureAwait(false);
        foreach (var p in found) _paths[p.SystemPath] = p;
    }

    /// <summary>Resolves the paths again (XenRootPathEscapes when one now leaves the root) and checks that each still
    /// leads where it did (XenDom0FilesChanged otherwise); their kinds are updated. Run just before writing.</summary>
    public async Task RecheckAsync(IEnumerable<string> systemPaths, CancellationToken ct)
    {
        var items = systemPaths.Distinct(StringComparer.Ordinal).ToList();
        if (items.Count == 0) return;
        var found = await RunResolveAsync(items.Select(p => (p, false)).ToList(), ct).ConfigureAwait(false);
        foreach (var now in found)
        {
            if (_paths.TryGetValue(now.SystemPath, out var before) && !string.Equals(before.HostPath, now.HostPath, StringComparison.Ordinal))
            {
                throw new XenException("XenDom0FilesChanged", XenErrorKind.InvalidOperation,
                    $"{State.PathOf(now.SystemPath)} now leads to {now.HostPath} instead of {before.HostPath} on host '{_host.ComputerName}': the files changed while XenPS worked. Nothing was changed; run the command again.")
                { ComputerName = _host.ComputerName };
            }
            _paths[now.SystemPath] = now;
        }
    }

    /// <summary>The text of a resolved regular file; null when it is missing or not a regular file.</summary>
    public async Task<string?> ReadAsync(string systemPath, CancellationToken ct)
    {
        if (!_paths.ContainsKey(systemPath)) await ResolveAsync(new[] { systemPath }, null, ct).ConfigureAwait(false);
        var p = this[systemPath];
        return p.Kind == ConfigNodeKind.File ? await _fs.ReadFileAsync(p.HostPath, ct).ConfigureAwait(false) : null;
    }

    private static void CheckSystemPath(string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Any(ConfigText.IsControl) || path.Split('/').Any(s => s is "." or ".."))
            throw new XenException("XenDom0ConfigUnreadable", XenErrorKind.InvalidData,
                $"{ConfigText.Show(path ?? string.Empty)} is not a path XenPS follows (it must be absolute, without '.' or '..' and without control characters). Nothing was changed.");
    }

    // The script prints NUL-separated records (a path may hold any byte but NUL):
    //   R realroot | F|D|O|M systempath hostpath | N dir name F|O | A systempath link target | E systempath link target resolved | X systempath link
    internal ShellScript BuildScript(IReadOnlyList<(string Path, bool List)> items)
    {
        var root = State.HasRoot ? State.Root : "/";
        var s = new ShellScript();
        s.Line($"R={(State.HasRoot ? State.Root : string.Empty)}; rooted={(State.HasRoot ? 1 : 0)}");
        s.Line($"r=$(realpath -- {root} && echo .) || {{ printf '%s\\n' {"xenps: cannot resolve " + root} >&2; exit 3; }}");
        s.Line($"r=${{r%.}}; r=${{r%?}}");
        s.Line($"out() {{ printf '%s\\0' \"$@\"; }}");
        s.Line($"out R \"$r\"");
        s.Line($"inside() {{ [ \"$r\" = / ] && return 0; case $1 in \"$r\"|\"$r\"/*) return 0;; esac; return 1; }}");
        // res SYSTEMPATH: walks the path from the root; q is where the walk is on the host, links resolved.
        s.Line($"res() {{");
        s.Line($"  p=${{1#/}}; x=$R; q=$r");
        s.Line($"  while [ -n \"$p\" ]; do");
        s.Line($"    c=${{p%%/*}}; case $p in */*) p=${{p#*/}};; *) p=;; esac");
        s.Line($"    [ -n \"$c\" ] || continue");
        s.Line($"    x=$x/$c");
        s.Line($"    if [ -L \"$x\" ]; then");
        s.Line($"      t=$(readlink -- \"$x\" && echo .) || {{ out X \"$1\" \"$x\"; return; }}");
        s.Line($"      t=${{t%.}}; t=${{t%?}}");
        s.Line($"      if [ $rooted = 1 ]; then case $t in /*) out A \"$1\" \"$x\" \"$t\"; return;; esac; fi");
        s.Line($"      if [ ! -e \"$x\" ]; then out M \"$1\" \"${{q%/}}/$c${{p:+/$p}}\"; return; fi");
        s.Line($"      q=$(realpath -- \"$x\" && echo .) || {{ out X \"$1\" \"$x\"; return; }}");
        s.Line($"      q=${{q%.}}; q=${{q%?}}");
        s.Line($"      inside \"$q\" || {{ out E \"$1\" \"$x\" \"$t\" \"$q\"; return; }}");
        s.Line($"    elif [ -e \"$x\" ]; then q=${{q%/}}/$c");
        s.Line($"    else out M \"$1\" \"${{q%/}}/$c${{p:+/$p}}\"; return");
        s.Line($"    fi");
        s.Line($"  done");
        s.Line($"  if [ -f \"$x\" ]; then k=F; elif [ -d \"$x\" ]; then k=D; else k=O; fi");
        s.Line($"  out $k \"$1\" \"$q\"");
        s.Line($"}}");
        // lst SYSTEMPATH: a directory's entries (dot files too) and whether each is a regular file; an entry is only
        // resolved (and so checked) when a reader reads it.
        s.Line($"lst() {{");
        s.Line($"  [ -d \"$R$1\" ] || return 0");
        s.Line($"  for e in \"$R$1\"/* \"$R$1\"/.[!.]* \"$R$1\"/..?*; do");
        s.Line($"    [ -e \"$e\" ] || [ -L \"$e\" ] || continue");
        s.Line($"    if [ -f \"$e\" ]; then out N \"$1\" \"${{e##*/}}\" F; else out N \"$1\" \"${{e##*/}}\" O; fi");
        s.Line($"  done");
        s.Line($"}}");
        foreach (var (path, list) in items)
        {
            s.Line($"res {path}");
            if (list) s.Line($"lst {path}");
        }
        return s;
    }

    private async Task<List<Dom0TargetPath>> RunResolveAsync(IReadOnlyList<(string Path, bool List)> items, CancellationToken ct)
    {
        var script = BuildScript(items);
        var options = new HostRunOptions { Timeout = TimeSpan.FromSeconds(60), OnCommandLine = l => _output.WriteDebug("Running: " + l) };
        var result = await _host.RunScriptAsync(script, options, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new XenException("XenFileOperationFailed", XenErrorKind.ReadError,
                $"Could not look at {Describe()}: exit code {result.ExitCode.ToString(CultureInfo.InvariantCulture)} {result.StandardError.Trim()}")
            { ComputerName = _host.ComputerName };
        }
        var fields = result.StandardOutput.Split('\0');
        var n = 0;
        string Next() => n < fields.Length ? fields[n++] : throw Broken();
        XenException Broken() => new("XenFileOperationFailed", XenErrorKind.ReadError, $"Could not look at {Describe()}: the path resolution printed an unexpected answer.") { ComputerName = _host.ComputerName };

        var resolved = new List<(string System, ConfigNodeKind Kind, string Host)>();
        var entries = new Dictionary<string, List<ConfigDirEntry>>(StringComparer.Ordinal);
        while (n < fields.Length - 1 || (n == fields.Length - 1 && fields[n].Length > 0))
        {
            var tag = Next();
            switch (tag)
            {
                case "R":
                    RealRoot = Next();
                    break;
                case "F":
                case "D":
                case "O":
                case "M":
                    resolved.Add((Next(), tag switch { "F" => ConfigNodeKind.File, "D" => ConfigNodeKind.Directory, "O" => ConfigNodeKind.Other, _ => ConfigNodeKind.Missing }, Next()));
                    break;
                case "N":
                    var dir = Next();
                    var name = Next();
                    var isFile = Next() == "F";
                    if (!entries.TryGetValue(dir, out var names)) entries[dir] = names = new List<ConfigDirEntry>();
                    if (name.Any(ConfigText.IsControl) || name.IndexOf('\uFFFD') >= 0)
                        throw Unreadable(dir, $"the entry {Show(name)} holds control characters or bytes that are not UTF-8");
                    names.Add(new ConfigDirEntry(name, isFile));
                    break;
                case "A":
                {
                    var system = Next();
                    var link = Next();
                    var target = Next();
                    throw Escape(system, $"{Show(link)} is a symbolic link to the absolute path {Show(target)}: on the host that is the host's own file, in the mounted system another one, so XenPS does not follow it. Replace it with a relative link (or the file itself).");
                }
                case "E":
                {
                    var system = Next();
                    var link = Next();
                    var target = Next();
                    var where = Next();
                    throw Escape(system, $"{Show(link)} is a symbolic link to {Show(target)}, which leads to {Show(where)}, outside {Root}: XenPS never reads or writes outside the mounted system.");
                }
                case "X":
                {
                    var system = Next();
                    var link = Next();
                    throw new XenException("XenFileOperationFailed", XenErrorKind.ReadError, $"Could not resolve the symbolic link {Show(link)} on host '{_host.ComputerName}' (for {system}). Nothing was changed.") { ComputerName = _host.ComputerName };
                }
                default:
                    throw Broken();
            }
        }
        if (RealRoot is null) throw Broken();

        var list = new List<Dom0TargetPath>();
        foreach (var (system, kind, host) in resolved)
        {
            var hostPath = HostPath(system, host);
            IReadOnlyList<ConfigDirEntry>? dirEntries = null;
            if (kind == ConfigNodeKind.Directory && items.Any(i => i.Path == system && i.List))
                dirEntries = entries.TryGetValue(system, out var names) ? names : new List<ConfigDirEntry>();
            list.Add(new Dom0TargetPath(system, hostPath, kind, dirEntries));
        }
        return list;
    }

    /// <summary>The host path to use for a resolved one: the root as given, then the resolved part below the real root.</summary>
    private string HostPath(string system, string resolved)
    {
        if (resolved.Any(ConfigText.IsControl) || resolved.IndexOf('\uFFFD') >= 0)
            throw Unreadable(system, $"it resolves to {Show(resolved)}, a path with control characters or bytes that are not UTF-8");
        var real = RealRoot!;
        if (!State.HasRoot) return resolved;
        string below;
        if (real == "/") below = resolved;
        else if (resolved == real) below = string.Empty;
        else if (resolved.StartsWith(real + "/", StringComparison.Ordinal)) below = resolved.Substring(real.Length);
        else throw Escape(system, $"it resolves to {Show(resolved)}, outside {Root}");
        return below.Length == 0 ? Root : Root + below;
    }

    private XenException Escape(string system, string why) =>
        new(EscapeId, XenErrorKind.PermissionDenied, $"-Root {Root}: {State.PathOf(system)} leaves the mounted system on host '{_host.ComputerName}': {why} Nothing was changed.")
        { ComputerName = _host.ComputerName };

    private XenException Unreadable(string system, string why) =>
        new("XenDom0ConfigUnreadable", XenErrorKind.InvalidData, $"{State.PathOf(system)} on host '{_host.ComputerName}': {why}. Nothing was changed.") { ComputerName = _host.ComputerName };

    private static string Show(string path) => ConfigText.Show(path);
}
