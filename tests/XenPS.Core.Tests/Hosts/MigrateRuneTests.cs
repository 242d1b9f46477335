using System.Globalization;
using System.Text;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;
using Xunit;

namespace XenPS.Core.Tests.Hosts;

/// <summary>
/// xl migrate -s SSH-COMMAND DOMAIN HOST builds "exec SSH-COMMAND HOST xl migrate-receive" and runs it with
/// execlp("sh", "sh", "-c", rune) (xen-project/xen tools/xl/xl_migrate.c, main_migrate and create_migration_child):
/// both SSH-COMMAND and HOST are pasted into shell text unquoted. These tests run that exact string under the real
/// /bin/sh -c with a stand-in ssh that records its argv, and check that ssh gets exactly the intended words. Before
/// the fix the words were joined with plain spaces and hosts were checked against a denylist.
/// </summary>
public sealed class MigrateRuneTests : IDisposable
{
    private readonly string _dir;

    public MigrateRuneTests()
    {
        _dir = Directory.CreateTempSubdirectory("xenps-rune-").FullName;
        var ssh = Path.Combine(_dir, "ssh");
        // Each argument, then a NUL: the argv exactly, whatever it holds.
        File.WriteAllText(ssh, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$XENPS_ARGV\"\n");
        File.SetUnixFileMode(ssh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The rune xl builds from -s and the host (no -t: XenPS gives xl a pipe, not a terminal), run by sh -c.</summary>
    private async Task<IReadOnlyList<string>> RunRuneAsync(string sshCommandText, string host)
    {
        var argv = Path.Combine(_dir, "argv");
        File.Delete(argv);
        var rune = $"exec {sshCommandText} {host} xl migrate-receive";
        var spec = new CommandSpec("/bin/sh", new[] { "-c", rune }) { Timeout = TimeSpan.FromSeconds(30) };
        spec.Environment["PATH"] = _dir + ":/usr/bin:/bin";
        spec.Environment["XENPS_ARGV"] = argv;
        var result = await CliWrapCommandRunner.Instance.RunAsync(spec, CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"sh -c failed ({result.ExitCode}): {result.StandardError}\nrune: {rune}");
        var text = File.ReadAllText(argv, Encoding.UTF8);
        return text.Length == 0 ? Array.Empty<string>() : text.TrimEnd('\0').Split('\0');
    }

    private async Task AssertRuneGivesExactlyTheWords(string address)
    {
        var target = SshTarget.Parse(address);
        var words = XenMigrator.BuildSshCommand(target);
        var argv = await RunRuneAsync(XenMigrator.QuoteForSh(words), target.Host);
        Assert.Equal(words.Skip(1).Concat(new[] { target.Host, "xl", "migrate-receive" }), argv);
    }

    [Theory]
    [InlineData("xenlab2")]
    [InlineData("root@xenlab2")]
    [InlineData("admin@dom0b.example.org:2222")]
    [InlineData("[fd00::2]:22")]
    [InlineData("fe80::1%eth0")]
    [InlineData("first.last_name-2@10.0.0.7:10022")]
    [InlineData("My_Alias.lab")]
    public async Task TheRuneGivesSshExactlyTheIntendedWords(string address) => await AssertRuneGivesExactlyTheWords(address);

    public static readonly TheoryData<string> NotHosts = new()
    {
        "dom0;reboot", "dom0 b", "$(touch /tmp/xenps-pwned)", "`id`", "dom0|sh", "dom0&", "a>b", "a<b", "dom0'x", "dom0\"x",
        "dom0\\x", "dom0\nx", "dom0\tx", "*", "dom0?", "[x]y", "~root", "dom0#x", "dom0!", "dom0{a,b}", "dom0=x", "-oProxyCommand=sh",
        "ünïcödé", "dom0/x", "dom0,x", "dom0+x",
    };

    [Theory]
    [MemberData(nameof(NotHosts))]
    public void AnythingButHostCharactersIsRefused(string host)
    {
        Assert.ThrowsAny<ArgumentException>(() => new SshTarget(host));
        Assert.ThrowsAny<ArgumentException>(() => new SshTarget("dom0", host));
    }

    [Theory]
    [InlineData("ro ot")]
    [InlineData("root;id")]
    [InlineData("-lroot")]
    [InlineData("ro:ot")]
    [InlineData("ro%ot")]
    [InlineData("$USER")]
    public void UserNamesHoldOnlyUserNameCharacters(string user) => Assert.ThrowsAny<ArgumentException>(() => new SshTarget("dom0", user));

    /// <summary>Property: for any string, either SshTarget refuses it as host (or user), or the rune xl builds gives ssh
    /// exactly the intended words. Strings are drawn from a seeded generator (reproducible) over every character class
    /// that matters to sh, plus the characters a host may hold.</summary>
    [Fact]
    public async Task ForAnyHostAndUserTheRuneIsExactOrTheTargetIsRefused()
    {
        const string alphabet = "abzAZ09.-_:%@ \t\n;|&$`'\"\\*?[]{}()<>#!~=,+/^ü\u00a0";
        var random = new Random(20261203);
        var accepted = 0;
        for (var i = 0; i < 600; i++)
        {
            string Draw()
            {
                var length = random.Next(1, 12);
                var sb = new StringBuilder();
                for (var k = 0; k < length; k++)
                {
                    // Mostly host characters, so that many draws are valid and reach sh.
                    sb.Append(random.Next(3) == 0 ? alphabet[random.Next(alphabet.Length)] : "abcxyz019.-_:"[random.Next(13)]);
                }
                return sb.ToString();
            }
            var host = Draw();
            var user = random.Next(2) == 0 ? null : Draw();
            int? port = random.Next(3) == 0 ? random.Next(1, 65536) : null;
            SshTarget target;
            try
            {
                target = new SshTarget(host, user, port);
            }
            catch (ArgumentException)
            {
                Assert.True(host.Any(c => !IsHostChar(c)) || host[0] == '-' || (user is not null && (user.Any(c => !IsUserChar(c)) || user[0] == '-')),
                    $"refused a valid target: host '{host}', user '{user}'");
                continue;
            }
            accepted++;
            var words = XenMigrator.BuildSshCommand(target);
            var argv = await RunRuneAsync(XenMigrator.QuoteForSh(words), target.Host);
            Assert.Equal(words.Skip(1).Concat(new[] { target.Host, "xl", "migrate-receive" }), argv);
        }
        Assert.True(accepted > 40, $"only {accepted} draws were valid targets");
    }

    private static bool IsHostChar(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c is '.' or '-' or '_' or ':' or '%';

    private static bool IsUserChar(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c is '.' or '-' or '_';

    [Fact]
    public void TheSshCommandTextIsQuotedWordByWord()
    {
        var words = new[] { "ssh", "-o", "BatchMode=yes", "-l", "root" };
        Assert.Equal("ssh -o 'BatchMode=yes' -l root", XenMigrator.QuoteForSh(words));
        Assert.Equal(string.Join(" ", words.Select(ShellScript.QuoteWord)), XenMigrator.QuoteForSh(words));
    }
}
