using System.Diagnostics;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Provisioning;
using XenPS.Core.Storage;
using Xunit;

namespace XenPS.Core.Tests.Storage;

/// <summary>The zfs send | zfs receive script run by sh on this machine against the zfs(8) stand-in
/// (tests/XenPS.Tests/fakes/zfs), found on PATH as the script finds zfs on a Dom0.</summary>
[Collection("ZfsStandIn")]
public sealed class ZfsCopyScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xenps-zfs-script-").FullName;
    private readonly string? _oldPath = Environment.GetEnvironmentVariable("PATH");

    public ZfsCopyScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "bin"));
        Directory.CreateDirectory(Path.Combine(_dir, "datasets"));
        var zfs = Path.Combine(_dir, "bin", "zfs");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "fakes", "zfs"), zfs);
        File.SetUnixFileMode(zfs, (UnixFileMode)Convert.ToInt32("755", 8));
        Environment.SetEnvironmentVariable("PATH", Path.Combine(_dir, "bin") + Path.PathSeparator + _oldPath);
        Environment.SetEnvironmentVariable("XENPS_ZFS_PATH", zfs);
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_DIR", Path.Combine(_dir, "datasets"));
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_POOLS", "zroot");
        Run("create -V1G -o volmode=dev zroot/src");
        File.AppendAllText(Path.Combine(_dir, "datasets", "zroot%src"), "data=the guest's disk\n");
        Run("snapshot zroot/src@s1");
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _oldPath);
        foreach (var v in new[] { "XENPS_ZFS_PATH", "XENPS_FAKE_ZFS_DIR", "XENPS_FAKE_ZFS_POOLS", "XENPS_FAKE_ZFS_SLEEP" }) Environment.SetEnvironmentVariable(v, null);
        Directory.Delete(_dir, recursive: true);
    }

    private void Run(string arguments)
    {
        var psi = new ProcessStartInfo(Path.Combine(_dir, "bin", "zfs")) { RedirectStandardError = true };
        foreach (var a in arguments.Split(' ')) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
    }

    private bool Exists(string dataset) => File.Exists(Path.Combine(_dir, "datasets", dataset.Replace('/', '%')));

    private static readonly Dictionary<string, string> Props = new() { ["volmode"] = "dev", [ZfsClient.CopyTokenProperty] = "t0k3n" };

    [Fact]
    public async Task TheCopyHasTheDataAndTheProperties()
    {
        await new ZfsClient(new LocalXenHost()).SendReceiveAsync("zroot/src@s1", "zroot/dst", Props, TimeSpan.FromMinutes(2), CancellationToken.None);
        var lines = File.ReadAllLines(Path.Combine(_dir, "datasets", "zroot%dst"));
        Assert.Contains("data=the guest's disk", lines);
        Assert.Contains("volmode=dev", lines);
        Assert.Contains("xenps:copy=t0k3n", lines);
        Assert.True(Exists("zroot/dst@s1"));
    }

    [Fact]
    public async Task AFailedSendIsAFailureEvenThoughReceiveRan()
    {
        // sh has no pipefail: the script checks send's own exit code.
        var e = await Assert.ThrowsAsync<XenCommandException>(() =>
            new ZfsClient(new LocalXenHost()).SendReceiveAsync("zroot/src@nope", "zroot/dst", Props, TimeSpan.FromMinutes(2), CancellationToken.None));
        Assert.Equal(3, e.ExitCode);
        Assert.Contains("cannot open 'zroot/src@nope': dataset does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("zfs send failed", e.Message, StringComparison.Ordinal);
        Assert.False(Exists("zroot/dst"));
    }

    [Fact]
    public async Task AFailedReceiveSaysWhy()
    {
        Run("create -V1G zroot/dst");
        var e = await Assert.ThrowsAsync<XenCommandException>(() =>
            new ZfsClient(new LocalXenHost()).SendReceiveAsync("zroot/src@s1", "zroot/dst", Props, TimeSpan.FromMinutes(2), CancellationToken.None));
        Assert.Equal(4, e.ExitCode);
        Assert.Equal("XenZfsDatasetExists", e.ErrorId);
        Assert.Contains("destination 'zroot/dst' exists", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WhenNobodyReadsAnyMoreTheReceiveIsStopped()
    {
        // The receive hangs (as a long copy would) and the reader of the script's output goes away while sh and its
        // children live on: what a cut SSH connection (or Ctrl+C on the ssh client) leaves on a Dom0. The script's
        // watchdog finds its output unread and stops the receive, which would otherwise finish unseen.
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_SLEEP", "receive -o volmode=dev -o xenps:copy=t0k3n zroot/watchdog");
        var script = ZfsClient.BuildSendReceiveScript("zroot/src@s1", "zroot/watchdog", Props);
        using var sh = Process.Start(new ProcessStartInfo("sh", new[] { "-s" }) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true })!;
        sh.StandardInput.Write(script.Text);
        sh.StandardInput.Close();
        sh.StandardError.ReadToEndAsync();
        Assert.True(Wait(() => Receivers() > 0, TimeSpan.FromSeconds(30)), "the receive never started");
        sh.StandardOutput.Close();
        Assert.True(Wait(() => Receivers() == 0, TimeSpan.FromSeconds(20)), "zfs receive still runs after its reader went away");
        Assert.True(sh.WaitForExit(20000), "the script did not end");
        Assert.NotEqual(0, sh.ExitCode);
        Assert.False(Exists("zroot/watchdog"));
    }

    [Fact]
    public async Task CancellingTheCopyStopsTheReceive()
    {
        Environment.SetEnvironmentVariable("XENPS_FAKE_ZFS_SLEEP", "receive -o volmode=dev -o xenps:copy=t0k3n zroot/watchdog");
        using var cts = new CancellationTokenSource();
        var copy = new ZfsClient(new LocalXenHost()).SendReceiveAsync("zroot/src@s1", "zroot/watchdog", Props, TimeSpan.FromMinutes(2), cts.Token);
        Assert.True(Wait(() => Receivers() > 0, TimeSpan.FromSeconds(30)), "the receive never started");
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy);
        Assert.True(Wait(() => Receivers() == 0, TimeSpan.FromSeconds(20)), "zfs receive still runs after the copy was cancelled");
        Assert.False(Exists("zroot/watchdog"));
    }

    private static int Receivers()
    {
        using var p = Process.Start(new ProcessStartInfo("pgrep", new[] { "-f", "zfs receive -o volmode=dev -o xenps:copy=t0k3n zroot/watchdog" }) { RedirectStandardOutput = true })!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    private static bool Wait(Func<bool> condition, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < until)
        {
            if (condition()) return true;
            Thread.Sleep(100);
        }
        return condition();
    }

    [Theory]
    [InlineData("zroot/src@s1", "zroot/x;reboot")]
    [InlineData("zroot/src@s1", "-zroot/x")]
    [InlineData("zroot/src@s1; reboot", "zroot/x")]
    [InlineData("zroot/src@$(id)", "zroot/x")]
    [InlineData("zroot/src", "zroot/x")]
    public void ANameZfsCannotHaveNeverReachesTheScript(string snapshot, string target) =>
        Assert.Throws<ArgumentException>(() => ZfsClient.BuildSendReceiveScript(snapshot, target, Props));

    [Theory]
    [InlineData("zroot/xendisk0", "web", "web2", "zroot/xendisk0-web2")]
    [InlineData("zroot/web", "web", "web2", "zroot/web2")]
    [InlineData("zroot/web-disk0", "web", "web2", "zroot/web2-disk0")]
    [InlineData("zroot/web_disk0", "web", "web2", "zroot/web2_disk0")]
    [InlineData("zroot/vm/web/disk0", "web", "web2", "zroot/vm/web2/disk0")]
    [InlineData("zroot/webserver", "web", "web2", "zroot/webserver-web2")]
    [InlineData("web/disk0", "web", "web2", "web/disk0-web2")]
    public void TheCopysVolumesAreNamedAfterTheNewGuest(string source, string from, string to, string expected) =>
        Assert.Equal(expected, XenDomUCopier.DeriveVolumeName(source, from, to));
}

[CollectionDefinition("ZfsStandIn", DisableParallelization = true)]
public sealed class ZfsStandInCollection
{
}
