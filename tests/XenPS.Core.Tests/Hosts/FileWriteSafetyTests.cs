using System.Diagnostics;
using System.Text;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using Xunit;

namespace XenPS.Core.Tests.Hosts;

/// <summary>
/// The write script run for real on this host (LocalXenHost, a temporary directory): bytes kept exactly whatever their
/// encoding, compare-and-swap against what the caller read (XenFileChanged), fsync of the new file and its directory
/// before and after the rename, and the script's portability to the other shells at hand.
/// </summary>
public sealed class FileWriteSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xenps cas '$x' ").FullName;
    private readonly HostFileSystem _fs = new(new LocalXenHost());

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string[] Files() => Directory.GetFiles(_dir).Select(f => Path.GetFileName(f)!).OrderBy(f => f, StringComparer.Ordinal).ToArray();

    private static byte[] Latin1(string s) => Encoding.Latin1.GetBytes(s);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    // ------------------------------------------------------------------ bytes kept exactly

    [Fact]
    public async Task ALatin1FileEditedKeepsEveryOtherByte()
    {
        // /etc/rc.conf with a Latin-1 comment ("café", "Größe"), a stray 0xFF and a CRLF line: none of it is UTF-8.
        var path = PathOf("rc.conf");
        var before = Concat(Latin1("# caf\u00e9 \u2014 Gr\u00f6\u00dfe\n".Replace("\u2014", "-")), Latin1("hostname=\"dom0\"\n"),
            new byte[] { 0xFF, (byte)'\r', (byte)'\n' }, Latin1("xendomains_enable=\"NO\"\n# fin \u00e0 la ligne"));
        File.WriteAllBytes(path, before);

        var text = await _fs.ReadFileAsync(path, CancellationToken.None);
        Assert.NotNull(text);
        Assert.Contains("xendomains_enable=\"NO\"", text, StringComparison.Ordinal);
        var edited = text!.Replace("xendomains_enable=\"NO\"", "xendomains_enable=\"YES\"", StringComparison.Ordinal);
        await _fs.WriteFileAtomicAsync(new FileWrite(path, edited) { Expected = FileExpectation.Of(text) }, backup: true, CancellationToken.None);

        var expected = Concat(Latin1("# caf\u00e9 - Gr\u00f6\u00dfe\n"), Latin1("hostname=\"dom0\"\n"),
            new byte[] { 0xFF, (byte)'\r', (byte)'\n' }, Latin1("xendomains_enable=\"YES\"\n# fin \u00e0 la ligne"));
        Assert.Equal(expected, File.ReadAllBytes(path));
        var backup = Assert.Single(Files(), f => f.EndsWith(".bak", StringComparison.Ordinal));
        Assert.Equal(before, File.ReadAllBytes(PathOf(backup)));
    }

    public static readonly TheoryData<string, byte[]> ByteContents = new()
    {
        { "empty", Array.Empty<byte>() },
        { "no final newline", Encoding.ASCII.GetBytes("key=value") },
        { "crlf", Encoding.ASCII.GetBytes("a=1\r\nb=2\r\n") },
        { "utf-8", Encoding.UTF8.GetBytes("ünïcödé ✓ 😀\n") },
        { "latin-1", Latin1("r\u00e9sum\u00e9\n") },
        { "nul bytes", new byte[] { (byte)'a', 0, (byte)'b', 0, 0, (byte)'\n' } },
        { "every byte", Enumerable.Range(0, 256).Select(i => (byte)i).ToArray() },
        { "invalid utf-8", new byte[] { 0xC0, 0x80, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0xE2, 0x82, (byte)'x', 0xE2, 0x82 } },
        { "shell and printf syntax", Encoding.ASCII.GetBytes("-n %s %% \\n \\000 ' \" $(id) `id` XENPS_EOF\n-\n") },
        { "leading dash", Encoding.ASCII.GetBytes("-e\n") },
    };

    [Theory]
    [MemberData(nameof(ByteContents))]
    public async Task AnyBytesAreWrittenAndReadBackExactly(string what, byte[] bytes)
    {
        var path = PathOf("f");
        var text = FileBytes.Decode(bytes);
        await _fs.WriteFileAtomicAsync(new FileWrite(path, text) { Expected = FileExpectation.Absent }, backup: false, CancellationToken.None);
        Assert.True(Enumerable.SequenceEqual(bytes, File.ReadAllBytes(path)), what);
        Assert.Equal(bytes, await _fs.ReadFileBytesAsync(path, CancellationToken.None));
        Assert.Equal(text, await _fs.ReadFileAsync(path, CancellationToken.None));
        Assert.Equal(new[] { "f" }, Files());
    }

    [Fact]
    public async Task AFileOfSeveralMegabytesRoundTrips()
    {
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(42).NextBytes(bytes);
        var path = PathOf("big");
        await _fs.WriteFileAtomicAsync(new FileWrite(path, FileBytes.Decode(bytes)), backup: false, CancellationToken.None);
        Assert.True(Enumerable.SequenceEqual(bytes, File.ReadAllBytes(path)));
        Assert.True(Enumerable.SequenceEqual(bytes, (await _fs.ReadFileBytesAsync(path, CancellationToken.None))!));
    }

    [Fact]
    public void TextThatHasNoBytesIsRefusedBeforeAnythingRuns()
    {
        var ex = Assert.Throws<ArgumentException>(() => new FileWrite(PathOf("x"), "a\uD800b"));
        Assert.Contains("lone UTF-16 surrogate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerboseAndDebugNeverShowTheFileContents()
    {
        var script = HostFileSystem.BuildWriteScript(new[] { new FileWrite(PathOf("secret.cfg"), "vncpasswd = \"s3cr%t\"\n", "0600") }, backup: true, "20260101T000000Z", null);
        Assert.DoesNotContain("s3cr", script.DisplayText, StringComparison.Ordinal);
        Assert.Contains("<21 bytes, not shown>", script.DisplayText, StringComparison.Ordinal);
        Assert.Contains("s3cr%%t", script.Text, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ compare-and-swap

    [Fact]
    public async Task AnEditBetweenTheReadAndTheWriteIsRefusedAndTheFileIsLeftAlone()
    {
        var path = PathOf("guest.cfg");
        File.WriteAllText(path, "memory = 512\n");
        var read = await _fs.ReadFileAsync(path, CancellationToken.None);
        File.WriteAllText(path, "memory = 512\nvcpus = 4\n"); // someone else, meanwhile

        var ex = await Assert.ThrowsAsync<XenException>(() => _fs.WriteFileAtomicAsync(
            new FileWrite(path, "memory = 1024\n") { Expected = FileExpectation.Of(read) }, backup: true, CancellationToken.None));
        Assert.Equal("XenFileChanged", ex.ErrorId);
        Assert.Equal(XenErrorKind.InvalidOperation, ex.Kind);
        Assert.Equal($"{path} on localhost changed since it was read; nothing was written; run the command again.", ex.Message);
        Assert.Equal("memory = 512\nvcpus = 4\n", File.ReadAllText(path));
        Assert.Equal(new[] { "guest.cfg" }, Files()); // no backup, no temporary file
    }

    [Fact]
    public async Task AFileThatAppearedSinceItWasFoundMissingIsRefused()
    {
        var path = PathOf("new.cfg");
        Assert.Null(await _fs.ReadFileAsync(path, CancellationToken.None));
        File.WriteAllText(path, "theirs\n");
        var ex = await Assert.ThrowsAsync<XenException>(() => _fs.WriteFileAtomicAsync(
            new FileWrite(path, "ours\n") { Expected = FileExpectation.Absent }, backup: false, CancellationToken.None));
        Assert.Equal("XenFileChanged", ex.ErrorId);
        Assert.Equal("theirs\n", File.ReadAllText(path));
        Assert.Equal(new[] { "new.cfg" }, Files());
    }

    [Fact]
    public async Task AFileThatDisappearedSinceItWasReadIsRefused()
    {
        var path = PathOf("gone.cfg");
        File.WriteAllText(path, "x\n");
        var read = await _fs.ReadFileAsync(path, CancellationToken.None);
        File.Delete(path);
        var ex = await Assert.ThrowsAsync<XenException>(() => _fs.WriteFileAtomicAsync(
            new FileWrite(path, "y\n") { Expected = FileExpectation.Of(read) }, backup: true, CancellationToken.None));
        Assert.Equal("XenFileChanged", ex.ErrorId);
        Assert.Empty(Files());
    }

    [Fact]
    public async Task OneChangedFileStopsTheWholeBatch()
    {
        File.WriteAllText(PathOf("a"), "old a\n");
        File.WriteAllText(PathOf("b"), "old b\n");
        var a = await _fs.ReadFileAsync(PathOf("a"), CancellationToken.None);
        var b = await _fs.ReadFileAsync(PathOf("b"), CancellationToken.None);
        File.AppendAllText(PathOf("b"), "theirs\n");
        var ex = await Assert.ThrowsAsync<XenException>(() => _fs.WriteFilesAtomicAsync(new[]
        {
            new FileWrite(PathOf("a"), "new a\n") { Expected = FileExpectation.Of(a) },
            new FileWrite(PathOf("b"), "new b\n") { Expected = FileExpectation.Of(b) },
        }, backup: true, CancellationToken.None));
        Assert.Equal("XenFileChanged", ex.ErrorId);
        Assert.StartsWith(PathOf("b") + " on localhost changed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(("old a\n", "old b\ntheirs\n"), (File.ReadAllText(PathOf("a")), File.ReadAllText(PathOf("b"))));
        Assert.Equal(new[] { "a", "b" }, Files());
    }

    [Fact]
    public async Task AnUnchangedFileIsReplaced()
    {
        var path = PathOf("c");
        File.WriteAllBytes(path, Latin1("\u00e9t\u00e9\n"));
        var read = await _fs.ReadFileAsync(path, CancellationToken.None);
        var result = await _fs.WriteFileAtomicAsync(new FileWrite(path, read + "more\n") { Expected = FileExpectation.Of(read) }, backup: false, CancellationToken.None);
        Assert.False(result.Created);
        Assert.Equal(Latin1("\u00e9t\u00e9\nmore\n"), File.ReadAllBytes(path));
    }

    // ------------------------------------------------------------------ fsync

    /// <summary>A host whose PATH starts with a folder of stand-in tools.</summary>
    private sealed class PathRunner(string folder, string target, string log) : ICommandRunner
    {
        public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
        {
            spec.Environment["PATH"] = folder + ":" + Environment.GetEnvironmentVariable("PATH");
            spec.Environment["XENPS_TEST_TARGET"] = target;
            spec.Environment["XENPS_TEST_LOG"] = log;
            return CliWrapCommandRunner.Instance.RunAsync(spec, cancellationToken);
        }
    }

    /// <summary>A stand-in tool that logs, for each argument, whether it is a directory and what the target file holds
    /// at that moment, then runs nothing.</summary>
    private string StandIn(string tool)
    {
        var folder = Path.Combine(_dir, "bin-" + tool);
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, tool);
        File.WriteAllText(script,
            "#!/bin/sh\n" +
            "for a in \"$@\"; do\n" +
            "  if [ -d \"$a\" ]; then k=dir; else k=file; fi\n" +
            "  printf '%s|%s|%s\\n' \"$k\" \"$a\" \"$(cat \"$XENPS_TEST_TARGET\" 2>/dev/null)\" >> \"$XENPS_TEST_LOG\"\n" +
            "done\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return folder;
    }

    [Theory]
    [InlineData("fsync", true)]
    [InlineData("fsync", false)]
    [InlineData("sync", true)]
    public async Task TheNewFileIsSyncedBeforeTheRenameAndTheDirectoryBeforeAndAfter(string tool, bool backup)
    {
        var data = Path.Combine(_dir, "etc");
        Directory.CreateDirectory(data);
        var path = Path.Combine(data, "loader.conf");
        var log = Path.Combine(_dir, "sync.log");
        File.WriteAllText(path, "old");
        var fs = new HostFileSystem(new LocalXenHost(new PathRunner(StandIn(tool), path, log)));
        await fs.WriteFileAtomicAsync(new FileWrite(path, "new") { Expected = FileExpectation.Of("old") }, backup, CancellationToken.None);
        Assert.Equal("new", File.ReadAllText(path));

        var calls = File.ReadAllLines(log).Select(l => l.Split('|')).Select(p => (Kind: p[0], Path: p[1], Target: p[2])).ToList();
        // 1. the staged file, with the new bytes, while the target is still old
        var staged = calls.FindIndex(c => c.Kind == "file" && Path.GetFileName(c.Path).StartsWith(".loader.conf.xenps.", StringComparison.Ordinal));
        Assert.True(staged >= 0, string.Join("\n", calls));
        Assert.Equal("old", calls[staged].Target);
        // 2. the directory before the rename (with the backup, when one is kept)
        var dirBefore = calls.FindIndex(staged, c => c.Kind == "dir" && c.Path == data && c.Target == "old");
        Assert.True(dirBefore > staged, string.Join("\n", calls));
        if (backup) Assert.Contains(calls.Take(dirBefore + 1), c => c.Kind == "file" && c.Path.StartsWith(path + ".xenps-", StringComparison.Ordinal) && c.Target == "old");
        // 3. the directory after the rename
        var dirAfter = calls.FindIndex(dirBefore + 1, c => c.Kind == "dir" && c.Path == data);
        Assert.True(dirAfter > dirBefore, string.Join("\n", calls));
        Assert.Equal("new", calls[dirAfter].Target);
        Assert.Equal(dirAfter, calls.Count - 1);
    }

    [Fact]
    public async Task TheInjectedFaultStillRollsBackWithSyncsAndNoBackupIsLeft()
    {
        var names = new[] { "a", "b" };
        foreach (var n in names) File.WriteAllText(PathOf(n), "old " + n);
        var fs = new HostFileSystem(new LocalXenHost()) { FailAfterRenames = 1 };
        var ex = await Assert.ThrowsAsync<XenException>(() => fs.WriteFilesAtomicAsync(
            names.Select(n => new FileWrite(PathOf(n), "new " + n) { Expected = FileExpectation.Of("old " + n) }).ToArray(), backup: true, CancellationToken.None));
        Assert.Contains("injected fault", ex.Message, StringComparison.Ordinal);
        foreach (var n in names) Assert.Equal("old " + n, File.ReadAllText(PathOf(n)));
        // The rollback renames the backup of a replaced file back over it: nothing else is left.
        Assert.Equal(names, Files());
    }

    // ------------------------------------------------------------------ portability

    public static IEnumerable<object[]> Shells() =>
        new[] { "dash", "bash", "busybox" }.Where(s => ToolResolver.Resolve(s) is not null).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Shells))]
    public void TheScriptParsesAndWritesTheSameBytesInEveryShellAtHand(string shell)
    {
        var path = PathOf("p.conf");
        var bytes = Concat(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), Latin1("\n-%'\\\n"));
        File.WriteAllText(path, "old\n");
        var script = HostFileSystem.BuildWriteScript(new[] { new FileWrite(path, FileBytes.Decode(bytes)) { Expected = FileExpectation.Of("old\n") } }, backup: false, "20260101T000000Z", null);
        var args = shell == "busybox" ? new[] { "sh", "-s" } : shell == "bash" ? new[] { "--posix", "-s" } : new[] { "-s" };
        var psi = new ProcessStartInfo(shell) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(script.Text);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, stderr);
        Assert.Equal(path + "\treplaced\t\n", stdout);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void ACutShortScriptRunsNothing()
    {
        // The script is one function called on its last line: any prefix of it does nothing but define things.
        var path = PathOf("cut.conf");
        File.WriteAllText(path, "old\n");
        var text = HostFileSystem.BuildWriteScript(new[] { new FileWrite(path, "new\n") }, backup: true, "20260101T000000Z", null).Text;
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal("xenps_write", lines[^1]);
        foreach (var cut in new[] { lines.Length - 1, lines.Length / 2, 3 })
        {
            var psi = new ProcessStartInfo("sh") { RedirectStandardInput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-s");
            using var p = Process.Start(psi)!;
            p.StandardInput.Write(string.Join("\n", lines.Take(cut)) + "\n");
            p.StandardInput.Close();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.Equal("old\n", File.ReadAllText(path));
            Assert.Equal(new[] { "cut.conf" }, Files());
        }
    }
}
