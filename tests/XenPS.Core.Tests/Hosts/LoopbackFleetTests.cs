using System.Diagnostics;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Hosts;

/// <summary>
/// The fleet harness of benchmarks/fleet (issue 14) starts and stops: `fleet up 4` brings up four OpenSSH servers on
/// 127.0.0.1 whose xl replays real captures, each answers `xl list` through XenPS's own SSH transport (master
/// connections included), and `fleet down` leaves nothing running. Not a timing test: the measurements are
/// benchmarks/fleet/run's, outside CI. Needs root (sshd, and apt-get when openssh-server is missing), as CI has.
/// </summary>
public sealed class LoopbackFleetTests
{
    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "XenPS.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("XenPS.sln not found above " + AppContext.BaseDirectory);
    }

    private static (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(10)), $"{file} {string.Join(" ", args)} did not end");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static List<int> Pgrep(params string[] args)
    {
        var (code, stdout, _) = Run("pgrep", args);
        Assert.True(code is 0 or 1, "pgrep failed");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
    }

    private static bool Alive(int pid) => Directory.Exists("/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task AFleetOfFourAnswersXlListThroughTheSshTransportAndLeavesNothingRunning()
    {
        var fleet = Path.Combine(Repository(), "benchmarks", "fleet", "fleet");
        var up = Run(fleet, "up", "4");
        Assert.True(up.ExitCode == 0, "fleet up 4 failed: " + up.Stderr);
        var run = up.Stdout.Trim().Split('\n').Last();
        Assert.StartsWith("/tmp/xf.", run, StringComparison.Ordinal);
        var servers = new List<int>();
        try
        {
            var hosts = File.ReadAllLines(Path.Combine(run, "hosts"));
            Assert.Equal(new[] { "h001", "h002", "h003", "h004" }, hosts);
            servers.AddRange(hosts.Select(h => int.Parse(File.ReadAllText(Path.Combine(run, "s", h, "pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture)));
            Assert.All(servers, pid => Assert.True(Alive(pid), $"sshd {pid} is not running"));
            // Four distinct sshd, each listening on its own port.
            Assert.Equal(4, servers.Distinct().Count());
            Assert.Equal(4, hosts.Select(h => File.ReadAllText(Path.Combine(run, "s", h, "port"))).Distinct().Count());

            var options = new SshOptions { ConfigFile = Path.Combine(run, "ssh_config"), ControlDirectory = Path.Combine(run, "c") };
            foreach (var name in hosts)
            {
                var xl = new XlClient(new SshXenHost(new SshTarget(name), options));
                var domains = await xl.ListAsync(CancellationToken.None);
                // What the host's xl replays (benchmarks/fleet/xl-data.py): host i has 20 + 7i mod 31 domains.
                var i = int.Parse(name.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(20 + (7 * i % 31), domains.Count);
                Assert.Equal("Domain-0", domains[0].Name);
                Assert.Equal(name + "-guest-01", domains[1].Name);
                Assert.All(domains, d => Assert.Equal(name, d.ComputerName));
                // The master connection of XenPS's transport is up (and must be ended by fleet down).
                Assert.True(await new SshXenHost(new SshTarget(name), options).CheckMasterAsync(CancellationToken.None), $"no master connection to {name}");
            }
            Assert.NotEmpty(Pgrep("-f", run + "/c/"));
        }
        finally
        {
            var down = Run(fleet, "down", run);
            Assert.True(down.ExitCode == 0, "fleet down failed: " + down.Stderr);
        }

        Assert.False(Directory.Exists(run), "fleet down left " + run);
        Assert.Empty(Pgrep("-f", run + "/"));
        Assert.All(servers, pid => Assert.False(Alive(pid), $"sshd {pid} is still running"));
    }
}
