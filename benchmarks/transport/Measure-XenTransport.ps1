<#
.SYNOPSIS
Measures the three transport ratios of benchmarks/README.md ("SSH transport and fan-out") against a running Xen
lab (tests/lab/lab start --count 2), in one run.

.DESCRIPTION
Run it in pwsh with the built module on PSModulePath (see run.sh next to it), never as part of the tests:

    benchmarks/transport/run.sh            # XENPS_LAB_RUN selects the lab (default /tmp/xenps-lab)

(a) per-command cost of the SSH transport with the master connection up: `xl list` run N times inside the Dom0
    (timed there, one shell loop) against Get-XenDomain over a session, `ssh host xl list` through the same master,
    and plain `ssh host xl list` with a new connection each time.
(b) fan-out: Get-XenDomain over 16 sessions (the two lab hosts under 8 ssh_config aliases each) against 1 session.
(c) Get-XenDomain -Detailed against raw `ssh host xl list -l` through the same master.
Every measurement is the median of its repetitions, all taken in this one run.
#>
param(
    [Parameter(Mandatory)] [string] $LabRun,
    [int] $Repeat = 15
)
$ErrorActionPreference = 'Stop'

# Only the cmdlets of Microsoft.PowerShell.Core exist in the hosted engine (no Utility module): .NET does the rest.
function Median([double[]] $values) {
    $sorted = [double[]]$values.Clone()
    [Array]::Sort($sorted)
    $n = $sorted.Length
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}
function Time([scriptblock] $block) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $null = & $block
    $watch.Elapsed.TotalMilliseconds
}
function Measure-Many([string] $name, [int] $count, [scriptblock] $block) {
    $null = & $block   # warm-up (JIT, master connection)
    [double[]] $samples = foreach ($i in 1..$count) { Time $block }
    [pscustomobject]@{ Name = $name; MedianMs = [math]::Round((Median $samples), 1); MinMs = [math]::Round([Linq.Enumerable]::Min($samples), 1); Samples = $samples }
}
function Show($rows) {
    foreach ($r in $rows) { '    {0,-58} {1,9:0.0} ms  (min {2:0.0})' -f $r.Name, $r.MedianMs, $r.MinMs }
}

$config = [IO.Path]::Combine($LabRun, 'ssh_config')
if (-not [IO.File]::Exists($config)) { throw "No lab in $LabRun (run tests/lab/lab start --count 2)." }
$hostA = 'xenlab1'; $hostB = 'xenlab2'
$loadavg = { [IO.File]::ReadAllText('/proc/loadavg').Trim() }

# An ssh_config with 8 aliases per lab host (same HostName/Port/HostKeyAlias, so one master per alias).
$aliased = [IO.Path]::Combine($LabRun, 'ssh_config.bench')
$text = [IO.File]::ReadAllText($config)
$extra = foreach ($h in $hostA, $hostB) {
    $block = [regex]::Match($text, "(?ms)^Host $h\b[^\n]*\n(.*?)(?=^Host |\z)").Groups[1].Value
    foreach ($i in 1..8) { "Host $h-alias$i`n$block" }
}
[IO.File]::WriteAllText($aliased, $text + "`n" + ($extra -join "`n"))
$env:XENPS_SSH_CONFIG = $aliased
$env:XENPS_SSH_CONTROL_DIR = [IO.Path]::Combine($LabRun, 'cm-bench')
$null = [IO.Directory]::CreateDirectory($env:XENPS_SSH_CONTROL_DIR)
$sshArgs = @('-F', $aliased, '-o', 'BatchMode=yes')

$results = [ordered]@{ Date = [DateTime]::UtcNow.ToString('u'); Repeat = $Repeat; LoadBefore = (& $loadavg) }

# ---- (a) per-command cost -------------------------------------------------------------------------------------
$session = Connect-XenHost $hostA
# In the Dom0: N runs of xl list in one shell loop, timed by the Dom0's clock (microseconds).
$inDom0 = & ssh @sshArgs $hostA "i=0; while [ `$i -lt $Repeat ]; do s=`$(date +%s%N); xl list >/dev/null; e=`$(date +%s%N); echo `$(( (e - s) / 1000 )); i=`$((i + 1)); done"
[double[]] $inDom0Ms = foreach ($v in $inDom0) { [double]$v / 1000 }
$local = [pscustomobject]@{ Name = 'xl list inside the Dom0'; MedianMs = [math]::Round((Median $inDom0Ms), 1); MinMs = [math]::Round([Linq.Enumerable]::Min($inDom0Ms), 1); Samples = $inDom0Ms }
$cmdlet = Measure-Many 'Get-XenDomain -Session (master up)' $Repeat { Get-XenDomain -Session $session }
$sshTrue = Measure-Many 'ssh host true through the master (transport floor)' $Repeat { & ssh @sshArgs -o "ControlPath=$env:XENPS_SSH_CONTROL_DIR/%C" $hostA true }
$sshXl = Measure-Many 'ssh host xl list through the same master' $Repeat { & ssh @sshArgs -o "ControlPath=$env:XENPS_SSH_CONTROL_DIR/%C" $hostA xl list }
# What XenPS sends for one xl call: /bin/sh -s with the PATH prelude, the tool check and exec (SshXenHost).
$script = "PATH=`"`$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin`"; export PATH`ncommand -v xl >/dev/null 2>&1 || exit 127`nexec 'xl' 'list'`n"
$scriptFile = [IO.Path]::Combine($LabRun, 'bench-script.sh')
[IO.File]::WriteAllText($scriptFile, $script)
$sshSh = Measure-Many 'ssh host /bin/sh -s (XenPS''s script) through the master' $Repeat { & /bin/sh -c "exec ssh -F '$aliased' -o BatchMode=yes -o 'ControlPath=$env:XENPS_SSH_CONTROL_DIR/%C' $hostA /bin/sh -s < '$scriptFile'" }
$plain = Measure-Many 'plain ssh host xl list (new connection each time)' $Repeat { & ssh @sshArgs -o ControlMaster=no -o ControlPath=none $hostA xl list }
$results.A = @($local, $cmdlet, $sshTrue, $sshXl, $sshSh, $plain)

# ---- (b) fan-out -----------------------------------------------------------------------------------------------
$targets = foreach ($h in $hostA, $hostB) { foreach ($i in 1..8) { "$h-alias$i" } }
$sessions16 = @(Connect-XenHost $targets)
if ($sessions16.Count -ne 16) { throw "Only $($sessions16.Count) of 16 sessions opened." }
$few = [math]::Max(3, [int]($Repeat / 3))
$one = Measure-Many 'Get-XenDomain, 1 session' $Repeat { Get-XenDomain -Session $sessions16[0] }
$two = Measure-Many 'Get-XenDomain, 2 sessions (the 2 hosts)' $Repeat { Get-XenDomain -Session ($sessions16 | Where-Object ComputerName -in "$hostA-alias1", "$hostB-alias1") }
$twoSerial = Measure-Many 'Get-XenDomain, 2 sessions, -ThrottleLimit 1' $Repeat { Get-XenDomain -Session ($sessions16 | Where-Object ComputerName -in "$hostA-alias1", "$hostB-alias1") -ThrottleLimit 1 }
$sixteen = Measure-Many 'Get-XenDomain, 16 sessions (2 hosts x 8 aliases)' $few { Get-XenDomain -Session $sessions16 }
$sixteenSerial = Measure-Many 'Get-XenDomain, 16 sessions, -ThrottleLimit 1' $few { Get-XenDomain -Session $sessions16 -ThrottleLimit 1 }
$results.B = @($one, $two, $twoSerial, $sixteen, $sixteenSerial)

# ---- (c) -Detailed against raw xl list -l ------------------------------------------------------------------------
$detailed = Measure-Many 'Get-XenDomain -Detailed -Session' $Repeat { Get-XenDomain -Session $session -Detailed }
$rawLong = Measure-Many 'ssh host xl list -l through the same master' $Repeat { & ssh @sshArgs -o "ControlPath=$env:XENPS_SSH_CONTROL_DIR/%C" $hostA xl list -l }
$results.C = @($detailed, $rawLong)
$results.LoadAfter = & $loadavg

Get-XenHostSession | Disconnect-XenHost

$ratio = { param($a, $b) [math]::Round($a.MedianMs / $b.MedianMs, 2) }
"(a) per-command cost (median of $Repeat)"
Show $results.A
"    Get-XenDomain / xl list in the Dom0        = {0}  (target <= 1.1)" -f (& $ratio $cmdlet $local)
"    Get-XenDomain / ssh xl list, same master   = {0}" -f (& $ratio $cmdlet $sshXl)
"    Get-XenDomain / ssh sh -s script, same master = {0}" -f (& $ratio $cmdlet $sshSh)
"    plain ssh xl list / xl list in the Dom0    = {0}" -f (& $ratio $plain $local)
"(b) fan-out (median of $Repeat)"
Show $results.B
"    16 targets / 1 target                      = {0}  (target <= 1.5)" -f (& $ratio $sixteen $one)
"    16 targets / the same 16 one at a time     = {0}" -f (& $ratio $sixteen $sixteenSerial)
"    2 hosts / 1 host                           = {0}" -f (& $ratio $two $one)
"    2 hosts / the same 2 one at a time         = {0}" -f (& $ratio $two $twoSerial)
"(c) -Detailed (median of $Repeat)"
Show $results.C
"    Get-XenDomain -Detailed / xl list -l       = {0}  (target <= 1.2)" -f (& $ratio $detailed $rawLong)
"load average before: $($results.LoadBefore)  after: $($results.LoadAfter)"
