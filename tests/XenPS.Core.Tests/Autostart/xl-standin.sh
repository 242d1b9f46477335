#!/bin/sh
# A stand-in for xl that simulates guests, for the xendomains rc.d script tests. State lives in $XL_STATE:
#   guests       one line per guest: ID NAME NOPV DELAY  (NOPV=1: HVM without PV drivers, refuses a shutdown
#                without -F as xl does; DELAY: seconds from the shutdown request to the guest being gone, or
#                "never": it ignores the request)
#   dead.ID      the guest is not running (destroyed, or never started)
#   req.ID       when it was asked to shut down (ns)
#   gone.ID      when it was first seen gone after a request (ns)
#   calls.log    every call: "NS ARGS"
d=${XL_STATE:?}
now() { date +%s%N; }
printf '%s %s\n' "$(now)" "$*" >> "$d/calls.log"

field() { awk -v k="$1" -v c="$2" '$1 == k || $2 == k { print $c; exit }' "$d/guests"; }

alive() {
	[ -f "$d/dead.$1" ] && return 1
	[ -f "$d/req.$1" ] || return 0
	delay=$(field "$1" 4)
	[ "$delay" = never ] && return 0
	if [ "$(now)" -lt $(( $(cat "$d/req.$1") + delay * 1000000000 )) ]; then return 0; fi
	[ -f "$d/gone.$1" ] || now > "$d/gone.$1"
	return 1
}

cmd=$1; shift
case $cmd in
domid)
	id=$(field "$1" 1)
	if [ -n "$id" ] && alive "$id"; then echo "$id"; exit 0; fi
	echo "Can't get domid of domain name '$1', maybe this domain does not exist." >&2; exit 1 ;;
domname)
	if grep -q "^$1 " "$d/guests" && alive "$1"; then field "$1" 2; exit 0; fi
	echo "Can't get domain name of domain id '$1', maybe this domain does not exist." >&2; exit 1 ;;
shutdown)
	force=0; wait=0
	while [ $# -gt 1 ]; do case $1 in -F) force=1 ;; -w) wait=1 ;; esac; shift; done
	id=$(field "$1" 1)
	if [ -z "$id" ] || ! alive "$id"; then echo "xl: domain $1 does not exist" >&2; exit 1; fi
	echo "Shutting down domain $id" >&2
	if [ "$(field "$id" 3)" = 1 ] && [ $force = 0 ]; then
		echo "PV control interface not available: external graceful shutdown not possible." >&2
		echo "Use \"-F\" to fallback to ACPI power event." >&2
		echo "shutdown failed (rc=-6)" >&2
		exit 1
	fi
	[ "$(field "$id" 3)" = 1 ] && echo "PV control interface not available: sending ACPI power button event." >&2
	now > "$d/req.$id"
	if [ $wait = 1 ]; then while alive "$id"; do sleep 1; done; fi
	exit 0 ;;
destroy)
	[ "$1" = -f ] && shift
	id=$(field "$1" 1)
	if [ -z "$id" ] || [ -f "$d/dead.$id" ]; then echo "destroy failed (rc=-3)" >&2; exit 1; fi
	touch "$d/dead.$id"; exit 0 ;;
create)
	[ "$1" = -q ] && shift
	name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$1")
	id=$(field "$name" 1)
	rm -f "$d/dead.$id" "$d/req.$id" "$d/gone.$id"; exit 0 ;;
*)
	echo "xl stand-in: no $cmd" >&2; exit 99 ;;
esac
