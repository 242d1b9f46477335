using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using XenPS.Core.Execution;
using XenPS.Core.FreeBsd;

namespace XenPS.Core.Dom0;

/// <summary>One managed setting: the change record plus the command that fixes it by hand.</summary>
public sealed class Dom0Setting
{
    internal Dom0Setting(string file, string setting, string? before, string? after, bool changed, string? remedy,
        string? source = null, IReadOnlyList<string>? conflictsWith = null, bool isOverride = false)
    {
        File = file;
        Setting = setting;
        Before = before;
        After = after;
        Changed = changed;
        Remedy = remedy;
        Source = source;
        ConflictsWith = conflictsWith ?? Array.Empty<string>();
        IsOverride = isOverride;
    }

    /// <summary>The path on the host (the root prefixed): the file XenPS writes the setting to.</summary>
    public string File { get; }
    public string Setting { get; }

    /// <summary>The value that takes effect now (for a setting read from several files, the last assignment the
    /// reader reads).</summary>
    public string? Before { get; }
    public string? After { get; }
    public bool Changed { get; }

    /// <summary>What to run or edit by hand to get there.</summary>
    public string? Remedy { get; }

    /// <summary>Where <see cref="Before"/> comes from: "host path:line"; null when not set or not from a file.</summary>
    public string? Source { get; }

    /// <summary>The assignments read after <see cref="File"/> that set another value ("host path:line"): the change
    /// comments them out.</summary>
    public IReadOnlyList<string> ConflictsWith { get; }

    /// <summary>True for the record of an overriding assignment that the change comments out (File is that file).</summary>
    public bool IsOverride { get; }

    public XenDom0Change ToChange(string computerName) => new(computerName, File, Setting, Before, After, Changed) { Source = Source, ConflictsWith = ConflictsWith.ToArray() };
}

/// <summary>The new text of every file and one <see cref="Dom0Setting"/> per managed setting.</summary>
public sealed class Dom0EditResult
{
    /// <summary>System path (e.g. /boot/loader.conf) to its new text: every file XenPS manages that exists or is
    /// created, and every other file it changes (an overriding assignment commented out). Files that stay absent are
    /// not listed.</summary>
    public Dictionary<string, string> Texts { get; } = new(StringComparer.Ordinal);

    /// <summary>The keys of <see cref="Texts"/> in the order the files are written: the managed files, then the others
    /// in the order they were changed.</summary>
    public List<string> Order { get; } = new();

    public List<Dom0Setting> Settings { get; } = new();

    public List<string> Warnings { get; } = new();
}

/// <summary>
/// The FreeBSD Handbook's "prepare the host for Dom0" as a pure function from the current files to the desired ones
/// (no I/O: the planner reads and writes). Every edit goes through the byte-preserving editors of XenPS.Core.FreeBsd, so
/// everything the preparation does not manage stays as it was, comments and quoting included. The Handbook's errata
/// are fixed: vm.max_user_wired (not vm.max_wired) on FreeBSD 13 and later, /var/log/xen created 0755 (not 644, which
/// makes a directory that cannot be entered), and the autobridge edition's missing cloned_interfaces.
/// <para>A setting is judged by the value that takes effect: its reader's files are read in its order
/// (<see cref="Dom0Files"/>) and the last assignment wins. When that is not the wanted value, the value is written to
/// the main file (loader.conf, rc.conf, sysctl.conf) and every assignment read after it that gives another value is
/// commented out (with a comment line saying why); then the readers are run again on the new texts, and the change is
/// refused (XenDom0UnsafeChange) unless every managed setting takes effect as wanted.</para>
/// </summary>
public static class Dom0Editor
{
    public const string LoaderConf = "/boot/loader.conf";
    public const string MenuRcLocal = "/boot/menu.rc.local";
    public const string SysctlConf = "/etc/sysctl.conf";
    public const string LoginConfPath = "/etc/login.conf";
    public const string LoginConfDb = "/etc/login.conf.db";
    public const string TtysPath = "/etc/ttys";
    public const string RcConf = "/etc/rc.conf";
    public const string LogDirectory = "/var/log/xen";
    public const string XenKernel = "/boot/xen";
    public const string FreeBsdVersionScript = "/bin/freebsd-version";
    public const string SerialSettings = "115200,8n1";

    /// <summary>The files the preparation writes its settings to, in the order they are written.</summary>
    public static readonly string[] Files = { LoaderConf, MenuRcLocal, SysctlConf, LoginConfPath, TtysPath, RcConf };

    /// <summary>The other paths of the target the preparation looks at.</summary>
    public static readonly string[] OtherPaths = { XenKernel, FreeBsdVersionScript, LoginConfDb, LogDirectory };

    private static readonly string[] AddressFreeWords = { "up", "dhcp", "syncdhcp" };

    /// <summary>Computes the new files from the managed files alone (<paramref name="current"/>: system path to text,
    /// null: missing; any file not given counts as missing).</summary>
    public static Dom0EditResult Edit(Dom0DesiredState state, Dom0Facts facts, IReadOnlyDictionary<string, string?> current) =>
        Edit(state, facts, Dom0Files.FromTexts(current, state.PathOf, state.BootMenu));

    /// <summary>Computes the new files. Throws <see cref="XenConfigFileException"/> (InvalidData) or a XenInvalidArgument/
    /// XenDom0UnsafeChange <see cref="XenException"/> when a file cannot be edited safely, or when the wanted values
    /// would not take effect; nothing is written then.</summary>
    public static Dom0EditResult Edit(Dom0DesiredState state, Dom0Facts facts, Dom0Files files)
    {
        if (state is null) throw new ArgumentNullException(nameof(state));
        if (facts is null) throw new ArgumentNullException(nameof(facts));
        if (files is null) throw new ArgumentNullException(nameof(files));
        var result = new Dom0EditResult();
        var context = new Context(state, facts, files, result);
        context.EditLoaderConf();
        if (state.BootMenu) context.EditMenuRcLocal();
        context.EditSysctlConf();
        context.EditLoginConf();
        context.EditTtys();
        context.EditRcConf();
        context.Finish();
        return result;
    }

    /// <summary>What <see cref="Context.EnsureValue"/> found and did.</summary>
    private sealed class Ensured
    {
        public Ensured(ConfigValue before, bool changed, IReadOnlyList<ConfigAssignmentAt> conflicts)
        {
            Before = before;
            Changed = changed;
            Conflicts = conflicts;
        }

        public ConfigValue Before { get; }
        public bool Changed { get; }
        public IReadOnlyList<ConfigAssignmentAt> Conflicts { get; }
    }

    private sealed class Context
    {
        private readonly Dom0DesiredState _s;
        private readonly Dom0Facts _facts;
        private readonly Dom0Files _files;
        private readonly Dom0EditResult _result;
        private readonly Dictionary<string, string?> _texts = new(StringComparer.Ordinal);
        private readonly List<string> _touched = new();
        private readonly Dictionary<string, (ShellConfigEditor Editor, HashSet<string> Names)> _managed = new(StringComparer.Ordinal);
        private readonly List<(ConfigChain Chain, string Name, string? Wanted, bool IgnoreCase)> _expected = new();

        public Context(Dom0DesiredState s, Dom0Facts facts, Dom0Files files, Dom0EditResult result)
        {
            _s = s;
            _facts = facts;
            _files = files;
            _result = result;
        }

        private string Host(string path) => _files.HostPath(path);

        private string Where(ConfigAssignmentAt a) => Host(a.File) + ":" + a.Line.ToString(CultureInfo.InvariantCulture);

        private string? Current(string path) => _texts.TryGetValue(path, out var t) ? t : _files.Text(path);

        private string Text(string path) => Current(path) ?? string.Empty;

        private string Original(string path) => _files.Text(path) ?? string.Empty;

        private bool Exists(string path) => _files.Exists(path);

        private void SetText(string path, string text)
        {
            if (!_touched.Contains(path)) _touched.Add(path);
            _texts[path] = text;
        }

        private void Manage(string path, ShellConfigEditor editor, string name)
        {
            if (!_managed.TryGetValue(path, out var m)) _managed[path] = m = (editor, new HashSet<string>(StringComparer.Ordinal));
            m.Names.Add(name);
        }

        private void Add(string path, string setting, string? before, string? after, bool changed, string? remedy,
            string? source = null, IReadOnlyList<string>? conflicts = null) =>
            _result.Settings.Add(new Dom0Setting(Host(path), setting, before, after, changed, changed ? remedy : null, source, conflicts));

        /// <summary>sysrc's own form of a command (with -f for any file but rc.conf, or when a root is given).</summary>
        private string Sysrc(string path, string assignment) =>
            path == RcConf && !_s.HasRoot ? "sysrc " + assignment : $"sysrc -f {Host(path)} {assignment}";

        /// <summary>The remedy, plus the overriding assignments to comment out.</summary>
        private string WithConflicts(string remedy, IReadOnlyList<ConfigAssignmentAt> conflicts) =>
            conflicts.Count == 0 ? remedy : remedy + "; then comment out " + string.Join(", ", conflicts.Select(Where)) + ", which override it";

        private ConfigValue Value(ConfigChain chain, string name) => chain.Evaluate(Current, name);

        // ---- the value that takes effect ----

        /// <summary>Makes <paramref name="wanted"/> the value <paramref name="chain"/>'s reader ends up with: nothing
        /// changes when it already is (the last assignment, well formed, literal, not decided by a directory's order);
        /// otherwise it is written to the main file and every assignment read after it that gives another value is
        /// commented out.</summary>
        public Ensured EnsureValue(ConfigChain chain, string name, string wanted, bool ignoreCase)
        {
            var editor = chain.Editor;
            var main = chain.MainFile;
            bool Same(ConfigAssignmentAt a) => !a.Assignment.IsMalformed && a.Assignment.IsLiteral && a.Value is { } v &&
                                              string.Equals(v, wanted, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
            var before = Guard(main, () => Value(chain, name));
            Manage(main, editor, name);
            _expected.Add((chain, name, wanted, ignoreCase));
            if (before.Effective is { } e && Same(e) && before.EffectiveIsLast && !before.Ambiguous)
                return new Ensured(before, false, Array.Empty<ConfigAssignmentAt>());

            var mainPosition = chain.MainPosition;
            if (mainPosition < 0)
                throw UnsafeChange(main, $"{chain.Reader} does not read {main} (it reads {string.Join(", ", chain.Sources.Select(x => x.Path))}), so {name} written there would not take effect");
            var r = Guard(main, () => editor.Set(Text(main), name, wanted));
            if (editor.GetValue(r.Text, name) != wanted) throw UnsafeChange(main, $"{name} would not read back as {wanted}");
            if (r.Changed) SetText(main, r.Text);

            var conflicts = before.Assignments.Where(a => a.Position > mainPosition && a.File != main && !Same(a)).ToList();
            foreach (var source in conflicts.Select(a => a.Source).GroupBy(x => x.Path, StringComparer.Ordinal).Select(g => g.First()))
                DisableIn(chain, source, name, conflicts.Where(a => a.File == source.Path).ToList());
            return new Ensured(before, true, conflicts);
        }

        /// <summary>Makes <paramref name="name"/> unset for <paramref name="chain"/>'s reader: its lines are deleted
        /// from the main file (like sysrc -x) and commented out in every other file.</summary>
        public void RemoveValue(ConfigChain chain, string name)
        {
            var editor = chain.Editor;
            var main = chain.MainFile;
            var before = Guard(main, () => Value(chain, name));
            Manage(main, editor, name);
            _expected.Add((chain, name, null, false));
            var r = Guard(main, () => editor.Remove(Text(main), name));
            if (r.Changed) SetText(main, r.Text);
            var elsewhere = before.Assignments.Where(a => a.File != main).ToList();
            foreach (var source in elsewhere.Select(a => a.Source).GroupBy(x => x.Path, StringComparer.Ordinal).Select(g => g.First()))
                DisableIn(chain, source, name, elsewhere.Where(a => a.File == source.Path).ToList());
            Add(main, name, before.Value, null, before.Assignments.Count > 0, WithConflicts(Sysrc(main, "-x " + name), elsewhere),
                before.Effective is { } e ? Where(e) : null, elsewhere.Select(Where).ToList());
        }

        private void DisableIn(ConfigChain chain, ConfigSource source, string name, IReadOnlyList<ConfigAssignmentAt> assignments)
        {
            var lines = string.Join(", ", assignments.Select(a => a.Line.ToString(CultureInfo.InvariantCulture)));
            if (!source.Editable)
                throw UnsafeChange(source.Path, $"it sets {name} (line {lines}), which {chain.Reader} reads after {chain.MainFile}, and XenPS does not edit a defaults file. Override it in a file read later");
            if (source.BackupIsRead)
                throw UnsafeChange(source.Path, $"it sets {name} (line {lines}), which overrides {chain.MainFile}; rc reads every file of {ConfigTree.DirectoryOf(source.Path)}, so a backup of it there would be read too. Comment out the line by hand, then run the command again");
            var editor = chain.Editor;
            var note = $"Disabled by Initialize-XenDom0 (XenPS): {name} is set in {chain.MainFile}.";
            var r = Guard(source.Path, () => editor.Disable(Text(source.Path), name, note));
            if (!r.Changed) return;
            SetText(source.Path, r.Text);
            Manage(source.Path, editor, name);
            _result.Settings.Add(new Dom0Setting(Host(source.Path), name, r.Before, null, true,
                $"comment out {name} (line {lines}) in {Host(source.Path)}", Where(assignments[assignments.Count - 1]), null, isOverride: true));
        }

        /// <summary>Every file changed keeps every other variable, and every managed setting takes effect as wanted
        /// when the readers read the new files.</summary>
        public void Finish()
        {
            foreach (var path in _touched)
            {
                if (_managed.TryGetValue(path, out var m)) VerifyOthersUnchanged(m.Editor, path, Original(path), Text(path), m.Names);
            }
            foreach (var (chain, name, wanted, ignoreCase) in _expected)
            {
                var after = Guard(chain.MainFile, () => Value(chain, name));
                var ok = wanted is null
                    ? after.Effective is null
                    : after.Effective is { } e && !after.Ambiguous && e.Assignment.IsLiteral && string.Equals(e.Value, wanted, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
                if (!ok)
                {
                    var now = after.Effective is { } a ? $"\"{a.Value}\" from {Where(a)}{(after.Ambiguous ? " (or another file of its directory, whichever the loader reads last)" : string.Empty)}" : "not set";
                    throw UnsafeChange(chain.MainFile, $"after the change {chain.Reader} would still get {name} {now}, not {(wanted is null ? "unset" : "\"" + wanted + "\"")}");
                }
            }
            foreach (var path in Files.Where(f => _s.BootMenu || f != MenuRcLocal).Concat(_touched).Distinct(StringComparer.Ordinal))
            {
                var text = Current(path);
                if (text is null) continue;
                if (Exists(path) || !string.Equals(Original(path), text, StringComparison.Ordinal))
                {
                    _result.Texts[path] = text;
                    _result.Order.Add(path);
                }
            }
        }

        // ---- /boot/loader.conf ----

        public void EditLoaderConf()
        {
            var chain = _files.Loader;
            if (!_facts.ModernCommandLine) SetValue(chain, "hw.pci.mcfg", "0", ignoreCase: false);
            if (_s.LoadTap) SetValue(chain, "if_tap_load", "YES", ignoreCase: true);
            SetValue(chain, "xen_kernel", XenKernel, ignoreCase: false);
            EditCommandLine(chain);
            if (_s.BootDiagnostics == true) SetValue(chain, "boot_verbose", "YES", ignoreCase: true);
            else if (_s.BootDiagnostics == false) RemoveValue(chain, "boot_verbose");
        }

        private void EditCommandLine(ConfigChain chain)
        {
            var current = Guard(LoaderConf, () => Value(chain, "xen_cmdline"));
            var effective = current.Effective;
            if (effective is not null && !effective.Assignment.IsLiteral)
                throw Guarded(effective.File, XenConfigFileException.Unsafe(effective.Line, $"xen_cmdline uses loader variables ({effective.Assignment.RawValue}), which XenPS does not expand."));
            var list = WordList.Parse(effective?.Value);
            var records = new List<(string Key, string? Before, string? After)>();

            void Option(string key, string? value, bool flag = false)
            {
                var before = WordsOf(list, key);
                if (value is null && !flag) list.Remove(key);
                else list.Set(key, flag ? null : value);
                records.Add((key, before, value is null && !flag ? null : WordsOf(list, key)));
            }

            if (_s.Dom0MemoryMB is { } mb)
            {
                // An equal size in another unit (8G for 8192M) is left as it is.
                var wanted = mb.ToString(CultureInfo.InvariantCulture) + "M";
                var haveWords = WordsOf(list, "dom0_mem");
                if (haveWords is not null && haveWords.IndexOf(' ') < 0 && list.TryGetValue("dom0_mem", out var have) && SizeInMB(have) == mb)
                    records.Add(("dom0_mem", haveWords, haveWords));
                else Option("dom0_mem", wanted);
            }
            else if (!list.Contains("dom0_mem"))
            {
                _result.Warnings.Add($"{Host(LoaderConf)}: xen_cmdline has no dom0_mem, so Xen gives the Dom0 nearly all the memory and guests must balloon it out; give -Dom0Memory (the Handbook uses 8192M).");
            }
            if (_s.Dom0VCpus is { } vcpus) Option("dom0_max_vcpus", vcpus.ToString(CultureInfo.InvariantCulture));

            if (_facts.ModernCommandLine)
            {
                var add = new List<string> { "pvh" };
                var remove = new List<string> { "pv" };
                if (_s.BootDiagnostics == true) add.Add("verbose");
                else if (_s.BootDiagnostics == false) remove.Add("verbose");
                records.Add(CommaList(list, "dom0", add, remove));
                if (list.Contains("dom0pvh")) Option("dom0pvh", null);
            }
            else
            {
                Option("dom0pvh", "1");
                if (list.Contains("dom0"))
                {
                    var remove = new List<string> { "pvh" };
                    if (_s.BootDiagnostics != true) remove.Add("verbose");
                    records.Add(CommaList(list, "dom0", new List<string>(), remove));
                }
                if (_s.BootDiagnostics == true)
                    _result.Warnings.Add("dom0=verbose is an option of Xen 4.11 and later: with Xen 4.7 -BootDiagnostics sets only iommu=debug, sync_console and boot_verbose.");
            }

            if (_s.Console is { } console)
            {
                Option("console", string.Join(",", console));
                foreach (var com in console.Where(c => c.StartsWith("com", StringComparison.Ordinal))) Option(com, SerialSettings);
            }
            else if (!list.Contains("console"))
            {
                _result.Warnings.Add($"{Host(LoaderConf)}: xen_cmdline has no console option; Xen then writes to no serial port. The Handbook uses -Console com1,vga.");
            }
            Option("guest_loglvl", "all");
            Option("loglvl", "all");

            if (_s.BootDiagnostics == true)
            {
                records.Add(CommaList(list, "iommu", new List<string> { "debug" }, new List<string>()));
                Option("sync_console", null, flag: true);
            }
            else
            {
                if (_s.BootDiagnostics == false && list.Contains("iommu"))
                    records.Add(CommaList(list, "iommu", new List<string>(), new List<string> { "debug" }));
                // Never in production (the Handbook): removed unless -BootDiagnostics asks for it.
                Option("sync_console", null);
            }

            var value = list.ToString();
            var source = effective is null ? null : Where(effective);
            if (effective is null && value.Length == 0)
            {
                foreach (var (key, before, after) in records) Add(LoaderConf, "xen_cmdline " + key, before, after, false, null);
                return;
            }
            var ensured = EnsureValue(chain, "xen_cmdline", value, ignoreCase: false);
            var remedy = WithConflicts(Sysrc(LoaderConf, "xen_cmdline=\"" + value + "\""), ensured.Conflicts);
            var conflicts = ensured.Conflicts.Select(Where).ToList();
            foreach (var (key, before, after) in records)
                Add(LoaderConf, "xen_cmdline " + key, before, after, !string.Equals(before, after, StringComparison.Ordinal), remedy, source, conflicts);
            // The value is right, but it does not take effect for sure (a malformed line after it, or another file of
            // loader.conf.d that may be read last): one record for the whole command line says so.
            if (ensured.Changed && records.All(r => string.Equals(r.Before, r.After, StringComparison.Ordinal)))
                Add(LoaderConf, "xen_cmdline", effective?.Value, value, true, remedy, source, conflicts);
        }

        /// <summary>Ensures the items of a comma list option (dom0=pvh,verbose; iommu=debug), merging repeated words,
        /// keeping items it does not manage and their order.</summary>
        private static (string, string?, string?) CommaList(WordList list, string key, List<string> add, List<string> remove)
        {
            var before = WordsOf(list, key);
            var items = new List<string>();
            foreach (var word in list.Words.Where(w => KeyOf(w) == key))
            {
                var eq = word.IndexOf('=');
                if (eq < 0) continue;
                foreach (var item in word.Substring(eq + 1).Split(',').Where(i => i.Length > 0))
                {
                    if (!items.Contains(item, StringComparer.Ordinal)) items.Add(item);
                }
            }
            items.RemoveAll(i => remove.Contains(KeyOf(i), StringComparer.Ordinal));
            foreach (var a in add)
            {
                if (items.Contains(a, StringComparer.Ordinal)) continue;
                var same = items.FindIndex(i => KeyOf(i) == a); // verbose=0 becomes verbose
                if (same >= 0) items[same] = a;
                else items.Add(a);
            }
            if (items.Count == 0)
            {
                list.Remove(key);
                return (key, before, null);
            }
            list.Set(key, string.Join(",", items));
            return (key, before, WordsOf(list, key));
        }

        private static string KeyOf(string word)
        {
            var eq = word.IndexOf('=');
            return eq < 0 ? word : word.Substring(0, eq);
        }

        private static string? WordsOf(WordList list, string key)
        {
            var words = list.Words.Where(w => KeyOf(w) == key).ToList();
            return words.Count == 0 ? null : string.Join(" ", words);
        }

        /// <summary>Xen's size syntax with a unit (M, G, T); without one (KiB) or otherwise: null.</summary>
        private static long? SizeInMB(string? value)
        {
            if (value is null || value.Length < 2) return null;
            var unit = char.ToUpperInvariant(value[value.Length - 1]);
            if (!long.TryParse(value.Substring(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > int.MaxValue) return null;
            return unit switch
            {
                'M' => n,
                'G' => n * 1024,
                'T' => n * 1024 * 1024,
                _ => null,
            };
        }

        // ---- /boot/menu.rc.local ----

        public void EditMenuRcLocal()
        {
            var original = Text(MenuRcLocal);
            var r = Guard(MenuRcLocal, () => FreeBsd.MenuRcLocal.EnsureXenInclude(original));
            Add(MenuRcLocal, FreeBsd.MenuRcLocal.XenInclude, r.Before, r.After, r.Changed, $"echo '{FreeBsd.MenuRcLocal.XenInclude}' >> {Host(MenuRcLocal)}");
            if (r.Changed) SetText(MenuRcLocal, r.Text);
            if (_facts.FreeBsdMajor is null or >= 12)
                _result.Warnings.Add("/boot/menu.rc.local is read by the Forth boot menu (loader_4th) only; the default Lua loader of FreeBSD 12 and later boots Xen from xen_kernel in loader.conf and shows its own menu.");
        }

        // ---- /etc/sysctl.conf ----

        public void EditSysctlConf()
        {
            var chain = _files.Sysctl;
            SetValue(chain, _facts.WiredMemorySysctl, "-1", ignoreCase: false);
            var stale = _facts.StaleWiredMemorySysctl;
            if (Guard(SysctlConf, () => Value(chain, stale)).Assignments.Count > 0) RemoveValue(chain, stale);
        }

        // ---- /etc/login.conf ----

        public void EditLoginConf()
        {
            var original = Text(LoginConfPath);
            var r = Guard(LoginConfPath, () => LoginConf.EnsureMemoryLockedUnlimited(original));
            Add(LoginConfPath, "default:memorylocked", r.Before, r.After, r.Changed,
                $"set :memorylocked=unlimited: in the default class of {Host(LoginConfPath)}, then run cap_mkdb {Host(LoginConfPath)}");
            if (r.Changed) SetText(LoginConfPath, r.Text);
        }

        // ---- /etc/ttys ----

        public void EditTtys()
        {
            var original = Text(TtysPath);
            var r = Guard(TtysPath, () => Ttys.EnsureXenConsole(original));
            Add(TtysPath, "xc0", r.Before, r.After, r.Changed, $"add the line '{Ttys.XenConsoleEntry}' to {Host(TtysPath)}");
            if (r.Changed) SetText(TtysPath, r.Text);
        }

        // ---- /etc/rc.conf ----

        public void EditRcConf()
        {
            SetValue(_files.Xencommons, "xencommons_enable", "YES", ignoreCase: true);
            if (_s.BridgeInterface is not { } nic) return;

            var netif = _files.Netif;
            var bridge = _s.BridgeName;
            var memberVariable = "ifconfig_" + nic.Replace('.', '_');
            var bridgeVariable = "ifconfig_" + bridge;
            // Checked first, so that nothing is planned when the network part cannot be done safely.
            var memberBefore = Guard(RcConf, () => Value(netif, memberVariable)).Value;
            if (memberBefore is not null && !OnlyWords(memberBefore, AddressFreeWords))
            {
                throw UnsafeChange(RcConf,
                    $"{memberVariable}=\"{memberBefore}\" configures {nic} with more than DHCP (a static address or other options). Making {nic} a member of {bridge} would drop that configuration and could cut the host off the network, so nothing was changed. Move the address to {bridgeVariable} by hand (for example {bridgeVariable}=\"addm {nic} inet 192.0.2.10/24\" and {memberVariable}=\"up\"), then run Initialize-XenDom0 again.");
            }
            var bridgeValue = Guard(RcConf, () => Value(netif, bridgeVariable));
            var bridgeBefore = bridgeValue.Value;
            var cloned = _s.BridgeStyle == XenBridgeStyle.Cloned;
            var bridgeWanted = cloned ? $"addm {nic} SYNCDHCP" : "SYNCDHCP";
            var bridgeDone = bridgeBefore is not null && HasAddress(bridgeBefore) && (!cloned || HasPair(bridgeBefore, "addm", nic));
            if (!bridgeDone && bridgeBefore is not null && HasStaticAddress(bridgeBefore))
            {
                throw UnsafeChange(RcConf,
                    $"{bridgeVariable}=\"{bridgeBefore}\" gives {bridge} a static address but does not add {nic} ('addm {nic}'); replacing it with \"{bridgeWanted}\" would drop the address, so nothing was changed. Add 'addm {nic}' to it by hand.");
            }

            AddWord(netif, "cloned_interfaces", bridge);
            if (!cloned)
            {
                AddWord(_files.Bridge, "autobridge_interfaces", bridge);
                AddWord(_files.Bridge, "autobridge_" + bridge, nic);
            }
            if (bridgeDone)
            {
                // An address of the admin's own (a static one with addm, or DHCP) is kept: it must take effect.
                var ensured = EnsureValue(netif, bridgeVariable, bridgeBefore!, ignoreCase: false);
                Add(RcConf, bridgeVariable, bridgeBefore, bridgeBefore, ensured.Changed, WithConflicts(Sysrc(RcConf, $"{bridgeVariable}=\"{bridgeBefore}\""), ensured.Conflicts),
                    bridgeValue.Effective is { } e ? Where(e) : null, ensured.Conflicts.Select(Where).ToList());
            }
            else SetValue(netif, bridgeVariable, bridgeWanted, ignoreCase: false);
            SetValue(netif, memberVariable, "up", ignoreCase: true);
        }

        private static bool OnlyWords(string value, string[] allowed) =>
            value.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries).All(w => allowed.Contains(w.ToLowerInvariant()));

        private static bool HasAddress(string value)
        {
            var words = value.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries).Select(w => w.ToLowerInvariant()).ToList();
            return words.Contains("dhcp") || words.Contains("syncdhcp") || words.Contains("inet");
        }

        private static bool HasStaticAddress(string value) =>
            value.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries).Any(w => w.Equals("inet", StringComparison.OrdinalIgnoreCase));

        private static bool HasPair(string value, string first, string second)
        {
            var words = value.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i + 1 < words.Length; i++)
            {
                if (words[i] == first && words[i + 1] == second) return true;
            }
            return false;
        }

        // ---- helpers ----

        /// <summary>Sets a variable for its reader (YES/yes/Yes count as the same value when <paramref name="ignoreCase"/>).</summary>
        private void SetValue(ConfigChain chain, string name, string value, bool ignoreCase)
        {
            var main = chain.MainFile;
            var quoted = chain.Dialect == ShellConfigDialect.SysctlConf ? name + "=" + value : name + "=\"" + value + "\"";
            var ensured = EnsureValue(chain, name, value, ignoreCase);
            var before = ensured.Before.Value;
            Add(main, name, before, ensured.Changed ? value : before, ensured.Changed, WithConflicts(Sysrc(main, quoted), ensured.Conflicts),
                ensured.Before.Effective is { } e ? Where(e) : null, ensured.Conflicts.Select(Where).ToList());
        }

        /// <summary>Adds a word to a list variable (cloned_interfaces...), keeping the other words.</summary>
        private void AddWord(ConfigChain chain, string name, string word)
        {
            var main = chain.MainFile;
            var current = Guard(main, () => Value(chain, name));
            if (current.Effective is { } e && !e.Assignment.IsLiteral)
                throw Guarded(e.File, XenConfigFileException.Unsafe(e.Line, $"the value of {name} uses expansions ({e.Assignment.RawValue})."));
            var list = WordList.Parse(current.Value);
            list.AddFlag(word);
            var value = list.ToString();
            var ensured = EnsureValue(chain, name, value, ignoreCase: false);
            Add(main, name, current.Value, ensured.Changed ? value : current.Value, ensured.Changed, WithConflicts(Sysrc(main, $"{name}+=\" {word}\""), ensured.Conflicts),
                current.Effective is { } a ? Where(a) : null, ensured.Conflicts.Select(Where).ToList());
        }

        /// <summary>Every variable the preparation does not manage must read the same after the edit (a safety net
        /// over the editors: a boot file is never written with a side effect).</summary>
        private void VerifyOthersUnchanged(ShellConfigEditor editor, string path, string before, string after, IEnumerable<string> managed)
        {
            if (string.Equals(before, after, StringComparison.Ordinal)) return;
            var skip = new HashSet<string>(managed, StringComparer.Ordinal);
            var names = editor.GetAssignments(before).Concat(editor.GetAssignments(after)).Select(a => a.Name).Where(n => !skip.Contains(n)).Distinct(StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (editor.GetValue(before, name) != editor.GetValue(after, name))
                    throw UnsafeChange(path, $"the edit would also change {name}");
            }
        }

        private T Guard<T>(string path, Func<T> edit)
        {
            try
            {
                return edit();
            }
            catch (XenConfigFileException ex) when (ex.FileName is null)
            {
                throw Guarded(path, ex);
            }
            catch (ArgumentException ex)
            {
                throw new XenException("XenInvalidArgument", XenErrorKind.InvalidArgument, $"{Host(path)}: {ex.Message}", ex);
            }
        }

        private XenConfigFileException Guarded(string path, XenConfigFileException ex) =>
            new(ex.ErrorId, ex.Kind, $"{Host(path)}: {ex.Message}", ex.LineNumber) { FileName = Host(path), ComputerName = ex.ComputerName };

        private XenException UnsafeChange(string path, string why) =>
            new("XenDom0UnsafeChange", XenErrorKind.InvalidOperation, $"{Host(path)}: {why}. Nothing was changed.");
    }
}
