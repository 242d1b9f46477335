using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace XenPS.Core.FreeBsd;

/// <summary>One file in the sequence a FreeBSD reader reads.</summary>
public sealed class ConfigSource
{
    public ConfigSource(string path, string? unorderedGroup = null, bool editable = true, bool backupIsRead = false)
    {
        Path = path;
        UnorderedGroup = unorderedGroup;
        Editable = editable;
        BackupIsRead = backupIsRead;
    }

    /// <summary>The system path (/boot/loader.conf).</summary>
    public string Path { get; }

    /// <summary>The loader_conf_dirs directory the file was found in: the loader reads such files in the order the
    /// directory lists them (lfs.dir, not sorted), which XenPS cannot know. They are listed here in ordinal order, and
    /// <see cref="ConfigValue.Ambiguous"/> says when their order decides a value.</summary>
    public string? UnorderedGroup { get; }

    /// <summary>False for the defaults files (/boot/defaults/loader.conf, /etc/defaults/rc.conf), which XenPS never edits.</summary>
    public bool Editable { get; }

    /// <summary>True for a file of an rc.conf.d/SERVICE/ directory: rc reads every file there, so a backup written next
    /// to it would be read too.</summary>
    public bool BackupIsRead { get; }

    public override string ToString() => Path;
}

/// <summary>An assignment in one file of a chain.</summary>
public sealed class ConfigAssignmentAt
{
    internal ConfigAssignmentAt(ConfigSource source, int position, ShellAssignment assignment)
    {
        Source = source;
        Position = position;
        Assignment = assignment;
    }

    public ConfigSource Source { get; }

    /// <summary>The index of the file in <see cref="ConfigChain.Sources"/>.</summary>
    public int Position { get; }

    public ShellAssignment Assignment { get; }

    public string File => Source.Path;

    public int Line => Assignment.LineNumber;

    public string? Value => Assignment.Value;

    /// <summary>"/boot/loader.conf:12".</summary>
    public override string ToString() => File + ":" + Line.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What a reader ends up with for one name.</summary>
public sealed class ConfigValue
{
    internal ConfigValue(string name, IReadOnlyList<ConfigAssignmentAt> assignments, ConfigAssignmentAt? effective, bool ambiguous)
    {
        Name = name;
        Assignments = assignments;
        Effective = effective;
        Ambiguous = ambiguous;
    }

    public string Name { get; }

    /// <summary>Every assignment of the name in the order the reader meets them (malformed ones included).</summary>
    public IReadOnlyList<ConfigAssignmentAt> Assignments { get; }

    /// <summary>The assignment that takes effect: the last well-formed one; null when the name is not set.</summary>
    public ConfigAssignmentAt? Effective { get; }

    /// <summary>True when the effective assignment is in a file of a loader_conf_dirs directory and another file of
    /// that directory sets another value: which one wins depends on the directory's order.</summary>
    public bool Ambiguous { get; }

    public string? Value => Effective?.Value;

    /// <summary>True when the effective assignment is also the last one (no malformed line after it).</summary>
    public bool EffectiveIsLast => Effective is not null && ReferenceEquals(Effective, Assignments[Assignments.Count - 1]);
}

/// <summary>
/// The files one FreeBSD reader reads for a setting, in its order, with the file XenPS writes (<see cref="MainFile"/>):
/// the loader (loader.conf and friends), rc for one or more services (rc.conf and friends), or the sysctl script
/// (sysctl.conf and sysctl.conf.local). The last assignment wins across all of them. Built by <see cref="FreeBsdReaders"/>.
/// </summary>
public sealed class ConfigChain
{
    internal ConfigChain(string reader, ShellConfigDialect dialect, string mainFile, IReadOnlyList<ConfigSource> sources, IReadOnlyList<string> warnings, IReadOnlyList<string> notes)
    {
        Reader = reader;
        Dialect = dialect;
        MainFile = mainFile;
        Sources = sources;
        Warnings = warnings;
        Notes = notes;
    }

    /// <summary>"the loader", "rc (xencommons)", "the sysctl script".</summary>
    public string Reader { get; }

    public ShellConfigDialect Dialect { get; }

    public ShellConfigEditor Editor => ShellConfigEditor.For(Dialect);

    /// <summary>The file XenPS writes the wanted value to (/boot/loader.conf, /etc/rc.conf, /etc/sysctl.conf).</summary>
    public string MainFile { get; }

    /// <summary>The files in the order the reader reads them (a file may appear twice when it is read twice).</summary>
    public IReadOnlyList<ConfigSource> Sources { get; }

    /// <summary>What XenPS could not follow (a value with expansions, a .lua configuration file).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Assumptions made (a missing defaults file).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The position of the main file (its last read), or -1 when the reader does not read it.</summary>
    public int MainPosition
    {
        get
        {
            for (var i = Sources.Count - 1; i >= 0; i--)
            {
                if (Sources[i].Path == MainFile) return i;
            }
            return -1;
        }
    }

    /// <summary>The value of <paramref name="name"/> the reader ends up with, given the text of each file (null:
    /// missing). Lines a file's reader rejects are listed but never win.</summary>
    public ConfigValue Evaluate(Func<string, string?> textOf, string name)
    {
        if (textOf is null) throw new ArgumentNullException(nameof(textOf));
        var editor = Editor;
        var all = new List<ConfigAssignmentAt>();
        for (var i = 0; i < Sources.Count; i++)
        {
            var text = textOf(Sources[i].Path);
            if (text is null) continue;
            foreach (var a in editor.GetAssignments(text, name)) all.Add(new ConfigAssignmentAt(Sources[i], i, a));
        }
        ConfigAssignmentAt? effective = null;
        for (var i = all.Count - 1; i >= 0 && effective is null; i--)
        {
            if (!all[i].Assignment.IsMalformed) effective = all[i];
        }
        var ambiguous = false;
        if (effective?.Source.UnorderedGroup is { } group)
        {
            // The last well-formed assignment of each file of the group could be the one read last.
            var candidates = all.Where(a => a.Source.UnorderedGroup == group && !a.Assignment.IsMalformed)
                .GroupBy(a => a.Source.Path, StringComparer.Ordinal)
                .Select(g => g.Last().Assignment.Value)
                .Distinct(StringComparer.Ordinal)
                .Count();
            ambiguous = candidates > 1;
        }
        return new ConfigValue(name, all, effective, ambiguous);
    }

    public override string ToString() => Reader + ": " + string.Join(", ", Sources.Select(s => s.Path));
}

/// <summary>
/// Which files FreeBSD's readers read, in their order, found the way they find them:
/// <list type="bullet">
/// <item>The loader (stand/lua/config.lua, readConf): /boot/defaults/loader.conf; after each file the files its own
/// <c>loader_conf_files</c> names (recursively, each file once); then the <c>*.conf</c> files of every
/// <c>loader_conf_dirs</c> directory (in directory order); then <c>local_loader_conf_files</c> (FreeBSD 14.2 and
/// later: loader.conf.local moved there so that it is read last). FreeBSD 14.1's defaults give device.hints,
/// loader.conf, loader.conf.local, then /boot/loader.conf.d/*.conf.</item>
/// <item>rc (rc.subr, load_rc_config SERVICE): /etc/defaults/rc.conf (and /etc/defaults/vendor.conf), the files of
/// <c>rc_conf_files</c> (default "/etc/rc.conf /etc/rc.conf.local") each once, again with the value they left, then
/// for /etc and every <c>local_startup</c> directory without its /rc.d: <c>rc.conf.d/SERVICE</c>, or every file of
/// the directory <c>rc.conf.d/SERVICE/</c> in sorted order.</item>
/// <item>The sysctl script (rc.d/sysctl): /etc/sysctl.conf, then /etc/sysctl.conf.local.</item>
/// </list>
/// A missing defaults file (a partial tree) is taken as FreeBSD 14's stock defaults (a note says so).
/// </summary>
public static class FreeBsdReaders
{
    public const string LoaderDefaults = "/boot/defaults/loader.conf";
    public const string RcDefaults = "/etc/defaults/rc.conf";
    public const string RcVendor = "/etc/defaults/vendor.conf";
    public const string StockLoaderConfFiles = "/boot/device.hints /boot/loader.conf /boot/loader.conf.local";
    public const string StockLoaderConfDirs = "/boot/loader.conf.d";
    public const string StockRcConfFiles = "/etc/rc.conf /etc/rc.conf.local";
    public const string StockLocalStartup = "/usr/local/etc/rc.d";
    public static readonly string[] SysctlFiles = { "/etc/sysctl.conf", "/etc/sysctl.conf.local" };

    private static readonly char[] Blanks = { ' ', '\t', '\n', '\r', '\f', '\v' };

    /// <summary>The files the readers of a stock system read (for the first look, before their texts are known).</summary>
    public static IEnumerable<string> StockFiles()
    {
        var list = new List<string> { LoaderDefaults };
        list.AddRange(Words(StockLoaderConfFiles));
        list.Add(RcDefaults);
        list.Add(RcVendor);
        list.AddRange(Words(StockRcConfFiles));
        list.AddRange(SysctlFiles);
        return list;
    }

    /// <summary>The directories the readers of a stock system list.</summary>
    public static IEnumerable<string> StockDirectories(IEnumerable<string> services)
    {
        yield return StockLoaderConfDirs;
        foreach (var service in services)
        {
            yield return "/etc/rc.conf.d/" + service;
            yield return "/usr/local/etc/rc.conf.d/" + service;
        }
    }

    /// <summary>The files the loader reads (/boot/loader.conf is the main file).</summary>
    public static ConfigChain Loader(ConfigTree tree, string mainFile = "/boot/loader.conf")
    {
        var editor = ShellConfigEditor.LoaderConf;
        var sources = new List<ConfigSource>();
        var warnings = new List<string>();
        var notes = new List<string>();
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        // The loader environment: only the variables that name more files matter here.
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);

        string? TextOf(string path)
        {
            if (path == LoaderDefaults && tree.KindOf(path) == ConfigNodeKind.Missing)
            {
                if (notes.Count == 0) notes.Add($"{LoaderDefaults} is missing: assuming FreeBSD 14's stock defaults (loader_conf_files=\"{StockLoaderConfFiles}\", loader_conf_dirs=\"{StockLoaderConfDirs}\").");
                return $"loader_conf_files=\"{StockLoaderConfFiles}\"\nloader_conf_dirs=\"{StockLoaderConfDirs}\"\n";
            }
            return tree.Text(path);
        }

        string? Literal(ShellAssignment a, string file)
        {
            if (a.IsLiteral) return a.Value;
            warnings.Add($"{file}:{a.LineNumber}: {a.Name} uses loader variables ({a.RawValue}), which XenPS does not expand: the files it names are not read.");
            return null;
        }

        void ReadConf(string file, string? group, bool top)
        {
            if (!loaded.Add(file)) return;
            if (file.EndsWith(".lua", StringComparison.Ordinal))
            {
                warnings.Add($"{file} is a Lua configuration file (loader.conf.lua(5)), which XenPS cannot read: a setting it makes is not seen.");
                return;
            }
            var text = TextOf(file);
            string? files = null;
            if (text is not null)
            {
                if (tree.Text(file) is not null) sources.Add(new ConfigSource(file, group, editable: file != LoaderDefaults));
                foreach (var a in editor.GetAssignments(text).Where(a => !a.IsMalformed))
                {
                    switch (a.Name)
                    {
                        case "loader_conf_files":
                            files = Literal(a, file);
                            break;
                        case "loader_conf_dirs":
                        case "local_loader_conf_files":
                            if (Literal(a, file) is { } v) env[a.Name] = v;
                            break;
                    }
                }
            }
            foreach (var name in Words(files)) ReadConf(Absolute(name), null, top: false);
            if (!top) return;
            foreach (var dir in Words(env.TryGetValue("loader_conf_dirs", out var d) ? d : null).Select(Absolute))
            {
                if (tree.KindOf(dir) != ConfigNodeKind.Directory) continue;
                // config.lua: cfile:match(".conf$") — any character, then "conf", at the end; regular files only.
                foreach (var entry in tree.Entries(dir) ?? Array.Empty<ConfigDirEntry>())
                {
                    if (entry.IsFile && entry.Name.Length >= 5 && entry.Name.EndsWith("conf", StringComparison.Ordinal))
                        ReadConf(dir.TrimEnd('/') + "/" + entry.Name, dir, top: false);
                }
            }
            foreach (var name in Words(env.TryGetValue("local_loader_conf_files", out var l) ? l : null)) ReadConf(Absolute(name), null, top: false);
        }

        ReadConf(LoaderDefaults, null, top: true);
        return new ConfigChain("the loader", ShellConfigDialect.LoaderConf, mainFile, sources, warnings, notes);
    }

    /// <summary>The files rc reads for the scripts of <paramref name="services"/> (load_rc_config, in that order).</summary>
    public static ConfigChain Rc(ConfigTree tree, IReadOnlyList<string> services, string mainFile = "/etc/rc.conf")
    {
        var editor = ShellConfigEditor.RcConf;
        var sources = new List<ConfigSource>();
        var warnings = new List<string>();
        var notes = new List<string>();

        // The value a variable has after the files read so far (for rc_conf_files and local_startup).
        string? ValueSoFar(string name, string fallback)
        {
            ShellAssignment? last = null;
            string? file = null;
            foreach (var s in sources)
            {
                if (tree.Text(s.Path) is not { } text) continue;
                foreach (var a in editor.GetAssignments(text, name).Where(a => !a.IsMalformed))
                {
                    last = a;
                    file = s.Path;
                }
            }
            if (last is null) return fallback;
            if (last.IsLiteral) return last.Value;
            warnings.Add($"{file}:{last.LineNumber}: {name} uses sh expansions ({last.RawValue}), which XenPS does not expand: assuming \"{fallback}\".");
            return fallback;
        }

        var hasDefaults = tree.Text(RcDefaults) is not null;
        if (hasDefaults)
        {
            sources.Add(new ConfigSource(RcDefaults, editable: false));
            if (tree.Text(RcVendor) is not null) sources.Add(new ConfigSource(RcVendor, editable: false));
        }
        else if (tree.KindOf(RcDefaults) == ConfigNodeKind.Missing)
        {
            notes.Add($"{RcDefaults} is missing: assuming FreeBSD 14's stock defaults (rc_conf_files=\"{StockRcConfFiles}\", local_startup=\"{StockLocalStartup}\").");
        }

        // source_rc_confs: every file of rc_conf_files once, then again with the value they left.
        var sourced = new HashSet<string>(StringComparer.Ordinal);
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var file in Words(ValueSoFar("rc_conf_files", StockRcConfFiles)).Select(Absolute).ToList())
            {
                if (!sourced.Add(file)) continue;
                if (tree.Text(file) is not null) sources.Add(new ConfigSource(file));
            }
        }

        var startup = Words(ValueSoFar("local_startup", StockLocalStartup)).ToList();
        foreach (var service in services)
        {
            foreach (var d in new[] { "/etc" }.Concat(startup))
            {
                var dir = d.EndsWith("/rc.d", StringComparison.Ordinal) ? d.Substring(0, d.Length - "/rc.d".Length) : d;
                var path = Absolute(dir).TrimEnd('/') + "/rc.conf.d/" + service;
                switch (tree.KindOf(path))
                {
                    case ConfigNodeKind.File:
                        if (tree.Text(path) is not null) sources.Add(new ConfigSource(path));
                        break;
                    case ConfigNodeKind.Directory:
                        foreach (var entry in tree.Entries(path) ?? Array.Empty<ConfigDirEntry>())
                        {
                            // for _rc in DIR/*: no dot files; [ -f ]
                            if (entry.IsFile && !entry.Name.StartsWith(".", StringComparison.Ordinal) && tree.Text(path + "/" + entry.Name) is not null)
                                sources.Add(new ConfigSource(path + "/" + entry.Name, backupIsRead: true));
                        }
                        break;
                }
            }
        }
        return new ConfigChain($"rc ({string.Join(", ", services)})", ShellConfigDialect.RcConf, mainFile, sources, warnings, notes);
    }

    /// <summary>The files the sysctl script reads: /etc/sysctl.conf, then /etc/sysctl.conf.local.</summary>
    public static ConfigChain Sysctl(ConfigTree tree, string mainFile = "/etc/sysctl.conf")
    {
        var sources = new List<ConfigSource>();
        foreach (var file in SysctlFiles)
        {
            if (tree.Text(file) is not null) sources.Add(new ConfigSource(file));
        }
        return new ConfigChain("the sysctl script", ShellConfigDialect.SysctlConf, mainFile, sources, Array.Empty<string>(), Array.Empty<string>());
    }

    /// <summary>The words of a list value (blanks separate them).</summary>
    public static IEnumerable<string> Words(string? value) =>
        (value ?? string.Empty).Split(Blanks, StringSplitOptions.RemoveEmptyEntries);

    // The loader and sh open relative names from the root of the system (the loader's current device, rc's /).
    private static string Absolute(string path) => path.StartsWith("/", StringComparison.Ordinal) ? path : "/" + path;
}
