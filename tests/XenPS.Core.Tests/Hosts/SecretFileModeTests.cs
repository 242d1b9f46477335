using XenPS.Core.Config;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Hosts;

/// <summary>
/// Files that hold a password, and checkpoints, are mode 0600 with no window: real files in a temporary directory
/// through LocalXenHost. The write scripts run with a spy `chmod` first on PATH (for that run only) which records, for
/// each chmod of a temporary file, the mode given and a copy of the file as it was at that moment: the private mode
/// must come while the secret is not in the file yet (the content is written by printf, a builtin, after it).
/// </summary>
public sealed class SecretFileModeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xenps-modes-").FullName;
    private readonly string _spyDir;
    private readonly HostFileSystem _fs;
    private readonly CapturingOutput _output = new();

    public SecretFileModeTests()
    {
        _spyDir = Directory.CreateDirectory(Path.Combine(_dir, "spy")).FullName;
        var realChmod = new[] { "/bin/chmod", "/usr/bin/chmod" }.First(File.Exists);
        var log = Path.Combine(_spyDir, "modes.log");
        File.WriteAllText(Path.Combine(_spyDir, "chmod"),
            "#!/bin/sh\n" +
            "case \"$2\" in *.xenps.*) n=$(wc -l < '" + log + "' 2>/dev/null || echo 0); n=$((n + 0)); " +
            "cp -- \"$2\" '" + _spyDir + "/seen-'$n; printf '%s %s\\n' \"$1\" \"$2\" >> '" + log + "' ;; esac\n" +
            "exec " + realChmod + " \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(_spyDir, "chmod"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _fs = new HostFileSystem(new LocalXenHost(new SpyPathRunner(_spyDir)), _output);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static string ModeOf(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    private static void SetMode(string path, string octal) => File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(octal, 8));

    /// <summary>The private mode given to the temporary file while the secret was not in it yet: the last chmod of a
    /// temporary file must be to 0600 and no copy taken at any chmod may hold the secret (the content comes after).</summary>
    private string[] ModesWhileWriting(string secret)
    {
        var log = Path.Combine(_spyDir, "modes.log");
        if (!File.Exists(log)) return Array.Empty<string>();
        var lines = File.ReadAllLines(log);
        for (var i = 0; i < lines.Length; i++)
            Assert.DoesNotContain(secret, File.ReadAllText(Path.Combine(_spyDir, "seen-" + i)), StringComparison.Ordinal);
        return new[] { lines[^1].Split(' ')[0].TrimStart('0') };
    }

    private string[] Backups(string name) => Directory.GetFiles(_dir, name + ".xenps-*.bak");

    [Fact]
    public async Task ASecretAddedToA0644FileIsNeverReadableByOthersNorIsItsBackup()
    {
        var path = P("guest.cfg");
        File.WriteAllText(path, "name = \"guest\"\n");
        SetMode(path, "644");
        var content = "name = \"guest\"\nvncpasswd = \"s3cretpw\"\n";
        var result = await _fs.WriteFileAtomicAsync(new FileWrite(path, content, "0600", new[] { "s3cretpw" }), backup: true, CancellationToken.None);

        Assert.Equal(new[] { "600" }, ModesWhileWriting("s3cretpw")); // 0600 before the secret went in
        Assert.Equal(content, File.ReadAllText(path));
        Assert.Equal("600", ModeOf(path));
        Assert.Equal("600", ModeOf(result.BackupPath!));
        Assert.Equal("name = \"guest\"\n", File.ReadAllText(result.BackupPath!));
    }

    [Fact]
    public async Task AFileThatHeldAPasswordGetsA0600BackupEvenIfItWas0644()
    {
        var path = P("old.cfg");
        File.WriteAllText(path, "vncpasswd = \"oldpass1\"\n");
        SetMode(path, "644");
        var result = await _fs.WriteFileAtomicAsync(new FileWrite(path, "vncpasswd = \"newpass1\"\n", secrets: new[] { "newpass1" }), backup: true, CancellationToken.None);
        Assert.Equal("600", ModeOf(path));
        Assert.Equal("600", ModeOf(result.BackupPath!));
        Assert.Equal("vncpasswd = \"oldpass1\"\n", File.ReadAllText(result.BackupPath!));
        Assert.Equal(new[] { "600" }, ModesWhileWriting("newpass1"));
    }

    [Fact]
    public async Task ANewFileWithASecretIs0600FromItsFirstByte()
    {
        var path = P("new.cfg");
        await _fs.WriteFileAtomicAsync(new FileWrite(path, "spicepasswd = \"sp1cepw\"\n", secrets: new[] { "sp1cepw" }), backup: false, CancellationToken.None);
        Assert.Equal(new[] { "600" }, ModesWhileWriting("sp1cepw"));
        Assert.Equal("600", ModeOf(path));
        Assert.Equal(new[] { "new.cfg", "spy" }, Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public async Task AFileWithoutASecretKeepsItsModeAndItsBackupTheirs()
    {
        var path = P("rc.conf");
        File.WriteAllText(path, "old\n");
        SetMode(path, "640");
        var result = await _fs.WriteFileAtomicAsync(new FileWrite(path, "new\n"), backup: true, CancellationToken.None);
        Assert.Equal(("640", "640"), (ModeOf(path), ModeOf(result.BackupPath!)));
    }

    [Fact]
    public void ASecretRefusesAModeOthersCouldRead()
    {
        var ex = Assert.Throws<ArgumentException>(() => new FileWrite("/tmp/x.cfg", "vncpasswd = \"abcd\"\n", "0644", new[] { "abcd" }));
        Assert.DoesNotContain("abcd\"", ex.Message, StringComparison.Ordinal);
        Assert.Equal("0600", new FileWrite("/tmp/x.cfg", "x", null, new[] { "abcd" }).Mode);
        Assert.Equal("0400", new FileWrite("/tmp/x.cfg", "x", "0400", new[] { "abcd" }).Mode);
    }

    [Fact]
    public async Task TheWriteScriptShownInDebugHoldsNoSecret()
    {
        var path = P("shown.cfg");
        await _fs.WriteFileAtomicAsync(new FileWrite(path, "vfb = [ 'vnc=1,vncpasswd=PvS3cr3t' ]\nextra = \"registered-only x1y2z3w4\"\n", secrets: new[] { "PvS3cr3t", "x1y2z3w4" }), backup: false, CancellationToken.None);
        var debug = string.Join("\n", _output.Debug);
        // The content is not shown at all: its size only.
        Assert.Contains("bytes, not shown>", debug, StringComparison.Ordinal);
        Assert.DoesNotContain("PvS3cr3t", debug, StringComparison.Ordinal);
        Assert.DoesNotContain("x1y2z3w4", debug, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedBatchPutsBackTheOldFilesAndLeavesNoCopyReadableByOthers()
    {
        File.WriteAllText(P("a.cfg"), "vncpasswd = \"olda1234\"\n");
        SetMode(P("a.cfg"), "644");
        File.WriteAllText(P("b.cfg"), "old b\n");
        var fs = new HostFileSystem(new LocalXenHost(), _output) { FailAfterRenames = 1 };
        await Assert.ThrowsAsync<XenException>(() => fs.WriteFilesAtomicAsync(new[]
        {
            new FileWrite(P("a.cfg"), "vncpasswd = \"newa1234\"\n", secrets: new[] { "newa1234" }),
            new FileWrite(P("b.cfg"), "new b\n"),
        }, backup: true, CancellationToken.None));
        Assert.Equal("vncpasswd = \"olda1234\"\n", File.ReadAllText(P("a.cfg")));
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => f.Contains(".xenps.", StringComparison.Ordinal));
        Assert.All(Backups("a.cfg"), b => Assert.Equal("600", ModeOf(b)));
    }

    [Fact]
    public async Task XenConfigStoreWritesAConfigWithAnyPasswordMode0600()
    {
        var store = new XenConfigStore(new LocalXenHost(new SpyPathRunner(_spyDir)), _output);
        var pv = XenDomUConfig.Parse("name = \"pv\"\ntype = \"pv\"\nkernel = \"/k\"\nmemory = 128\nvfb = [ 'vnc=1,vncpasswd=PvS3cr3t' ]\n");
        pv.Path = P("pv.cfg");
        Assert.True(pv.HasVncPassword);
        await store.SaveAsync(pv, backup: false, CancellationToken.None);
        Assert.Equal("600", ModeOf(P("pv.cfg")));
        Assert.Equal(new[] { "600" }, ModesWhileWriting("PvS3cr3t"));
        Assert.DoesNotContain("PvS3cr3t", string.Join("\n", _output.Debug), StringComparison.Ordinal);

        var plain = XenDomUConfig.Parse("name = \"plain\"\nmemory = 128\n");
        plain.Path = P("plain.cfg");
        Assert.False(plain.HasVncPassword || plain.HasSpicePassword);
        await store.SaveAsync(plain, backup: false, CancellationToken.None);
        Assert.Equal("644", ModeOf(P("plain.cfg")));
    }

    /// <summary>Runs every program with the spy directory first on its PATH (only that run's environment changes).</summary>
    private sealed class SpyPathRunner : ICommandRunner
    {
        private readonly string _dir;

        public SpyPathRunner(string dir) => _dir = dir;

        public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
        {
            spec.Environment["PATH"] = _dir + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
            return CliWrapCommandRunner.Instance.RunAsync(spec, cancellationToken);
        }
    }

    private sealed class CapturingOutput : IXenOutput
    {
        public List<string> Debug { get; } = new();

        public void WriteVerbose(string text) => Debug.Add(text);

        public void WriteDebug(string text) => Debug.Add(text);

        public void WriteWarning(string text) => Debug.Add(text);
    }
}
