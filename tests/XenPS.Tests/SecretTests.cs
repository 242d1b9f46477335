using System.Globalization;
using System.Management.Automation;
using System.Text;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Tests;

/// <summary>
/// Secrets never leave the config file: the VNC and SPICE passwords of real lab captures (xl list -l of a PV vfb, an
/// HVM vnc and an HVM spice guest; xl -vvv create logging qemu's -spice password) and of the cmdlets' own parameters
/// must appear in NO stream — Debug, Verbose, Warning, Error (the records and their exceptions, serialized),
/// Information, progress, the host's text (-WhatIf) — nor in the output objects (ConvertTo-Json -Depth 10,
/// Export-Clixml, Format-List *). Files that hold a password, and checkpoints, are mode 0600.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes; the fake xl is a sh script anyway
public sealed class SecretTests : EngineTest
{
    // The passwords of the captures (Data/xl-captures/secrets) and of the tests' own SecureStrings.
    private static readonly string[] Passwords = { "PvS3cr3t", "HvS3cr3t", "Sp1ceS3cr", "Nw5ecr3t", "St5ecr3t" };

    private readonly string _dir = Directory.CreateTempSubdirectory("xenps-secrets-").FullName;

    private string P(string name) => Path.Combine(_dir, name);

    private static string Captured(string name) => File.ReadAllText(Path.Combine(FakeXl.Captures, "secrets", name));

    private static string ModeOf(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    private string[] Files() => Directory.GetFiles(_dir).Select(Path.GetFileName).OrderBy(f => f, StringComparer.Ordinal).ToArray()!;

    public SecretTests()
    {
        // SecureStrings as Read-Host -AsSecureString gives them (ConvertTo-SecureString is not in the hosted engine).
        Run("$nw = [securestring]::new(); 'Nw5ecr3t'.ToCharArray() | ForEach-Object { $nw.AppendChar($_) }; " +
            "$st = [securestring]::new(); 'St5ecr3t'.ToCharArray() | ForEach-Object { $st.AppendChar($_) }");
        File.WriteAllText(P("install.iso"), "not really an iso");
    }

    /// <summary>Runs <paramref name="command"/> and returns everything it showed or returned, as text: every stream,
    /// the host's text, the progress records, the error records (ToString, the exception chain, ErrorDetails), and the
    /// output objects and errors serialized the ways a user would: CLIXML to depth 10 (PSSerializer, the engine of
    /// Export-Clixml, which writes each object's ToString too) and every property to depth 10, as ConvertTo-Json -Depth 10
    /// and Format-List * read them (the hosted engine has no Microsoft.PowerShell.Utility: see engine-hosting.md).</summary>
    private (RunResult Result, string Text) Everything(string command)
    {
        Host.ClearText();
        var r = Run(command);
        var sb = new StringBuilder();
        sb.AppendLine(Host.Text);
        foreach (var line in r.Debug.Concat(r.Verbose).Concat(r.Warnings).Concat(r.Information)) sb.AppendLine(line);
        foreach (var p in r.Progress.Concat(Host.Progress)) sb.AppendLine(p.Activity).AppendLine(p.StatusDescription).AppendLine(p.CurrentOperation);
        foreach (var e in r.Errors)
        {
            sb.AppendLine(e.ToString()).AppendLine(e.ErrorDetails?.Message).AppendLine(e.ErrorDetails?.RecommendedAction).AppendLine(e.TargetObject?.ToString());
            for (Exception? x = e.Exception; x is not null; x = x.InnerException) sb.AppendLine(x.ToString());
            // An error record as Export-Clixml writes $Error (its default depth: deeper, its InvocationInfo drags in
            // the whole module), and its exception with every property.
            sb.AppendLine(PSSerializer.Serialize(e, 2)).AppendLine(PSSerializer.Serialize(e.Exception, 4));
            Walk(e.Exception, sb, 0);
        }
        foreach (var o in r.Output)
        {
            sb.AppendLine(PSSerializer.Serialize(o, 10));
            Walk(o, sb, 0);
        }
        return (r, sb.ToString());
    }

    /// <summary>Every property value (adapted and extended, as PowerShell sees them) down to depth 10, and each
    /// object's ToString (what ConvertTo-Json writes for an object beyond its depth).</summary>
    private static void Walk(object? value, StringBuilder sb, int depth)
    {
        if (value is null || depth > 10) return;
        var pso = PSObject.AsPSObject(value);
        var raw = pso.BaseObject;
        sb.AppendLine(raw.ToString());
        if (raw is string || raw is Enum || raw is System.Reflection.MemberInfo || raw.GetType().IsPrimitive || raw is Guid or DateTime or TimeSpan or decimal) return;
        if (raw is System.Collections.IEnumerable items)
        {
            foreach (var item in items) Walk(item, sb, depth + 1);
            return;
        }
        foreach (var property in pso.Properties)
        {
            object? v;
            try
            {
                v = property.Value;
            }
            catch (GetValueException)
            {
                continue;
            }
            sb.Append(property.Name).Append(": ");
            Walk(v, sb, depth + 1);
        }
    }

    private static void NoPassword(string text)
    {
        foreach (var password in Passwords) Assert.DoesNotContain(password, text, StringComparison.Ordinal);
    }

    [Fact]
    public void GetXenDomainDetailedDebugShowsNoPasswordAnywhere()
    {
        Xl.Map("list", "secrets/xl-list-secrets").Map("list -l", "secrets/xl-list-l-secrets");
        Assert.Contains("\"passwd\": \"PvS3cr3t\"", Captured("xl-list-l-secrets.stdout"), StringComparison.Ordinal);

        var (r, text) = Everything("Get-XenDomain -Detailed -Debug -Verbose");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "Domain-0", "secspice", "tiny", "secpv", "sechvm" }, r.Output.Select(o => (string)Prop(o, "Name")!));
        // Debug still shows xl's output, with the passwords masked.
        var listL = Assert.Single(r.Debug, d => d.Contains("list -l", StringComparison.Ordinal) && d.Contains("stdout:", StringComparison.Ordinal));
        Assert.Equal(3, listL.Split("\"passwd\": \"********\"").Length - 1);
        NoPassword(text);

        // ConfigJson stays valid JSON and says a password is set without giving it.
        using var hvm = System.Text.Json.JsonDocument.Parse((string)Prop(r.Output[4], "ConfigJson")!);
        Assert.Equal("********", hvm.RootElement.GetProperty("b_info").GetProperty("type.hvm").GetProperty("vnc").GetProperty("passwd").GetString());
        using var pv = System.Text.Json.JsonDocument.Parse((string)Prop(r.Output[3], "ConfigJson")!);
        Assert.Equal("********", pv.RootElement.GetProperty("vfbs")[0].GetProperty("vnc").GetProperty("passwd").GetString());
        Assert.True((bool)Prop(PSObject.AsPSObject(Prop(r.Output[4], "Vnc")!), "HasPassword")!);
    }

    [Fact]
    public void NewXenDomUWhatIfDebugShowsNoPassword()
    {
        var (r, text) = Everything($"New-XenDomU -Name web01 -MemoryMB 256 -DiskPath '{P("web01.img")}' -DiskSizeGB 1 -InstallMedia '{P("install.iso")}' -Bridge lo -MacAddress 00:16:3e:01:02:03 -ConfigPath '{P("web01.cfg")}' -Vnc -VncPassword $nw -Debug -Verbose -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Contains("vncpasswd = \"********\"", Host.Text, StringComparison.Ordinal);
        Assert.Contains("(mode 0600: it holds a password)", Host.Text, StringComparison.Ordinal);
        NoPassword(text);
        Assert.Equal(new[] { "install.iso" }, Files());
    }

    [Fact]
    public void NewXenDomUForRealWritesA0600ConfigAndShowsNoPassword()
    {
        // xl -vvv create replays the lab's SPICE guest: libxl logs qemu's -spice argument with its password.
        var cfg = P("web02.cfg");
        Xl.Map("list", "xl-list-after-shutdown")
          .Map("-vvv create " + cfg, "secrets/xl-create-spice-vvv")
          .After("-vvv create " + cfg, "list", "xl-list-after-create");
        Assert.Contains("password=Sp1ceS3cr", Captured("xl-create-spice-vvv.stderr"), StringComparison.Ordinal);

        var (r, text) = Everything($"New-XenDomU -Name guest1 -MemoryMB 256 -DiskPath '{P("web02.img")}' -DiskSizeGB 1 -InstallMedia '{P("install.iso")}' -Bridge lo -MacAddress 00:16:3e:01:02:03 -ConfigPath '{cfg}' -Vnc -VncPassword $nw -ConfigOption @{{ spicepasswd = 'Sp1ceS3cr' }} -Debug -Verbose -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.ToString())));
        Assert.Contains(r.Verbose, v => v.Contains("password=********", StringComparison.Ordinal)); // xl's -vvv line, masked
        Assert.Contains(r.Debug, d => d.Contains("bytes, not shown>", StringComparison.Ordinal)); // the write script shows no content
        NoPassword(text);
        Assert.Equal("600", ModeOf(cfg));
        var written = File.ReadAllText(cfg);
        Assert.Contains("vncpasswd = \"Nw5ecr3t\"", written, StringComparison.Ordinal);
        Assert.Contains("spicepasswd = \"Sp1ceS3cr\"", written, StringComparison.Ordinal);
    }

    [Fact]
    public void NewXenDomUNoStartReturnsAConfigWithoutThePassword()
    {
        var (r, text) = Everything($"New-XenDomU -Name web03 -MemoryMB 256 -DiskPath '{P("web03.img")}' -DiskSizeGB 1 -Bridge lo -MacAddress 00:16:3e:01:02:03 -ConfigPath '{P("web03.cfg")}' -Vnc -VncPassword $nw -NoStart -Debug");
        Assert.Empty(r.Errors);
        var config = Assert.Single(r.Output);
        Assert.Equal(true, Prop(config, "HasVncPassword"));
        Assert.Equal(false, Prop(config, "HasSpicePassword"));
        Assert.Null(config.Properties["VncPassword"]);
        Assert.Null(config.Properties["Document"]);
        Assert.Contains("vncpasswd = \"********\"", config.ToString(), StringComparison.Ordinal);
        NoPassword(text);
        Assert.Equal("600", ModeOf(P("web03.cfg")));
    }

    [Fact]
    public void AFailingCreateWhoseErrorNamesThePasswordShowsItMasked()
    {
        var cfg = P("web04.cfg");
        Xl.Map("list", "xl-list-after-shutdown")
          .MapText("create " + cfg, "", "Parsing config from " + cfg + "\nlibxl: error: libxl_dm.c:1: qemu: -spice port=6010,password=Sp1ceS3cr,agent-mouse=on: failed\nlibxl: error: vncpasswd=\"Nw5ecr3t\" refused\n", 3);
        var (r, text) = Everything($"New-XenDomU -Name web04 -MemoryMB 256 -DiskPath '{P("web04.img")}' -DiskSizeGB 1 -Bridge lo -MacAddress 00:16:3e:01:02:03 -ConfigPath '{cfg}' -Vnc -VncPassword $nw -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Contains("password=********", e.Exception.Message, StringComparison.Ordinal);
        NoPassword(text);
        Assert.Equal(new[] { "install.iso" }, Files()); // rolled back
    }

    [Fact]
    public void GetXenDomUConfigSaysWhetherThereIsAPasswordButNeverGivesIt()
    {
        foreach (var name in new[] { "secpv.cfg", "sechvm.cfg", "secspice.cfg" }) File.WriteAllText(P(name), Captured(name));
        var (r, text) = Everything($"Get-XenDomUConfig -Path '{P("secpv.cfg")}', '{P("sechvm.cfg")}', '{P("secspice.cfg")}' -Debug -Verbose");
        Assert.Empty(r.Errors);
        Assert.Equal(new object[] { true, true, false }, r.Output.Select(o => Prop(o, "HasVncPassword")!));
        Assert.Equal(new object[] { false, false, true }, r.Output.Select(o => Prop(o, "HasSpicePassword")!));
        Assert.All(r.Output, o => Assert.Null(o.Properties["VncPassword"]));
        NoPassword(text);
    }

    [Fact]
    public void SetXenDomUConfigAddsAPasswordToA0644FileAndMakesIt0600()
    {
        var path = P("plain.cfg");
        File.WriteAllText(path, "name = \"plain\"\ntype = \"hvm\"\nmemory = 256\nvnc = 1\n");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));

        var (r, text) = Everything($"Set-XenDomUConfig -Path '{path}' -VncPassword $st -Debug -Verbose -WhatIf");
        Assert.Empty(r.Errors);
        Assert.Contains("+vncpasswd = \"********\"", Host.Text, StringComparison.Ordinal);
        NoPassword(text);

        (r, text) = Everything($"Set-XenDomUConfig -Path '{path}' -VncPassword $st -PassThru -Debug -Verbose -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.ToString())));
        Assert.Equal(true, Prop(Assert.Single(r.Output), "HasVncPassword"));
        NoPassword(text);
        Assert.Contains("vncpasswd = \"St5ecr3t\"", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal("600", ModeOf(path));
        var backup = Assert.Single(Files(), f => f.StartsWith("plain.cfg.xenps-", StringComparison.Ordinal));
        Assert.Equal("600", ModeOf(P(backup)));

        // A change of the password alone is said, not shown.
        (r, text) = Everything($"Set-XenDomUConfig -Path '{path}' -VncPassword $nw -WhatIf");
        Assert.Contains("a password changes (not shown)", Host.Text, StringComparison.Ordinal);
        NoPassword(text);
    }

    [Fact]
    public void SetXenDomUConfigOfAFileThatHoldsAPasswordKeepsItAndItsBackup0600()
    {
        // A hand-made 0644 file with the PV vfb password: any write makes it, and its backup (which holds the old
        // password too), readable by root only.
        var path = P("secpv.cfg");
        File.WriteAllText(path, Captured("secpv.cfg"));
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));
        var (r, text) = Everything($"Set-XenDomUConfig -Path '{path}' -MemoryMB 256 -Setting @{{ spicepasswd = 'Sp1ceS3cr' }} -Debug -Verbose -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.ToString())));
        Assert.Contains(r.Verbose, v => v.Contains("spicepasswd: (unset) -> ********", StringComparison.Ordinal));
        NoPassword(text);
        Assert.Equal("600", ModeOf(path));
        var backup = Assert.Single(Files(), f => f.StartsWith("secpv.cfg.xenps-", StringComparison.Ordinal));
        Assert.Equal("600", ModeOf(P(backup)));
        Assert.Contains("vncpasswd=PvS3cr3t", File.ReadAllText(P(backup)), StringComparison.Ordinal);
    }

    [Fact]
    public void SaveXenDomainWritesA0600Checkpoint()
    {
        var path = P("guest1.save");
        Xl.Writes("save 1 " + path, path, "xl save image with the config: vncpasswd=\"Nw5ecr3t\"")
          .MapText("save 1 " + path, "", "Saving to " + path + " new xl format (info 0x3/0x0/853)\n")
          .After("save 1 " + path, "list", "xl-list-after-destroy");
        var (r, text) = Everything($"Save-XenDomain guest1 -Path '{path}' -Debug -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.ToString())));
        Assert.Equal("600", ModeOf(path));
        Assert.StartsWith("xl save image", File.ReadAllText(path), StringComparison.Ordinal);
        NoPassword(text);
    }

    [Fact]
    public void SaveXenDomainForceMakesAnExisting0644File0600BeforeXlWritesIt()
    {
        var path = P("guest1.save");
        File.WriteAllText(path, "an old checkpoint");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));
        Xl.Writes("save 1 " + path, path, "new image")
          .MapText("save 1 " + path, "", "Saving to " + path + "\n")
          .After("save 1 " + path, "list", "xl-list-after-destroy");
        var refused = Assert.Single(Run($"Save-XenDomain guest1 -Path '{path}' -Confirm:$false").Errors);
        Assert.Equal("XenCheckpointExists,XenPS.Commands.SaveXenDomainCommand", refused.FullyQualifiedErrorId);
        Assert.DoesNotContain(Xl.Calls, c => c.StartsWith("save", StringComparison.Ordinal));
        Assert.Equal("an old checkpoint", File.ReadAllText(path));

        var r = Run($"Save-XenDomain guest1 -Path '{path}' -Force -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.ToString())));
        Assert.Equal("new image", File.ReadAllText(path));
        Assert.Equal("600", ModeOf(path));
    }

    [Fact]
    public void SaveXenDomainLeavesNoEmptyFileWhenXlFailsAtOnce()
    {
        var path = P("guest1.save");
        Xl.MapText("save 1 " + path, "", "guest1 is an invalid domain identifier (rc=-6)\n", 1);
        var e = Assert.Single(Run($"Save-XenDomain guest1 -Path '{path}' -Confirm:$false").Errors);
        Assert.Equal("XenDomainNotFound,XenPS.Commands.SaveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("Save-XenDomain sec* -Path '{0}' -Confirm:$false")]
    [InlineData("Save-XenDomain -Id 5, 7 -Path '{0}' -Confirm:$false")]
    [InlineData("Get-XenDomain sec* | Save-XenDomain -Path '{0}' -Confirm:$false")]
    [InlineData("'secpv', 'sechvm' | Save-XenDomain -Path '{0}' -Confirm:$false -WhatIf")]
    public void SeveralDomainsToOneFileAreRefusedBeforeAnythingStops(string command)
    {
        Xl.Map("list", "secrets/xl-list-secrets");
        var path = P("all.save");
        var r = Run(string.Format(CultureInfo.InvariantCulture, command, path));
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenCheckpointPathShared,XenPS.Commands.SaveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Equal(path, e.TargetObject);
        Assert.Contains(path, e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("secpv (id 7)", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was stopped or saved", e.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(r.Output);
        Assert.All(Xl.Calls, c => Assert.Equal("list -v", c)); // no xl save, no destroy
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void SeveralDomainsToADirectoryEachGetTheirOwn0600File()
    {
        Xl.Map("list", "secrets/xl-list-secrets");
        foreach (var (name, id) in new[] { ("secpv", 7), ("sechvm", 8) })
        {
            var file = P(name + ".save");
            Xl.Writes($"save -c {id} {file}", file, "image of " + name).MapText($"save -c {id} {file}", "", "Saving to " + file + "\n");
        }
        var r = Run($"'secpv', 'sechvm' | Save-XenDomain -Path '{_dir}' -KeepRunning -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Exception.ToString())));
        Assert.Equal(new[] { P("secpv.save"), P("sechvm.save") }, r.Output.Select(o => (string)Prop(o, "Path")!));
        Assert.Equal(("600", "600"), (ModeOf(P("secpv.save")), ModeOf(P("sechvm.save"))));
    }

    protected override void Cleanup() => Directory.Delete(_dir, recursive: true);
}
