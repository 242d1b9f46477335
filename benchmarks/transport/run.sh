#!/bin/sh
# Runs Measure-XenTransport.ps1 in pwsh (installed by tests/tools/install) with the built module (dotnet build
# src/XenPS first) against the lab of $XENPS_LAB_RUN (default /tmp/xenps-lab; start it with tests/lab/lab start --count 2).
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run=${XENPS_LAB_RUN:-/tmp/xenps-lab}
version=$(sed -n "s/^ *ModuleVersion *= *'\([0-9.]*\)'.*/\1/p" "$root/module/XenPS.psd1")
[ -f "$root/output/XenPS/$version/XenPS.psd1" ] || { echo "build first: dotnet build $root/src/XenPS" >&2; exit 2; }
eval "$("$root/tests/tools/install")"
export NO_COLOR=1 POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off
export PSModulePath="$root/output:$PSModulePath"
exec pwsh -NoProfile -NonInteractive -File "$here/Measure-XenTransport.ps1" -LabRun "$run" "$@"
