using XenPS.Core.Config;
using Xunit;

namespace XenPS.Core.Tests.Config;

/// <summary>The equivalence classes of Xen's tools/xl/check-xl-disk-parse, plus the rest of xl-disk-configuration(5).</summary>
public class XenDiskSpecTests
{
    private static (string? Target, string? Vdev, string Format, bool ReadOnly, bool Cdrom) Effective(string spec)
    {
        var d = XenDiskSpec.Parse(spec);
        return (d.Target, d.Vdev, d.EffectiveFormat, d.IsReadOnly, d.IsCdrom);
    }

    [Theory]
    [InlineData("/dev/vg/guest-volume,,hda")]
    [InlineData("/dev/vg/guest-volume,raw,hda,rw")]
    [InlineData("format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume")]
    [InlineData(" format=raw,vdev=hda,access=rw,target=/dev/vg/guest-volume")]
    [InlineData("raw:/dev/vg/guest-volume,hda,w")]
    public void GuestVolumeForms(string spec)
    {
        Assert.Equal(("/dev/vg/guest-volume", "hda", "raw", false, false), Effective(spec));
    }

    [Theory]
    [InlineData("/root/image.iso,,hdc,cdrom")]
    [InlineData("/root/image.iso,,hdc,,cdrom")]
    [InlineData("/root/image.iso,raw,hdc,devtype=cdrom")]
    [InlineData("format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso")]
    [InlineData("raw:/root/image.iso,hdc:cdrom,ro")]
    public void CdromForms(string spec)
    {
        Assert.Equal(("/root/image.iso", "hdc", "raw", true, true), Effective(spec));
    }

    [Theory]
    [InlineData("devtype=cdrom,,,hdc")]
    [InlineData(",,hdc:cdrom,r")]
    [InlineData(",hdc:cdrom,r")]
    [InlineData("vdev=hdc,access=r,devtype=cdrom,target=")]
    [InlineData(",empty,hdc:cdrom,r")]
    public void EmptyCdromDriveForms(string spec)
    {
        Assert.Equal(("", "hdc", "empty", true, true), Effective(spec));
    }

    [Theory]
    [InlineData("vdev=hdc,access=r,devtype=cdrom,format=empty")]
    [InlineData("vdev=hdc,access=r,devtype=cdrom")]
    public void CdromDriveWithoutTarget(string spec)
    {
        Assert.Equal((null, "hdc", "empty", true, true), Effective(spec));
    }

    [Fact]
    public void BackendTypeAndScripts()
    {
        var phy = XenDiskSpec.Parse("backendtype=phy,vdev=xvdb,access=w,target=/dev/vg/guest-volume");
        Assert.Equal(("phy", "xvdb", "w", "/dev/vg/guest-volume"), (phy.BackendType, phy.Vdev, phy.Access, phy.Target));

        const string iqn = "iqn.2001-05.com.equallogic:0-8a0906-23fe93404-c82797962054a96d-examplehost";
        foreach (var spec in new[] { $"iscsi:{iqn},xvda,w", $"vdev=xvda,access=w,script=block-iscsi,target={iqn}" })
        {
            var d = XenDiskSpec.Parse(spec);
            Assert.Equal((iqn, "xvda", "block-iscsi", false), (d.Target, d.Vdev, d.Script, d.IsReadOnly));
        }

        var drbd = XenDiskSpec.Parse("drbd:app01,hda,w");
        Assert.Equal(("app01", "hda", "block-drbd", "drbd"), (drbd.Target, drbd.Vdev, drbd.Script, drbd.DeprecatedPrefix));
    }

    [Fact]
    public void Flags()
    {
        var discard = XenDiskSpec.Parse("discard, vdev=hda, target=/some/disk/image.raw");
        Assert.Equal((true, "hda", "/some/disk/image.raw"), (discard.Discard!.Value, discard.Vdev, discard.Target));

        var cd = XenDiskSpec.Parse("cdrom, no-discard, vdev=hda, target=/some/disk/image.iso");
        Assert.Equal((true, false), (cd.IsCdrom, cd.Discard!.Value));

        Assert.True(XenDiskSpec.Parse("trusted,vdev=hda,target=/x").Trusted);
        Assert.False(XenDiskSpec.Parse("untrusted,vdev=hda,target=/x").Trusted);
        Assert.True(XenDiskSpec.Parse("direct-io-safe,vdev=hda,target=/x").DirectIoSafe);
        Assert.True(XenDiskSpec.Parse("grant_usage=1,vdev=hda,target=/x").GrantUsage);
        Assert.Equal("virtio", XenDiskSpec.Parse("specification=virtio,vdev=xvda,target=/x").Specification);
        Assert.Equal("dom1", XenDiskSpec.Parse("backend=dom1,vdev=xvda,target=/x").Backend);
    }

    [Fact]
    public void TheHandbookDisks()
    {
        var disk = XenDiskSpec.Parse("/dev/zvol/tank/xendisk0,raw,hda,rw");
        Assert.Equal(("/dev/zvol/tank/xendisk0", "raw", "hda", "rw"), (disk.Target, disk.Format, disk.Vdev, disk.Access));
        Assert.Equal("format=raw, vdev=hda, access=rw, target=/dev/zvol/tank/xendisk0", disk.ToSpec());
        Assert.Equal("/dev/zvol/tank/xendisk0,raw,hda,rw", disk.ToString());

        var cd = XenDiskSpec.Parse("/root/freebsd.iso,raw,hdc:cdrom,r");
        Assert.Equal(("/root/freebsd.iso", "raw", "hdc", "r", true), (cd.Target, cd.Format, cd.Vdev, cd.Access, cd.IsCdrom));
        Assert.Equal("format=raw, vdev=hdc, access=r, devtype=cdrom, target=/root/freebsd.iso", cd.ToSpec());

        // FreeBSD wiki form: the phy: prefix means "no format position"
        var wiki = XenDiskSpec.Parse("phy:/dev/zvol/zroot/linux,xvda,w");
        Assert.Equal(("/dev/zvol/zroot/linux", null, "xvda", "w", "phy"), (wiki.Target, wiki.Format, wiki.Vdev, wiki.Access, wiki.DeprecatedPrefix));
        Assert.Equal("vdev=xvda, access=w, target=/dev/zvol/zroot/linux", wiki.ToSpec());
    }

    [Fact]
    public void TargetSwallowsCommasAndEquals()
    {
        var d = XenDiskSpec.Parse("vdev=xvda, target=/mnt/a,b=c/disk.img");
        Assert.Equal("/mnt/a,b=c/disk.img", d.Target);
        Assert.Equal("/mnt/a,b=c/disk.img", XenDiskSpec.Parse(d.ToSpec()).Target);
        Assert.Equal("/x", XenDiskSpec.Parse("vdev=xvda,target=/x,").Target); // one trailing comma is stripped
    }

    [Fact]
    public void ToSpecParsesBackToTheSameDisk()
    {
        var d = new XenDiskSpec
        {
            Target = "/dev/zvol/zroot/web01", Format = "qcow2", Vdev = "xvdb", Access = "ro", BackendType = "qdisk", Script = "block-foo",
            Discard = false, Trusted = true, DirectIoSafe = true, IsCdrom = true,
        };
        Assert.True(d.IsModified);
        var spec = d.ToSpec();
        Assert.Equal("format=qcow2, vdev=xvdb, access=ro, devtype=cdrom, backendtype=qdisk, script=block-foo, direct-io-safe, no-discard, trusted, target=/dev/zvol/zroot/web01", spec);
        var back = XenDiskSpec.Parse(spec);
        Assert.Equal(spec, back.ToSpec());
        Assert.False(back.IsModified);
        back.Access = "rw";
        Assert.True(back.IsModified);
        Assert.Contains("access=rw", back.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/dev/x,xvda,w", "unknown value for format: near `xvda'")]
    [InlineData("/dev/x,raw,xvda,w,extra", "too many positional parameters")]
    [InlineData("/dev/x,raw,xvda,rwx", "unknown value for access")]
    [InlineData("format=raw,format=qcow2,vdev=xvda,target=/x", "format respecified")]
    [InlineData("vdev=xvda,vdev=xvdb,target=/x", "vdev respecified")]
    [InlineData("vdev=xvda,devtype=floppy,target=/x", "unknown value for type")]
    [InlineData("backendtype=nfs,vdev=xvda,target=/x", "unknown value for backendtype")]
    [InlineData("size=10G,vdev=xvda,target=/x", "unknown parameter")]
    [InlineData("foo:/dev/x,xvda,w", "unknown deprecated disk prefix")]
    [InlineData("/dev/x,raw,hdc:floppy,r", "unknown deprecated type")]
    [InlineData("/dev/x=y,raw,xvda", "bad disk syntax")]
    [InlineData("Vdev=xvda", "bad disk syntax")]
    public void RefusesWhatXlRefuses(string spec, string fragment)
    {
        var lenient = XenDomUConfig.Parse($"disk = [ '{spec}' ]\n").Disks.Single();
        Assert.Contains(fragment, lenient.ParseError, StringComparison.Ordinal);
        var error = Assert.Throws<XenConfigSyntaxException>(() => XenDiskSpec.Parse(spec));
        Assert.Contains(fragment, error.Detail, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void AFlagWinsATieWithAPositional()
    {
        // flex picks the earlier rule on an equal-length match: "cdrom" is always the flag, never a target
        var d = XenDiskSpec.Parse("cdrom,/x,raw,hdc");
        Assert.True(d.IsCdrom);
        Assert.Equal(("/x", "hdc"), (d.Target, d.Vdev));
        Assert.Equal("cdrom.iso", XenDiskSpec.Parse("cdrom.iso,raw,hdc").Target); // longer: a positional
    }
}
