using System.Management.Automation;
using Xunit;

namespace XenPS.Tests;

public sealed class GetXenDomainTests : EngineTest
{
    [Fact]
    public void ReturnsEveryDomainOfXlList()
    {
        var r = Run("Get-XenDomain");
        Assert.False(r.HadErrors);
        Assert.Equal(2, r.Output.Count);
        Assert.Equal("XenPS.XenDomain", r.Output[0].TypeNames[0]);
        dynamic dom0 = r.Output[0];
        Assert.Equal("Domain-0", (string)dom0.Name);
        Assert.Equal(0, (int)dom0.Id);
        Assert.Equal(1024L, (long)dom0.MemoryMB);
        Assert.Equal(2, (int)dom0.VCpus);
        Assert.Equal("Running", Text(dom0.State));
        Assert.Equal("None", Text(dom0.ShutdownReason));
        Assert.Equal(TimeSpan.FromSeconds(157.8), (TimeSpan)dom0.CpuTime);
        Assert.Equal("localhost", (string)dom0.ComputerName);
        dynamic guest = r.Output[1];
        Assert.Equal(("guest1", 1, 128L, 1, "Paused", "--p---"), ((string)guest.Name, (int)guest.Id, (long)guest.MemoryMB, (int)guest.VCpus, Text(guest.State), (string)guest.StateText));
        Assert.Equal(new[] { "list -v" }, Xl.Calls);
    }

    [Fact]
    public void PipesIntoWhereObjectByState()
    {
        var r = Run("Get-XenDomain | Where-Object State -eq Paused | ForEach-Object Name");
        Assert.Equal(new[] { "guest1" }, r.Output.Select(o => o.BaseObject));
        r = Run("Get-XenDomain | Where-Object { $_.State.HasFlag([XenPS.XenDomainState]::Running) } | ForEach-Object Name");
        Assert.Equal(new[] { "Domain-0" }, r.Output.Select(o => o.BaseObject));
    }

    [Theory]
    [InlineData("Get-XenDomain guest1", "guest1")]
    [InlineData("Get-XenDomain GUEST1", "guest1")]
    [InlineData("Get-XenDomain -Name 'g*'", "guest1")]
    [InlineData("Get-XenDomain -Id 0", "Domain-0")]
    [InlineData("'guest1' | Get-XenDomain", "guest1")]
    [InlineData("[pscustomobject]@{ Name = 'guest1' } | Get-XenDomain", "guest1")]
    [InlineData("[pscustomobject]@{ DomId = 1 } | Get-XenDomain", "guest1")]
    [InlineData("[pscustomobject]@{ Id = 0 } | Get-XenDomain", "Domain-0")]
    [InlineData("[pscustomobject]@{ Name = 'guest1'; ComputerName = 'localhost' } | Get-XenDomain", "guest1")]
    [InlineData("Get-XenDomain guest1 | Get-XenDomain", "guest1")]
    public void SelectsByNameIdAndPipelineProperties(string script, string expected)
    {
        var r = Run(script);
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { expected }, r.Output.Select(o => (string)Prop(o, "Name")!));
    }

    [Fact]
    public void ALiteralNameThatMatchesNothingIsOneNonTerminatingError()
    {
        var r = Run("Get-XenDomain nosuch, guest1, 'zz*'");
        Assert.Equal(new[] { "guest1" }, r.Output.Select(o => (string)Prop(o, "Name")!));
        var error = Assert.Single(r.Errors);
        Assert.Equal("XenDomainNotFound,XenPS.Commands.GetXenDomainCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nosuch", error.TargetObject);
        Assert.Contains("'nosuch'", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnIdThatMatchesNothingIsAnError()
    {
        var r = Run("Get-XenDomain -Id 7");
        Assert.Empty(r.Output);
        var error = Assert.Single(r.Errors);
        Assert.Equal("XenDomainNotFound,XenPS.Commands.GetXenDomainCommand", error.FullyQualifiedErrorId);
        Assert.Equal(7, error.TargetObject);
    }

    [Fact]
    public void DetailedMergesXlListLong()
    {
        Xl.Map("list", "xl-list-after-create").Map("list -l", "xl-list-l-guest1");
        var r = Run("Get-XenDomain -Detailed");
        Assert.Empty(r.Errors);
        dynamic guest = r.Output.Single(o => (string)Prop(o, "Name")! == "guest1");
        Assert.True((bool)guest.IsDetailed);
        Assert.Equal("PV", Text(guest.Type));
        Assert.Equal(Guid.Parse("890fbdea-8c5b-4103-b72b-8f663dc81512"), (Guid?)guest.Uuid);
        Assert.Equal(128L, (long?)guest.MaxMemoryMB);
        Assert.Equal("/var/lib/xen/guest-vmlinuz", (string)guest.Kernel);
        Assert.Equal("restart", (string)guest.OnReboot);
        Assert.Equal("destroy", (string)guest.OnPoweroff);
        // Domain-0 is not in this xl list -l capture: it is tolerated and shown without details.
        dynamic dom0 = r.Output.Single(o => (int)Prop(o, "Id")! == 0);
        Assert.False((bool)dom0.IsDetailed);
        Assert.Contains("list -l", Xl.Calls);
    }

    [Fact]
    public void VerboseShowsTheCommandLineAndDebugTheRawOutput()
    {
        var r = Run("Get-XenDomain -Verbose -Debug -ErrorAction Stop");
        Assert.Contains(r.Verbose, v => v == "Running: " + Xl.ScriptPath + " list -v" || v == "Running: xl list -v");
        var debug = Assert.Single(r.Debug);
        Assert.Contains("exit code 0", debug, StringComparison.Ordinal);
        Assert.Contains("guest1                                       1   128     1     --p---      22.4", debug, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultTableReadsLikeXlList()
    {
        Run("Get-XenDomain | Out-Default");
        var lines = Host.Text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        Assert.False(Host.Text.Contains('\u001b'));
        Assert.Matches(@"^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)\s+ComputerName$", lines[0]);
        Assert.Matches(@"^Domain-0\s+0\s+1024\s+2\s+r-----\s+157\.8\s+localhost$", lines[2]);
        Assert.Matches(@"^guest1\s+1\s+128\s+1\s+--p---\s+22\.4\s+localhost$", lines[3]);
    }

    [Fact]
    public void NotADom0IsAClearPermissionError()
    {
        Xl.MapText("list", "", "xencall: error: Could not obtain handle on privileged command interface: No such file or directory\n" +
                               "libxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: No such file or directory\n" +
                               "cannot init xl context\n", 1);
        var r = Run("Get-XenDomain");
        var error = Assert.Single(r.Errors);
        Assert.Equal("XenNotDom0,XenPS.Commands.GetXenDomainCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal("localhost", error.TargetObject);
        Assert.Contains("not a running Xen Dom0", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingXlSaysXenToolsAreNotInstalled()
    {
        Environment.SetEnvironmentVariable("XENPS_XL_PATH", "/nonexistent/xl");
        try
        {
            var r = Run("Get-XenDomain");
            var error = Assert.Single(r.Errors);
            Assert.Equal("XenToolsNotInstalled,XenPS.Commands.GetXenDomainCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.NotInstalled, error.CategoryInfo.Category);
            Assert.Contains("xen-tools", error.Exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XENPS_XL_PATH", null);
        }
    }

    [Fact]
    public void ErrorActionStopMakesTheErrorTerminating()
    {
        var ex = Assert.Throws<ActionPreferenceStopException>(() => Run("Get-XenDomain nosuch -ErrorAction Stop"));
        Assert.Equal("XenDomainNotFound,XenPS.Commands.GetXenDomainCommand", ex.ErrorRecord.FullyQualifiedErrorId);
    }

    [Fact]
    public void TabCompletionOffersDomainNames()
    {
        var r = Run("(TabExpansion2 -inputScript 'Get-XenDomain gu' -cursorColumn 16).CompletionMatches | ForEach-Object CompletionText");
        Assert.Equal(new[] { "guest1" }, r.Output.Select(o => o.BaseObject));
        r = Run("(TabExpansion2 -inputScript 'Get-XenVCpu -Name D' -cursorColumn 19).CompletionMatches | ForEach-Object CompletionText");
        Assert.Equal(new[] { "Domain-0" }, r.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void CtrlCStopsTheCommandAndKillsXl()
    {
        Xl.Sleep("list -v", 60);
        using var ps = PowerShell.Create();
        ps.Runspace = Engine.Runspace;
        ps.AddCommand("Get-XenDomain");
        var started = DateTime.UtcNow;
        var async = ps.BeginInvoke();
        var pidFile = Path.Combine(Xl.Directory, "sleep.pid");
        while (!File.Exists(pidFile) && DateTime.UtcNow - started < TimeSpan.FromSeconds(20)) Thread.Sleep(20);
        Assert.True(File.Exists(pidFile), "the fake xl never started");
        ps.Stop();
        Assert.True(async.IsCompleted);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        // The child must be gone (killed by the cancellation), not left running for 60 s.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Directory.Exists("/proc/" + pid) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.False(Directory.Exists("/proc/" + pid), "xl was still running after Ctrl+C");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
    }
}
