using System.Globalization;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Lab.Tests;

/// <summary>Which domain an action acts on, against a real Xen: a name that differs in case is refused and the guest
/// keeps running, xl is given ids (Verbose shows each command line), and a domain named like another domain's id is
/// acted on by its own id (xl itself would read that name as the other domain's id).</summary>
public sealed class IdentityLabTests : LabTest
{
    private const string H = LabFixture.Host1;

    public IdentityLabTests(LabFixture lab) : base(lab) { }

    private RunResult Ok(string script)
    {
        var r = Run(script);
        Assert.True(r.Errors.Count == 0, script + "\n" + string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        return r;
    }

    /// <summary>The id of the domain named exactly <paramref name="name"/> (xl domid looks names up, never ids), or null.</summary>
    private int? DomId(string name)
    {
        var r = Lab.Ssh(H, $"xl domid '{name}'");
        return r.ExitCode == 0 ? int.Parse(r.Stdout.Trim(), CultureInfo.InvariantCulture) : null;
    }

    [Fact]
    public void ANameOfAnotherCaseIsRefusedAndActionsGiveXlTheId()
    {
        Lab.CleanGuests(H);
        Lab.XlCreate(H, "/etc/xen/test/tiny-paused.cfg", "tiny", paused: true);
        var id = DomId("tiny")!.Value;
        try
        {
            // Stop and Remove by a name that differs in case: not found, nothing run, the guest is still there.
            foreach (var command in new[] { $"Stop-XenDomain -ComputerName {H} TINY -Timeout 5 -Force", $"Remove-XenDomain -ComputerName {H} Tiny -Confirm:$false" })
            {
                var r = Run(command + " -Verbose");
                var e = Assert.Single(r.Errors);
                Assert.StartsWith("XenDomainNotFound,", e.FullyQualifiedErrorId, StringComparison.Ordinal);
                Assert.Contains($"tiny (id {id}) differs only in case", e.Exception.Message, StringComparison.Ordinal);
                Assert.Equal(new[] { $"Running: [{H}] xl list -v" }, r.Verbose.Where(v => v.StartsWith("Running:", StringComparison.Ordinal)));
            }
            Assert.Equal(id, DomId("tiny"));

            // Actions give xl the id. Pause first: Xen counts pauses, so tiny (created paused) stays paused after the
            // unpause and is still there for the rest of the test (run, it would end at once).
            var paused = Ok($"Suspend-XenDomain -ComputerName {H} tiny -Verbose");
            Assert.Contains($"Running: [{H}] xl pause {id}", paused.Verbose);
            var resumed = Ok($"Resume-XenDomain -ComputerName {H} tiny -Verbose");
            Assert.Contains($"Running: [{H}] xl unpause {id}", resumed.Verbose);
            Assert.Equal("--p---", Lab.SshOk(H, $"xl list {id} | awk 'NR==2 {{print $5}}'").Trim());

            // A second domain named like tiny's id: xl reads "<id>" as tiny's id, XenPS takes the name.
            Lab.SshOk(H, $"sed 's/^name = .*/name = \"{id}\"/' /etc/xen/test/tiny-paused.cfg > /root/xenps-digits.cfg");
            Lab.Ssh(H, "xl create -p /root/xenps-digits.cfg", 180);
            Assert.True(LabFixture.WaitFor(() => DomId(id.ToString(CultureInfo.InvariantCulture)) is not null, 60), "the domain named " + id + " was not created");
            var digits = DomId(id.ToString(CultureInfo.InvariantCulture))!.Value;
            Assert.NotEqual(id, digits);

            var removed = Ok($"Remove-XenDomain -ComputerName {H} -Name '{id}' -Confirm:$false -Verbose");
            Assert.Contains($"Running: [{H}] xl destroy {digits}", removed.Verbose);
            Assert.DoesNotContain(removed.Verbose, v => v == $"Running: [{H}] xl destroy {id}");
            Assert.Null(DomId(id.ToString(CultureInfo.InvariantCulture)));
            Assert.Equal(id, DomId("tiny"));

            removed = Ok($"Remove-XenDomain -ComputerName {H} tiny -Confirm:$false -Verbose");
            Assert.Contains($"Running: [{H}] xl destroy {id}", removed.Verbose);
            Assert.Null(DomId("tiny"));
        }
        finally
        {
            Lab.Ssh(H, "rm -f /root/xenps-digits.cfg");
            Lab.CleanGuests(H);
        }
    }
}
