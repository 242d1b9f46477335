# The XenPS side of benchmarks/fleet/bench.py: one long-lived pwsh with the built module imported, as an admin's
# session would be. It reads one JSON request per line on standard input and answers each with one line that starts
# with '@@' and holds a JSON object. The commands are timed here, with a Stopwatch, so that neither the requests nor
# the answers are in the figures; the objects go to a compiled sink (Measure-FleetOutput) that notes when the first
# one came and counts them, so that consuming them costs next to nothing.
param(
    [Parameter(Mandatory)][string]$Module
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $Module

Add-Type -TypeDefinition @'
using System.Diagnostics;
using System.Management.Automation;

[Cmdlet("Measure", "FleetOutput")]
public sealed class MeasureFleetOutputCommand : PSCmdlet
{
    [Parameter(ValueFromPipeline = true)]
    public PSObject InputObject { get; set; }

    [Parameter(Mandatory = true)]
    public Stopwatch Watch { get; set; }

    private double _first = -1;
    private int _count;

    protected override void ProcessRecord()
    {
        if (InputObject == null) return;
        if (_first < 0) _first = Watch.Elapsed.TotalMilliseconds;
        _count++;
    }

    protected override void EndProcessing() => WriteObject(new object[] { _first, _count }, true);
}
'@ -PassThru | Select-Object -First 1 | ForEach-Object { Import-Module -Assembly $_.Assembly }

$sessions = @{}

function Measure-Get($request) {
    $common = @{
        ThrottleLimit = [int]$request.throttle
        TimeoutSec    = [int]$request.timeout
        Detailed      = [bool]$request.detailed
        ErrorAction   = 'SilentlyContinue'
        ErrorVariable = 'failures'
    }
    if ($request.via -eq 'session') {
        $common.Session = @($request.hosts | ForEach-Object { $sessions[$_] })
    } else {
        $common.ComputerName = @($request.hosts)
    }
    $failures = $null
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $first, $count = Get-XenDomain @common | Measure-FleetOutput -Watch $watch
    $ms = $watch.Elapsed.TotalMilliseconds
    [ordered]@{
        ms = $ms; first_ms = $first; objects = $count
        errors = @($failures).Count
        error_ids = @($failures | ForEach-Object { $_.FullyQualifiedErrorId } | Sort-Object -Unique)
        error_targets = @($failures | ForEach-Object { "$($_.TargetObject)" } | Sort-Object)
    }
}

function Connect-Fleet($request) {
    $failures = $null
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $opened = Connect-XenHost -ComputerName @($request.hosts) -ThrottleLimit ([int]$request.throttle) -TimeoutSec ([int]$request.timeout) -ErrorAction SilentlyContinue -ErrorVariable failures
    $ms = $watch.Elapsed.TotalMilliseconds
    foreach ($s in $opened) { $sessions[$s.ComputerName] = $s }
    [ordered]@{ ms = $ms; objects = @($opened).Count; errors = @($failures).Count }
}

function Disconnect-Fleet {
    $all = @(Get-XenHostSession)
    if ($all.Count) { $all | Disconnect-XenHost }
    $sessions.Clear()
    [ordered]@{ objects = $all.Count }
}

while ($null -ne ($line = [Console]::In.ReadLine())) {
    $request = $line | ConvertFrom-Json
    try {
        $answer = switch ($request.op) {
            'get' { Measure-Get $request }
            'connect' { Connect-Fleet $request }
            'disconnect' { Disconnect-Fleet }
            'pid' { [ordered]@{ pid = $PID } }
            'gc' { [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [ordered]@{ done = $true } }
            default { throw "unknown request $($request.op)" }
        }
    } catch {
        $answer = [ordered]@{ failed = "$_" }
    }
    [Console]::Out.WriteLine('@@' + ($answer | ConvertTo-Json -Compress -Depth 4))
    [Console]::Out.Flush()
}
