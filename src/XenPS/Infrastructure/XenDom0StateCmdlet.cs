using System;
using System.Management.Automation;
using XenPS.Core.Dom0;
using XenPS.Core.Execution;

namespace XenPS.Infrastructure;

/// <summary>
/// The parameters that describe a Dom0's desired state, shared by Initialize-XenDom0 (which applies it) and
/// Test-XenDom0 (which audits it), and the request they make. Each cmdlet declares -Console itself: the defaults
/// differ (Initialize-XenDom0 sets com1,vga; Test-XenDom0 checks the console only when asked).
/// </summary>
public abstract class XenDom0StateCmdlet : XenCmdlet
{
    /// <summary>Dom0 memory: 8192M, 8G, or a number of MiB.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Dom0Memory { get; set; }

    [Parameter]
    public int Dom0VCpus { get; set; }

    /// <summary>The Xen version (4.7, 4.17...); default: the installed xen-kernel package, else xl info.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? XenVersion { get; set; }

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

    /// <summary>-BootDiagnostics adds the Handbook's troubleshooting options; -BootDiagnostics:$false removes them.</summary>
    [Parameter]
    public SwitchParameter BootDiagnostics { get; set; }

    /// <summary>A mounted system or boot environment to work on instead of the running one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Root { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    /// <summary>The validated desired state, made once before the first record.</summary>
    protected Dom0DesiredState State { get; private set; } = null!;

    /// <summary>The -Console of the cmdlet (null: not managed).</summary>
    protected abstract string? ConsoleSetting { get; }

    /// <summary>What the cmdlet adds to the request beyond the shared parameters.</summary>
    protected virtual void Complete(Dom0Request request) { }

    protected override void Begin()
    {
        var bound = MyInvocation.BoundParameters;
        var request = new Dom0Request
        {
            Dom0Memory = Dom0Memory,
            Dom0VCpus = bound.ContainsKey(nameof(Dom0VCpus)) ? Dom0VCpus : null,
            XenVersion = XenVersion,
            Console = ConsoleSetting,
            BridgeInterface = BridgeInterface,
            BridgeStyle = (XenBridgeStyle)Enum.Parse(typeof(XenBridgeStyle), BridgeStyle, ignoreCase: true),
            BootMenu = BootMenu,
            LoadTap = LoadTap,
            BootDiagnostics = bound.ContainsKey(nameof(BootDiagnostics)) ? BootDiagnostics.IsPresent : null,
            Root = Root,
        };
        Complete(request);
        try
        {
            State = request.Validate();
        }
        catch (XenException ex)
        {
            ThrowXenError(ex, null);
        }
    }
}
