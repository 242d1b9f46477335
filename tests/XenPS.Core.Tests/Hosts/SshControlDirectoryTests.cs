using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using Xunit;

namespace XenPS.Core.Tests.Hosts;

/// <summary>
/// The folder of the SSH master sockets: a folder another user could write into, replace or point elsewhere would let
/// them take over the root connections to the hypervisors. Before the fix it was created with Directory.CreateDirectory
/// (mode 0777 minus umask) and never looked at: each refusal below was a silent acceptance.
/// </summary>
public sealed class SshControlDirectoryTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _root;

    public SshControlDirectoryTests()
    {
        _root = Directory.CreateTempSubdirectory("xenps-cm-test-").FullName;
        File.SetUnixFileMode(_root, Private);
    }

    public void Dispose()
    {
        SshControlDirectory.Reset();
        foreach (var dir in Directory.EnumerateDirectories(_root, "*", SearchOption.AllDirectories))
        {
            if (!new DirectoryInfo(dir).Attributes.HasFlag(FileAttributes.ReparsePoint)) File.SetUnixFileMode(dir, Private);
        }
        Directory.Delete(_root, recursive: true);
    }

    private static XenException Refused(string path)
    {
        SshControlDirectory.Reset();
        var ex = Assert.Throws<XenException>(() => SshControlDirectory.Ensure(path));
        Assert.Equal("XenSshControlDirectoryUnsafe", ex.ErrorId);
        Assert.Equal(XenErrorKind.PermissionDenied, ex.Kind);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        return ex;
    }

    private static uint Me => SshControlDirectory.Native.EffectiveUserId();

    [Fact]
    public void AMissingFolderIsCreatedPrivateAndOwnedByTheUser()
    {
        var path = Path.Combine(_root, "a", "cm");
        SshControlDirectory.Ensure(path);
        Assert.Equal(Private, File.GetUnixFileMode(path));
        Assert.Equal(Me, SshControlDirectory.Native.LStat(path)!.Value.Uid);
        Assert.True(SshControlDirectory.Native.LStat(path)!.Value.IsDirectory);
    }

    [Fact]
    public void AFolderOthersMayOnlyReadIsNarrowedToTheUser()
    {
        var path = Path.Combine(_root, "cm");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, Private | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        SshControlDirectory.Ensure(path);
        Assert.Equal(Private, File.GetUnixFileMode(path));
    }

    [Fact]
    public void AFolderOthersCanWriteIntoIsRefused()
    {
        var path = Path.Combine(_root, "cm");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, Private | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        var ex = Refused(path);
        Assert.True(ex.Message.Contains("its mode is 0703", StringComparison.Ordinal), ex.Message);
        // Left as it was: not "repaired", someone may already have planted a socket in it.
        Assert.Equal(Private | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute, File.GetUnixFileMode(path));
        File.SetUnixFileMode(path, Private | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute);
        Refused(path);
    }

    [Fact]
    public void ASymbolicLinkIsRefusedEvenToAPrivateFolderOfTheUser()
    {
        var real = Path.Combine(_root, "real");
        Directory.CreateDirectory(real);
        File.SetUnixFileMode(real, Private);
        var link = Path.Combine(_root, "cm");
        Directory.CreateSymbolicLink(link, real);
        var ex = Refused(link);
        Assert.Contains("symbolic link", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileInsteadOfAFolderIsRefused()
    {
        var path = Path.Combine(_root, "cm");
        File.WriteAllText(path, "");
        Assert.Contains("not a directory", Refused(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderOfAnotherUserIsRefused()
    {
        string path;
        if (Me == 0)
        {
            // root: a folder handed to nobody (65534), as a local user would pre-create it in /tmp.
            path = Path.Combine(_root, "cm");
            Directory.CreateDirectory(path);
            File.SetUnixFileMode(path, Private);
            Assert.Equal(0, Chown(path, 65534));
        }
        else
        {
            path = "/usr"; // root's, 0755: not writable by others, but not the user's
        }
        var ex = Refused(path);
        Assert.Contains("belongs to user id", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderUnderAFolderOthersCanWriteWithoutStickyBitIsRefused()
    {
        var open = Path.Combine(_root, "open");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, Private | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        var path = Path.Combine(open, "cm");
        var ex = Refused(path);
        Assert.Contains($"the folder above it, {open}, has mode 0707", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(path));

        // With the sticky bit (like /tmp), others cannot rename or remove what is not theirs: accepted.
        File.SetUnixFileMode(open, Private | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.StickyBit);
        SshControlDirectory.Reset();
        SshControlDirectory.Ensure(path);
        Assert.Equal(Private, File.GetUnixFileMode(path));
    }

    [Fact]
    public void AFolderUnderAFolderOfAnotherUserIsRefused()
    {
        if (Me != 0)
        {
            // /usr is root's: accepted above a folder; a folder of another plain user cannot be made without root.
            Assert.Contains("belongs to user id", Refused("/usr/xenps-no-such-folder/cm").Message, StringComparison.Ordinal);
            return;
        }
        var theirs = Path.Combine(_root, "theirs");
        Directory.CreateDirectory(theirs);
        File.SetUnixFileMode(theirs, Private | UnixFileMode.OtherExecute);
        Assert.Equal(0, Chown(theirs, 65534));
        var ex = Refused(Path.Combine(theirs, "cm"));
        Assert.Contains($"the folder above it, {theirs}, belongs to user id 65534", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultIsUnderXdgRuntimeDirWhenItIsTheUsersElseAPerUserTempFolder()
    {
        var old = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        try
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", _root);
            Assert.Equal(Path.Combine(_root, "xenps-ssh"), SshControlDirectory.DefaultPath());
            var fallback = Path.Combine(Path.GetTempPath(), "xenps-ssh-" + Me);
            // Another user's (as after su, which keeps the variable), or missing: the temporary folder.
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", Me == 0 ? MadeForNobody() : "/");
            Assert.Equal(fallback, SshControlDirectory.DefaultPath());
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", "/nonexistent/xenps");
            Assert.Equal(fallback, SshControlDirectory.DefaultPath());
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", null);
            Assert.Equal(fallback, SshControlDirectory.DefaultPath());
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", old);
        }
    }

    [Fact]
    public async Task NoSshRunsWithAnUnsafeFolder()
    {
        var path = Path.Combine(_root, "cm");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, Private | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        SshControlDirectory.Reset();
        var runner = new RecordingRunner();
        var host = new SshXenHost(SshTarget.Parse("dom0"), new SshOptions { ControlDirectory = path }, runner);
        var ex = await Assert.ThrowsAsync<XenException>(() => host.RunAsync("xl", new[] { "list" }, new HostRunOptions(), CancellationToken.None));
        Assert.Equal(("XenSshControlDirectoryUnsafe", "dom0"), (ex.ErrorId, ex.ComputerName));
        await Assert.ThrowsAsync<XenException>(() => host.CheckMasterAsync(CancellationToken.None));
        await Assert.ThrowsAsync<XenException>(() => host.CloseMasterAsync(CancellationToken.None));
        Assert.Empty(runner.Specs);
    }

    private string MadeForNobody()
    {
        var dir = Path.Combine(_root, "nobody-runtime");
        Directory.CreateDirectory(dir);
        Assert.Equal(0, Chown(dir, 65534));
        return dir;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int chown(string path, int owner, int group);

    private static int Chown(string path, int uid) => chown(path, uid, -1);

    private sealed class RecordingRunner : ICommandRunner
    {
        public List<CommandSpec> Specs { get; } = new();

        public Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
        {
            Specs.Add(spec);
            return Task.FromResult(new CommandResult(spec.FileName, spec.Arguments, 0, "", "", TimeSpan.Zero));
        }
    }
}
