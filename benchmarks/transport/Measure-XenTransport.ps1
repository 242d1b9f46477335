<#
.SYNOPSIS
Measures the three transport ratios of benchmarks/README.md ("SSH transport and fan-out") against a running Xen
lab (tests/lab/lab start --count 2), in one run.

.DESCRIPTION
Run it through the hosted engine with the built module (see run.sh next to it), never as part of the tests:

    benchmarks/transport/run.sh            # XENPS_LAB_RUN selects the lab (default /tmp/xenps-lab)

(a) per-command cost of the SSH transport with the master connection up: `xl list` run N times inside the Dom0
    (timed there, one shell loop) against XenPS's transport (SshXenHost.RunAsync through XlClient, and the
    Get-XenDomain cmdlet) and against plain `ssh host xl list` with a new connection each time.
(b) fan-out: Get-XenDomain over 16 sessions (the two lab hosts under 8 ssh_config aliases each) against 1 session.
(c) Get-XenDomain -Detailed against raw `ssh host xl list -l` through the same master.
Every measurement is the median of its repetitions; the raw numbers are written as JSON next to the table.
#>
param(
    [Parameter(Mandatory)] [string] $LabRun,
    [int] $Repeat = 15,
    [string] $OutFile = "$PSScriptRoot/results.json"
)
$ErrorActionPreference = 'Stop'
$config = Join-Path $LabRun 'ssh_config'
if (-not (Test-Path $config)) { throw "No lab in $LabRun (run tests/lab/lab start --count 2)." }
$hostA = 'xenlab1'; $hostB = 'xenlab2'

function Median([double[]] $values) {
    $sorted = [double[]]($values | Sort-Object)
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}
function Time([scriptblock] $block) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & $block | Out-Null
    $watch.Elapsed.TotalMilliseconds
}
function Measure-Many([string] $name, [int] $count, [scriptblock] $block) {
    & $block | Out-Null   # warm-up (JIT, master connection)
    $samples = foreach ($i in 1..$count) { Time $block }
    [pscustomobject]@{ Name = $name; MedianMs = [math]::Round((Median $samples), 1); MinMs = [math]::Round(($samples | Measure-Object -Minimum).Minimum, 1); Samples = $samples }
}

# An ssh_config with 8 aliases per lab host (same HostName/Port/HostKeyAlias, so the same master per host).
$aliased = Join-Path $LabRun 'ssh_config.bench'
$text = Get-Content $config -Raw
$extra = foreach ($h in $hostA, $hostB) {
    $block = [regex]::Match($text, "(?ms)^Host $h\b[^\n]*\n(.*?)(?=^Host |\z)").Groups[1].Value
    foreach ($i in 1..8) { "Host $h-alias$i`n$block" }
}
Set-Content -Path $aliased -Value ($text + "`n" + ($extra -join "`n"))
$env:XENPS_SSH_CONFIG = $aliased
$env:XENPS_SSH_CONTROL_DIR = Join-Path $LabRun 'cm-bench'
$sshArgs = @('-F', $aliased, '-o', 'BatchMode=yes')

[void][Reflection.Assembly]::LoadFrom((Join-Path (Get-Module XenPS).ModuleBase 'XenPS.Core.dll'))
$results = [ordered]@{ Date = (Get-Date).ToString('u'); Repeat = $Repeat; LoadBefore = (Get-Content /proc/loadavg) }

# ---- (a) per-command cost -------------------------------------------------------------------------------------
$session = Connect-XenHost $hostA
# In the Dom0: N runs of xl list in one shell loop, timed by the Dom0's clock (nanoseconds).
$inDom0 = & ssh @sshArgs $hostA "i=0; while [ `$i -lt $Repeat ]; do s=`$(date +%s%N); xl list >/dev/null; e=`$(date +%s%N); echo `$(( (e - s) / 1000 )); i=`$((i + 1)); done"
$local = [pscustomobject]@{ Name = 'xl list inside the Dom0'; MedianMs = [math]::Round((Median ($inDom0 | ForEach-Object { [double]$_ / 1000 })), 1); Samples = $inDom0 }
$xl = [XenPS.Core.Xl.XlClient]::new([XenPS.Core.Hosts.XenHostFactory]::Create($hostA), $null)
$transport = Measure-Many 'XenPS transport (XlClient.ListAsync, master up)' $Repeat { $xl.ListAsync([Threading.CancellationToken]::None).GetAwaiter().GetResult() }
$cmdlet = Measure-Many 'Get-XenDomain -Session (master up)' $Repeat { Get-XenDomain -Session $session }
$sshTrue = Measure-Many 'ssh host true through the master (transport floor)' $Repeat { & ssh @sshArgs -o "ControlPath=$env:XENPS_SSH_CONTROL_DIR/%C" $hostA true }
$plain = Measure-Many 'plain ssh host xl list (new connection each time)' $Repeat { & ssh @sshArgs -o ControlMaster=no -o ControlPath=none $hostA xl list }
$results.A = @($local, $transport, $cmdlet, $sshTrue, $plain)

# ---- (b) fan-out -----------------------------------------------------------------------------------------------
$targets = foreach ($h in $hostA, $hostB) { foreach ($i in 1..8) { "$h-alias$i" } }
$sessions16 = Connect-XenHost $targets
if ($sessions16.Count -ne 16) { throw "Only $($sessions16.Count) of 16 sessions opened." }
$one = Measure-Many 'Get-XenDomain, 1 session' $Repeat { Get-XenDomain -Session $sessions16[0] }
$sixteen = Measure-Many 'Get-XenDomain, 16 sessions (2 hosts x 8 aliases)' $Repeat { Get-XenDomain -Session $sessions16 }
$sixteenSerial = Measure-Many 'Get-XenDomain, 16 sessions, -ThrottleLimit 1' ([math]::Max(3, [int]($Repeat / 5))) { Get-XenDomain -Session $sessions16 -ThrottleLimit 1 }
$results.B = @($one, $sixteen, $sixteenSerial)

# ---- (c) -Detailed against raw xl list -l ------------------------------------------------------------------------
$detailed = Measure-Many 'Get-XenDomain -Detailed' $Repeat { Get-XenDomain -Session $session -Detailed }
$rawLong = Measure-Many 'ssh host xl list -l through the same master' $Repeat { & ssh @sshArgs -o "ControlPath=$env:XENPS_SSH_CONTROL_DIR/%C" $hostA xl list -l }
$results.C = @($detailed, $rawLong)
$results.LoadAfter = (Get-Content /proc/loadavg)

Get-XenHostSession | Disconnect-XenHost
$results | ConvertTo-Json -Depth 5 | Set-Content $OutFile

$ratio = {
    param($a, $b) [math]::Round($a.MedianMs / $b.MedianMs, 2)
}
"`n(a) per-command cost (median of $Repeat, ms)"
$results.A | Format-Table Name, MedianMs, MinMs -AutoSize | Out-String
"    transport / xl list in Dom0      = {0}  (target <= 1.1)" -f (& $ratio $transport $local)
"    Get-XenDomain / xl list in Dom0  = {0}" -f (& $ratio $cmdlet $local)
"    plain ssh / xl list in Dom0      = {0}" -f (& $ratio $plain $local)
"`n(b) fan-out (median of $Repeat, ms)"
$results.B | Format-Table Name, MedianMs, MinMs -AutoSize | Out-String
"    16 targets / 1 target            = {0}  (target <= 1.5)" -f (& $ratio $sixteen $one)
"`n(c) -Detailed (median of $Repeat, ms)"
$results.C | Format-Table Name, MedianMs, MinMs -AutoSize | Out-String
"    Get-XenDomain -Detailed / xl list -l = {0}  (target <= 1.2)" -f (& $ratio $detailed $rawLong)
"`nload average before: $($results.LoadBefore)  after: $($results.LoadAfter)"
