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
    internal Dom0Setting(string file, string setting, string? before, string? after, bool changed, string? remedy)
    {
        File = file;
        Setting = setting;
        Before = before;
        After = after;
        Changed = changed;
        Remedy = remedy;
    }

    /// <summary>The path on the host (the root prefixed).</summary>
    public string File { get; }
    public string Setting { get; }
    public string? Before { get; }
    public string? After { get; }
    public bool Changed { get; }

    /// <summary>What to run or edit by hand to get there.</summary>
    public string? Remedy { get; }

    public XenDom0Change ToChange(string computerName) => new(computerName, File, Setting, Before, After, Changed);
}

/// <summary>The new text of every file and one <see cref="Dom0Setting"/> per managed setting.</summary>
public sealed class Dom0EditResult
{
    /// <summary>System path (e.g. /boot/loader.conf) to its new text. Files that stay absent are not listed.</summary>
    public Dictionary<string, string> Texts { get; } = new(StringComparer.Ordinal);

    public List<Dom0Setting> Settings { get; } = new();

    public List<string> Warnings { get; } = new();
}

/// <summary>
/// The FreeBSD Handbook's "prepare the host for Dom0" as a pure function from the current files to the desired ones
/// (no I/O: the planner reads and writes). Every edit goes through the byte-preserving editors of XenPS.Core.FreeBsd, so
/// everything the preparation does not manage stays as it was, comments and quoting included. The Handbook's errata
/// are fixed: vm.max_user_wired (not vm.max_wired) on FreeBSD 13 and later, /var/log/xen created 0755 (not 644, which
/// makes a directory that cannot be entered), and the autobridge edition's missing cloned_interfaces.
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
    public const string SerialSettings = "115200,8n1";

    /// <summary>The files the preparation may edit, in the order they are written.</summary>
    public static readonly string[] Files = { LoaderConf, MenuRcLocal, SysctlConf, LoginConfPath, TtysPath, RcConf };

    private static readonly string[] AddressFreeWords = { "up", "dhcp", "syncdhcp" };

    /// <summary>Computes the new files. <paramref name="current"/> maps each system path to its text (null: the file
    /// does not exist). Throws <see cref="XenConfigFileException"/> (InvalidData) or a XenInvalidArgument/
    /// XenDom0UnsafeChange <see cref="XenException"/> when a file cannot be edited safely; nothing is written then.</summary>
    public static Dom0EditResult Edit(Dom0DesiredState state, Dom0Facts facts, IReadOnlyDictionary<string, string?> current)
    {
        if (state is null) throw new ArgumentNullException(nameof(state));
        if (facts is null) throw new ArgumentNullException(nameof(facts));
        var result = new Dom0EditResult();
        var context = new Context(state, facts, current, result);
        context.EditLoaderConf();
        if (state.BootMenu) context.EditMenuRcLocal();
        context.EditSysctlConf();
        context.EditLoginConf();
        context.EditTtys();
        context.EditRcConf();
        return result;
    }

    private sealed class Context
    {
        private readonly Dom0DesiredState _s;
        private readonly Dom0Facts _facts;
        private readonly IReadOnlyDictionary<string, string?> _current;
        private readonly Dom0EditResult _result;

        public Context(Dom0DesiredState s, Dom0Facts facts, IReadOnlyDictionary<string, string?> current, Dom0EditResult result)
        {
            _s = s;
            _facts = facts;
            _current = current;
            _result = result;
        }

        private string Host(string path) => _s.PathOf(path);

        private string Text(string path) => _current.TryGetValue(path, out var t) && t is not null ? t : string.Empty;

        private bool Exists(string path) => _current.TryGetValue(path, out var t) && t is not null;

        private void Add(string path, string setting, string? before, string? after, bool changed, string? remedy) =>
            _result.Settings.Add(new Dom0Setting(Host(path), setting, before, after, changed, changed ? remedy : null));

        private void Keep(string path, string original, string text)
        {
            if (Exists(path) || !string.Equals(original, text, StringComparison.Ordinal)) _result.Texts[path] = text;
        }

        /// <summary>sysrc's own form of a command (with -f for any file but rc.conf, or when a root is given).</summary>
        private string Sysrc(string path, string assignment) =>
            path == RcConf && !_s.HasRoot ? "sysrc " + assignment : $"sysrc -f {Host(path)} {assignment}";

        // ---- /boot/loader.conf ----

        public void EditLoaderConf()
        {
            var editor = ShellConfigEditor.LoaderConf;
            var original = Text(LoaderConf);
            var text = original;
            var managed = new List<string>();
            string Run(Func<string> edit) => Guard(LoaderConf, edit);

            if (!_facts.ModernCommandLine)
            {
                text = Run(() => SetValue(editor, LoaderConf, text, "hw.pci.mcfg", "0", ignoreCase: false));
                managed.Add("hw.pci.mcfg");
            }
            if (_s.LoadTap)
            {
                text = Run(() => SetValue(editor, LoaderConf, text, "if_tap_load", "YES", ignoreCase: true));
                managed.Add("if_tap_load");
            }
            text = Run(() => SetValue(editor, LoaderConf, text, "xen_kernel", XenKernel, ignoreCase: false));
            managed.Add("xen_kernel");
            text = Run(() => EditCommandLine(text));
            managed.Add("xen_cmdline");
            if (_s.BootDiagnostics == true)
            {
                text = Run(() => SetValue(editor, LoaderConf, text, "boot_verbose", "YES", ignoreCase: true));
                managed.Add("boot_verbose");
            }
            else if (_s.BootDiagnostics == false)
            {
                text = Run(() => RemoveValue(editor, LoaderConf, text, "boot_verbose"));
                managed.Add("boot_verbose");
            }
            VerifyOthersUnchanged(editor, LoaderConf, original, text, managed);
            Keep(LoaderConf, original, text);
        }

        private string EditCommandLine(string text)
        {
            var editor = ShellConfigEditor.LoaderConf;
            var effective = editor.GetEffective(text, "xen_cmdline");
            if (effective is not null && !effective.IsLiteral)
                throw XenConfigFileException.Unsafe(effective.LineNumber, $"xen_cmdline uses loader variables ({effective.RawValue}), which XenPS does not expand.");
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
            var edited = effective is null && value.Length == 0 ? text : editor.Set(text, "xen_cmdline", value).Text;
            var remedy = Sysrc(LoaderConf, "xen_cmdline=\"" + value + "\"");
            foreach (var (key, before, after) in records)
                Add(LoaderConf, "xen_cmdline " + key, before, after, !string.Equals(before, after, StringComparison.Ordinal), remedy);
            if (editor.GetValue(edited, "xen_cmdline") is { } check && check != value)
                throw UnsafeChange(LoaderConf, "xen_cmdline would not read back as written");
            return edited;
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
            var r = Guard(MenuRcLocal, () => MenuRcLocal_(original));
            Keep(MenuRcLocal, original, r);
            if (_facts.FreeBsdMajor is null or >= 12)
                _result.Warnings.Add("/boot/menu.rc.local is read by the Forth boot menu (loader_4th) only; the default Lua loader of FreeBSD 12 and later boots Xen from xen_kernel in loader.conf and shows its own menu.");
        }

        private string MenuRcLocal_(string original)
        {
            var r = FreeBsd.MenuRcLocal.EnsureXenInclude(original);
            Add(MenuRcLocal, FreeBsd.MenuRcLocal.XenInclude, r.Before, r.After, r.Changed, $"echo '{FreeBsd.MenuRcLocal.XenInclude}' >> {Host(MenuRcLocal)}");
            return r.Text;
        }

        // ---- /etc/sysctl.conf ----

        public void EditSysctlConf()
        {
            var editor = ShellConfigEditor.SysctlConf;
            var original = Text(SysctlConf);
            var name = _facts.WiredMemorySysctl;
            var stale = _facts.StaleWiredMemorySysctl;
            var text = Guard(SysctlConf, () => SetValue(editor, SysctlConf, original, name, "-1", ignoreCase: false));
            if (Guard(SysctlConf, () => editor.GetAssignments(text, stale)).Count > 0)
                text = Guard(SysctlConf, () => RemoveValue(editor, SysctlConf, text, stale));
            VerifyOthersUnchanged(editor, SysctlConf, original, text, new[] { name, stale });
            Keep(SysctlConf, original, text);
        }

        // ---- /etc/login.conf ----

        public void EditLoginConf()
        {
            var original = Text(LoginConfPath);
            var r = Guard(LoginConfPath, () => LoginConf.EnsureMemoryLockedUnlimited(original));
            Add(LoginConfPath, "default:memorylocked", r.Before, r.After, r.Changed,
                $"set :memorylocked=unlimited: in the default class of {Host(LoginConfPath)}, then run cap_mkdb {Host(LoginConfPath)}");
            Keep(LoginConfPath, original, r.Text);
        }

        // ---- /etc/ttys ----

        public void EditTtys()
        {
            var original = Text(TtysPath);
            var r = Guard(TtysPath, () => Ttys.EnsureXenConsole(original));
            Add(TtysPath, "xc0", r.Before, r.After, r.Changed, $"add the line '{Ttys.XenConsoleEntry}' to {Host(TtysPath)}");
            Keep(TtysPath, original, r.Text);
        }

        // ---- /etc/rc.conf ----

        public void EditRcConf()
        {
            var editor = ShellConfigEditor.RcConf;
            var original = Text(RcConf);
            var text = Guard(RcConf, () => SetValue(editor, RcConf, original, "xencommons_enable", "YES", ignoreCase: true));
            var managed = new List<string> { "xencommons_enable" };
            if (_s.BridgeInterface is { } nic)
            {
                var bridge = _s.BridgeName;
                var memberVariable = "ifconfig_" + nic.Replace('.', '_');
                var bridgeVariable = "ifconfig_" + bridge;
                // Checked first, so that nothing is planned when the network part cannot be done safely.
                var memberBefore = Guard(RcConf, () => editor.GetValue(text, memberVariable));
                if (memberBefore is not null && !OnlyWords(memberBefore, AddressFreeWords))
                {
                    throw UnsafeChange(RcConf,
                        $"{memberVariable}=\"{memberBefore}\" configures {nic} with more than DHCP (a static address or other options). Making {nic} a member of {bridge} would drop that configuration and could cut the host off the network, so nothing was changed. Move the address to {bridgeVariable} by hand (for example {bridgeVariable}=\"addm {nic} inet 192.0.2.10/24\" and {memberVariable}=\"up\"), then run Initialize-XenDom0 again.");
                }
                var bridgeBefore = Guard(RcConf, () => editor.GetValue(text, bridgeVariable));
                var cloned = _s.BridgeStyle == XenBridgeStyle.Cloned;
                var bridgeWanted = cloned ? $"addm {nic} SYNCDHCP" : "SYNCDHCP";
                var bridgeDone = bridgeBefore is not null && HasAddress(bridgeBefore) && (!cloned || HasPair(bridgeBefore, "addm", nic));
                if (!bridgeDone && bridgeBefore is not null && HasStaticAddress(bridgeBefore))
                {
                    throw UnsafeChange(RcConf,
                        $"{bridgeVariable}=\"{bridgeBefore}\" gives {bridge} a static address but does not add {nic} ('addm {nic}'); replacing it with \"{bridgeWanted}\" would drop the address, so nothing was changed. Add 'addm {nic}' to it by hand.");
                }

                text = Guard(RcConf, () => AddWord(editor, RcConf, text, "cloned_interfaces", bridge));
                managed.Add("cloned_interfaces");
                if (!cloned)
                {
                    text = Guard(RcConf, () => AddWord(editor, RcConf, text, "autobridge_interfaces", bridge));
                    text = Guard(RcConf, () => AddWord(editor, RcConf, text, "autobridge_" + bridge, nic));
                    managed.Add("autobridge_interfaces");
                    managed.Add("autobridge_" + bridge);
                }
                if (bridgeDone) Add(RcConf, bridgeVariable, bridgeBefore, bridgeBefore, false, null);
                else text = Guard(RcConf, () => SetValue(editor, RcConf, text, bridgeVariable, bridgeWanted, ignoreCase: false));
                managed.Add(bridgeVariable);
                text = Guard(RcConf, () => SetValue(editor, RcConf, text, memberVariable, "up", ignoreCase: true));
                managed.Add(memberVariable);
            }
            VerifyOthersUnchanged(editor, RcConf, original, text, managed);
            Keep(RcConf, original, text);
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

        /// <summary>Sets a variable (YES/yes/Yes count as the same value when <paramref name="ignoreCase"/>).</summary>
        private string SetValue(ShellConfigEditor editor, string path, string text, string name, string value, bool ignoreCase)
        {
            var current = editor.GetEffective(text, name);
            var quoted = editor.Dialect == ShellConfigDialect.SysctlConf ? name + "=" + value : name + "=\"" + value + "\"";
            if (current is not null && current.IsLiteral && current.Value is { } v && ignoreCase && string.Equals(v, value, StringComparison.OrdinalIgnoreCase)
                && current.LineNumber == editor.GetAssignments(text, name).Last().LineNumber)
            {
                Add(path, name, v, v, false, null);
                return text;
            }
            var r = editor.Set(text, name, value);
            Add(path, name, r.Before, r.After, r.Changed, Sysrc(path, quoted));
            if (editor.GetValue(r.Text, name) != value) throw UnsafeChange(path, $"{name} would not read back as {value}");
            return r.Text;
        }

        private string RemoveValue(ShellConfigEditor editor, string path, string text, string name)
        {
            var r = editor.Remove(text, name);
            Add(path, name, r.Before, null, r.Changed, Sysrc(path, "-x " + name));
            return r.Text;
        }

        private string AddWord(ShellConfigEditor editor, string path, string text, string name, string word)
        {
            var r = editor.EditWordList(text, name, l => l.AddFlag(word));
            Add(path, name, r.Before, r.After, r.Changed, Sysrc(path, $"{name}+=\" {word}\""));
            return r.Text;
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
                throw new XenConfigFileException(ex.ErrorId, ex.Kind, $"{Host(path)}: {ex.Message}", ex.LineNumber) { FileName = Host(path), ComputerName = ex.ComputerName };
            }
            catch (ArgumentException ex)
            {
                throw new XenException("XenInvalidArgument", XenErrorKind.InvalidArgument, $"{Host(path)}: {ex.Message}", ex);
            }
        }

        private XenException UnsafeChange(string path, string why) =>
            new("XenDom0UnsafeChange", XenErrorKind.InvalidOperation, $"{Host(path)}: {why}. Nothing was changed.");
    }
}
