using System.Text;
using XenPS.Core.Config;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using Xunit;
using static XenPS.Core.Tests.Execution.ScriptProperty;

namespace XenPS.Core.Tests.Execution;

/// <summary>
/// The host operations end to end, with hostile names, through both transports: a <see cref="LocalXenHost"/> whose sh
/// is the shell under test, and an <see cref="SshXenHost"/> whose "ssh" hands the script to that same shell (what the
/// remote /bin/sh gets). What the caller gets back is checked, not only what ran.
/// </summary>
public sealed class HostScriptEndToEndTests
{
    public static readonly TheoryData<string, bool> ShellsAndTransports = new()
    {
        { "sh", false }, { "sh", true }, { "busybox", false }, { "busybox", true },
    };

    public static readonly string[] Names =
    {
        "x';touch \"$CANARY\";'", "x';touch PWNED;'", "a\\cb \\033[31m red", "$(touch \"$CANARY\")", "`touch $CANARY`", "-rf", "*", "A=b",
        "😀 é 日本", " lead and trail ", "#c", "~", "a\\", "--", "XENPS_EOF_0",
    };

    /// <summary>The ssh client as far as XenPS can tell: the script it is given runs in the sandbox's shell.</summary>
    private sealed class ShellAsSsh(ShellSandbox box) : ICommandRunner
    {
        public List<string> Scripts { get; } = new();

        public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
        {
            Assert.Equal("ssh", spec.FileName);
            if (spec.Arguments.Contains("-O")) return Task.FromResult(new CommandResult("ssh", spec.Arguments, 0, "", "", TimeSpan.Zero));
            Assert.Equal(new[] { "/bin/sh", "-s" }, spec.Arguments.TakeLast(2));
            Scripts.Add(spec.StandardInput!);
            return box.CommandRunner.RunAsync(new CommandSpec("sh", new[] { "-s" })
            {
                StandardInput = spec.StandardInput,
                Timeout = spec.Timeout,
                OnStandardOutputLine = spec.OnStandardOutputLine,
                OnStandardErrorLine = spec.OnStandardErrorLine,
            }, cancellationToken);
        }
    }

    private static IXenHost HostOf(ShellSandbox box, bool ssh) => ssh
        ? new SshXenHost(new SshTarget("dom0"), new SshOptions { ControlDirectory = Path.Combine(box.Root, "cm") }, new ShellAsSsh(box))
        : box.Host;

    [Theory]
    [MemberData(nameof(ShellsAndTransports))]
    public async Task FilesWithHostileNamesAreWrittenReadListedAndDeletedExactly(string shell, bool ssh)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("cat", "mkdir", "chmod", "mktemp", "cp", "truncate", "mv", "rm", "wc");
        var host = HostOf(box, ssh);
        var fs = new HostFileSystem(host);
        // One name with a bit of everything (the properties of GeneratedScriptTests go through many more).
        foreach (var name in new[] { "x';touch \"$CANARY\";' a\\cb \\033[31m $(touch PWNED) 😀 -rf *" })
        {
            var dir = box.Files + "/" + name;
            Assert.True(await fs.EnsureDirectoryAsync(dir, "0750", CancellationToken.None));
            Assert.True(await fs.IsDirectoryAsync(dir + "/", CancellationToken.None));
            var path = dir + "/" + name + ".cfg";
            var content = "name = \"" + name + "\"\nXENPS_EOF_\n" + name + "\n'EOF'\nno final newline " + name;
            var written = await fs.WriteFileAtomicAsync(new FileWrite(path, content), backup: true, CancellationToken.None);
            Assert.True(written.Created);
            Assert.Equal(path, written.Path);
            Assert.Equal(content, await fs.ReadFileAsync(path, CancellationToken.None));
            Assert.True(await fs.ExistsAsync(path, CancellationToken.None));
            Assert.False(await fs.IsDirectoryAsync(path, CancellationToken.None));
            Assert.Equal(Encoding.UTF8.GetByteCount(content), await fs.FileSizeAsync(path, CancellationToken.None));

            // A directory read as a file: the message names it exactly (dash's echo would have eaten \c and \033).
            var e = await Assert.ThrowsAsync<XenException>(() => fs.ReadFileAsync(dir, CancellationToken.None));
            Assert.Contains("xenps: " + dir + " is not a regular file", e.Message, StringComparison.Ordinal);

            var replaced = await fs.WriteFileAtomicAsync(new FileWrite(path, "new\n", "0600"), backup: true, CancellationToken.None);
            Assert.False(replaced.Created);
            Assert.Equal(content, File.ReadAllText(replaced.BackupPath!));
            Assert.StartsWith(path + ".xenps-", replaced.BackupPath, StringComparison.Ordinal);
            Assert.True(await fs.DeleteFileAsync(replaced.BackupPath!, CancellationToken.None));
            Assert.True(await fs.DeleteFileAsync(path, CancellationToken.None));
            Assert.False(await fs.DeleteFileAsync(path, CancellationToken.None));
            Assert.Null(await fs.ReadFileAsync(path, CancellationToken.None));
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        box.AssertNoStrayEffects();
        Assert.DoesNotContain(box.Calls(), c => c.Tool is "touch" or "id");
    }

    /// <summary>A config file whose name holds a newline is listed as one path (the list is NUL-separated; it was
    /// split into two bogus paths when it was line-separated).</summary>
    [Theory]
    [MemberData(nameof(ShellsAndTransports))]
    public async Task TheConfigListGivesEveryFileWhateverItsName(string shell, bool ssh)
    {
        using var box = new ShellSandbox(shell);
        var dir = Directory.CreateDirectory(box.Files + "/xen '$x'").FullName;
        var names = Names.Select(n => n + ".cfg").Append("two\nlines.cfg").Append("tab\there.cfg").Append("/etc/passwd\n.cfg".Replace("/", "_", StringComparison.Ordinal)).ToList();
        foreach (var n in names) File.WriteAllText(dir + "/" + n, "x");
        File.WriteAllText(dir + "/not-a-config", "x");
        var listed = await new XenConfigStore(HostOf(box, ssh)).ListAsync(dir + "/", CancellationToken.None);
        Assert.Equal(names.Select(n => dir + "/" + n).Order(StringComparer.Ordinal), listed);
        box.AssertNoStrayEffects();
        Assert.Empty(box.Calls());
    }

    [Theory]
    [MemberData(nameof(ShellsAndTransports))]
    public async Task ToolsGetExactlyTheirArgumentsThroughEitherTransport(string shell, bool ssh)
    {
        using var box = new ShellSandbox(shell);
        box.Tool("xl", "printf 'out\\n'; printf 'err\\n' >&2; exit 3").Tool("truncate");
        var host = HostOf(box, ssh);
        var result = await host.RunAsync("xl", Names, new HostRunOptions(), CancellationToken.None);
        Assert.Equal((3, "out\n", "err\n"), (result.ExitCode, result.StandardOutput, result.StandardError));
        AssertCalls(box.Calls(), Call("xl", Names));

        // A disk image that exists already: the error names it exactly, truncate never runs.
        box.ClearCalls();
        var image = box.Files + "/" + Names[2] + ".img";
        File.WriteAllText(image, "old");
        var e = await Assert.ThrowsAsync<XenException>(() => new StorageOperations(host).CreateSparseFileAsync(image, 1 << 20, CancellationToken.None));
        Assert.Equal("XenDiskExists", e.ErrorId);
        Assert.Contains("xenps: " + image + " already exists", e.Message, StringComparison.Ordinal);
        Assert.True(await new StorageOperations(host).IsRegularFileAsync(image, CancellationToken.None));
        AssertCalls(box.Calls());
        box.AssertNoStrayEffects();
    }

    /// <summary>Opening a session runs exactly uname -s on the host (after the PATH prelude), through the ssh path.</summary>
    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public async Task OpeningASessionRunsExactlyUname(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.Tool("uname", "echo FreeBSD");
        var ssh = new ShellAsSsh(box);
        var name = "xenps-test-" + Guid.NewGuid().ToString("N");
        var session = XenHostSessions.Create(name, null, null, null, ssh);
        await XenHostSessions.OpenAsync(session, TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.Equal("FreeBSD", session.OperatingSystem);
        AssertCalls(box.Calls(), Call("uname", "-s"));
        Assert.Equal(SshXenHost.PathPrelude.Text + "uname -s\n", Assert.Single(ssh.Scripts));
        box.AssertNoStrayEffects();
    }
}
