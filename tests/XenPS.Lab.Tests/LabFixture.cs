using System.Diagnostics;
using System.Reflection;
using Xunit;

namespace XenPS.Lab.Tests;

/// <summary>The result of a raw command on a lab Dom0 (run with the system ssh, independently of XenPS).</summary>
public sealed record Raw(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Starts the Xen lab (two Dom0s, xenlab1 and xenlab2) once for the whole test run, points XenPS's SSH transport at
/// the lab's ssh_config, and stops the lab at the end. If the lab cannot start, every lab test fails with the
/// lab's own output (which includes the tail of the serial console log).
/// </summary>
public sealed class LabFixture : IDisposable
{
    public const string Host1 = "xenlab1";
    public const string Host2 = "xenlab2";

    public LabFixture()
    {
        RepoRoot = typeof(LabFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepoRoot").Value!;
        LabScript = Path.Combine(RepoRoot, "tests", "lab", "lab");
        RunDir = Environment.GetEnvironmentVariable("XENPS_LAB_RUN") is { Length: > 0 } r ? r : "/tmp/xenps-lab";
        var watch = Stopwatch.StartNew();
        // For a developer's edit-test loop: XENPS_LAB_REUSE=1 uses a lab that is already up (tests/lab/lab start
        // --count 2) and leaves it running. CI never sets it: there the lab is started here and stopped at the end.
        _reuse = Environment.GetEnvironmentVariable("XENPS_LAB_REUSE") == "1" && RunProcess(LabScript, new[] { "status" }, TimeSpan.FromMinutes(1)).ExitCode == 0;
        var start = _reuse ? new Raw(0, "reusing the running lab\n", string.Empty) : RunProcess(LabScript, new[] { "start", "--count", "2" }, TimeSpan.FromMinutes(40));
        StartLog = start.Stdout + start.Stderr;
        StartSeconds = watch.Elapsed.TotalSeconds;
        if (start.ExitCode != 0)
        {
            RunProcess(LabScript, new[] { "stop" }, TimeSpan.FromMinutes(2));
            throw new InvalidOperationException($"The Xen lab did not start (exit code {start.ExitCode}):\n{StartLog}");
        }

        Env = File.ReadAllLines(Path.Combine(RunDir, "lab.env"))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.TrimStart().StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim().Trim('"', '\''), StringComparer.Ordinal);
        SshConfig = Env["LAB_SSH_CONFIG"];
        // Every SSH call XenPS makes in this process uses the lab's client config (hosts, ports, keys, known_hosts).
        Environment.SetEnvironmentVariable("XENPS_SSH_CONFIG", SshConfig);
        Environment.SetEnvironmentVariable("XENPS_SSH_CONTROL_DIR", Path.Combine(RunDir, "xenps-cm"));
        foreach (var host in new[] { Host1, Host2 }) CleanGuests(host);
    }

    public string RepoRoot { get; }
    public string LabScript { get; }
    public string RunDir { get; }
    public string SshConfig { get; } = string.Empty;
    public IReadOnlyDictionary<string, string> Env { get; } = new Dictionary<string, string>();
    public string StartLog { get; }
    public double StartSeconds { get; }

    /// <summary>Runs a shell command on a Dom0 with the plain ssh client (the independent oracle for the tests).</summary>
    public Raw Ssh(string host, string command, int timeoutSeconds = 120) =>
        RunProcess("ssh", new[] { "-F", SshConfig, "-o", "BatchMode=yes", host, command }, TimeSpan.FromSeconds(timeoutSeconds));

    /// <summary>Like <see cref="Ssh"/> but fails the test when the command fails.</summary>
    public string SshOk(string host, string command, int timeoutSeconds = 120)
    {
        var r = Ssh(host, command, timeoutSeconds);
        Assert.True(r.ExitCode == 0, $"'{command}' on {host} failed with {r.ExitCode}: {r.Stderr}");
        return r.Stdout;
    }

    /// <summary>Creates a domain with raw `xl create` and waits until `xl list` shows it (xl create can crash at exit
    /// after creating the domain under TCG, so its exit code alone is not trusted).</summary>
    public void XlCreate(string host, string configPath, string name, bool paused = false)
    {
        // Under load xenconsoled can miss libxl's console deadline ("console tty: timed out"): one more try.
        Raw r = new(0, string.Empty, string.Empty);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            r = Ssh(host, $"xl create {(paused ? "-p " : "")}{configPath}", 180);
            if (WaitFor(() => Ssh(host, $"xl list {name}").ExitCode == 0, 60)) return;
        }
        Assert.Fail($"xl create {configPath} did not create {name} on {host}: rc {r.ExitCode} {r.Stderr}");
    }

    /// <summary>Writes a file on a Dom0 (test setup, with the plain ssh client).</summary>
    public void WriteFile(string host, string path, string content)
    {
        var r = RunProcess("ssh", new[] { "-F", SshConfig, "-o", "BatchMode=yes", host, "cat > " + path }, TimeSpan.FromSeconds(60), content);
        Assert.True(r.ExitCode == 0, r.Stderr);
    }

    /// <summary>Destroys every domain but Domain-0 and waits until they are gone.</summary>
    public void CleanGuests(string host)
    {
        Ssh(host, "for d in $(xl list | awk 'NR>2 {print $1}'); do timeout 60 xl destroy \"$d\" || true; done", 300);
        WaitFor(() => Ssh(host, "xl list | wc -l").Stdout.Trim() == "2", 60);
    }

    public static bool WaitFor(Func<bool> condition, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return true;
            Thread.Sleep(500);
        }
        return condition();
    }

    public static Raw RunProcess(string file, IEnumerable<string> args, TimeSpan timeout, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        // Read the streams whole (not line by line): the exact bytes matter, a missing final newline included.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return new Raw(-1, stdout.Result, stderr.Result + $"\n(timed out after {timeout.TotalSeconds} s)");
        }
        p.WaitForExit();
        return new Raw(p.ExitCode, stdout.Result, stderr.Result);
    }

    private readonly bool _reuse;

    public void Dispose()
    {
        if (!_reuse) RunProcess(LabScript, new[] { "stop" }, TimeSpan.FromMinutes(2));
    }
}

[CollectionDefinition("Lab", DisableParallelization = true)]
public sealed class LabCollection : ICollectionFixture<LabFixture>
{
}
