#!/bin/sh
# Runs Measure-XenTransport.ps1 in the hosted PowerShell engine with the built module (dotnet build XenPS.sln first)
# against the lab of $XENPS_LAB_RUN (default /tmp/xenps-lab; start it with tests/lab/lab start --count 2).
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run=${XENPS_LAB_RUN:-/tmp/xenps-lab}
host="$root/tests/XenPS.PowerShellHost/bin/Debug/net10.0/XenPS.PowerShellHost.dll"
[ -f "$host" ] || { echo "build first: dotnet build $root/XenPS.sln" >&2; exit 2; }
exec dotnet "$host" "$here/Measure-XenTransport.ps1" -LabRun "$run" "$@"
