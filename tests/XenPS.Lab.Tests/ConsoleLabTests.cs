using System.Diagnostics;
using System.Text;
using XenPS.Tests.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace XenPS.Lab.Tests;

/// <summary>
/// Enter-XenDomainConsole as a user meets it: a REAL pwsh in a terminal (a pseudo-terminal made by util-linux's
/// script(1)), connected over ssh -t to a running guest of the lab. The test types into that terminal as a user
/// would: a command for the guest's shell (whose answer only the guest can compute), then Ctrl+], which must end the
/// console and give the terminal back to PowerShell, which then runs the next statement of the same command line.
/// </summary>
[Collection("Lab")]
public sealed class ConsoleLabTests
{
    private const string H = LabFixture.Host1;
    private const string G = "lcon";

    private readonly LabFixture _lab;
    private readonly ITestOutputHelper _log;

    public ConsoleLabTests(LabFixture lab, ITestOutputHelper log)
    {
        _lab = lab;
        _log = log;
    }

    /// <summary>A pwsh in a pseudo-terminal: what it printed so far (the terminal's output), and its input.</summary>
    private sealed class Terminal : IDisposable
    {
        private readonly Process _p;
        private readonly StringBuilder _screen = new();

        public Terminal(string pwshCommand, IReadOnlyDictionary<string, string> env)
        {
            // script -q (no banner) -e (its exit code is the child's) -c COMMAND /dev/null (no typescript file): its
            // standard input is typed into the terminal, the terminal's output comes out on its standard output.
            var psi = new ProcessStartInfo("script") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-q", "-e", "-c", "pwsh -NoProfile -NoLogo -Command " + ShellWord(pwshCommand), "/dev/null" }) psi.ArgumentList.Add(a);
            foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
            psi.Environment["TERM"] = "xterm";
            psi.Environment["NO_COLOR"] = "1";
            psi.Environment["COLUMNS"] = "120";
            _p = Process.Start(psi)!;
            Pump(_p.StandardOutput);
            Pump(_p.StandardError);
        }

        private void Pump(StreamReader reader) => Task.Run(async () =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = await reader.ReadAsync(buffer, 0, buffer.Length)) > 0)
            {
                lock (_screen) _screen.Append(buffer, 0, n);
            }
        });

        public string Screen
        {
            get { lock (_screen) return _screen.ToString(); }
        }

        public void Type(string text)
        {
            _p.StandardInput.Write(text);
            _p.StandardInput.Flush();
        }

        public bool WaitFor(string text, int seconds) => LabFixture.WaitFor(() => Screen.Contains(text, StringComparison.Ordinal), seconds);

        public int? WaitForExit(int seconds) => _p.WaitForExit(TimeSpan.FromSeconds(seconds)) ? _p.ExitCode : null;

        public void Dispose()
        {
            if (!_p.HasExited) _p.Kill(entireProcessTree: true);
            _p.Dispose();
        }
    }

    private static string ShellWord(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private void Forget() => _lab.Ssh(H, $"xl destroy {G} >/dev/null 2>&1; rm -f /etc/xen/{G}.cfg /var/log/xen/console/guest-{G}.log");

    [Fact]
    public void TheConsoleReachesTheGuestsShellAndCtrlRightBracketGivesTheTerminalBack()
    {
        Forget();
        try
        {
            _lab.WriteFile(H, $"/etc/xen/{G}.cfg",
                $"type = \"pv\"\nname = \"{G}\"\nkernel = \"/var/lib/xen/guest-vmlinux\"\nramdisk = \"/var/lib/xen/guest-initrd.gz\"\n" +
                "extra = \"console=hvc0 rdinit=/sbin/init\"\nmemory = 96\nvcpus = 1\non_reboot = \"destroy\"\n");
            _lab.XlCreate(H, $"/etc/xen/{G}.cfg", G);
            Assert.True(LabFixture.WaitFor(() => _lab.Ssh(H, $"grep -ac GUEST-BOOTED /var/log/xen/console/guest-{G}.log").Stdout.Trim() is { Length: > 0 } c && c != "0", 180),
                "the guest did not boot: " + _lab.Ssh(H, $"tail -5 /var/log/xen/console/guest-{G}.log").Stdout);
            var id = _lab.SshOk(H, $"xl domid {G}").Trim();

            var env = new Dictionary<string, string>
            {
                ["XENPS_SSH_CONFIG"] = _lab.SshConfig,
                ["XENPS_SSH_CONTROL_DIR"] = Path.Combine(_lab.RunDir, "xenps-cm-console"),
            };
            using var t = new Terminal(
                $"Import-Module '{Engine.ModuleManifest}'; Enter-XenDomainConsole -ComputerName {H} {G} -Verbose; 'BACK-IN-PWSH-' + (6 * 7) + '-' + $?", env);
            Assert.True(t.WaitFor($"Connected to the console of {G} (id {id}) on {H}. Press Ctrl+] to leave.", 120), "no banner:\n" + t.Screen);
            // What was run: ssh -t to the host, xl console by id.
            Assert.Contains("-t", t.Screen, StringComparison.Ordinal);
            Assert.Contains($"exec xl console {id}", t.Screen, StringComparison.Ordinal);

            // The guest's shell answers: only it computes 6*7 from what was typed ($((...)) is not expanded by anyone
            // on the way: pwsh is not reading, ssh and xl console pass bytes).
            var answered = false;
            for (var attempt = 0; attempt < 20 && !answered; attempt++)
            {
                t.Type("echo GUEST-SAYS-$((6*7))-$(cat /proc/sys/kernel/hostname)\r");
                answered = t.WaitFor("GUEST-SAYS-42-", 6);
            }
            Assert.True(answered, "the guest's shell did not answer through the console:\n" + t.Screen);
            _log.WriteLine(t.Screen);

            // Ctrl+] ends xl console; the ssh session and the cmdlet end; pwsh runs the next statement.
            t.Type("\u001d");
            Assert.True(t.WaitFor("BACK-IN-PWSH-42-True", 60), "Ctrl+] did not give the terminal back to PowerShell:\n" + t.Screen);
            Assert.Equal(0, t.WaitForExit(60));
            // The guest still runs: leaving the console does not touch it.
            Assert.Equal(id, _lab.SshOk(H, $"xl domid {G}").Trim());
        }
        finally
        {
            Forget();
        }
    }

    [Fact]
    public void ANameThatIsNotRunningIsAClearErrorAndNoConsoleIsOpened()
    {
        var env = new Dictionary<string, string>
        {
            ["XENPS_SSH_CONFIG"] = _lab.SshConfig,
            ["XENPS_SSH_CONTROL_DIR"] = Path.Combine(_lab.RunDir, "xenps-cm-console"),
        };
        using var t = new Terminal(
            $"Import-Module '{Engine.ModuleManifest}'; Enter-XenDomainConsole -ComputerName {H} lcon-absent -ErrorVariable e -ErrorAction SilentlyContinue; 'ERR=' + $e[0].FullyQualifiedErrorId", env);
        Assert.Equal(0, t.WaitForExit(120));
        Assert.Contains("ERR=XenDomainNotFound,XenPS.Commands.EnterXenDomainConsoleCommand", t.Screen, StringComparison.Ordinal);
        Assert.DoesNotContain("Connected to the console", t.Screen, StringComparison.Ordinal);
    }
}
