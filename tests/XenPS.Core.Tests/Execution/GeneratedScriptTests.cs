using System.Globalization;
using System.Text;
using CsCheck;
using XenPS.Core.Autostart;
using XenPS.Core.Config;
using XenPS.Core.Dom0;
using XenPS.Core.Hosts;
using XenPS.Core.Provisioning;
using XenPS.Core.Xl;
using Xunit;
using static XenPS.Core.Tests.Execution.ScriptProperty;

namespace XenPS.Core.Tests.Execution;

/// <summary>
/// Every kind of script XenPS generates, run under the real shells with hostile names, paths and content: each tool
/// receives exactly the argv intended (recorded by stand-ins), nothing else runs ($CANARY never appears, the working
/// directory stays empty), and the script does what it says (files read, written, listed exactly).
/// </summary>
public sealed class GeneratedScriptTests
{
    /// <summary>A path of hostile names under the case's directory (its parent directories made).</summary>
    private static string Under(string dir, string relative, bool makeParent = true)
    {
        var path = dir + "/" + relative;
        if (makeParent) Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    // ---- the SSH transport --------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheSshExecScriptRunsTheToolWithExactlyItsArguments(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.Tool("xl", "printf 'ran\\n'; exit 7");
        Check(box, Hostile.Values,
            (args, _) => SshXenHost.BuildExecScript("xl", args).Text,
            (args, _, run) =>
            {
                Assert.Equal(7, run.ExitCode);
                Assert.Equal("ran\n", run.StandardOutput);
                AssertCalls(run.Calls, Call("xl", args));
            });
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheSshExecScriptSaysWhenTheToolIsMissing(string shell)
    {
        using var box = new ShellSandbox(shell);
        var run = box.RunBatch(new[] { SshXenHost.BuildExecScript("xenps-no-such-tool", new[] { "$(touch \"$CANARY\")" }).Text })[0];
        Assert.Equal(127, run.ExitCode);
        Assert.Equal("xenps: xenps-no-such-tool: not found on this host\n", run.StandardError);
        Assert.Empty(run.Calls);
        box.AssertNoStrayEffects();
    }

    // ---- HostFileSystem -----------------------------------------------------------------------------------------

    /// <summary>0: a file, 1: a directory, 2: nothing.</summary>
    private static readonly Gen<(string Relative, string Content, int Kind)> PathCase = Gen.Select(Hostile.RelativePath, Hostile.Content, Gen.Int[0, 2]);

    private static string Make(string dir, (string Relative, string Content, int Kind) c)
    {
        var path = Under(dir, c.Relative);
        if (c.Kind == 0) File.WriteAllText(path, c.Content);
        else if (c.Kind == 1) Directory.CreateDirectory(path);
        return path;
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void ReadGivesTheExactContentOrSaysWhyNot(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("od");
        Check(box, PathCase,
            (c, dir) => HostFileSystem.ReadScript(Make(dir, c)).Text,
            (c, dir, run) =>
            {
                var path = dir + "/" + c.Relative;
                switch (c.Kind)
                {
                    case 0:
                        // The bytes as od prints them (the file is read from standard input: no path argument).
                        Assert.Equal((0, ""), (run.ExitCode, run.StandardError));
                        Assert.Equal(Encoding.UTF8.GetBytes(c.Content), FileBytes.FromOctalDump(run.StandardOutput));
                        AssertCalls(run.Calls, Call("od", "-An", "-v", "-tx1"));
                        break;
                    case 1:
                        // The message holds the path exactly (printf, not echo: dash's echo reads \c, \033... in it).
                        Assert.Equal((4, "", "xenps: " + path + " is not a regular file\n"), (run.ExitCode, run.StandardOutput, run.StandardError));
                        AssertCalls(run.Calls);
                        break;
                    default:
                        Assert.Equal((3, ""), (run.ExitCode, run.StandardOutput));
                        AssertCalls(run.Calls);
                        break;
                }
            });
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void ExistsIsDirectoryAndSizeLookAtExactlyThePath(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("wc");
        Check(box, PathCase,
            (c, dir) =>
            {
                var path = Make(dir, c);
                return HostFileSystem.ExistsScript(path).Text + "printf 'e%s\\n' \"$?\"\n" +
                       HostFileSystem.IsDirectoryScript(path).Text + "printf 'd%s\\n' \"$?\"\n" +
                       (c.Kind == 0 ? HostFileSystem.FileSizeScript(path).Text : "");
            },
            (c, dir, run) =>
            {
                var path = dir + "/" + c.Relative;
                var size = Encoding.UTF8.GetByteCount(c.Content);
                var expected = (c.Kind == 2 ? "e1\n" : "e0\n") + (c.Kind == 1 ? "d0\n" : "d1\n");
                if (c.Kind == 0)
                {
                    Assert.Equal(expected, run.StandardOutput[..6]);
                    Assert.Equal(size.ToString(CultureInfo.InvariantCulture), run.StandardOutput[6..].Trim());
                    AssertCalls(run.Calls, Call("wc", "-c"));
                }
                else
                {
                    Assert.Equal(expected, run.StandardOutput);
                    AssertCalls(run.Calls);
                }
            });
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void EnsureDirectoryMakesExactlyThatDirectory(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("mkdir", "chmod");
        Check(box, Gen.Select(Hostile.RelativePath, Gen.OneOf<string?>(null, "0755", "0700"), Gen.Bool),
            (c, dir) =>
            {
                var path = Under(dir, c.Item1, makeParent: false);
                if (c.Item3) Directory.CreateDirectory(path);
                return HostFileSystem.EnsureDirectoryScript(path, c.Item2).Text;
            },
            (c, dir, run) =>
            {
                var path = dir + "/" + c.Item1;
                Assert.True(Directory.Exists(path));
                if (c.Item3)
                {
                    Assert.Equal(0, run.ExitCode);
                    AssertCalls(run.Calls);
                    return;
                }
                Assert.Equal(10, run.ExitCode);
                if (c.Item2 is null) AssertCalls(run.Calls, Call("mkdir", "-p", "--", path));
                else
                {
                    AssertCalls(run.Calls, Call("mkdir", "-p", "--", path), Call("chmod", "--", c.Item2, path));
                    Assert.Equal(Convert.ToInt32(c.Item2, 8), (int)File.GetUnixFileMode(path));
                }
                // Only the path asked for (and its parents) was made.
                Assert.Equal(new[] { c.Item1.Split('/')[0] }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
            },
            batchSize: 15);
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void DeleteRemovesExactlyThatFile(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("rm");
        // 0: a file, 1: a dangling symbolic link, 2: nothing; a sibling file must survive.
        Check(box, Gen.Select(Hostile.FileName, Gen.Int[0, 2]),
            (c, dir) =>
            {
                var path = dir + "/" + c.Item1;
                File.WriteAllText(dir + "/" + c.Item1 + "~sibling", "keep");
                if (c.Item2 == 0) File.WriteAllText(path, "x");
                else if (c.Item2 == 1) File.CreateSymbolicLink(path, "/nonexistent/" + c.Item1);
                return HostFileSystem.DeleteScript(path).Text;
            },
            (c, dir, run) =>
            {
                var path = dir + "/" + c.Item1;
                Assert.Equal(new[] { c.Item1 + "~sibling" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
                if (c.Item2 == 2)
                {
                    Assert.Equal(0, run.ExitCode);
                    AssertCalls(run.Calls);
                }
                else
                {
                    Assert.Equal(10, run.ExitCode);
                    AssertCalls(run.Calls, Call("rm", "-f", "--", path));
                }
            });
    }

    private sealed record WriteCase(string Name, string Content, string? Mode, bool Exists, string OldContent);

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void ABatchWriteWritesExactlyTheContentAndNothingElse(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("mktemp", "cp", "chmod", "mv", "rm", "sha256sum");
        box.Tool("fsync"); // recorded; FreeBSD's fsync(1) (Linux has none: the script then uses sync FILE...)
        var file = Gen.Select(Hostile.FileName, Hostile.Content, Gen.OneOf<string?>(null, "0600", "0640"), Gen.Bool, Hostile.Content)
            .Select(t => new WriteCase(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5));
        const string stamp = "20261205T000000Z";
        Check(box, Gen.Select(file.Array[1, 3], Gen.Bool),
            (c, dir) =>
            {
                var writes = new List<FileWrite>();
                for (var i = 0; i < c.Item1.Length; i++)
                {
                    var f = c.Item1[i];
                    var sub = Directory.CreateDirectory(dir + "/" + i + " sub '$x'").FullName;
                    var path = sub + "/" + f.Name;
                    if (f.Exists)
                    {
                        File.WriteAllText(path, f.OldContent);
                        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("640", 8));
                    }
                    // Compare-and-swap against what is there (the check passes: nothing changes the file meanwhile).
                    writes.Add(new FileWrite(path, f.Content, f.Mode) { Expected = FileExpectation.Of(f.Exists ? f.OldContent : null) });
                }
                return HostFileSystem.BuildWriteScript(writes, c.Item2, stamp, null).Text;
            },
            (c, dir, run) =>
            {
                var backup = c.Item2;
                Assert.Equal(0, run.ExitCode);
                var paths = c.Item1.Select((f, i) => Directory.GetDirectories(dir).Single(d => Path.GetFileName(d).StartsWith(i + " ", StringComparison.Ordinal)) + "/" + f.Name).ToArray();
                var expected = new List<ToolCall>();
                var report = new StringBuilder();
                for (var i = 0; i < paths.Length; i++)
                {
                    var f = c.Item1[i];
                    var template = Path.GetDirectoryName(paths[i]) + "/." + f.Name + ".xenps.XXXXXX";
                    var t = Any("t" + i, template[..^6]);
                    expected.Add(Call("mktemp", template));
                    expected.Add(f.Exists ? Call("cp", "-p", "--", paths[i], t) : Call("chmod", "644", t));
                    // The mode before the content: a file given a private mode is never readable by others. The content
                    // is written by printf, a builtin: no program runs for it.
                    if (f.Mode is not null) expected.Add(Call("chmod", f.Mode, t));
                }
                // The staged files reach the disk before anything else happens.
                expected.Add(Call("fsync", Enumerable.Range(0, paths.Length).Select(i => Any("t" + i)).ToArray()));
                // Compare-and-swap: an existing file is hashed (from standard input), a missing one only tested.
                foreach (var f in c.Item1.Where(f => f.Exists)) expected.Add(Call("sha256sum"));
                var dirs = paths.Select(p => Path.GetDirectoryName(p)!).Distinct(StringComparer.Ordinal).ToArray();
                for (var i = 0; i < paths.Length; i++)
                {
                    var bak = paths[i] + ".xenps-" + stamp + ".bak";
                    var pathDir = Path.GetDirectoryName(paths[i])!;
                    if (c.Item1[i].Exists) expected.Add(Call("cp", "-p", "--", paths[i], bak));
                    // The backup (when one is kept) and the directory reach the disk before the rename.
                    expected.Add(backup && c.Item1[i].Exists ? Call("fsync", bak, pathDir) : Call("fsync", pathDir));
                    expected.Add(Call("mv", "-f", "--", Any("t" + i), paths[i]));
                }
                // And the directories again, after the renames.
                expected.Add(Call("fsync", dirs));
                for (var i = 0; i < paths.Length; i++)
                {
                    var bak = paths[i] + ".xenps-" + stamp + ".bak";
                    if (!backup && c.Item1[i].Exists) expected.Add(Call("rm", "-f", "--", bak));
                    report.Append(paths[i]).Append('\t').Append(c.Item1[i].Exists ? "replaced" : "created").Append('\t').Append(backup && c.Item1[i].Exists ? bak : "").Append('\n');
                }
                AssertCalls(run.Calls, expected.ToArray());
                Assert.Equal(report.ToString(), run.StandardOutput);

                for (var i = 0; i < paths.Length; i++)
                {
                    var f = c.Item1[i];
                    Assert.Equal(Encoding.UTF8.GetBytes(f.Content), File.ReadAllBytes(paths[i]));
                    var mode = f.Mode ?? (f.Exists ? "640" : "644");
                    Assert.Equal(Convert.ToInt32(mode, 8), (int)File.GetUnixFileMode(paths[i]));
                    var left = Directory.GetFileSystemEntries(Path.GetDirectoryName(paths[i])!).Select(Path.GetFileName).Order(StringComparer.Ordinal);
                    var want = new List<string> { f.Name };
                    if (backup && f.Exists) want.Add(f.Name + ".xenps-" + stamp + ".bak");
                    Assert.Equal(want.Order(StringComparer.Ordinal), left);
                    if (backup && f.Exists) Assert.Equal(f.OldContent, File.ReadAllText(paths[i] + ".xenps-" + stamp + ".bak"));
                }
            },
            batchSize: 8);
    }

    // ---- logs ---------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void ALogIsReadWholeOrItsTail(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("cat", "tail");
        Check(box, Gen.Select(Hostile.FileName, Hostile.Content, Gen.OneOf<int?>(null, 0, 1, 3)),
            (c, dir) =>
            {
                File.WriteAllText(dir + "/xl-" + c.Item1 + ".log", c.Item2);
                return XenLogReader.ReadScript(XenLogReader.PathIn(dir, XenLogKind.Xl, c.Item1)!, c.Item3).Text;
            },
            (c, dir, run) =>
            {
                var path = dir + "/xl-" + c.Item1 + ".log";
                Assert.Equal(0, run.ExitCode);
                if (c.Item3 is { } n)
                {
                    AssertCalls(run.Calls, Call("tail", "-n", n.ToString(CultureInfo.InvariantCulture), "--", path));
                }
                else
                {
                    AssertCalls(run.Calls, Call("cat", "--", path));
                    Assert.Equal(c.Item2, run.StandardOutput);
                }
            },
            batchSize: 15);
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void FollowingARemoteLogRunsTailOnExactlyThatFile(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.Tool("tail").Tool("sleep");
        Check(box, Gen.Select(Hostile.FileName, Gen.Int[0, 500]),
            (c, dir) => XenLogReader.FollowScript(dir + "/" + c.Item1, c.Item2.ToString(CultureInfo.InvariantCulture)).Text,
            (c, dir, run) =>
            {
                Assert.Equal(0, run.ExitCode);
                var tail = Assert.Single(run.Calls, x => x.Tool == "tail");
                Assert.Equal(new[] { "-n", c.Item2.ToString(CultureInfo.InvariantCulture), "-F", "--", dir + "/" + c.Item1 }, tail.Args);
                // The keep-alive loop only ever sleeps.
                Assert.All(run.Calls.Where(x => x.Tool != "tail"), x => Assert.Equal(Call("sleep", "3").ToString(), x.ToString()));
            },
            batchSize: 10);
    }

    /// <summary>The lines of a failed create's logs, each prefixed with its file's name by the shell: a hostile
    /// domain name (the old `sed 's|^|NAME: |'` ran "x';touch PWNED;'" as code) is only ever data.</summary>
    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void RecentLogLinesArePrefixedWithTheExactFileName(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("find", "tail");
        var name = Gen.Frequency((1, (IGen<string>)Gen.OneOf("x';touch PWNED;'", "x';touch \"$CANARY\";'", "a|b", "n&m")), (5, Hostile.DomainName));
        var lines = Gen.Select(Hostile.Value, Hostile.Value, Gen.Int[0, 3]).Select(t => new[] { t.Item1, t.Item2 }.Take(t.Item3 == 0 ? 1 : 2).Select(l => l.Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal)).ToArray());
        Check(box, Gen.Select(name, lines, Gen.Bool),
            (c, dir) =>
            {
                var (domain, text, withConsole) = c;
                var logs = Directory.CreateDirectory(dir + "/log '$x'").FullName;
                Directory.CreateDirectory(logs + "/console");
                File.WriteAllText(logs + "/xl-" + domain + ".log", string.Join("\n", text) + "\n");
                File.WriteAllText(logs + "/qemu-dm-" + domain + ".log", "qemu " + text[0]);
                if (withConsole) File.WriteAllText(logs + "/console/guest-" + domain + ".log", "console\n");
                return XenLogReader.RecentLinesScript(logs, domain, 10, 5).Text;
            },
            (c, dir, run) =>
            {
                var (domain, text, withConsole) = c;
                var logs = dir + "/log '$x'";
                Assert.Equal(0, run.ExitCode);
                var expected = new StringBuilder();
                foreach (var l in text) expected.Append("xl-").Append(domain).Append(".log: ").Append(l).Append('\n');
                expected.Append("qemu-dm-").Append(domain).Append(".log: qemu ").Append(text[0]).Append('\n');
                if (withConsole) expected.Append("guest-").Append(domain).Append(".log: console\n");
                Assert.Equal(expected.ToString(), run.StandardOutput);
                var calls = new List<ToolCall>();
                foreach (var f in new[] { logs + "/xl-" + domain + ".log", logs + "/qemu-dm-" + domain + ".log" }.Concat(withConsole ? new[] { logs + "/console/guest-" + domain + ".log" } : Array.Empty<string>()))
                {
                    calls.Add(Call("find", f, "-mmin", "-5"));
                    calls.Add(Call("tail", "-n", "10", "--", f));
                }
                AssertCallsInAnyOrder(run.Calls, calls);
                Assert.False(File.Exists(Path.Combine(box.Cwd, "PWNED")));
            },
            batchSize: 8);
    }

    // ---- configuration files, storage, bridges, autostart -------------------------------------------------------

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheConfigListNamesExactlyTheCfgFiles(string shell)
    {
        using var box = new ShellSandbox(shell);
        Check(box, Gen.Select(Hostile.FileName, Hostile.RawFileName.Array[0, 5], Gen.Bool),
            (c, dir) =>
            {
                var configDir = Directory.CreateDirectory(dir + "/" + c.Item1).FullName;
                foreach (var n in c.Item2) File.WriteAllText(configDir + "/" + Hostile.Short(n) + ".cfg", "x");
                File.WriteAllText(configDir + "/other.cfg.bak", "x");
                Directory.CreateDirectory(configDir + "/dir.cfg");
                return XenConfigStore.ListScript(configDir + (c.Item3 ? "/" : "")).Text;
            },
            (c, dir, run) =>
            {
                Assert.Equal(0, run.ExitCode);
                AssertCalls(run.Calls);
                var configDir = dir + "/" + c.Item1;
                // sh's * skips names that start with a dot.
                var expected = c.Item2.Select(n => Hostile.Short(n) + ".cfg").Where(n => n[0] != '.').Distinct().Select(n => configDir + "/" + n).Order(StringComparer.Ordinal);
                Assert.Equal(expected, run.StandardOutput.Split('\0').Where(l => l.Length > 0).Order(StringComparer.Ordinal));
            });
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void ASparseDiskImageIsMadeAtExactlyThePath(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("truncate");
        // 0: the directory exists, 1: the file exists already, 2: the directory does not exist.
        Check(box, Gen.Select(Hostile.RelativePath, Gen.Long[0, 1L << 40], Gen.Int[0, 2]),
            (c, dir) =>
            {
                var path = c.Item3 == 2 ? dir + "/no such dir/" + c.Item1 : Under(dir, c.Item1);
                if (c.Item3 == 1) File.WriteAllText(path, "old");
                return StorageOperations.SparseFileScript(path, c.Item2).Text + StorageOperations.IsRegularFileScript(path).Text.TrimEnd('\n') + "; printf 'f%s' \"$?\"\n";
            },
            (c, dir, run) =>
            {
                var path = c.Item3 == 2 ? dir + "/no such dir/" + c.Item1 : dir + "/" + c.Item1;
                switch (c.Item3)
                {
                    case 0:
                        Assert.Equal((0, "f0"), (run.ExitCode, run.StandardOutput));
                        AssertCalls(run.Calls, Call("truncate", "-s", c.Item2.ToString(CultureInfo.InvariantCulture), "--", path));
                        Assert.Equal(c.Item2, new FileInfo(path).Length);
                        break;
                    case 1:
                        Assert.Equal((17, "xenps: " + path + " already exists\n"), (run.ExitCode, run.StandardError));
                        AssertCalls(run.Calls);
                        Assert.Equal("old", File.ReadAllText(path));
                        break;
                    default:
                        Assert.Equal((2, ""), (run.ExitCode, run.StandardOutput));
                        AssertCalls(run.Calls);
                        Assert.False(Directory.Exists(dir + "/no such dir"));
                        break;
                }
            });
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheBridgeCheckAsksIfconfigAboutExactlyThatBridge(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.Tool("ifconfig", "exit 1");
        var bridge = Gen.Frequency((1, (IGen<string>)Gen.OneOf("lo", "bridge0")), (6, Hostile.FileName));
        Check(box, bridge,
            (b, _) => XenDomUProvisioner.BridgeCheckScript(b).Text,
            (b, _, run) =>
            {
                var onLinux = File.Exists("/sys/class/net/" + b) || Directory.Exists("/sys/class/net/" + b);
                Assert.Equal(onLinux ? 0 : 1, run.ExitCode);
                if (onLinux) AssertCalls(run.Calls);
                else AssertCalls(run.Calls, Call("ifconfig", b));
            });
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheAutostartListGivesEachLinkAndItsExactTarget(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("readlink");
        var entry = Gen.Select(Hostile.RawFileName, Hostile.RawFileName, Gen.Bool);
        Check(box, Gen.Select(Hostile.FileName, entry.Array[0, 4]),
            (c, dir) =>
            {
                var auto = Directory.CreateDirectory(dir + "/" + c.Item1 + "/auto").FullName;
                var k = 0;
                foreach (var (name, target, isLink) in c.Item2)
                {
                    var link = auto + "/" + (k++).ToString("00", CultureInfo.InvariantCulture) + "-" + Hostile.Short(name) + ".cfg";
                    if (isLink) File.CreateSymbolicLink(link, target);
                    else File.WriteAllText(link, "x");
                }
                return XenAutostartManager.ListScript(auto).Text;
            },
            (c, dir, run) =>
            {
                Assert.Equal(0, run.ExitCode);
                var auto = dir + "/" + c.Item1 + "/auto";
                var expected = c.Item2.Select((e, k) => (Link: auto + "/" + k.ToString("00", CultureInfo.InvariantCulture) + "-" + Hostile.Short(e.Item1) + ".cfg", Target: e.Item3 ? e.Item2 : null)).ToList();
                var fields = run.StandardOutput.Split('\0');
                Assert.Equal("", fields[^1]);
                var pairs = Enumerable.Range(0, (fields.Length - 1) / 2).Select(i => (fields[2 * i], fields[2 * i + 1])).OrderBy(p => p.Item1, StringComparer.Ordinal);
                Assert.Equal(expected.Select(e => (e.Link, e.Target ?? e.Link)).OrderBy(p => p.Link, StringComparer.Ordinal), pairs);
                AssertCallsInAnyOrder(run.Calls, expected.Select(e => Call("readlink", "--", e.Link)));
            },
            batchSize: 10);
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void EnablingAutostartLinksExactlyThatConfig(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("rm", "ln");
        Check(box, Gen.Select(Hostile.FileName, Gen.Int[0, 99], Hostile.FileName.Array[0, 2]),
            (c, dir) =>
            {
                var auto = Directory.CreateDirectory(dir + "/auto").FullName;
                var plan = new AutostartPlan(c.Item1, c.Item2, dir + "/" + c.Item1 + ".cfg", auto + "/" + c.Item2.ToString("00", CultureInfo.InvariantCulture) + "-" + c.Item1 + ".cfg");
                foreach (var stale in c.Item3.Distinct().Select(s => auto + "/stale-" + s)) { File.WriteAllText(stale, "x"); plan.StaleLinks.Add(stale); }
                return XenAutostartManager.LinkScript(plan).Text;
            },
            (c, dir, run) =>
            {
                Assert.Equal(0, run.ExitCode);
                var auto = dir + "/auto";
                var link = auto + "/" + c.Item2.ToString("00", CultureInfo.InvariantCulture) + "-" + c.Item1 + ".cfg";
                var expected = c.Item3.Distinct().Select(s => Call("rm", "-f", "--", auto + "/stale-" + s)).Append(Call("ln", "-sfn", "--", "../" + c.Item1 + ".cfg", link)).ToArray();
                AssertCalls(run.Calls, expected);
                Assert.Equal("../" + c.Item1 + ".cfg", new FileInfo(link).LinkTarget);
                Assert.Equal(new[] { Path.GetFileName(link) }, Directory.GetFileSystemEntries(auto).Select(Path.GetFileName));
            },
            batchSize: 10);
    }

    // ---- Dom0 preparation ---------------------------------------------------------------------------------------

    private static Dom0DesiredState StateFor(string root) => new Dom0Request { Root = root }.Validate();

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheRootCheckLooksAtExactlyThatRoot(string shell)
    {
        using var box = new ShellSandbox(shell);
        // 0: a FreeBSD tree, 1: no boot directory, 2: no root at all.
        Check(box, Gen.Select(Hostile.FileName, Gen.Int[0, 2]),
            (c, dir) =>
            {
                var root = dir + "/" + c.Item1;
                if (c.Item2 < 2) Directory.CreateDirectory(root + "/etc");
                if (c.Item2 == 0) Directory.CreateDirectory(root + "/boot");
                return Dom0Planner.TargetCheckScript(StateFor(root)).Text;
            },
            (c, _, run) =>
            {
                Assert.Equal(c.Item2 switch { 0 => 0, 1 => 4, _ => 3 }, run.ExitCode);
                AssertCalls(run.Calls);
            });
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheLoginDatabaseCheckComparesExactlyThoseFiles(string shell)
    {
        using var box = new ShellSandbox(shell);
        // 0: up to date, 1: login.conf newer, 2: no database.
        Check(box, Gen.Select(Hostile.FileName, Gen.Int[0, 2]),
            (c, dir) =>
            {
                var conf = dir + "/" + c.Item1;
                File.WriteAllText(conf, "x");
                File.SetLastWriteTimeUtc(conf, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
                if (c.Item2 < 2)
                {
                    File.WriteAllText(conf + ".db", "x");
                    File.SetLastWriteTimeUtc(conf + ".db", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(c.Item2 == 0 ? 1 : -1));
                }
                return Dom0Planner.LoginDatabaseScript(conf, conf + ".db").Text;
            },
            (c, _, run) =>
            {
                Assert.Equal(c.Item2 switch { 0 => 0, 1 => 4, _ => 3 }, run.ExitCode);
                AssertCalls(run.Calls);
            });
    }

    // ---- migration ----------------------------------------------------------------------------------------------

    /// <summary>Host and user names that SshTarget accepts (it refuses whitespace, quotes, $, ;, |, &amp;, /, \).</summary>
    private static readonly Gen<string> SshName = Hostile.Value.Select(v =>
    {
        var s = new string(v.Where(ch => !(char.IsWhiteSpace(ch) || char.IsControl(ch) || "'\"`$;|&/\\".Contains(ch, StringComparison.Ordinal))).ToArray()).TrimStart('-');
        return s.Length == 0 ? "h" : s;
    });

    private static readonly Gen<XenMigrationPlan> Plans = Gen.Select(Hostile.DomainName, SshName, Gen.OneOf<string?>(null, "root", "a<b"), Gen.OneOf<int?>(null, 22, 2222), Gen.Bool)
        .Select(t =>
        {
            var domain = new XenDomain { Name = t.Item1, Id = t.Item1.Length % 7 + 3, State = t.Item5 ? XenDomainState.Paused : XenDomainState.Running };
            var address = new SshTarget(t.Item2, t.Item3, t.Item4);
            return new XenMigrationPlan(new XenMigrationRequest(domain), address, XenMigrator.BuildSshCommand(address));
        });

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheMissingPathsCheckNamesExactlyTheMissingOnes(string shell)
    {
        using var box = new ShellSandbox(shell);
        Check(box, Gen.Select(Hostile.FileName, Gen.Bool).Array[1, 4],
            (c, dir) =>
            {
                var paths = c.Select((p, i) => dir + "/" + i + Hostile.Short(p.Item1)).ToList();
                for (var i = 0; i < c.Length; i++) if (c[i].Item2) File.WriteAllText(paths[i], "x");
                return XenMigrator.MissingPathsScript(paths).Text;
            },
            (c, dir, run) =>
            {
                Assert.Equal(0, run.ExitCode);
                AssertCalls(run.Calls);
                var missing = c.Select((p, i) => (Path: dir + "/" + i + Hostile.Short(p.Item1), p.Item2)).Where(p => !p.Item2).Select(p => p.Path + "\n");
                Assert.Equal(string.Concat(missing), run.StandardOutput);
            });
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheCheckFromTheSourceRunsExactlyTheSshCommandOfTheMigration(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.Tool("ssh", "printf 'dst\\n'; for a in \"$@\"; do case \"$a\" in *1*) exit 255 ;; esac; done; exit 0");
        Check(box, Plans,
            (plan, _) => XenMigrator.CheckFromSourceScript(plan).Text,
            (plan, _, run) =>
            {
                var words = plan.SshCommand.Concat(new[] { "-o", "ConnectTimeout=30", plan.Address.Host, "xl", "info", "host" }).ToArray();
                AssertCalls(run.Calls, Call(words[0], words[1..]));
                var fails = words.Skip(1).Any(w => w.Contains('1', StringComparison.Ordinal));
                Assert.Equal(fails ? 254 : 0, run.ExitCode);
                Assert.Equal("dst\n", run.StandardOutput);
            });
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void TheSaveRestorePipelineRunsExactlyXlAndSshWithTheDomainsId(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.Tool("xl", "[ \"$1\" = save ] && printf 'saved state of %s' \"$3\"; exit 0");
        // The stand-in ssh reads what xl save wrote; a host holding a 1 fails the restore.
        box.Tool("ssh", "cat > /dev/null; for a in \"$@\"; do case \"$a\" in *1*) exit 1 ;; esac; done; exit 0");
        Check(box, Plans,
            (plan, _) => XenMigrator.SaveRestoreScript(plan).Text,
            (plan, _, run) =>
            {
                // xl is given the domain's id, never its (hostile) name.
                var id = plan.Request.Domain.Id.ToString(CultureInfo.InvariantCulture);
                var ssh = plan.SshCommand.Concat(new[] { plan.Address.Host, "xl", "restore", "/dev/stdin" }).ToArray();
                var restored = !ssh.Skip(1).Any(w => w.Contains('1', StringComparison.Ordinal));
                var paused = plan.Request.Domain.State == XenDomainState.Paused;
                // xl save and ssh run side by side (a pipeline); then destroy, or unpause.
                AssertCallsInAnyOrder(run.Calls.Take(2), new[] { Call("xl", "save", "-p", id, "/dev/stdout"), Call(ssh[0], ssh[1..]) });
                var after = run.Calls.Skip(2).ToArray();
                if (restored) AssertCalls(after, Call("xl", "destroy", id));
                else if (!paused) AssertCalls(after, Call("xl", "unpause", id));
                else AssertCalls(after);
                Assert.Equal(restored ? 0 : 1, run.ExitCode);
            },
            batchSize: 10);
    }
}
