using System;
using System.Linq;
using System.Management.Automation;
using XenPS.Core.Dom0;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Audits a Xen Dom0 against the desired state of Initialize-XenDom0, read-only: one result per check, or
/// with -Quiet one boolean.</summary>
[Cmdlet(VerbsDiagnostic.Test, "XenDom0")]
[OutputType(typeof(XenDom0Check), typeof(bool))]
public sealed class TestXenDom0Command : XenDom0StateCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Console { get; set; }

    /// <summary>Return one boolean: true when every check of every host passes.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private bool _allCompliant = true;

    protected override string? ConsoleSetting => Console;

    protected override void ProcessRecord()
    {
        foreach (var target in ResolveHosts(ComputerName))
        {
            try
            {
                if (target.Error is not null) throw target.Error;
                var host = target.Host!;
                var checks = Await(new Dom0Auditor(host, Output).AuditAsync(State, CancelToken));
                if (checks.Any(c => !c.Compliant)) _allCompliant = false;
                if (!Quiet) WriteObject(checks, enumerateCollection: true);
            }
            catch (Exception ex) when (!IsStopping(ex))
            {
                _allCompliant = false;
                WriteXenError(ex, target.Target);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (Quiet) WriteObject(_allCompliant);
    }
}
