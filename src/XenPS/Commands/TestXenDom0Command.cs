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
public sealed class TestXenDom0Command : XenCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Dom0Memory { get; set; }

    [Parameter]
    public int Dom0VCpus { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? XenVersion { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Console { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BridgeInterface { get; set; }

    [Parameter]
    [ValidateSet("Cloned", "Autobridge", IgnoreCase = true)]
    public string BridgeStyle { get; set; } = "Cloned";

    [Parameter]
    public SwitchParameter BootMenu { get; set; }

    [Parameter]
    public SwitchParameter LoadTap { get; set; }

    [Parameter]
    public SwitchParameter BootDiagnostics { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    /// <summary>Return one boolean: true when every check of every host passes.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    private Dom0DesiredState? _state;
    private bool _allCompliant = true;

    protected override void Begin()
    {
        var bound = MyInvocation.BoundParameters;
        try
        {
            _state = new Dom0Request
            {
                Dom0Memory = Dom0Memory,
                Dom0VCpus = bound.ContainsKey(nameof(Dom0VCpus)) ? Dom0VCpus : null,
                XenVersion = XenVersion,
                Console = Console,
                BridgeInterface = BridgeInterface,
                BridgeStyle = (XenBridgeStyle)Enum.Parse(typeof(XenBridgeStyle), BridgeStyle, ignoreCase: true),
                BootMenu = BootMenu,
                LoadTap = LoadTap,
                BootDiagnostics = bound.ContainsKey(nameof(BootDiagnostics)) ? BootDiagnostics.IsPresent : null,
                Root = Root,
            }.Validate();
        }
        catch (XenException ex)
        {
            ThrowXenError(ex, null);
        }
    }

    protected override void ProcessRecord()
    {
        foreach (var target in ResolveHosts(ComputerName))
        {
            try
            {
                if (target.Error is not null) throw target.Error;
                var host = target.Host!;
                var checks = Await(new Dom0Auditor(host, Output).AuditAsync(_state!, CancelToken));
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
