using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Tests;

/// <summary>Initialize-XenDom0 and Test-XenDom0 through the engine on a FreeBSD 14 tree in a temporary directory
/// (-Root), with the stand-ins of cap_mkdb and pkg (tests/XenPS.Tests/fakes) found through XENPS_CAP_MKDB_PATH and
/// XENPS_PKG_PATH. (Over SSH against a real Dom0: tests/XenPS.Lab.Tests/Dom0LabTests.cs.)</summary>
public sealed class Dom0Tests : EngineTest
{
    private const string Handbook = "-Dom0Memory 8192M -Dom0VCpus 4 -BridgeInterface bge2 -LoadTap -BootMenu";

    private static readonly string[] Tools = { "cap_mkdb", "pkg" };

    private readonly string _root = Directory.CreateTempSubdirectory("xenps dom0 '").FullName;
    private readonly string _log;

    public Dom0Tests()
    {
        var reference = Path.Combine(AppContext.BaseDirectory, "Data", "freebsd-14-etc");
        foreach (var dir in new[] { "etc", "boot", "bin", "var/log", "var/db/pkg" }) Directory.CreateDirectory(P(dir));
        foreach (var name in new[] { "rc.conf", "login.conf", "sysctl.conf", "ttys" }) File.Copy(Path.Combine(reference, name), P("etc/" + name));
        File.Copy(Path.Combine(reference, "loader.conf"), P("boot/loader.conf"));
        File.WriteAllText(P("boot/xen"), "xen hypervisor\n");
        File.WriteAllText(P("var/db/pkg/xenps-fake-packages"), "xen-kernel 4.19.1.20250217\nxen-tools 4.19.1.20250217_1\n");
        File.Copy(Fake("freebsd-version"), P("bin/freebsd-version"));
        _log = P("../" + Path.GetFileName(_root) + ".log");
        foreach (var tool in Tools) Environment.SetEnvironmentVariable("XENPS_" + tool.ToUpperInvariant() + "_PATH", Fake(tool));
        Environment.SetEnvironmentVariable("XENPS_FAKE_LOG", _log);
    }

    protected override void Cleanup()
    {
        foreach (var tool in Tools) Environment.SetEnvironmentVariable("XENPS_" + tool.ToUpperInvariant() + "_PATH", null);
        Environment.SetEnvironmentVariable("XENPS_FAKE_LOG", null);
        Directory.Delete(_root, recursive: true);
        File.Delete(_log);
    }

    private string P(string relative) => Path.Combine(_root, relative);

    private static string Fake(string tool)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fakes", tool);
        MakeExecutable(path);
        return path;
    }

    private static void MakeExecutable(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("The stand-ins are sh scripts.");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    private static string Expected(string relative) =>
        Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "freebsd-14-etc", "expected-dom0", relative)));

    private string[] ToolCalls() => File.Exists(_log) ? File.ReadAllLines(_log) : Array.Empty<string>();

    /// <summary>Every file and directory of the tree with the SHA-256 of its bytes.</summary>
    private SortedDictionary<string, string> Tree()
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in Directory.GetDirectories(_root, "*", SearchOption.AllDirectories)) map[Path.GetRelativePath(_root, dir) + "/"] = "dir";
        foreach (var file in Directory.GetFiles(_root, "*", SearchOption.AllDirectories))
            map[Path.GetRelativePath(_root, file)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
        return map;
    }

    private RunResult Initialize(string arguments = Handbook) => Run($"Initialize-XenDom0 {arguments} -Root '{_root.Replace("'", "''", StringComparison.Ordinal)}' -Confirm:$false");

    private RunResult Test(string arguments = Handbook) => Run($"Test-XenDom0 {arguments} -Root '{_root.Replace("'", "''", StringComparison.Ordinal)}'");

    private static readonly string[] TreeFiles = { "boot/loader.conf", "boot/menu.rc.local", "etc/sysctl.conf", "etc/login.conf", "etc/ttys", "etc/rc.conf" };

    [Fact]
    public void InitializeWritesTheHandbookSettingsThenASecondRunChangesNothing()
    {
        var r = Initialize();
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.Message)));
        foreach (var file in TreeFiles) Assert.Equal(Expected(file), File.ReadAllText(P(file)));
        Assert.True(Directory.Exists(P("var/log/xen")));
        Assert.Contains("cap_mkdb " + P("etc/login.conf"), ToolCalls());

        // One record per setting, typed, with the host and the file under the root.
        Assert.All(r.Output, o => Assert.Equal("XenPS.XenDom0Change", o.TypeNames[0]));
        var records = r.Output.Select(o => (File: (string)Prop(o, "File")!, Setting: (string)Prop(o, "Setting")!, Before: (string?)Prop(o, "Before"), After: (string?)Prop(o, "After"), Changed: (bool)Prop(o, "Changed")!)).ToList();
        Assert.Contains((P("boot/loader.conf"), "xen_cmdline dom0", null, "dom0=pvh", true), records);
        Assert.Contains((P("etc/sysctl.conf"), "vm.max_user_wired", null, "-1", true), records);
        Assert.Contains((P("etc/login.conf"), "default:memorylocked", "memorylocked=64K", "memorylocked=unlimited", true), records);
        Assert.Contains((P("etc/rc.conf"), "ifconfig_bge2", "DHCP", "up", true), records);
        Assert.Contains((P("var/log/xen"), "directory", null, "exists", true), records);
        Assert.All(r.Output, o => Assert.Equal("localhost", Prop(o, "ComputerName")));
        Assert.Equal(records.Count, records.Select(x => x.File + " " + x.Setting).Distinct().Count());

        // It says which files changed and ends with the warning about the boot configuration.
        Assert.Contains($"Changed 6 files on localhost: {P("boot/loader.conf")} (backup {P("boot/loader.conf")}.xenps-", Host.Text, StringComparison.Ordinal);
        Assert.Contains($"{P("boot/menu.rc.local")} (new)", Host.Text, StringComparison.Ordinal);
        Assert.Contains("boot configuration", r.Warnings[^1], StringComparison.Ordinal);

        var before = Tree();
        Host.ClearText();
        var second = Initialize();
        Assert.Empty(second.Errors);
        Assert.Equal(records.Count, second.Output.Count);
        Assert.All(second.Output, o => Assert.False((bool)Prop(o, "Changed")!, (string)Prop(o, "Setting")!));
        Assert.Contains("is already prepared as a Xen Dom0: nothing to change.", Host.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(second.Warnings, w => w.Contains("boot configuration", StringComparison.Ordinal));
        Assert.Equal(before, Tree());
    }

    [Fact]
    public void WhatIfChangesNothingAndShowsADiffOfEachFile()
    {
        var before = Tree();
        var r = Run($"Initialize-XenDom0 {Handbook} -Root '{_root.Replace("'", "''", StringComparison.Ordinal)}' -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Empty(r.Output);
        Assert.Equal(before, Tree());
        Assert.DoesNotContain(ToolCalls(), c => c.StartsWith("cap_mkdb", StringComparison.Ordinal));
        var text = Host.Text;
        Assert.Contains($"What if: Prepare the system mounted at {_root} on 'localhost' as a Xen Dom0 (FreeBSD 14.1-RELEASE-p5", text, StringComparison.Ordinal);
        foreach (var file in TreeFiles.Where(f => f != "boot/menu.rc.local")) Assert.Contains($"--- a{P(file)}", text, StringComparison.Ordinal);
        Assert.Contains($"+++ b{P("boot/menu.rc.local")}", text, StringComparison.Ordinal);
        Assert.Contains("+xen_cmdline=\"dom0_mem=8192M dom0_max_vcpus=4 dom0=pvh console=com1,vga com1=115200,8n1 guest_loglvl=all loglvl=all\"", text, StringComparison.Ordinal);
        Assert.Contains("-\t:memorylocked=64K:\\", text, StringComparison.Ordinal);
        Assert.Contains("+\t:memorylocked=unlimited:\\", text, StringComparison.Ordinal);
        Assert.Contains("+vm.max_user_wired=-1", text, StringComparison.Ordinal);
        Assert.Contains("mkdir -p " + P("var/log/xen"), text, StringComparison.Ordinal);
    }

    [Fact]
    public void AWriteThatFailsHalfwayThroughTheFilesLeavesThemAllAsTheyWere()
    {
        // A mv that fails on its third call: the third file's rename fails after two files were replaced.
        File.WriteAllText(Path.Combine(Xl.Directory, "mv"),
            "#!/bin/sh\nc=$(cat \"$0.count\" 2>/dev/null || echo 0); c=$((c + 1)); echo $c > \"$0.count\"\n" +
            "if [ $c -eq 3 ]; then echo \"mv: rename $2: Input/output error\" >&2; exit 1; fi\nexec /bin/mv \"$@\"\n");
        MakeExecutable(Path.Combine(Xl.Directory, "mv"));
        var before = Tree();
        var r = Initialize();
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenFileOperationFailed,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.WriteError, e.CategoryInfo.Category);
        Assert.Contains("Input/output error", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("None of the files was changed", e.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(r.Output);
        // Every file is byte for byte as it was and nothing is left over: loader.conf (replaced) got its old file back by
        // renaming its backup over it, menu.rc.local (new) was removed again, the backup of sysctl.conf (copied just
        // before its rename failed) was removed, and so were the staged files.
        Assert.Equal(before, Tree());
        Assert.DoesNotContain(ToolCalls(), c => c.StartsWith("cap_mkdb", StringComparison.Ordinal));

        File.Delete(Path.Combine(Xl.Directory, "mv"));
        Assert.Empty(Initialize().Errors);
        foreach (var file in TreeFiles) Assert.Equal(Expected(file), File.ReadAllText(P(file)));
    }

    [Fact]
    public void OverridingFilesFailTheAuditAndWhatIfShowsTheDiffsThatCommentThemOut()
    {
        Directory.CreateDirectory(P("boot/loader.conf.d"));
        File.WriteAllText(P("boot/loader.conf.d/20-old-xen.conf"), "xen_cmdline=\"dom0_mem=2048M dom0=pvh\"\n");
        File.WriteAllText(P("etc/rc.conf.local"), "# site settings\nntpd_enable=\"YES\"\nxencommons_enable=\"NO\"\n");
        var oldXen = P("boot/loader.conf.d/20-old-xen.conf") + ":1";

        var audit = Test();
        Assert.Empty(audit.Errors);
        var mem = Assert.Single(audit.Output, o => (string)Prop(o, "Check")! == "loader.conf: xen_cmdline dom0_mem");
        Assert.False((bool)Prop(mem, "Compliant")!);
        Assert.Equal("dom0_mem=2048M", Prop(mem, "Actual"));
        Assert.Equal(oldXen, Prop(mem, "Source"));
        Assert.Equal(new[] { oldXen }, (string[])Prop(mem, "ConflictsWith")!);
        var xc = Assert.Single(audit.Output, o => (string)Prop(o, "Check")! == "rc.conf: xencommons_enable");
        Assert.Equal("NO", Prop(xc, "Actual"));
        Assert.Equal(P("etc/rc.conf.local") + ":3", Prop(xc, "Source"));

        var before = Tree();
        var whatIf = Run($"Initialize-XenDom0 {Handbook} -Root '{_root.Replace("'", "''", StringComparison.Ordinal)}' -WhatIf");
        Assert.Empty(whatIf.Errors);
        Assert.Equal(before, Tree());
        var text = Host.Text;
        Assert.Contains($"--- a{P("boot/loader.conf.d/20-old-xen.conf")}", text, StringComparison.Ordinal);
        Assert.Contains("-xen_cmdline=\"dom0_mem=2048M dom0=pvh\"", text, StringComparison.Ordinal);
        Assert.Contains("+# Disabled by Initialize-XenDom0 (XenPS): xen_cmdline is set in /boot/loader.conf.", text, StringComparison.Ordinal);
        Assert.Contains("+#xen_cmdline=\"dom0_mem=2048M dom0=pvh\"", text, StringComparison.Ordinal);
        Assert.Contains($"--- a{P("etc/rc.conf.local")}", text, StringComparison.Ordinal);
        Assert.Contains("+#xencommons_enable=\"NO\"", text, StringComparison.Ordinal);
        Assert.Contains("+xen_cmdline=\"dom0_mem=8192M dom0=pvh dom0_max_vcpus=4 console=com1,vga com1=115200,8n1 guest_loglvl=all loglvl=all\"", text, StringComparison.Ordinal);
        Assert.Contains("Commenting out what would override the settings: xen_cmdline at " + oldXen, text, StringComparison.Ordinal);

        var r = Initialize();
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.Message)));
        Assert.Contains(r.Output, o => (string)Prop(o, "File")! == P("boot/loader.conf.d/20-old-xen.conf") && (string)Prop(o, "Setting")! == "xen_cmdline"
                                       && (string?)Prop(o, "Before") == "dom0_mem=2048M dom0=pvh" && Prop(o, "After") is null && (bool)Prop(o, "Changed")!);
        Assert.Contains(r.Output, o => (string)Prop(o, "Setting")! == "xen_cmdline dom0_mem" && (string?)Prop(o, "Source") == oldXen && ((string[])Prop(o, "ConflictsWith")!).SequenceEqual(new[] { oldXen }));
        Assert.Contains(P("boot/loader.conf.d/20-old-xen.conf"), Host.Text, StringComparison.Ordinal);
        var after = Test();
        Assert.Empty(after.Errors);
        Assert.All(after.Output, o => Assert.True((bool)Prop(o, "Compliant")!, $"{Prop(o, "Check")}: {Prop(o, "Actual")} ({Prop(o, "Source")})"));
        Assert.Equal("#xen_cmdline=\"dom0_mem=2048M dom0=pvh\"", File.ReadAllLines(P("boot/loader.conf.d/20-old-xen.conf"))[1]);
    }

    [Fact]
    public void ARootPathThatLeadsOutOfTheRootIsRefusedAndNothingChanges()
    {
        var outside = Directory.CreateTempSubdirectory("xenps outside ").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "20-old-xen.conf"), "xen_cmdline=\"dom0_mem=2048M dom0=pvh\"\n");
            File.CreateSymbolicLink(P("boot/loader.conf.d"), outside);
            var before = Tree();
            var e = Assert.Single(Initialize().Errors);
            Assert.Equal("XenRootPathEscapes,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.PermissionDenied, e.CategoryInfo.Category);
            Assert.Contains(P("boot/loader.conf.d"), e.Exception.Message, StringComparison.Ordinal);
            Assert.Contains(outside, e.Exception.Message, StringComparison.Ordinal);
            var t = Assert.Single(Test().Errors);
            Assert.Equal("XenRootPathEscapes,XenPS.Commands.TestXenDom0Command", t.FullyQualifiedErrorId);
            Assert.Equal(before, Tree());
            Assert.Equal(new[] { "20-old-xen.conf" }, Directory.GetFiles(outside).Select(Path.GetFileName));
            Assert.Equal("xen_cmdline=\"dom0_mem=2048M dom0=pvh\"\n", File.ReadAllText(Path.Combine(outside, "20-old-xen.conf")));
            Assert.DoesNotContain(ToolCalls(), c => c.StartsWith("cap_mkdb", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void TheMountedSystemsFreebsdVersionIsReadNotRun()
    {
        var canary = P("../" + Path.GetFileName(_root) + ".canary");
        File.WriteAllText(P("bin/freebsd-version"), "#!/bin/sh\nUSERLAND_VERSION=\"13.3-RELEASE-p2\"\n: > '" + canary + "'\necho \"$USERLAND_VERSION\"\n");
        MakeExecutable(P("bin/freebsd-version"));
        var r = Run($"Initialize-XenDom0 {Handbook} -Root '{_root.Replace("'", "''", StringComparison.Ordinal)}' -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Empty(Test().Errors);
        Assert.False(File.Exists(canary));
        Assert.Contains("(FreeBSD 13.3-RELEASE-p2,", Host.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-Dom0Memory '8G; reboot'", "-Dom0Memory")]
    [InlineData("-Dom0Memory \"8192M`nxen_kernel=/tmp/x\"", "-Dom0Memory")]
    [InlineData("-Dom0Memory 8192M -BridgeInterface 'em0 ; reboot'", "-BridgeInterface")]
    [InlineData("-Dom0Memory 8192M -BridgeInterface 'em\"0'", "-BridgeInterface")]
    [InlineData("-Dom0Memory 8192M -BridgeInterface \"em0'\"", "-BridgeInterface")]
    [InlineData("-Dom0Memory 8192M -BridgeInterface 'em 0'", "-BridgeInterface")]
    [InlineData("-Dom0Memory 8192M -Console 'com1;vga'", "-Console")]
    [InlineData("-Dom0Memory 8192M -Console 'com1,vga sync_console'", "-Console")]
    [InlineData("-Dom0Memory 8192M -Dom0VCpus 0", "-Dom0VCpus")]
    [InlineData("-Dom0Memory 8192M -XenVersion '4.17; id'", "-XenVersion")]
    public void HostileInputIsRefusedBeforeAnythingIsReadOrWritten(string arguments, string parameter)
    {
        var before = Tree();
        var e = Assert.Single(Initialize(arguments).Errors);
        Assert.Equal("XenInvalidArgument,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Contains(parameter, e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, Tree());
        Assert.Empty(ToolCalls());
    }

    [Fact]
    public void AHostileRootIsRefused()
    {
        var e = Assert.Single(Run("Initialize-XenDom0 -Dom0Memory 8192M -Root 'mnt/../etc' -Confirm:$false").Errors);
        Assert.Equal("XenInvalidArgument,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
        Assert.Empty(ToolCalls());
    }

    [Fact]
    public void AStaticAddressOnTheBridgeNicIsRefusedBeforeAnyChange()
    {
        File.WriteAllText(P("etc/rc.conf"), File.ReadAllText(P("etc/rc.conf")).Replace("ifconfig_bge2=\"DHCP\"", "ifconfig_bge2=\"inet 192.0.2.10/24\"", StringComparison.Ordinal));
        var before = Tree();
        var e = Assert.Single(Initialize().Errors);
        Assert.Equal("XenDom0UnsafeChange,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
        Assert.Equal(before, Tree());
    }

    [Fact]
    public void RestartCannotBeCombinedWithRoot()
    {
        var e = Assert.Single(Initialize(Handbook + " -Restart").Errors);
        Assert.Equal("XenInvalidArgumentCombination,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
    }

    [Fact]
    public void AFailingCapMkdbIsAClearErrorAfterTheRecords()
    {
        File.AppendAllText(P("etc/login.conf"), "broken:\\\n\t:tc=xenps-loop:\n");
        var r = Initialize();
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenCapMkdbFailed,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
        Assert.Equal(P("etc/login.conf"), e.TargetObject);
        Assert.Contains("potential reference loop detected", e.Exception.Message, StringComparison.Ordinal);
        Assert.NotEmpty(r.Output);
        Assert.Equal(Expected("boot/loader.conf"), File.ReadAllText(P("boot/loader.conf")));

        var test = Test();
        Assert.Contains(test.Output, o => (string)Prop(o, "Check")! == "login.conf.db up to date" && !(bool)Prop(o, "Compliant")!);
    }

    [Fact]
    public void InstallPackagesRunsPkgInTheRoot()
    {
        File.Delete(P("var/db/pkg/xenps-fake-packages"));
        File.Delete(P("boot/xen"));
        var r = Initialize(Handbook + " -InstallPackages");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.Message)));
        Assert.Contains($"pkg -r {_root} install -y xen-kernel xen-tools", ToolCalls());
        Assert.True(File.Exists(P("boot/xen")));
        Assert.Contains(r.Output, o => (string)Prop(o, "File")! == "pkg" && (string)Prop(o, "Setting")! == "xen-kernel" && (bool)Prop(o, "Changed")!);
    }

    [Fact]
    public void WithoutAXenVersionSourceTheErrorAsksForOne()
    {
        File.Delete(P("var/db/pkg/xenps-fake-packages"));
        var before = Tree();
        var e = Assert.Single(Initialize().Errors);
        Assert.Equal("XenVersionUnknown,XenPS.Commands.InitializeXenDom0Command", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.NotInstalled, e.CategoryInfo.Category);
        Assert.Equal(before, Tree());
        Assert.Empty(Initialize(Handbook + " -XenVersion 4.19").Errors);
    }

    [Fact]
    public void TestXenDom0GoesFromFailingChecksToAllCompliant()
    {
        var before = Test();
        Assert.Empty(before.Errors);
        Assert.All(before.Output, o => Assert.Equal("XenPS.XenDom0Check", o.TypeNames[0]));
        var failing = before.Output.Where(o => !(bool)Prop(o, "Compliant")!).Select(o => (string)Prop(o, "Check")!).ToList();
        Assert.Contains("loader.conf: xen_kernel", failing);
        Assert.Contains("sysctl.conf: vm.max_user_wired", failing);
        Assert.Contains("ttys: xc0", failing);
        Assert.Contains("Log directory /var/log/xen", failing);
        Assert.All(before.Output.Where(o => !(bool)Prop(o, "Compliant")!), o => Assert.NotNull(Prop(o, "Remedy")));
        Assert.False((bool)Assert.Single(Test(Handbook + " -Quiet").Output).BaseObject);

        Assert.Empty(Initialize().Errors);
        var after = Test();
        Assert.Empty(after.Errors);
        Assert.All(after.Output, o => Assert.True((bool)Prop(o, "Compliant")!, $"{Prop(o, "Check")}: {Prop(o, "Actual")}"));
        Assert.Equal(before.Output.Select(o => Prop(o, "Check")), after.Output.Select(o => Prop(o, "Check")));
        Assert.True((bool)Assert.Single(Test(Handbook + " -Quiet").Output).BaseObject);
        // Without parameters, the settings only have to be there.
        Assert.True((bool)Assert.Single(Test("-Quiet").Output).BaseObject);
    }

    [Fact]
    public void TheDefaultViewsShowTheRecordsAndChecksAsTables()
    {
        Assert.Empty(Initialize().Errors);
        Host.ClearText();
        Run($"Test-XenDom0 -Root '{_root.Replace("'", "''", StringComparison.Ordinal)}' | Out-Host");
        Assert.Matches(@"Compliant\s+Check\s+Expected\s+Actual", Host.Text);
        Host.ClearText();
        Run($"Initialize-XenDom0 {Handbook} -Root '{_root.Replace("'", "''", StringComparison.Ordinal)}' -Confirm:$false | Out-Host");
        Assert.Matches(@"File: .*loader.conf on localhost", Host.Text);
        Assert.Matches(@"Changed\s+Setting\s+Before\s+After", Host.Text);
    }

    [Fact]
    public void ThePesterAuditExampleUsesOnlyCommandsAndParametersThatExist()
    {
        var repo = typeof(Dom0Tests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepoRoot").Value!;
        var path = Path.Combine(repo, "docs", "examples", "XenHost.Tests.ps1");
        var ast = Parser.ParseFile(path, out _, out var errors);
        Assert.Empty(errors);

        var commands = ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>()
            .Where(c => c.GetCommandName() is { } n && n.Contains("-Xen", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Contains(commands, c => c.GetCommandName() == "Test-XenDom0");
        Assert.Contains(commands, c => c.GetCommandName() == "Get-XenDomain");
        var problems = new List<string>();
        foreach (var command in commands)
        {
            var name = command.GetCommandName();
            var info = Run($"Get-Command -Module XenPS -Name '{name}'").Output.Select(o => (CommandInfo)o.BaseObject).SingleOrDefault();
            if (info is null)
            {
                problems.Add($"line {command.Extent.StartLineNumber}: {name} is not a XenPS command");
                continue;
            }
            foreach (var parameter in command.CommandElements.OfType<CommandParameterAst>())
            {
                if (!info.Parameters.ContainsKey(parameter.ParameterName) && !info.Parameters.Values.Any(p => p.Aliases.Contains(parameter.ParameterName, StringComparer.OrdinalIgnoreCase)))
                    problems.Add($"line {command.Extent.StartLineNumber}: {name} has no parameter -{parameter.ParameterName}");
            }
            // Splatted hashtables: their keys must be parameters too.
            foreach (var splat in command.CommandElements.OfType<VariableExpressionAst>().Where(v => v.Splatted))
            {
                var keys = ast.FindAll(a => a is AssignmentStatementAst s && s.Left.Extent.Text.StartsWith("$" + splat.VariablePath.UserPath, StringComparison.OrdinalIgnoreCase), true)
                    .Cast<AssignmentStatementAst>()
                    .SelectMany(s => s.Left is MemberExpressionAst m ? new[] { m.Member.Extent.Text } : s.Right.FindAll(h => h is HashtableAst, true).Cast<HashtableAst>().SelectMany(h => h.KeyValuePairs.Select(kv => kv.Item1.Extent.Text)));
                foreach (var key in keys)
                {
                    if (!info.Parameters.ContainsKey(key)) problems.Add($"line {command.Extent.StartLineNumber}: {name} has no parameter -{key} (splatted from ${splat.VariablePath.UserPath})");
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
