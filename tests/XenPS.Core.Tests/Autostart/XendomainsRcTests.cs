using System.Diagnostics;
using System.Globalization;
using XenPS.Core.Autostart;
using XenPS.Core.Execution;
using Xunit;

namespace XenPS.Core.Tests.Autostart;

/// <summary>
/// The xendomains rc.d script that Enable-XenDomainAutostart installs, run under dash (FreeBSD's sh is as POSIX) with
/// a stand-in for FreeBSD's rc.subr and a stand-in xl that simulates five guests (Autostart/xl-standin.sh): one an
/// HVM guest without PV drivers, one that ignores the shutdown request.
/// </summary>
public sealed class XendomainsRcTests : IDisposable
{
    /// <summary>Long enough for the guests that do stop (1 or 2 s after the request) to be seen gone even on a busy
    /// machine; the stuck guest makes the stop test wait all of it.</summary>
    private const int Budget = 10;

    private readonly string _dir = Directory.CreateTempSubdirectory("xenps-rcd-").FullName;

    public XendomainsRcTests()
    {
        Directory.CreateDirectory(P("auto"));
        Directory.CreateDirectory(P("state"));
        // ID NAME NOPV DELAY
        File.WriteAllText(P("state/guests"), "11 g1 0 1\n12 g2 0 2\n13 hvm3 1 1\n14 g4 0 1\n15 stuck5 0 never\n");
        var order = 10;
        foreach (var name in new[] { "g1", "g2", "hvm3", "g4", "stuck5" })
        {
            File.WriteAllText(P(name + ".cfg"), $"# {name}\nname = \"{name}\"\nmemory = 128\n");
            File.CreateSymbolicLink(P($"auto/{order}-{name}.cfg"), $"../{name}.cfg");
            order += 10;
        }
        // rc.subr stand-in: what the script uses of it.
        File.WriteAllText(P("rc.subr"),
            "load_rc_config() { :; }\n" +
            "run_rc_command() { case $1 in start) $start_cmd ;; stop) $stop_cmd ;; status) $status_cmd ;; *) return 1 ;; esac; }\n");
        var script = XenAutostartManager.RcScript;
        Assert.Equal(1, script.Split('\n').Count(l => l == ". /etc/rc.subr"));
        File.WriteAllText(P("xendomains"), script.Replace(". /etc/rc.subr", ". \"$XENPS_RC_SUBR\"", StringComparison.Ordinal));
        var xl = Path.Combine(AppContext.BaseDirectory, "Autostart", "xl-standin.sh");
        File.SetUnixFileMode(xl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Xl = xl;
    }

    private string Xl { get; }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string relative) => Path.Combine(_dir, relative);

    private void Dead(params int[] ids)
    {
        foreach (var id in ids) File.WriteAllText(P("state/dead." + id), string.Empty);
    }

    private (int ExitCode, string Output) Rc(string command)
    {
        var psi = new ProcessStartInfo(ToolResolver.Resolve("dash") ?? "sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(P("xendomains"));
        psi.ArgumentList.Add(command);
        psi.Environment["XENPS_RC_SUBR"] = P("rc.subr");
        psi.Environment["XL_STATE"] = P("state");
        psi.Environment["xendomains_dir"] = P("auto");
        psi.Environment["xendomains_xl"] = Xl;
        psi.Environment["xendomains_shutdown_timeout"] = Budget.ToString(CultureInfo.InvariantCulture);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    /// <summary>The stand-in's log: (time, arguments) per call.</summary>
    private List<(long At, string Args)> Calls() => File.ReadAllLines(P("state/calls.log"))
        .Select(l => (long.Parse(l[..l.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture), l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]))
        .ToList();

    private long Stamp(string file) => long.Parse(File.ReadAllText(P("state/" + file)).Trim(), CultureInfo.InvariantCulture);

    [Fact]
    public void TheScriptIsValidSh()
    {
        foreach (var (shell, args) in new[] { ("dash", new[] { "-n" }), ("bash", new[] { "--posix", "-n" }), ("sh", new[] { "-n" }) })
        {
            if (ToolResolver.Resolve(shell) is null) continue;
            var psi = new ProcessStartInfo(shell) { RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.ArgumentList.Add(P("xendomains"));
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, shell + ": " + err);
        }
    }

    [Fact]
    public void StopAsksEveryGuestAtOnceWaitsForAllWithinTheBudgetAndDestroysWhatIsLeft()
    {
        var (exit, output) = Rc("stop");
        Assert.True(exit == 0, output);
        var calls = Calls();

        // Every guest is asked, in the reverse of the start order, by domain id, with -F.
        Assert.Equal(new[] { "shutdown -F 15", "shutdown -F 14", "shutdown -F 13", "shutdown -F 12", "shutdown -F 11" },
            calls.Select(c => c.Args).Where(a => a.StartsWith("shutdown", StringComparison.Ordinal)));
        // In parallel: every request was made before the first guest was seen gone (their shutdowns overlap).
        var requests = new[] { 11, 12, 13, 14, 15 }.Select(id => Stamp("req." + id)).ToList();
        var gone = new[] { 11, 12, 13, 14 }.Select(id => Stamp("gone." + id)).ToList();
        Assert.True(requests.Max() < gone.Min(), "a guest was waited for before the next one was asked to shut down");
        // The HVM guest without PV drivers got the ACPI fallback and shut down: it was not destroyed.
        Assert.Contains("hvm3 is down", output, StringComparison.Ordinal);
        // Only the guest that ignored the request is destroyed, by id, once the budget is spent.
        var destroys = calls.Where(c => c.Args.StartsWith("destroy", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { "destroy 15" }, destroys.Select(c => c.Args));
        Assert.True(File.Exists(P("state/dead.15")));
        var waited = TimeSpan.FromTicks((destroys[0].At - calls.First(c => c.Args.StartsWith("shutdown", StringComparison.Ordinal)).At) / 100);
        Assert.True(waited >= TimeSpan.FromSeconds(Budget / 2), $"destroyed after {waited}, long before the budget of {Budget} s");
        Assert.True(waited < TimeSpan.FromSeconds(Budget + 10), $"destroyed after {waited}: the wait is not bounded by the budget of {Budget} s");
        // Each step is logged.
        foreach (var line in new[]
                 {
                     "xendomains: shutting down stuck5 (domain 15)", "xendomains: shutting down g1 (domain 11)",
                     $"xendomains: waiting up to {Budget} s for stuck5 g4 hvm3 g2 g1 to shut down",
                     "xendomains: g1 is down", "xendomains: g2 is down", "xendomains: g4 is down",
                     $"xendomains: stuck5 (domain 15) did not shut down within {Budget} s, destroying it",
                 })
            Assert.Contains(line + "\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void StopLeavesGuestsThatAreNotRunningAndReturnsAtOnceWhenAllAreDown()
    {
        Dead(11, 13, 15);
        var (exit, output) = Rc("stop");
        Assert.True(exit == 0, output);
        var args = Calls().Select(c => c.Args).ToList();
        Assert.Equal(new[] { "shutdown -F 14", "shutdown -F 12" }, args.Where(a => a.StartsWith("shutdown", StringComparison.Ordinal)));
        Assert.DoesNotContain(args, a => a.StartsWith("destroy", StringComparison.Ordinal));
        Assert.Contains("g2 is down", output, StringComparison.Ordinal);
        Assert.DoesNotContain("destroying", output, StringComparison.Ordinal);
    }

    [Fact]
    public void StopWithNothingRunningDoesNothing()
    {
        Dead(11, 12, 13, 14, 15);
        var (exit, output) = Rc("stop");
        Assert.True(exit == 0, output);
        Assert.Empty(output);
        Assert.DoesNotContain(Calls(), c => !c.Args.StartsWith("domid ", StringComparison.Ordinal));
    }

    [Fact]
    public void StartCreatesTheGuestsInLinkOrderAndSkipsRunningOnes()
    {
        Dead(11, 12, 13, 15);
        var (exit, output) = Rc("start");
        Assert.True(exit == 0, output);
        Assert.Equal(new[] { "g1", "g2", "hvm3", "stuck5" }.Select(n => "create -q " + P($"auto/{(n == "g1" ? 10 : n == "g2" ? 20 : n == "hvm3" ? 30 : 50)}-{n}.cfg")),
            Calls().Select(c => c.Args).Where(a => a.StartsWith("create", StringComparison.Ordinal)));
        Assert.Contains("xendomains: g4 is already running\n", output, StringComparison.Ordinal);
        Assert.Contains("xendomains: g1 is running as domain 11\n", Rc("status").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadTimeoutFallsBackToTheDefaultWithAMessage()
    {
        var script = File.ReadAllText(P("xendomains"));
        Assert.Contains(": ${xendomains_shutdown_timeout:=\"${xendomains_timeout:-60}\"}", script, StringComparison.Ordinal);
        Dead(11, 12, 13, 15);
        var marker = P("pwned");
        var value = "1;touch " + marker;
        File.WriteAllText(P("xendomains"), script.Replace("run_rc_command \"$1\"", $"xendomains_shutdown_timeout='{value}'; run_rc_command \"$1\"", StringComparison.Ordinal));
        var (exit, output) = Rc("stop");
        Assert.True(exit == 0, output);
        Assert.Contains($"xendomains_shutdown_timeout=\"{value}\" is not a number of seconds, using 60", output, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
        Assert.Contains("g4 is down", output, StringComparison.Ordinal);
    }
}
