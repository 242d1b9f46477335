#!/bin/bash
# Stage 1 of the Xen lab image: a Debian bookworm Dom0 root filesystem with Xen 4.17, as a tar file.
#
#   base.sh <recipe-dir> <work-dir> <out-tar>
#
# Needs (environment): MIRROR (Debian archive URI), MIRROR_SECURITY (security archive URI, may be empty).
# Both are read by `lab` from the machine's apt sources; no host name is written in this repository.
# Runs as root on a Debian host (debootstrap, chroot, mount). Everything happens below <work-dir>;
# the caller removes <work-dir> afterwards (it unmounts anything left mounted first).
set -euo pipefail
RECIPE=$1 WORK=$2 OUT=$3
: "${MIRROR:?MIRROR is not set}"
MIRROR_SECURITY=${MIRROR_SECURITY:-}
SUITE=bookworm
R=$WORK/rootfs
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 LANG=C.UTF-8
PKGS=$(sed -e 's/#.*//' "$RECIPE/packages" | tr -s ' \t\n' ' ')

log() { printf '[base %(%H:%M:%S)T] %s\n' -1 "$*"; }
umount_all() { # unmount everything below $R (deepest first)
    local m
    for m in $(awk -v r="$R" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
}
trap umount_all EXIT

mkdir -p "$R"
log "debootstrap $SUITE (minbase) into $R"
debootstrap --variant=minbase --components=main "$SUITE" "$R" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
    tail -30 "$WORK/debootstrap.log" >&2; exit 1; }

# contrib: zfs-dkms and zfsutils-linux (OpenZFS) live there; same mirrors as main.
log "apt sources: $SUITE, $SUITE-updates${MIRROR_SECURITY:+, $SUITE-security} (main contrib)"
{
    echo "deb $MIRROR $SUITE main contrib"
    echo "deb $MIRROR $SUITE-updates main contrib"
    [ -z "$MIRROR_SECURITY" ] || echo "deb $MIRROR_SECURITY $SUITE-security main contrib"
} >"$R/etc/apt/sources.list"
# Never start services inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"; chmod 755 "$R/usr/sbin/policy-rc.d"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
# /dev: debootstrap created the basic device nodes; the host /dev is deliberately not bind-mounted.

APT=(chroot "$R" apt-get -y -q -o Acquire::Check-Valid-Until=false -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
log "apt-get update + dist-upgrade"
"${APT[@]}" update >"$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log" >&2; exit 1; }
"${APT[@]}" dist-upgrade >>"$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log" >&2; exit 1; }
log "apt-get install: $PKGS"
# shellcheck disable=SC2086
"${APT[@]}" install --no-install-recommends $PKGS >>"$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log" >&2; exit 1; }

# Purge every kernel image ABI except the one linux-image-amd64 depends on now (no ABI hard-coded).
CUR=$(chroot "$R" dpkg-query -W -f='${Depends}' linux-image-amd64 | tr ',|' '\n\n' | sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -1)
[ -n "$CUR" ] || { echo "cannot tell which kernel linux-image-amd64 depends on" >&2; exit 1; }
OLD=$(chroot "$R" dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' 'linux-image-[0-9]*' 2>/dev/null |
      awk -v cur="$CUR" '$2 ~ /^[ih]i/ && $1 != cur { print $1 }')
if [ -n "$OLD" ]; then
    log "purging old kernel ABIs: $OLD (keeping $CUR)"
    # shellcheck disable=SC2086
    "${APT[@]}" purge $OLD >>"$WORK/apt.log" 2>&1
fi
"${APT[@]}" autoremove --purge >>"$WORK/apt.log" 2>&1
KVER=${CUR#linux-image-}
for d in "$R"/lib/modules/*; do [ "$(basename "$d")" = "$KVER" ] || rm -rf "$d"; done

# OpenZFS (contrib): the headers of exactly this kernel ABI, then zfs-dkms builds the modules for the only
# kernel in /lib/modules (its postinst notices the chroot and skips the build host's kernel). ~7 min of CPU.
log "OpenZFS: linux-headers-$KVER, zfs-dkms, zfsutils-linux (DKMS build, several minutes)"
"${APT[@]}" install --no-install-recommends "linux-headers-$KVER" >>"$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log" >&2; exit 1; }
"${APT[@]}" install --no-install-recommends zfs-dkms zfsutils-linux >>"$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log" >&2; exit 1; }
ZFSMOD=$(chroot "$R" modinfo -k "$KVER" -F vermagic zfs 2>/dev/null || true)
case "$ZFSMOD" in
    "$KVER "*) log "zfs module built for $KVER: $(chroot "$R" modinfo -k "$KVER" -F version zfs)" ;;
    *) grep -h -A5 -i error "$R"/var/lib/dkms/zfs/*/build/make.log 2>/dev/null | tail -30 >&2
       echo "zfs module missing or built for another kernel (vermagic: '$ZFSMOD', want $KVER)" >&2; exit 1 ;;
esac

# The guest initramfs is built from busybox-static (it conflicts with busybox, so only fetch the .deb).
mkdir -p "$R/var/cache/xenlab"
chroot "$R" sh -c 'cd /var/cache/xenlab && apt-get download -q busybox-static' >>"$WORK/apt.log" 2>&1

"${APT[@]}" clean >>"$WORK/apt.log" 2>&1
rm -rf "$R"/var/lib/apt/lists/* "$R"/etc/ssh/ssh_host_*
chroot "$R" dpkg-query -W -f='${Package} ${Version}\n' >"$WORK/packages.txt"
umount_all
log "packing $OUT (kernel ABI $KVER)"
tar --numeric-owner --xattrs --acls -C "$R" -cf "$OUT" .
cp "$WORK/packages.txt" "$(dirname "$OUT")/packages.txt"
log "done"
