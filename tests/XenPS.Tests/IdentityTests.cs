using System.Globalization;
using System.Management.Automation;
using System.Text;
using Xunit;

namespace XenPS.Tests;

/// <summary>
/// Which domain an action acts on: xl names are case-sensitive (web01 and WEB01 run side by side, the real capture
/// names/xl-list-v-case-and-digits), an all-digit name is a name, xl is always given the id, a destroy re-checks the
/// UUID at that id, a rollback destroys only what its own create made, and names that xl shows but XenPS's rule does
/// not allow are listed and acted on by id, never used to make anything.
/// </summary>
public sealed class IdentityTests : EngineTest
{
    private const string CaseAndDigits = "names/xl-list-v-case-and-digits"; // web01 9, WEB01 10, "7" 11

    private readonly string _dir = Directory.CreateTempSubdirectory("xenps-identity-").FullName;

    private string P(string name) => Path.Combine(_dir, name);

    protected override void Cleanup()
    {
        foreach (var v in new[] { "XENPS_XEN_CONFIG_DIR", "XENPS_XEN_LOG_DIR" }) Environment.SetEnvironmentVariable(v, null);
        Directory.Delete(_dir, recursive: true);
    }

    private static Guid U(int n) => new($"5e5e5e5e-0000-4000-8000-{n:D12}");

    /// <summary>xl list -v as xl prints it: Domain-0 and the given domains ("%-40s %5d %5lu %5d     %s  %8.1f %s %8s %16s").</summary>
    private static string ListV(params (string Name, int Id, Guid Uuid)[] domains)
    {
        var sb = new StringBuilder("Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                            Reason-Code\tSecurity Label\n");
        foreach (var (name, id, uuid) in new[] { ("Domain-0", 0, Guid.Empty) }.Concat(domains))
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"{name,-40} {id,5} {(id == 0 ? 1024 : 128),5} {1,5}     {(id == 0 ? "r-----" : "-b----")}  {12.5,8:0.0} {uuid:D} {"-",8} {"-",16}\n");
        }
        return sb.ToString();
    }

    private IEnumerable<string> Destroys => Xl.Calls.Where(c => c.StartsWith("destroy", StringComparison.Ordinal));

    // ------------------------------------------------------------------ case

    /// <summary>The review's case: only WEB01 (id 5) runs; "Remove-XenDomain web01" ran "xl destroy 5".</summary>
    [Fact]
    public void RemoveByANameThatDiffersInCaseIsNotFoundAndDestroysNothing()
    {
        Xl.MapText("list -v", ListV(("WEB01", 5, U(5)))).MapText("destroy 5", "");
        var r = Run("Remove-XenDomain web01 -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenDomainNotFound,XenPS.Commands.RemoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
        Assert.Equal("web01", e.TargetObject);
        Assert.Equal("No domain with name 'web01' exists on host 'localhost'. xl names are case-sensitive: WEB01 (id 5) differs only in case. Give the exact name, or -Id.",
            e.Exception.Message);
        Assert.Equal(new[] { "list -v" }, Xl.Calls);
    }

    /// <summary>The review's case: "Stop-XenDomain web01 -Force" ran "xl shutdown -w WEB01".</summary>
    [Fact]
    public void StopForceByANameThatDiffersInCaseIsNotFoundAndCallsNothing()
    {
        Xl.MapText("list -v", ListV(("WEB01", 5, U(5))));
        foreach (var command in new[] { "Stop-XenDomain web01 -Force", "Suspend-XenDomain web01", "Set-XenDomain web01 -MemoryMB 64", "Restart-XenDomain web01", "Save-XenDomain web01 -Path /tmp/x.save" })
        {
            var e = Assert.Single(Run(command).Errors);
            Assert.StartsWith("XenDomainNotFound,", e.FullyQualifiedErrorId, StringComparison.Ordinal);
        }
        Assert.All(Xl.Calls, c => Assert.Equal("list -v", c));
    }

    [Fact]
    public void WithBothCasesRunningEachNameActsOnItsOwnId()
    {
        Xl.Map("list -v", CaseAndDigits).MapText("pause 9", "").MapText("pause 10", "").MapText("destroy 10", "")
          .AfterText("destroy 10", "list -v", ListV(("web01", 9, new Guid("c96bac73-b0b2-457e-8aa3-ac1bba1112d4")), ("7", 11, new Guid("d026f396-fbe3-4e1c-8f60-f02c00f7bd28"))));
        Assert.Empty(Run("Suspend-XenDomain web01").Errors);
        Assert.Empty(Run("Suspend-XenDomain WEB01").Errors);
        var r = Run("Remove-XenDomain WEB01 -Confirm:$false -Verbose");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "pause 9", "pause 10", "destroy 10" }, Xl.Calls.Where(c => c != "list -v"));
        Assert.Contains(r.Verbose, v => v.EndsWith(" destroy 10", StringComparison.Ordinal) && v.StartsWith("Running: ", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadsFallBackToAnotherCaseOnlyWhenNoNameMatchesExactly()
    {
        Xl.Map("list -v", CaseAndDigits);
        Assert.Equal(new[] { "web01" }, Run("Get-XenDomain web01").Output.Select(o => (string)Prop(o, "Name")!));
        Assert.Equal(new[] { "WEB01" }, Run("Get-XenDomain WEB01").Output.Select(o => (string)Prop(o, "Name")!));
        Assert.Equal(new[] { "web01", "WEB01" }, Run("Get-XenDomain web*").Output.Select(o => (string)Prop(o, "Name")!));
        Xl.MapText("list -v", ListV(("WEB01", 5, U(5))));
        var only = Assert.Single(Run("Get-XenDomain web01").Output);
        Assert.Equal(("WEB01", 5, U(5)), ((string)Prop(only, "Name")!, (int)Prop(only, "Id")!, (Guid?)Prop(only, "Uuid")));
    }

    // ------------------------------------------------------------------ ids

    /// <summary>A domain named "7" while id 7 is another domain: xl would read "7" as the id, so XenPS passes ids.</summary>
    [Fact]
    public void ADomainNamedLikeAnotherDomainsIdIsActedOnByItsOwnId()
    {
        Xl.MapText("list -v", ListV(("web02", 7, U(7)), ("7", 11, U(11))))
          .MapText("shutdown 11", "").MapText("shutdown 7", "").MapText("pause 11", "");
        Assert.Empty(Run("Stop-XenDomain 7 -NoWait").Errors);
        Assert.Empty(Run("Stop-XenDomain -Id 7 -NoWait").Errors);
        Assert.Empty(Run("'7' | Suspend-XenDomain").Errors);
        Assert.Equal(new[] { "shutdown 11", "shutdown 7", "pause 11" }, Xl.Calls.Where(c => c != "list -v"));
        Assert.Equal("7", (string)Prop(Assert.Single(Run("Get-XenDomain 7").Output), "Name")!);

        // An all-digit name that no domain has is not taken for an id.
        var e = Assert.Single(Run("Stop-XenDomain 11 -NoWait").Errors);
        Assert.Equal("XenDomainNotFound,XenPS.Commands.StopXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Contains("'11' is taken as a name, not an id: to act on the domain with id 11 (7), use -Id 11.", e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(3, Xl.Calls.Count(c => c != "list -v"));
    }

    [Fact]
    public void EveryActionGivesXlTheIdNeverTheName()
    {
        var path = P("web02.save");
        Xl.MapText("list -v", ListV(("web02", 7, U(7))))
          .MapText("pause 7", "").MapText("unpause 7", "").MapText("mem-set 7 64m", "").MapText("vcpu-set 7 1", "")
          .MapText("reboot 7", "").MapText("shutdown 7", "").MapText("save -c 7 " + path, "");
        var r = Run($"Suspend-XenDomain web02; Resume-XenDomain web02; Set-XenDomain web02 -MemoryMB 64 -VCpus 1 -Confirm:$false; Restart-XenDomain web02; " +
                    $"Stop-XenDomain web02 -NoWait; Save-XenDomain web02 -Path {path} -KeepRunning -Confirm:$false");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.ToString())));
        Assert.Equal(new[] { "pause 7", "unpause 7", "mem-set 7 64m", "vcpu-set 7 1", "reboot 7", "shutdown 7", "save -c 7 " + path },
            Xl.Calls.Where(c => c != "list -v"));
    }

    // ------------------------------------------------------------------ UUID

    /// <summary>Between the resolve (and the confirmation) and the destroy, the domain died and its id went to a new
    /// domain of the same name: the UUID at the id differs, nothing is destroyed.</summary>
    [Theory]
    [InlineData("WEB01")]
    [InlineData("other")]
    public void ADestroyIsRefusedWhenTheIdNowHasAnotherUuid(string newName)
    {
        Xl.MapText("list -v", ListV(("WEB01", 5, U(5)))).MapText("destroy 5", "")
          .AfterText("list -v", "list -v", ListV((newName, 5, U(55))));
        var r = Run("Remove-XenDomain WEB01 -Confirm:$false");
        var e = Assert.Single(r.Errors);
        Assert.Equal("XenDomainChanged,XenPS.Commands.RemoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
        Assert.Equal("WEB01", e.TargetObject);
        Assert.Contains($"is no longer WEB01 (UUID {U(5)}) but {newName} (UUID {U(55)})", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was done to it.", e.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(Destroys);
    }

    [Fact]
    public void StopForceReChecksTheUuidBeforeItDestroys()
    {
        Xl.MapText("list -v", ListV(("WEB01", 5, U(5)))).Sleep("shutdown -w 5", 30).MapText("destroy 5", "")
          .AfterText("list -v", "list -v", ListV(("WEB01", 5, U(55))));
        var e = Assert.Single(Run("Stop-XenDomain WEB01 -Timeout 1 -Force").Errors);
        Assert.Equal("XenDomainChanged,XenPS.Commands.StopXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Empty(Destroys);
    }

    /// <summary>After its instance is gone, a domain of the same name with another UUID is someone else's: it is not
    /// the guest restarting, and it is neither waited for nor destroyed.</summary>
    [Fact]
    public void ADomainOfTheSameNameWithAnotherUuidIsNotTakenForARestart()
    {
        Xl.MapText("list -v", ListV(("web02", 7, U(7)))).MapText("destroy 7", "")
          .AfterText("destroy 7", "list -v", ListV(("web02", 8, U(8))));
        var r = Run("Remove-XenDomain web02 -Confirm:$false -Verbose");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "destroy 7" }, Destroys);
        Assert.DoesNotContain(r.Verbose, v => v.Contains("came back", StringComparison.Ordinal));
    }

    /// <summary>The same name under a new id with the same UUID is the guest restarting (xl keeps the UUID, as the lab
    /// capture names/xl-list-v-reboot-* shows): that instance is destroyed too.</summary>
    [Fact]
    public void TheSameGuestUnderANewIdWithItsUuidIsDestroyedToo()
    {
        Xl.MapText("list -v", ListV(("web03", 9, U(9)))).MapText("destroy 9", "").MapText("destroy 10", "")
          .AfterText("destroy 9", "list -v", ListV(("web03", 10, U(9))))
          .AfterText("destroy 10", "list -v", ListV());
        var r = Run("Remove-XenDomain web03 -Confirm:$false -Verbose");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "destroy 9", "destroy 10" }, Destroys);
        Assert.Contains(r.Verbose, v => v.Contains("web03 came back as id 10", StringComparison.Ordinal));
    }

    // ------------------------------------------------------------------ rollback

    private string NewArgs(string name) =>
        $"-Name {name} -MemoryMB 64 -DiskPath '{P(name + ".img")}' -DiskSizeGB 1 -Bridge lo -MacAddress 00:16:3e:01:02:03 -ConfigPath '{P(name + ".cfg")}' -Type Hvm";

    private string[] Files() => Directory.GetFiles(_dir).Select(Path.GetFileName).OrderBy(f => f, StringComparer.Ordinal).ToArray()!;

    /// <summary>xl create fails and leaves nothing; WEB01 runs: the rollback destroys nothing (it used to find WEB01
    /// for "web01" and destroy it).</summary>
    [Fact]
    public void ARollbackDoesNotDestroyADomainOfAnotherCase()
    {
        Xl.MapText("list -v", ListV(("WEB01", 5, U(5)))).MapText("destroy 5", "")
          .MapText("create " + P("web01.cfg"), "", "Parsing config from x\nlibxl: error: libxl_create.c:1640:domcreate_rebuild_done: Domain 6:cannot (re-)build domain: -3\n", 3);
        var r = Run($"New-XenDomU {NewArgs("web01")}");
        var e = Assert.Single(r.Errors);
        Assert.Contains($"Rolled back: deleted {P("web01.cfg")}, deleted {P("web01.img")}.", e.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(Destroys);
        Assert.Empty(Files());
        Assert.Contains(r.Warnings, w => w.Contains("WEB01 (id 5) already runs", StringComparison.Ordinal) && w.Contains("case-sensitive", StringComparison.Ordinal));
    }

    /// <summary>xl create fails but leaves its domain (id 6) behind: only that id is destroyed, not WEB01.</summary>
    [Fact]
    public void ARollbackDestroysOnlyTheInstanceItsCreateMade()
    {
        Xl.MapText("list -v", ListV(("WEB01", 5, U(5)))).MapText("destroy 5", "").MapText("destroy 6", "")
          .MapText("create " + P("web01.cfg"), "", "Parsing config from x\nlibxl: error: libxl_dm.c:3131:device_model_spawn_outcome: Domain 6:domain 6 device model: spawn failed (rc=-3)\n", 3)
          .AfterText("create " + P("web01.cfg"), "list -v", ListV(("WEB01", 5, U(5)), ("web01", 6, U(6))))
          .AfterText("destroy 6", "list -v", ListV(("WEB01", 5, U(5))));
        var e = Assert.Single(Run($"New-XenDomU {NewArgs("web01")}").Errors);
        Assert.Contains($"Rolled back: destroyed the domain web01, deleted {P("web01.cfg")}, deleted {P("web01.img")}.", e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "destroy 6" }, Destroys);
    }

    /// <summary>Another create of the same name won the race: xl create says the name exists, and that domain is not
    /// this create's to roll back.</summary>
    [Fact]
    public void ARollbackLeavesADomainThatTookTheNameFirst()
    {
        Xl.MapText("list -v", ListV()).MapText("destroy 7", "")
          .MapText("create " + P("web01.cfg"), "", "Parsing config from x\nlibxl: error: libxl_domain.c:81:libxl__domain_rename: Domain 8:Domain with name \"web01\" already exists.\n", 3)
          .AfterText("create " + P("web01.cfg"), "list -v", ListV(("web01", 7, U(7))));
        var e = Assert.Single(Run($"New-XenDomU {NewArgs("web01")}").Errors);
        Assert.Equal("XenDomainExists,XenPS.Commands.NewXenDomUCommand", e.FullyQualifiedErrorId);
        Assert.Empty(Destroys);
        Assert.Empty(Files());
    }

    /// <summary>Start-XenDomain of web01 while WEB01 runs: xl allows it, XenPS too (only an exact name is in the way),
    /// and the domain it returns is the new one.</summary>
    [Fact]
    public void StartTellsTheNewDomainFromOneOfAnotherCase()
    {
        File.WriteAllText(P("web01.cfg"), "name = \"web01\"\ntype = \"pv\"\nkernel = \"/k\"\nmemory = 64\n");
        Xl.MapText("list -v", ListV(("WEB01", 5, U(5)))).MapText("create " + P("web01.cfg"), "")
          .AfterText("create " + P("web01.cfg"), "list -v", ListV(("WEB01", 5, U(5)), ("web01", 6, U(6))));
        var r = Run($"Start-XenDomain -Path '{P("web01.cfg")}' -PassThru");
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.ToString())));
        Assert.Equal(("web01", 6), ((string)Prop(Assert.Single(r.Output), "Name")!, (int)Prop(r.Output[0], "Id")!));
    }

    // ------------------------------------------------------------------ names that break the rule

    private const string Escape = "x\u001b[2Jy";

    private string Odd() => ListV(("my vm", 3, U(3)), ("a/b", 4, U(4)), (Escape, 12, U(12)));

    [Fact]
    public void DomainsWhoseNamesBreakTheRuleAreListedAndActedOnById()
    {
        Xl.MapText("list -v", Odd()).MapText("shutdown 3", "").MapText("destroy 4", "").MapText("pause 12", "")
          .AfterText("destroy 4", "list -v", ListV(("my vm", 3, U(3)), (Escape, 12, U(12))));
        Assert.Equal(new[] { "Domain-0", "my vm", "a/b", Escape }, Run("Get-XenDomain").Output.Select(o => (string)Prop(o, "Name")!));

        Run("Get-XenDomain | Where-Object Id -ne 0 | Remove-XenDomain -WhatIf");
        Assert.Contains("on target \"'my vm' (id 3) on localhost\"", Host.Text, StringComparison.Ordinal);
        Assert.Contains("on target \"'a/b' (id 4) on localhost\"", Host.Text, StringComparison.Ordinal);
        Assert.Contains("on target \"'x\\x1b[2Jy' (id 12) on localhost\"", Host.Text, StringComparison.Ordinal);         Assert.DoesNotContain('\u001b', Host.Text);

        Assert.Empty(Run("Stop-XenDomain 'my vm' -NoWait").Errors);
        Assert.Empty(Run("Remove-XenDomain 'a/b' -Confirm:$false").Errors);
        Assert.Empty(Run("Get-XenDomain -Id 12 | Suspend-XenDomain").Errors);
        Assert.Equal(new[] { "shutdown 3", "destroy 4", "pause 12" }, Xl.Calls.Where(c => c != "list -v"));
    }

    [Fact]
    public void NothingIsMadeFromANameThatBreaksTheRule()
    {
        Environment.SetEnvironmentVariable("XENPS_XEN_CONFIG_DIR", _dir);
        Environment.SetEnvironmentVariable("XENPS_XEN_LOG_DIR", _dir);
        Xl.MapText("list -v", Odd()).MapText("destroy 4", "").MapText("save 3 " + P("my vm.save"), "");

        // -RemoveConfig finds the file by the name: refused before the destroy.
        var e = Assert.Single(Run("Remove-XenDomain 'a/b' -RemoveConfig -Confirm:$false").Errors);
        Assert.Equal("XenInvalidDomainName,XenPS.Commands.RemoveXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Contains("The configuration file of 'a/b' (id 4) cannot be found by its name: it contains '/'", e.Exception.Message, StringComparison.Ordinal);
        // A checkpoint named after the domain in a directory.
        e = Assert.Single(Run($"Save-XenDomain 'my vm' -Path '{_dir}' -Confirm:$false").Errors);
        Assert.Equal("XenInvalidDomainName,XenPS.Commands.SaveXenDomainCommand", e.FullyQualifiedErrorId);
        // Its log files.
        e = Assert.Single(Run("Get-XenDomain 'a/b' | Get-XenLog").Errors);
        Assert.Equal("XenInvalidDomainName,XenPS.Commands.GetXenLogCommand", e.FullyQualifiedErrorId);
        // Config files by name, one error per name, the others read.
        File.WriteAllText(P("web01.cfg"), "name = \"web01\"\nmemory = 64\n");
        var r = Run("Get-XenDomUConfig -Name '../etc/passwd', 'web01', 'my vm'");
        Assert.Equal(new[] { "../etc/passwd", "my vm" }, r.Errors.Select(x => (string)x.TargetObject));
        Assert.All(r.Errors, x => Assert.Equal("XenInvalidDomainName,XenPS.Commands.GetXenDomUConfigCommand", x.FullyQualifiedErrorId));
        Assert.Equal("web01", (string)Prop(Assert.Single(r.Output), "Name")!);
        e = Assert.Single(Run("Start-XenDomain -Name 'a/b'").Errors);
        Assert.Equal("XenInvalidDomainName,XenPS.Commands.StartXenDomainCommand", e.FullyQualifiedErrorId);
        e = Assert.Single(Run("Enable-XenDomainAutostart -Name '../x' -Confirm:$false").Errors);
        Assert.Equal("XenInvalidDomainName,XenPS.Commands.EnableXenDomainAutostartCommand", e.FullyQualifiedErrorId);

        Assert.Empty(Destroys);
        Assert.DoesNotContain(Xl.Calls, c => c.StartsWith("save", StringComparison.Ordinal));
    }

    [Fact]
    public void ANameReadFromAConfigFileThatBreaksTheRuleIsReadButNotStartedOrWritten()
    {
        var path = P("odd.cfg");
        var text = "name = \"my vm; reboot\"\ntype = \"pv\"\nkernel = \"/k\"\nmemory = 64\n";
        File.WriteAllText(path, text);
        Xl.MapText("list -v", ListV()).MapText("create " + path, "");

        var r = Run($"Get-XenDomUConfig -Path '{path}'");
        Assert.Empty(r.Errors);
        Assert.Equal("my vm; reboot", (string)Prop(Assert.Single(r.Output), "Name")!);
        Assert.Contains(r.Warnings, w => w.Contains("('my vm; reboot') contains white space: Start-XenDomain refuses it.", StringComparison.Ordinal));
        r = Run($"(Get-XenDomUConfig -Path '{path}').Validate() | Where-Object Severity -eq Error | ForEach-Object Message");
        Assert.Contains(r.Output, o => ((string)o.BaseObject).StartsWith("name 'my vm; reboot' contains white space", StringComparison.Ordinal));

        var e = Assert.Single(Run($"Get-XenDomUConfig -Path '{path}' | Start-XenDomain").Errors);
        Assert.Equal("XenInvalidDomainName,XenPS.Commands.StartXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Equal(path, e.TargetObject);
        Assert.StartsWith($"The name in {path} ('my vm; reboot') cannot be a domain name: it contains white space.", e.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Xl.Calls, c => c.StartsWith("create", StringComparison.Ordinal));

        // Renaming through -Setting is naming a domain: the new name must follow the rule.
        File.WriteAllText(P("good.cfg"), "name = \"good\"\nmemory = 64\n");
        e = Assert.Single(Run($"Set-XenDomUConfig -Path '{P("good.cfg")}' -Setting @{{ name = '-rf' }} -Confirm:$false").Errors);
        Assert.Contains("name '-rf' starts with '-'", e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("name = \"good\"\nmemory = 64\n", File.ReadAllText(P("good.cfg")));
        Assert.Equal(text, File.ReadAllText(path));
    }
}
