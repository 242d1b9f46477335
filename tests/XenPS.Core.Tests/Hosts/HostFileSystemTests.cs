using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using Xunit;

namespace XenPS.Core.Tests.Hosts;

/// <summary>The file operations on the local host (the same sh scripts run on a remote Dom0; see the lab tests).</summary>
public sealed class HostFileSystemTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xenps fs '$x' ").FullName;
    private readonly HostFileSystem _fs = new(new LocalXenHost());

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    public static readonly TheoryData<string> Contents = new()
    {
        "",
        "one line\n",
        "no final newline",
        "crlf\r\nlines\r\n",
        "XENPS_EOF\nEOF\n'quoted' \"double\" $(touch /tmp/xenps-pwned) `id` \\back\\slash\n",
        "\n\n\nblank lines\n\n",
        "tab\tseparated\t\n# comment\n",
        "ünïcödé ✓\n",
    };

    [Theory]
    [MemberData(nameof(Contents))]
    public async Task WritesExactlyTheBytesGivenAndReadsThemBack(string content)
    {
        var path = PathOf("my file.conf");
        var result = await _fs.WriteFileAtomicAsync(new FileWrite(path, content), backup: true, CancellationToken.None);
        Assert.True(result.Created);
        Assert.Null(result.BackupPath);
        Assert.Equal(content, File.ReadAllText(path));
        Assert.Equal(content, await _fs.ReadFileAsync(path, CancellationToken.None));
        Assert.False(File.Exists("/tmp/xenps-pwned"));
        Assert.Equal(new[] { "my file.conf" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task ReadingAMissingFileGivesNull() => Assert.Null(await _fs.ReadFileAsync(PathOf("nope"), CancellationToken.None));

    [Fact]
    public async Task ReplacingKeepsTheModeAndATimestampedBackup()
    {
        var path = PathOf("rc.conf");
        File.WriteAllText(path, "old\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var result = await _fs.WriteFileAtomicAsync(new FileWrite(path, "new\n"), backup: true, CancellationToken.None);
        Assert.False(result.Created);
        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
        Assert.NotNull(result.BackupPath);
        Assert.Matches(@"rc\.conf\.xenps-\d{8}T\d{6}Z\.bak$", result.BackupPath);
        Assert.Equal("old\n", File.ReadAllText(result.BackupPath!));
    }

    [Fact]
    public async Task ANewFileIsWorldReadableLikeAnyConfig()
    {
        var path = PathOf("new.cfg");
        await _fs.WriteFileAtomicAsync(new FileWrite(path, "x\n"), backup: false, CancellationToken.None);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task AModeIsApplied()
    {
        var path = PathOf("secret.cfg");
        await _fs.WriteFileAtomicAsync(new FileWrite(path, "vncpasswd = \"x\"\n", "0600"), backup: false, CancellationToken.None);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task WithoutBackupNoCopyIsLeft()
    {
        var path = PathOf("a.conf");
        File.WriteAllText(path, "old\n");
        var result = await _fs.WriteFileAtomicAsync(new FileWrite(path, "new\n"), backup: false, CancellationToken.None);
        Assert.Null(result.BackupPath);
        Assert.Equal(new[] { "a.conf" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AFailureHalfwayThroughABatchLeavesEveryFileOld(int failAfter)
    {
        var names = new[] { "loader.conf", "rc.conf", "sysctl.conf" };
        foreach (var n in names) File.WriteAllText(PathOf(n), "old " + n + "\n");
        var fs = new HostFileSystem(new LocalXenHost()) { FailAfterRenames = failAfter };
        var ex = await Assert.ThrowsAsync<XenException>(() => fs.WriteFilesAtomicAsync(
            names.Select(n => new FileWrite(PathOf(n), "new " + n + "\n")).ToArray(), backup: true, CancellationToken.None));
        Assert.Contains("injected fault", ex.Message, StringComparison.Ordinal);
        foreach (var n in names) Assert.Equal("old " + n + "\n", File.ReadAllText(PathOf(n)));
        // No temporary file is left behind (backups of replaced files may remain: they hold the old text).
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => f.Contains(".xenps.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABatchThatCannotBeStagedChangesNothing()
    {
        File.WriteAllText(PathOf("a"), "old\n");
        var ex = await Assert.ThrowsAsync<XenException>(() => _fs.WriteFilesAtomicAsync(new[]
        {
            new FileWrite(PathOf("a"), "new\n"),
            new FileWrite(PathOf("missing-dir/b"), "new\n"),
        }, backup: true, CancellationToken.None));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Equal("old\n", File.ReadAllText(PathOf("a")));
        Assert.Equal(new[] { "a" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task ABatchWritesEveryFile()
    {
        File.WriteAllText(PathOf("x"), "old x\n");
        var results = await _fs.WriteFilesAtomicAsync(new[] { new FileWrite(PathOf("x"), "new x\n"), new FileWrite(PathOf("y"), "new y\n") }, backup: true, CancellationToken.None);
        Assert.Equal(("new x\n", "new y\n"), (File.ReadAllText(PathOf("x")), File.ReadAllText(PathOf("y"))));
        Assert.False(results[0].Created);
        Assert.True(results[1].Created);
        Assert.Equal("old x\n", File.ReadAllText(results[0].BackupPath!));
    }

    [Fact]
    public async Task DirectoriesAndDeletes()
    {
        var dir = PathOf("var/log/xen");
        Assert.True(await _fs.EnsureDirectoryAsync(dir, "0750", CancellationToken.None));
        Assert.False(await _fs.EnsureDirectoryAsync(dir, "0750", CancellationToken.None));
        Assert.True(Directory.Exists(dir));
        File.WriteAllText(PathOf("gone"), "x");
        Assert.True(await _fs.ExistsAsync(PathOf("gone"), CancellationToken.None));
        Assert.True(await _fs.DeleteFileAsync(PathOf("gone"), CancellationToken.None));
        Assert.False(await _fs.DeleteFileAsync(PathOf("gone"), CancellationToken.None));
        Assert.False(await _fs.ExistsAsync(PathOf("gone"), CancellationToken.None));
    }

    [Theory]
    [InlineData("relative/path")]
    [InlineData("/etc/")]
    [InlineData("/etc/rc.conf\nreboot")]
    [InlineData("")]
    public void RejectsBadPathsBeforeDoingAnything(string path) => Assert.Throws<ArgumentException>(() => new FileWrite(path, "x"));

    [Fact]
    public void RejectsBadModes() => Assert.Throws<ArgumentException>(() => new FileWrite("/tmp/x", "x", "0999"));
}
