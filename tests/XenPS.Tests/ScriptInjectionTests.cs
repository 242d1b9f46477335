using Xunit;

namespace XenPS.Tests;

/// <summary>
/// A hostile domain name, end to end. Before the script builder, a failed xl create read the domain's recent logs with
/// a script that spliced the log's file name into a sed program (sed 's|^|xl-NAME.log: |'): a config whose name was
/// x';touch PWNED;' closed the quote and ran touch, as root, on the Dom0. Now the name is only ever data.
/// </summary>
public sealed class ScriptInjectionTests : EngineTest
{
    private const string Hostile = "x';touch PWNED;'";
    private readonly string _tmp;
    private readonly string _logs;
    private readonly string _cwd;
    private readonly string _oldCwd;

    public ScriptInjectionTests()
    {
        _tmp = Directory.CreateTempSubdirectory("xenps-pwned-").FullName;
        _logs = Directory.CreateDirectory(Path.Combine(_tmp, "log")).FullName;
        Directory.CreateDirectory(Path.Combine(_logs, "console"));
        Environment.SetEnvironmentVariable("XENPS_XEN_LOG_DIR", _logs);
        // Every program XenPS starts inherits this directory: a stray "touch PWNED" would leave its file here.
        _cwd = Directory.CreateDirectory(Path.Combine(_tmp, "cwd")).FullName;
        _oldCwd = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(_cwd);
    }

    protected override void Cleanup()
    {
        Directory.SetCurrentDirectory(_oldCwd);
        Environment.SetEnvironmentVariable("XENPS_XEN_LOG_DIR", null);
        Directory.Delete(_tmp, recursive: true);
    }

    [Theory]
    [InlineData(Hostile)]
    [InlineData("x\";touch PWNED;\"")]
    [InlineData("x$(touch PWNED)")]
    [InlineData("x`touch PWNED`|touch PWNED&")]
    [InlineData("-x|s|^|&&touch PWNED #")]
    public void AFailedCreateOfAHostilelyNamedDomainReadsItsLogsWithoutRunningTheName(string name)
    {
        var cfg = Path.Combine(_tmp, "pwned.cfg");
        // xl.cfg strings have no escapes: a name with ' is written in "...", any other in '...'.
        var quoted = name.Contains('\'', StringComparison.Ordinal) ? "\"" + name + "\"" : "'" + name + "'";
        File.WriteAllText(cfg, "name = " + quoted + "\nmemory = 128\n");
        // The domain's logs exist and are recent, so the log script reads them (the old one ran the name then).
        File.WriteAllText(Path.Combine(_logs, "xl-" + name + ".log"), "xl says hello\n");
        File.WriteAllText(Path.Combine(_logs, "qemu-dm-" + name + ".log"), "qemu says hello\n");
        File.WriteAllText(Path.Combine(_logs, "console", "guest-" + name + ".log"), "console says hello\n");
        Xl.MapText("create " + cfg, "", "Parsing config from " + cfg + "\nlibxl: error: libxl_create.c:1234:do_domain_create: Domain 9:cannot make domain: -3\n", 3);

        var r = Run($"Start-XenDomain -Path '{cfg}' -Confirm:$false");

        // touch never ran: no PWNED anywhere, and nothing else appeared in the working directory.
        Assert.Empty(Directory.EnumerateFileSystemEntries(_cwd));
        Assert.Empty(Directory.EnumerateFiles(_tmp, "PWNED", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(_oldCwd, "PWNED")));
        Assert.False(File.Exists(Path.Combine(Xl.Directory, "PWNED")));

        var e = Assert.Single(r.Errors);
        Assert.Equal("XenCommandFailed,XenPS.Commands.StartXenDomainCommand", e.FullyQualifiedErrorId);
        Assert.Contains("cannot make domain", e.Exception.Message, StringComparison.Ordinal);
        // The logs were read, each line labelled with its exact file name.
        Assert.Contains("xl-" + name + ".log: xl says hello", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("qemu-dm-" + name + ".log: qemu says hello", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("guest-" + name + ".log: console says hello", e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("create " + cfg, Xl.Calls);
    }
}
