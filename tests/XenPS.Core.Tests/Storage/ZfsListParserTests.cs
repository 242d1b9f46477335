using XenPS.Core.Execution;
using XenPS.Core.Storage;
using Xunit;

namespace XenPS.Core.Tests.Storage;

/// <summary>zfs list -H -p and zfs get -H -p, and zfs's error messages, as OpenZFS 2.1.11 printed them in the Xen lab
/// (Data/zfs: NAME.cmd, .stdout, .stderr, .rc, captured by running the commands on a lab Dom0's pool).</summary>
public sealed class ZfsListParserTests
{
    private static string Dir => Path.Combine(TestData.Root, "zfs");

    private static string Stdout(string name) => File.ReadAllText(Path.Combine(Dir, name + ".stdout"));

    private static string Stderr(string name) => File.ReadAllText(Path.Combine(Dir, name + ".stderr"));

    private static int Rc(string name) => int.Parse(File.ReadAllText(Path.Combine(Dir, name + ".rc")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static string Cmd(string name) => File.ReadAllText(Path.Combine(Dir, name + ".cmd")).Trim();

    [Fact]
    public void TheCapturesAskedForTheColumnsXenPSAsksFor()
    {
        foreach (var name in new[] { "zfs-list-snapshots", "zfs-list-volumes", "zfs-list-missing", "zfs-list-after-recv", "zfs-list-empty" })
            Assert.Contains("-H -p -o " + string.Join(",", ZfsClient.ListColumns) + " ", Cmd(name), StringComparison.Ordinal);
    }

    [Fact]
    public void SnapshotsOfTwoVolumesWithTheirSpaceTimeTxgClonesAndToken()
    {
        var rows = ZfsListParser.Parse(Stdout("zfs-list-snapshots"), ZfsClient.ListColumns);
        Assert.Equal(new[] { "zroot/cap-disk0@ck1", "zroot/cap-disk0@ck2", "zroot/cap-disk1@ck1", "zroot/cap-disk1@ck2" }, rows.Select(r => r.Name));
        var ck1 = rows[0];
        Assert.Equal(("snapshot", "zroot/cap-disk0", "ck1"), (ck1.Type, ck1.DatasetName, ck1.SnapshotName));
        Assert.Equal(45056L, ck1.UsedBytes);
        Assert.Equal(3190784L, ck1.ReferencedBytes);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1796467991), ck1.Creation);
        Assert.Equal(41L, ck1.CreateTxg);
        Assert.Null(ck1.Origin);
        Assert.Empty(ck1.Clones);
        Assert.Equal(1073741824L, ck1.VolumeSizeBytes);
        Assert.Null(ck1.VolumeMode);
        Assert.Null(ck1.Properties[ZfsClient.CopyTokenProperty]);
        // The snapshots of one zfs snapshot command share their transaction group.
        Assert.Equal(rows[0].CreateTxg, rows[2].CreateTxg);
        var ck2 = rows[1];
        Assert.Equal(new[] { "zroot/capclone-disk0" }, ck2.Clones);
        Assert.Equal("0123456789abcdef0123456789abcdef", ck2.Properties[ZfsClient.CopyTokenProperty]);
    }

    [Fact]
    public void VolumesACloneAndThePoolRoot()
    {
        var rows = ZfsListParser.Parse(Stdout("zfs-list-volumes"), ZfsClient.ListColumns).ToDictionary(r => r.Name);
        Assert.Equal(("filesystem", "default"), (rows["zroot"].Type, rows["zroot"].VolumeMode));
        Assert.Null(rows["zroot"].VolumeSizeBytes);
        Assert.Equal(("volume", "dev", 1073741824L), (rows["zroot/cap-disk0"].Type, rows["zroot/cap-disk0"].VolumeMode, rows["zroot/cap-disk0"].VolumeSizeBytes!.Value));
        Assert.Equal("zroot/cap-disk0@ck2", rows["zroot/capclone-disk0"].Origin);
        Assert.Equal(1024L, rows["zroot/capclone-disk0"].UsedBytes);
    }

    [Fact]
    public void AReceivedVolumeHasNoOriginAndItsSnapshotInheritsTheToken()
    {
        var rows = ZfsListParser.Parse(Stdout("zfs-list-after-recv"), ZfsClient.ListColumns).ToDictionary(r => r.Name);
        Assert.Null(rows["zroot/capfull-disk1"].Origin);
        Assert.Equal("fedcba9876543210fedcba9876543210", rows["zroot/capfull-disk1"].Properties[ZfsClient.CopyTokenProperty]);
        Assert.Equal("fedcba9876543210fedcba9876543210", rows["zroot/capfull-disk1@ck2"].Properties[ZfsClient.CopyTokenProperty]);
        Assert.Equal("dev", rows["zroot/capfull-disk1"].VolumeMode);
    }

    [Fact]
    public void AMissingDatasetIsOnStandardErrorAndTheOthersAreStillListed()
    {
        Assert.Equal(1, Rc("zfs-list-missing"));
        Assert.Equal(2, ZfsListParser.Parse(Stdout("zfs-list-missing"), ZfsClient.ListColumns).Count);
        Assert.Equal("cannot open 'zroot/nosuch': dataset does not exist\n", Stderr("zfs-list-missing"));
    }

    [Fact]
    public void ZfsGetOutputIsReadPerDataset()
    {
        var rows = ZfsListParser.ParseGet(Stdout("zfs-get-origin"));
        Assert.Equal(new[] { "zroot/cap-disk0@ck2", "zroot/capclone-disk0" }, rows.Select(r => r.Name));
        Assert.Equal(new[] { "zroot/capclone-disk0" }, rows[0].Clones);
        Assert.Equal("zroot/cap-disk0@ck2", rows[1].Origin);
        Assert.Equal("dev", rows[1].VolumeMode);
    }

    [Fact]
    public void TheEmptyPoolListsOnlyItsRoot() =>
        Assert.Equal(new[] { "zroot" }, ZfsListParser.Parse(Stdout("zfs-list-empty"), ZfsClient.ListColumns).Select(r => r.Name));

    [Theory]
    [InlineData("zroot/a\tvolume\n", "columns")]
    [InlineData("zroot/a\tvolume\t1.5G\t-\t-\t-\t-\t-\t-\t-\t-\n", "not a number")]
    public void OutputThatIsNotWhatWasAskedForIsRefused(string output, string why)
    {
        var e = Assert.Throws<FormatException>(() => ZfsListParser.Parse(output, ZfsClient.ListColumns));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HumanReadableOutputIsNotMistakenForNumbers() =>
        Assert.Throws<FormatException>(() => ZfsListParser.Parse(Stdout("zfs-list-human"), new[] { "name", "used", "avail", "refer", "mountpoint" }));

    [Theory]
    [InlineData("zfs-snapshot-exists", "XenZfsDatasetExists", XenErrorKind.ResourceExists)]
    [InlineData("zfs-snapshot-no-dataset", "XenZfsDatasetNotFound", XenErrorKind.ObjectNotFound)]
    [InlineData("zfs-rollback-not-latest", "XenCheckpointNotLatest", XenErrorKind.InvalidOperation)]
    [InlineData("zfs-rollback-r-with-clones", "XenZfsHasDependents", XenErrorKind.InvalidOperation)]
    [InlineData("zfs-destroy-has-clones", "XenZfsHasDependents", XenErrorKind.InvalidOperation)]
    [InlineData("zfs-destroy-has-children", "XenZfsHasDependents", XenErrorKind.InvalidOperation)]
    [InlineData("zfs-create-exists", "XenZfsDatasetExists", XenErrorKind.ResourceExists)]
    [InlineData("zfs-create-no-pool", "XenZfsPoolNotFound", XenErrorKind.ObjectNotFound)]
    [InlineData("zfs-create-no-parent", "XenZfsDatasetNotFound", XenErrorKind.ObjectNotFound)]
    [InlineData("zfs-clone-exists", "XenZfsDatasetExists", XenErrorKind.ResourceExists)]
    [InlineData("zfs-recv-exists", "XenZfsDatasetExists", XenErrorKind.ResourceExists)]
    [InlineData("zfs-send-missing", "XenZfsDatasetNotFound", XenErrorKind.ObjectNotFound)]
    public void ZfsErrorsKeepTheirMeaningAndWords(string capture, string id, XenErrorKind kind)
    {
        Assert.NotEqual(0, Rc(capture));
        var result = new CommandResult("zfs", new[] { "x" }, Rc(capture), Stdout(capture), Stderr(capture), TimeSpan.Zero);
        var e = ZfsClient.Classify(result, Cmd(capture), "xenlab1");
        Assert.Equal((id, kind), (e.ErrorId, e.Kind));
        Assert.Contains(Stderr(capture).Split('\n')[0].Trim(), e.Message, StringComparison.Ordinal);
        Assert.Contains("xenlab1", e.Message, StringComparison.Ordinal);
    }
}
