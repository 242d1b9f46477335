using System.Management.Automation;
using Xunit;

namespace XenPS.Tests;

/// <summary>New-XenDomU, Start-XenDomain and the config cmdlets on this machine's file system, with a fake xl.
/// Checks, -WhatIf, rollback, and config edits that keep every comment. (Against a real Xen: tests/XenPS.Lab.Tests.)</summary>
public sealed class ProvisioningTests : EngineTest
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xenps-prov-").FullName;

    private string P(string name) => Path.Combine(_dir, name);

    private string[] Files() => Directory.GetFiles(_dir).Select(Path.GetFileName).OrderBy(f => f, StringComparer.Ordinal).ToArray()!;

    private string NewArgs(string name) =>
        $"-Name {name} -MemoryMB 256 -VCpus 2 -DiskPath '{P(name + ".img")}' -DiskSizeGB 1 -InstallMedia '{P("install.iso")}' -Bridge lo -MacAddress 00:16:3e:01:02:03 -ConfigPath '{P(name + ".cfg")}'";

    public ProvisioningTests() => File.WriteAllText(P("install.iso"), "not really an iso");

    [Fact]
    public void WhatIfListsEveryStepAndTheConfigAndChangesNothing()
    {
        Run("$pw = [securestring]::new(); 'secret'.ToCharArray() | ForEach-Object { $pw.AppendChar($_) }");
        var r = Run($"New-XenDomU {NewArgs("web01")} -Vnc -VncPassword $pw -WhatIf");
        Assert.Empty(r.Errors);
        var text = Host.Text;
        Assert.Contains("What if: Create the domain web01 on localhost:", text, StringComparison.Ordinal);
        Assert.Contains($"1. Create the sparse disk image {P("web01.img")} (1 GB)", text, StringComparison.Ordinal);
        Assert.Contains($"2. Write the configuration file {P("web01.cfg")} (mode 0600: it holds a password)", text, StringComparison.Ordinal);
        Assert.Contains($"3. Start the domain: xl create {P("web01.cfg")}", text, StringComparison.Ordinal);
        Assert.Contains("name = \"web01\"", text, StringComparison.Ordinal);
        Assert.Contains("type = \"hvm\"", text, StringComparison.Ordinal);
        Assert.Contains($"'format=raw, vdev=hdc, access=ro, devtype=cdrom, target={P("install.iso")}'", text, StringComparison.Ordinal);
        Assert.Contains("'mac=00:16:3e:01:02:03,bridge=lo'", text, StringComparison.Ordinal);
        Assert.Contains("boot = \"dc\"", text, StringComparison.Ordinal);
        Assert.Contains("vncpasswd = \"********\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        Assert.Equal(new[] { "install.iso" }, Files());
        Assert.DoesNotContain(Xl.Calls, c => c.StartsWith("create", StringComparison.Ordinal));
    }

    [Fact]
    public void NoStartWritesTheDiskAndAConfigXlCanRead()
    {
        var r = Run($"New-XenDomU {NewArgs("web02")} -NoStart -Serial pty -ConfigOption @{{ usbdevice = 'tablet'; on_crash = 'preserve' }}");
        Assert.Empty(r.Errors);
        dynamic config = Assert.Single(r.Output);
        Assert.Equal("XenPS.XenDomUConfig", ((PSObject)config).TypeNames[0]);
        Assert.Equal(P("web02.cfg"), (string)config.Path);
        Assert.Equal(new[] { "install.iso", "web02.cfg", "web02.img" }, Files());
        Assert.Equal(1L << 30, new FileInfo(P("web02.img")).Length);
        var text = File.ReadAllText(P("web02.cfg"));
        Assert.Equal(
            "name = \"web02\"\ntype = \"hvm\"\nmemory = 256\nvcpus = 2\n" +
            $"disk = [ 'format=raw, vdev=hda, access=rw, target={P("web02.img")}', 'format=raw, vdev=hdc, access=ro, devtype=cdrom, target={P("install.iso")}' ]\n" +
            "vif = [ 'mac=00:16:3e:01:02:03,bridge=lo' ]\nboot = \"dc\"\nvnc = 0\nserial = \"pty\"\non_poweroff = \"destroy\"\non_reboot = \"restart\"\non_crash = \"preserve\"\nusbdevice = \"tablet\"\n",
            text);
    }

    [Fact]
    public void AFailedCreateRollsBackTheConfigAndTheDisk()
    {
        Xl.MapText("create " + P("web03.cfg"), "", "Parsing config from x\nlibxl: error: libxl_device.c:1337:device_hotplug_child_death_cb: script: Could not find bridge device lo\n", 3);
        var r = Run($"New-XenDomU {NewArgs("web03")}");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenBridgeNotFound,XenPS.Commands.NewXenDomUCommand", e.FullyQualifiedErrorId);
        Assert.Equal("web03", e.TargetObject);
        Assert.Contains("the step 'xl create", e.Exception.Message, StringComparison.Ordinal);
        Assert.True(e.Exception.Message.Contains($"Rolled back: destroyed the domain web03, deleted {P("web03.cfg")}, deleted {P("web03.img")}.", StringComparison.Ordinal)
            || e.Exception.Message.Contains($"Rolled back: deleted {P("web03.cfg")}, deleted {P("web03.img")}.", StringComparison.Ordinal), e.Exception.Message);
        Assert.Equal(new[] { "install.iso" }, Files());
    }

    [Theory]
    [InlineData("'bad name'")]
    [InlineData("'a/b'")]
    [InlineData("'q\"uote'")]
    [InlineData("\"x`ny\"")]
    [InlineData("'12345'")]
    [InlineData("'-rf'")]
    [InlineData("'Domain-0'")]
    public void HostileNamesAreRefusedBeforeAnythingHappens(string name)
    {
        var r = Run($"New-XenDomU -Name {name} -MemoryMB 256 -DiskPath '{P("x.img")}' -DiskSizeGB 1 -NoNetwork -ConfigPath '{P("x.cfg")}'");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenInvalidDomainName,XenPS.Commands.NewXenDomUCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Equal(new[] { "install.iso" }, Files());
        Assert.Empty(Xl.Calls);
    }

    [Theory]
    [InlineData("-Name web04 -MemoryMB 4096 -Bridge lo", "XenInsufficientMemory", ErrorCategory.ResourceUnavailable)]
    [InlineData("-Name web04 -MemoryMB 256 -Bridge lo -InstallMedia /nonexistent.iso", "XenInstallMediaNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("-Name web04 -MemoryMB 256 -Bridge nosuchbr0", "XenBridgeNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("-Name guest1 -MemoryMB 256 -Bridge lo", "XenDomainExists", ErrorCategory.ResourceExists)]
    [InlineData("-Name web04 -MemoryMB 256 -Bridge lo -Type Pv", "XenInvalidArgument", ErrorCategory.InvalidArgument)]
    [InlineData("-Name web04 -MemoryMB 256 -Bridge lo -ZfsVolume zroot/x", "XenInvalidArgument", ErrorCategory.InvalidArgument)]
    public void ChecksFailBeforeAnythingChanges(string arguments, string id, ErrorCategory category)
    {
        var r = Run($"New-XenDomU {arguments} -DiskPath '{P("web04.img")}' -DiskSizeGB 1 -ConfigPath '{P("web04.cfg")}'");
        var e = Assert.Single(r.Errors);
        Assert.Equal(id + ",XenPS.Commands.NewXenDomUCommand", e.FullyQualifiedErrorId);
        Assert.Equal(category, e.CategoryInfo.Category);
        Assert.Equal(new[] { "install.iso" }, Files());
        Assert.DoesNotContain(Xl.Calls, c => c.StartsWith("create", StringComparison.Ordinal));
    }

    [Fact]
    public void ANonLoopbackVncWithoutPasswordWarns()
    {
        var r = Run($"New-XenDomU {NewArgs("web05")} -Vnc -VncListen 0.0.0.0 -NoStart");
        Assert.Contains(r.Warnings, w => w.Contains("0.0.0.0 without a password", StringComparison.Ordinal));
    }

    [Fact]
    public void StartXenDomainCreatesFromConfigObjectsAndConfirmsWithXlList()
    {
        Xl.Map("list", "xl-list-after-shutdown");
        Assert.Empty(Run($"New-XenDomU {NewArgs("guest1")} -NoStart").Errors);
        Xl.Map("list", "xl-list-paused");
        // guest1 already "runs" in the fake's xl list: Start refuses before xl create.
        var r = Run($"Get-XenDomUConfig -Path '{P("guest1.cfg")}' | Start-XenDomain");
        Assert.Equal("XenDomainExists,XenPS.Commands.StartXenDomainCommand", Assert.Single(r.Errors).FullyQualifiedErrorId);

        Xl.Map("list", "xl-list-after-shutdown").MapText("create " + P("guest1.cfg"), "", "Parsing config from " + P("guest1.cfg") + "\n")
          .After("create " + P("guest1.cfg"), "list", "xl-list-after-create");
        r = Run($"Get-XenDomUConfig -Path '{P("guest1.cfg")}' | Start-XenDomain -PassThru");
        Assert.Empty(r.Errors);
        dynamic d = Assert.Single(r.Output);
        Assert.Equal(("guest1", 1), ((string)d.Name, (int)d.Id));
        Assert.Contains("create " + P("guest1.cfg"), Xl.Calls);
    }

    [Fact]
    public void VerboseRunsXlWithVvvAndStreamsItsDebugLines()
    {
        File.WriteAllText(P("v1.cfg"), "name = \"guest1\"\ntype = \"pv\"\nkernel = \"/k\"\nmemory = 128\n");
        Xl.Map("list", "xl-list-after-shutdown").Map("-vvv create " + P("v1.cfg"), "xl-create-guest1-vvv")
          .After("-vvv create " + P("v1.cfg"), "list", "xl-list-after-create");
        var r = Run($"Start-XenDomain -Path '{P("v1.cfg")}' -Verbose");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.ToString())));
        Assert.Contains(r.Verbose, v => v.StartsWith("libxl: debug:", StringComparison.Ordinal));
    }

    [Fact]
    public void SetXenDomUConfigRemovesTheInstallMediaKeepingComments()
    {
        var path = P("freebsd.cfg");
        var original = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "configs", "handbook-freebsd.cfg"));
        File.WriteAllText(path, original);

        var r = Run($"Set-XenDomUConfig -Path '{path}' -RemoveInstallMedia -MemoryMB 2048 -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Contains("What if: Update " + path + " on localhost:", Host.Text, StringComparison.Ordinal);
        Assert.Contains("-memory = 1024", Host.Text, StringComparison.Ordinal);
        Assert.Contains("+memory = 2048", Host.Text, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(path));

        r = Run($"Get-XenDomUConfig -Path '{path}' | Set-XenDomUConfig -RemoveInstallMedia -MemoryMB 2048 -PassThru -Confirm:$false");
        Assert.Empty(r.Errors);
        dynamic config = Assert.Single(r.Output);
        Assert.Equal(2048L, (long?)config.MemoryMB);
        var after = File.ReadAllText(path);
        Assert.DoesNotContain("cdrom", after, StringComparison.Ordinal);
        Assert.Contains("memory = 2048", after, StringComparison.Ordinal);
        var backup = Assert.Single(Files(), f => f.StartsWith("freebsd.cfg.xenps-", StringComparison.Ordinal));
        Assert.Equal(original, File.ReadAllText(P(backup)));
        // Every line that was not about memory or the cdrom is unchanged.
        var kept = original.Split('\n').Where(l => !l.Contains("memory", StringComparison.Ordinal) && !l.Contains("cdrom", StringComparison.Ordinal) && !l.StartsWith("boot", StringComparison.Ordinal));
        Assert.All(kept, l => Assert.Contains(l, after, StringComparison.Ordinal));
    }

    [Fact]
    public void SetXenDomUConfigRefusesAFileEditedWhileItWaitedForConfirmation()
    {
        var path = P("race.cfg");
        File.WriteAllText(path, "name = \"race\"\nmemory = 512\n");
        // Another admin edits the file while this one reads the confirmation prompt.
        Host.OnChoice = () => File.AppendAllText(path, "vcpus = 4\n");
        Host.ChoiceAnswers.Enqueue(0);
        var r = Run($"Set-XenDomUConfig -Path '{path}' -MemoryMB 1024 -Confirm");
        var error = Assert.Single(r.Errors);
        Assert.Equal("XenFileChanged,XenPS.Commands.SetXenDomUConfigCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Equal(path, error.TargetObject);
        Assert.Contains($"{path} on localhost changed since it was read; nothing was written; run the command again.", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("name = \"race\"\nmemory = 512\nvcpus = 4\n", File.ReadAllText(path));
        Assert.Equal(new[] { "install.iso", "race.cfg" }, Files());

        // Run again, it reads the file anew and keeps the other admin's line.
        Host.OnChoice = null;
        r = Run($"Set-XenDomUConfig -Path '{path}' -MemoryMB 1024 -Confirm:$false");
        Assert.Empty(r.Errors);
        Assert.Equal("name = \"race\"\nmemory = 1024\nvcpus = 4\n", File.ReadAllText(path));
    }

    [Fact]
    public void SetXenDomUConfigKeepsTheBytesOfALatin1Comment()
    {
        var path = P("latin1.cfg");
        var comment = System.Text.Encoding.Latin1.GetBytes("# Cr\u00e9\u00e9 par l'\u00e9quipe\n");
        File.WriteAllBytes(path, comment.Concat(System.Text.Encoding.ASCII.GetBytes("name = \"latin1\"\nmemory = 512\n")).ToArray());
        var r = Run($"Set-XenDomUConfig -Path '{path}' -MemoryMB 1024 -Confirm:$false");
        Assert.Empty(r.Errors);
        Assert.Equal(comment.Concat(System.Text.Encoding.ASCII.GetBytes("name = \"latin1\"\nmemory = 1024\n")), File.ReadAllBytes(path));
    }

    [Fact]
    public void NewXenDomURefusesAConfigFileThatAppearedWhileItWaitedForConfirmation()
    {
        Host.OnChoice = () => File.WriteAllText(P("web03.cfg"), "# theirs\n");
        Host.ChoiceAnswers.Enqueue(0);
        var r = Run($"New-XenDomU {NewArgs("web03")} -NoStart -Confirm");
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("XenFileChanged,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains($"{P("web03.cfg")} on localhost changed since it was read; nothing was written", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("# theirs\n", File.ReadAllText(P("web03.cfg")));
        // The disk image made before is rolled back; the other file is left alone.
        Assert.Equal(new[] { "install.iso", "web03.cfg" }, Files());
    }

    [Fact]
    public void GetXenDomUConfigReportsSyntaxErrorsWithLineAndColumn()
    {
        File.WriteAllText(P("bad.cfg"), "name = \"bad\"\nmemory = 128 128\n");
        var r = Run($"Get-XenDomUConfig -Path '{P("bad.cfg")}', '{P("missing.cfg")}'");
        Assert.Equal(2, r.Errors.Count);
        Assert.Equal("XenConfigInvalid,XenPS.Commands.GetXenDomUConfigCommand", r.Errors[0].FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, r.Errors[0].CategoryInfo.Category);
        Assert.Contains("bad.cfg:2:", r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal("XenConfigNotFound,XenPS.Commands.GetXenDomUConfigCommand", r.Errors[1].FullyQualifiedErrorId);
        Assert.Equal(P("missing.cfg"), r.Errors[1].TargetObject);
    }

    protected override void Cleanup() => Directory.Delete(_dir, recursive: true);
}
