using System.Diagnostics;
using System.Globalization;
using System.Text;
using XenPS.Tests.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace XenPS.Lab.Tests;

/// <summary>
/// The fault-injection matrix (issue 10, item 11). Each operation runs in a REAL pwsh child process against the lab over
/// SSH, with an ssh wrapper (XENPS_SSH_PATH) that numbers its invocations. A clean run first counts the invocations K
/// the operation makes; then, for each chosen fault point N and each fault, the operation runs again from the old state
/// and the wrapper, a moment after invocation N starts, either kills the client (SIGKILL to the pwsh that started it)
/// or cuts the connection (SIGKILL to that ssh and to the ControlMaster, so the Dom0 sees the connection drop).
/// After each fault, plain ssh checks the hosts: the old or the new state and nothing between (no half-made object,
/// never two instances of a guest); then the same command runs again (no fault) and must reach the new state.
/// Every run counts: injected faults (the client was still running when the fault hit) and survived ones. The counts
/// per operation go to the test output (and tests/lab/README.md).
/// </summary>
[Collection("Lab")]
public sealed class FaultInjectionLabTests : IDisposable
{
    private const string A = LabFixture.Host1;
    private const string B = LabFixture.Host2;
    private const string Kernel = "-Kernel /var/lib/xen/guest-vmlinux -Ramdisk /var/lib/xen/guest-initrd.gz -Extra 'console=hvc0 rdinit=/sbin/init'";

    private readonly LabFixture _lab;
    private readonly ITestOutputHelper _log;
    private readonly string _dir;
    private readonly string _controlDir;
    private readonly string _wrapper;

    public FaultInjectionLabTests(LabFixture lab, ITestOutputHelper log)
    {
        _lab = lab;
        _log = log;
        _dir = Path.Combine("/tmp", "xfi-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        _controlDir = Path.Combine(_dir, "cm");
        _wrapper = Path.Combine(_dir, "ssh");
        File.WriteAllText(_wrapper, WrapperScript);
        File.SetUnixFileMode(_wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The ssh wrapper: numbers the invocation (under a lock), and at invocation $FI_AT starts the injector,
    /// which after $FI_DELAY s kills the client or the connection (only when the client still runs: else the fault is
    /// not counted as injected). It logs the start and end of every invocation. The connection is cut by killing the
    /// real ssh processes only (by their executable): the wrapper, and the injector itself, are shell processes named
    /// after the script ("ssh"), and an injector that matched its own name killed itself before the ssh.</summary>
    private const string WrapperScript = """
        #!/bin/sh
        d=$FI_DIR
        n=$(flock "$d/lock" sh -c 'n=$(( $(cat "$1/count" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$1/count"; echo "$n"' sh "$d")
        echo "start $n $(date +%s.%N)" >> "$d/log"
        me=$$; client=$PPID
        if [ "$n" = "${FI_AT:-0}" ]; then
          ( sleep "$FI_DELAY"
            kill -0 "$client" 2>/dev/null || exit 0
            echo "fired $n $FI_MODE" >> "$d/log"
            if [ "$FI_MODE" = kill ]; then kill -KILL "$client"
            else
              for p in $(pgrep -P "$me") $(pgrep -f -- "$FI_CMDIR"); do
                [ "$(readlink /proc/$p/exe 2>/dev/null)" = /usr/bin/ssh ] && kill -KILL "$p"
              done
            fi ) </dev/null >/dev/null 2>&1 &
        fi
        /usr/bin/ssh "$@"
        rc=$?
        echo "end $n $(date +%s.%N) $rc" >> "$d/log"
        exit $rc
        """;

    private sealed record ClientRun(int ExitCode, int Invocations, bool Injected, string Output, IReadOnlyDictionary<int, double> Seconds);

    /// <summary>Runs one command in a new pwsh with the module imported, the wrapper as ssh, and a fault at invocation
    /// <paramref name="faultAt"/> (0: none).</summary>
    private ClientRun RunClient(string command, int faultAt = 0, string mode = "none", double delay = 0.3)
    {
        foreach (var f in new[] { "count", "log" }) File.Delete(Path.Combine(_dir, f));
        var psi = new ProcessStartInfo("pwsh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-Command",
            $"$ErrorActionPreference = 'Stop'; Import-Module '{Engine.ModuleManifest}'; {command}" }) psi.ArgumentList.Add(a);
        psi.Environment["XENPS_SSH_PATH"] = _wrapper;
        psi.Environment["XENPS_SSH_CONFIG"] = _lab.SshConfig;
        psi.Environment["XENPS_SSH_CONTROL_DIR"] = _controlDir;
        psi.Environment["FI_DIR"] = _dir;
        psi.Environment["FI_CMDIR"] = _controlDir;
        psi.Environment["FI_AT"] = faultAt.ToString(CultureInfo.InvariantCulture);
        psi.Environment["FI_MODE"] = mode;
        psi.Environment["FI_DELAY"] = delay.ToString(CultureInfo.InvariantCulture);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(6)))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        p.WaitForExit();
        KillLeftoverSsh();
        var log = File.Exists(Path.Combine(_dir, "log")) ? File.ReadAllText(Path.Combine(_dir, "log")) : string.Empty;
        var count = log.Split('\n').Count(l => l.StartsWith("start ", StringComparison.Ordinal));
        var injected = log.Contains("fired ", StringComparison.Ordinal);
        var starts = new Dictionary<int, double>();
        var seconds = new Dictionary<int, double>();
        foreach (var f in log.Split('\n').Select(l => l.Split(' ')).Where(f => f.Length >= 3))
        {
            if (f[0] == "start") starts[int.Parse(f[1], CultureInfo.InvariantCulture)] = double.Parse(f[2], CultureInfo.InvariantCulture);
            else if (f[0] == "end" && starts.TryGetValue(int.Parse(f[1], CultureInfo.InvariantCulture), out var t0))
                seconds[int.Parse(f[1], CultureInfo.InvariantCulture)] = double.Parse(f[2], CultureInfo.InvariantCulture) - t0;
        }
        return new ClientRun(p.ExitCode, count, injected, (stdout.Result + stderr.Result).Trim(), seconds);
    }

    /// <summary>Ends the ssh processes this test's clients left (their ControlMasters), each by its id.</summary>
    private void KillLeftoverSsh()
    {
        var r = LabFixture.RunProcess("pgrep", new[] { "-f", "--", _controlDir }, TimeSpan.FromSeconds(10));
        foreach (var pid in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse))
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid}/comm").Trim() == "ssh") Process.GetProcessById(pid).Kill();
            }
            catch (Exception ex) when (ex is IOException || ex is ArgumentException || ex is InvalidOperationException)
            {
                // already gone
            }
        }
    }

    /// <summary>One operation of the matrix: how to reach the old state, the command, and what the hosts look like.</summary>
    private sealed record Operation(
        string Name,
        string Command,
        Action SetUp,
        Func<string> Snapshot,
        string OldState,
        string NewState,
        Action CleanUp,
        bool RetryWhenNew,
        double Delay,
        Func<bool>? Busy = null);

    /// <summary>Runs the matrix for one operation: a clean run (counts K and checks the new state), then each fault at
    /// each chosen invocation, with the checks and the second run. Returns (injected, survived).</summary>
    private (int Injected, int Survived) Matrix(Operation op, Func<ClientRun, IEnumerable<int>> points)
    {
        var failures = new List<string>();
        op.SetUp();
        Assert.Equal(op.OldState, op.Snapshot());
        var clean = RunClient(op.Command);
        Assert.True(clean.ExitCode == 0, $"{op.Name}: the clean run failed: {clean.Output}");
        Assert.Equal(op.NewState, op.Snapshot());
        var k = clean.Invocations;
        var chosen = points(clean).Distinct().OrderBy(n => n).ToList();
        Log($"{op.Name}: {k} ssh invocations in a clean run ({string.Join(" ", Enumerable.Range(1, k).Select(n => n + ":" + (clean.Seconds.TryGetValue(n, out var t) ? t.ToString("0.0", CultureInfo.InvariantCulture) : "?") + "s"))}); faults at {string.Join(",", chosen)}");
        var injected = 0;
        var survived = 0;
        foreach (var mode in new[] { "kill", "cut" })
        {
            foreach (var n in chosen)
            {
                op.CleanUp();
                op.SetUp();
                var run = RunClient(op.Command, n, mode, op.Delay);
                if (!run.Injected)
                {
                    Log($"{op.Name} {mode}@{n}: the client had ended before the fault (not counted)");
                    continue;
                }
                injected++;
                // Let the host-side guards and watchdogs finish (they act within seconds); then judge the state. An
                // operation with host-side work that outlives the client (the not-live move's decision) is judged only
                // once that work has ended: a second run started before it is refused as "still running", rightly.
                string state = op.Snapshot();
                LabFixture.WaitFor(() => ((state = op.Snapshot()) == op.OldState || state == op.NewState) && op.Busy?.Invoke() != true, 240);
                var after = state == op.OldState ? "old" : state == op.NewState ? "new" : "BETWEEN: " + state;
                var retry = state == op.NewState && !op.RetryWhenNew ? null : RunClient(op.Command);
                var final = op.Snapshot();
                var ok = after != null && !after.StartsWith("BETWEEN", StringComparison.Ordinal) && final == op.NewState && (retry is null || retry.ExitCode == 0);
                Log($"{op.Name} {mode}@{n}: client rc {run.ExitCode}, after the fault {after}, second run rc {(retry is null ? "-" : retry.ExitCode.ToString(CultureInfo.InvariantCulture))}, final {(final == op.NewState ? "new" : final)}{(ok ? string.Empty : " FAILED")}");
                if (ok) survived++;
                else failures.Add($"{mode}@{n}: after the fault {after}; second run {(retry is null ? "-" : retry.ExitCode + ": " + Last(retry.Output))}; final {final}; client said: {Last(run.Output)}");
            }
        }
        op.CleanUp();
        Log($"{op.Name}: {injected} faults injected, {survived} survived");
        Assert.True(failures.Count == 0, $"{op.Name}: {failures.Count} of {injected} faults not survived:\n" + string.Join("\n", failures));
        Assert.True(injected > 0, $"{op.Name}: no fault was injected");
        return (injected, survived);
    }

    public void Dispose()
    {
        KillLeftoverSsh();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* a socket still closing */ }
    }

    private void Log(string line)
    {
        _log.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "xenps-fault-matrix.log"), DateTime.UtcNow.ToString("HH:mm:ss ", CultureInfo.InvariantCulture) + line + "\n");
    }

    private static string Last(string text) => text.Length > 400 ? text[^400..] : text;

    private string Sh(string host, string command) => _lab.SshOk(host, command).Trim();

    private static IEnumerable<int> All(ClientRun clean) => Enumerable.Range(1, clean.Invocations);

    /// <summary>The <paramref name="count"/> longest invocations of the clean run (the steps that change something: zfs
    /// create, the config write, xl create, xl save, the transfer) and the last one.</summary>
    private static Func<ClientRun, IEnumerable<int>> Longest(int count) => clean =>
        clean.Seconds.OrderByDescending(kv => kv.Value).Take(count).Select(kv => kv.Key).Append(clean.Invocations);

    [Fact]
    public void NewXenDomU()
    {
        var op = new Operation(
            "New-XenDomU",
            $"New-XenDomU -ComputerName {A} fin -Type Pv -MemoryMB 96 {Kernel} -ZfsVolume zroot/fin -DiskSizeGB 1 -NoNetwork -Confirm:$false | Out-Null",
            SetUp: () => { },
            Snapshot: () => Sh(A, "printf 'domains=%s cfg=%s vol=%s guards=%s' \"$(xl list | awk '$1 == \"fin\"' | wc -l)\" \"$(ls /etc/xen/fin.cfg 2>/dev/null | wc -l)\" \"$(zfs list -H -o name zroot/fin 2>/dev/null | wc -l)\" \"$(ls -d /tmp/xenps-guard-* 2>/dev/null | wc -l)\""),
            OldState: "domains=0 cfg=0 vol=0 guards=0",
            NewState: "domains=1 cfg=1 vol=1 guards=0",
            CleanUp: () => _lab.Ssh(A, "xl destroy fin 2>/dev/null; sleep 1; rm -f /etc/xen/fin.cfg; for i in 1 2 3 4 5; do zfs list zroot/fin >/dev/null 2>&1 || break; zfs destroy zroot/fin && break; sleep 2; done", 120),
            RetryWhenNew: false,
            Delay: 0.3);
        op.CleanUp();
        Matrix(op, Longest(1));
    }

    private const string SetConfigText = "type = \"pv\"\nname = \"fis\"\nkernel = \"/var/lib/xen/guest-vmlinux\"\nmemory = 128\nvcpus = 1\n";

    [Fact]
    public void SetXenDomUConfig()
    {
        // Old: the file as written; new: memory = 192 and nothing else changed. A temporary file of the write left
        // behind counts as "between".
        var op = new Operation(
            "Set-XenDomUConfig",
            $"Set-XenDomUConfig -ComputerName {A} -Path /root/fis.cfg -MemoryMB 192 -Confirm:$false",
            SetUp: () => _lab.WriteFile(A, "/root/fis.cfg", SetConfigText),
            Snapshot: () => Sh(A, "t=$(ls -a /root | grep -c '^\\.fis\\.cfg\\.xenps\\.'); " +
                "if [ \"$(sed 's/^memory = 192$/memory = 128/' /root/fis.cfg | md5sum)\" != \"$(printf 'type = \"pv\"\\nname = \"fis\"\\nkernel = \"/var/lib/xen/guest-vmlinux\"\\nmemory = 128\\nvcpus = 1\\n' | md5sum)\" ]; then echo \"other temps=$t\"; cat /root/fis.cfg; " +
                "elif grep -qx 'memory = 192' /root/fis.cfg; then echo \"new temps=$t\"; else echo \"old temps=$t\"; fi"),
            OldState: "old temps=0",
            NewState: "new temps=0",
            CleanUp: () => _lab.Ssh(A, "rm -f /root/fis.cfg /root/fis.cfg.xenps-*.bak /root/.fis.cfg.xenps.*"),
            RetryWhenNew: true,
            Delay: 0.2);
        op.CleanUp();
        Matrix(op, Longest(2));
    }

    [Fact]
    public void EnableXenDomainAutostart()
    {
        // New: the link, the rc.d script and xendomains_enable="YES"; old: no link. The rc.d script and rc.conf setting
        // are the host's preparation (idempotent, shared by every autostarted guest): installed without a link they
        // start nothing, so they may stay; a link without them (a guest said to start at boot that would not) is
        // "between", as is a temporary file of a write.
        var op = new Operation(
            "Enable-XenDomainAutostart",
            $"Enable-XenDomainAutostart -ComputerName {A} fia -Order 10 -Confirm:$false",
            SetUp: () =>
            {
                _lab.WriteFile(A, "/etc/xen/fia.cfg", SetConfigText.Replace("fis", "fia", StringComparison.Ordinal));
                _lab.Ssh(A, "rm -f /usr/local/etc/rc.d/xendomains; [ -f /etc/rc.conf ] && sed -i '/^xendomains_/d' /etc/rc.conf; true");
            },
            Snapshot: () => Sh(A, "l=$(ls /etc/xen/auto 2>/dev/null | grep -c fia); s=$([ -x /usr/local/etc/rc.d/xendomains ] && echo 1 || echo 0); " +
                "e=$(grep -c '^xendomains_enable=\"YES\"' /etc/rc.conf 2>/dev/null); " +
                "t=$(ls -a /etc /usr/local/etc/rc.d /etc/xen/auto 2>/dev/null | grep -c '\\.xenps\\.'); " +
                "if [ \"$l$t\" = 00 ]; then echo old; elif [ \"$l$s$e$t\" = 1110 ]; then echo new; else echo \"link=$l script=$s enable=$e temps=$t\"; fi"),
            OldState: "old",
            NewState: "new",
            CleanUp: () => _lab.Ssh(A, "rm -f /etc/xen/auto/*fia.cfg /etc/xen/fia.cfg /etc/rc.conf.xenps-*.bak /etc/.rc.conf.xenps.* /usr/local/etc/rc.d/.xendomains.xenps.*"),
            RetryWhenNew: true,
            Delay: 0.2);
        op.CleanUp();
        Matrix(op, Longest(2));
    }
    /// <summary>Writes a config on a host and creates the guest from it with raw xl; with <paramref name="booted"/> waits
    /// until its console says GUEST-BOOTED (its kernel answers suspend requests).</summary>
    private void CreateGuest(string host, string name, string config, bool booted, bool paused = false)
    {
        _lab.WriteFile(host, $"/etc/xen/{name}.cfg", config);
        _lab.Ssh(host, $"rm -f /var/log/xen/console/guest-{name}.log");
        _lab.XlCreate(host, $"/etc/xen/{name}.cfg", name, paused);
        if (booted)
        {
            Assert.True(LabFixture.WaitFor(() => _lab.Ssh(host, $"grep -q GUEST-BOOTED /var/log/xen/console/guest-{name}.log").ExitCode == 0, 240),
                $"{name} did not boot on {host}");
        }
    }

    /// <summary>Every domain of that name on a host (also while it is migrated: NAME--incoming, NAME--migratedaway),
    /// each as name:running, name:paused or name:other (shut down, crashed, dying).</summary>
    private string Instances(string host, string name) => Sh(host,
        $"xl list | N={name} awk 'NR > 1 && ($1 == ENVIRON[\"N\"] || index($1, ENVIRON[\"N\"] \"--\") == 1) {{ s = $5; st = s ~ /[scd]/ ? \"other\" : substr(s, 3, 1) == \"p\" ? \"paused\" : \"running\"; printf \"%s:%s \", $1, st }}'");

    private static string GuestConfig(string name, string type, int memory) =>
        $"type = \"{type}\"\nname = \"{name}\"\nkernel = \"/var/lib/xen/guest-vmlinux\"\nramdisk = \"/var/lib/xen/guest-initrd.gz\"\n" +
        "extra = \"console=hvc0 rdinit=/sbin/init\"\non_poweroff = \"destroy\"\non_reboot = \"destroy\"\non_crash = \"destroy\"\n" +
        $"memory = {memory}\nvcpus = 1\n" + (type == "pvh" ? "cpuid = \"host,rdtscp=0\"\n" : string.Empty);

    [Fact]
    public void SaveXenDomain()
    {
        // Old: the guest runs, no checkpoint file; new: the guest is gone and its checkpoint is there, mode 0600. A
        // checkpoint file next to a running guest (a save cut short), a paused or suspended guest, or a file of another
        // mode is "between".
        const string g = "fsv";
        var op = new Operation(
            "Save-XenDomain",
            $"Save-XenDomain -ComputerName {A} {g} -Path /root/{g}.save -Confirm:$false | Out-Null",
            SetUp: () => CreateGuest(A, g, GuestConfig(g, "pv", 96), booted: true),
            Snapshot: () => $"{Instances(A, g)} | " + Sh(A, $"if [ -e /root/{g}.save ]; then stat -c 'file=%a' /root/{g}.save; else echo file=none; fi; ls /root | grep -c 'xenps' || true").Replace("\n", " ", StringComparison.Ordinal),
            OldState: $"{g}:running | file=none 0",
            NewState: " | file=600 0",
            CleanUp: () => _lab.Ssh(A, $"xl destroy {g} >/dev/null 2>&1; rm -f /root/{g}.save /root/{g}.save.xenps-replaced /etc/xen/{g}.cfg", 120),
            RetryWhenNew: false,
            Delay: 0.3);
        op.CleanUp();
        Matrix(op, Longest(1));
    }

    [Fact]
    public void MoveXenDomainNotLive()
    {
        // A running PV guest (96 MiB) moved without -Live (xl save -p | xl restore): old, running on A only; new,
        // running on B only. Two copies, none, or a copy left paused, is "between".
        const string g = "fmn";
        var op = new Operation(
            "Move-XenDomain",
            $"Move-XenDomain -ComputerName {A} {g} -Destination {B} -TimeoutSec 600 -Confirm:$false | Out-Null",
            SetUp: () => CreateGuest(A, g, GuestConfig(g, "pv", 96), booted: true),
            Snapshot: () => $"A={Instances(A, g)} B={Instances(B, g)}",
            OldState: $"A={g}:running B=",
            NewState: $"A= B={g}:running",
            CleanUp: () => { _lab.Ssh(A, $"xl destroy {g} >/dev/null 2>&1; rm -f /etc/xen/{g}.cfg"); _lab.Ssh(B, $"xl destroy {g} >/dev/null 2>&1"); },
            RetryWhenNew: false,
            Delay: 0.3,
            // The move script on A goes on deciding after the client is gone (up to its settle time): busy while a
            // status file has no end and its process is alive.
            Busy: () => Sh(A, "for f in /var/run/xenps/move-*.status; do [ -f \"$f\" ] || continue; grep -q '^end ' \"$f\" && continue; " +
                             "p=$(awk '$1 == \"pid\" { print $2; exit }' \"$f\"); [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null && echo busy; done; true").Contains("busy", StringComparison.Ordinal));
        op.CleanUp();
        Matrix(op, Longest(1));
    }

    [Fact]
    public void MoveXenDomainLive()
    {
        // A running PVH guest (96 MiB: the guest kernel needs more than 64) migrated live: old, running on A only; new, running on B only.
        const string g = "fml";
        var op = new Operation(
            "Move-XenDomain -Live",
            $"Move-XenDomain -ComputerName {A} {g} -Destination {B} -Live -TimeoutSec 900 -Confirm:$false | Out-Null",
            SetUp: () => CreateGuest(A, g, GuestConfig(g, "pvh", 96), booted: true),
            Snapshot: () => $"A={Instances(A, g)} B={Instances(B, g)}",
            OldState: $"A={g}:running B=",
            NewState: $"A= B={g}:running",
            CleanUp: () => { _lab.Ssh(A, $"xl destroy {g} >/dev/null 2>&1; rm -f /etc/xen/{g}.cfg"); _lab.Ssh(B, $"xl destroy {g} >/dev/null 2>&1"); },
            RetryWhenNew: false,
            Delay: 2);
        op.CleanUp();
        // The migration itself is the one long invocation: the client killed, and the connection cut, while it copies.
        Matrix(op, clean => clean.Seconds.OrderByDescending(kv => kv.Value).Take(1).Select(kv => kv.Key));
    }
}
