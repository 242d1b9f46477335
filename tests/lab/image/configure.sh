#!/bin/bash
# Stage 2 of the Xen lab image: configure the Dom0 root filesystem made by base.sh and pack the boot files
# and the ext4 disk image.
#
#   configure.sh <recipe-dir> <rootfs.tar> <work-dir> <out-dir>
#
# Output in <out-dir>: boot/xen (uncompressed multiboot ELF), boot/vmlinuz, boot/initrd.img (Dom0),
# dom0.img (ext4, label xenlab-root), info.txt. Runs as root; the caller removes <work-dir>.
set -euo pipefail
RECIPE=$1 TAR=$2 WORK=$3 OUT=$4
R=$WORK/rootfs
export LC_ALL=C.UTF-8 LANG=C.UTF-8
log() { printf '[image %(%H:%M:%S)T] %s\n' -1 "$*"; }
umount_all() {
    local m
    for m in $(awk -v r="$R" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
}
trap umount_all EXIT

mkdir -p "$R" "$OUT/boot"
log "unpacking root filesystem"
tar --numeric-owner --xattrs --acls -C "$R" -xf "$TAR"
KVER=$(basename "$(ls -d "$R"/lib/modules/* | sort -V | tail -1)")
[ -f "$R/boot/vmlinuz-$KVER" ] || { echo "no kernel for $KVER" >&2; exit 1; }
XENGZ=$(ls "$R"/boot/xen-*-amd64.gz 2>/dev/null | sort -V | tail -1)
[ -n "$XENGZ" ] || { echo "no /boot/xen-*-amd64.gz in the root filesystem" >&2; exit 1; }
SHIM=$R/usr/lib/xen-4.17/boot/xen-shim
[ -f "$SHIM" ] || { echo "xen-shim missing at ${SHIM#$R}" >&2; exit 1; }

log "Dom0 files: PID 1, sshd_config, xen defaults, test configs"
# files of image/rootfs/ go to the same path in the Dom0 (root-owned)
(cd "$RECIPE/rootfs" && find . -type f) | while read -r f; do
    install -D -o root -g root -m "$(stat -c %a "$RECIPE/rootfs/$f")" "$RECIPE/rootfs/$f" "$R/${f#./}"
done
chmod 755 "$R/sbin/dom0-init"
mkdir -p "$R/etc/xen/test" "$R/var/log/xen/console" "$R/run/sshd"
install -m 644 "$RECIPE"/xen-test/*.cfg "$R/etc/xen/test/"
# every guest console goes to /var/log/xen/console/guest-NAME.log
if grep -q '^XENCONSOLED_ARGS=' "$R/etc/default/xen" 2>/dev/null; then
    sed -i 's|^XENCONSOLED_ARGS=.*|XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"|' "$R/etc/default/xen"
else
    echo 'XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"' >>"$R/etc/default/xen"
fi
# root: public-key login only (the password stays locked with '*', which sshd accepts for keys)
chroot "$R" usermod -p '*' root
rm -f "$R"/etc/ssh/ssh_host_* "$R/usr/sbin/policy-rc.d"
rm -f "$R/etc/machine-id"; : >"$R/etc/machine-id"

log "small Dom0 initramfs (virtio + ext4 only)"
sed -i 's/^MODULES=.*/MODULES=list/' "$R/etc/initramfs-tools/initramfs.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' >"$R/etc/initramfs-tools/modules"
mount -t proc proc "$R/proc"
chroot "$R" update-initramfs -u -k "$KVER" >"$WORK/initramfs.log" 2>&1 || { cat "$WORK/initramfs.log" >&2; exit 1; }
umount_all

log "guest assets: ELF vmlinux, busybox initramfs with xen-blkfront/xen-netfront/cdrom/isofs/vfat, test.iso"
G=$WORK/guest
mkdir -p "$G"/{bin,sbin,etc,proc,sys,dev,tmp,root,mnt,lib/modules}
DEB=$(ls "$R"/var/cache/xenlab/busybox-static_*.deb | tail -1)
dpkg-deb -x "$DEB" "$WORK/bbx"
cp "$WORK/bbx/bin/busybox" "$G/bin/busybox"
for a in $("$G/bin/busybox" --list); do [ -e "$G/bin/$a" ] || ln -s busybox "$G/bin/$a"; done
for a in init poweroff reboot halt; do ln -sf ../bin/busybox "$G/sbin/$a"; done
ln -s bin/busybox "$G/init"
cp -r "$RECIPE"/guest/etc/. "$G/etc/"
chmod 755 "$G/etc/rc.guest" "$G/etc/watch.sh"
K=$R/lib/modules/$KVER/kernel
# fat/vfat/nls_*: the guest's optional data disk (rc.guest datadisk=DEV)
for m in cdrom isofs xen-blkfront xen-netfront fat vfat nls_cp437 nls_ascii nls_utf8; do
    f=$(find "$K" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" | head -1)
    [ -n "$f" ] || { echo "module $m not found in $KVER" >&2; exit 1; }
    case "$f" in
        *.xz) xz -dc "$f" >"$G/lib/modules/$m.ko" ;;
        *.gz) gzip -dc "$f" >"$G/lib/modules/$m.ko" ;;
        *.zst) zstd -dc "$f" >"$G/lib/modules/$m.ko" ;;
        *) cp "$f" "$G/lib/modules/$m.ko" ;;
    esac
done
(cd "$G" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9n) >"$R/var/lib/xen/guest-initrd.gz"
rm -rf "$R/var/cache/xenlab"
cp "$R/boot/vmlinuz-$KVER" "$R/var/lib/xen/guest-vmlinuz"
# Pre-decompressed ELF vmlinux: building a PV/PVH domain from it takes ~2 s instead of ~12 s under TCG.
python3 - "$R/boot/vmlinuz-$KVER" "$R/var/lib/xen/guest-vmlinux" <<'PY'
import lzma, sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\xfd7zXZ\x00')
if i < 0: sys.exit("vmlinuz is not xz-compressed")
out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d[i:])
if out[:4] != b'\x7fELF': sys.exit("decompressed kernel is not an ELF file")
open(sys.argv[2], 'wb').write(out)
PY
mkdir -p "$WORK/iso"
echo "hello from the xenps lab iso" >"$WORK/iso/HELLO.TXT"
genisoimage -quiet -V XENLABCD -r -J -o "$R/var/lib/xen/test.iso" "$WORK/iso"

log "boot files + ext4 image"
zcat "$XENGZ" >"$OUT/boot/xen"   # QEMU's multiboot loader needs the uncompressed 32-bit ELF
cp "$R/boot/vmlinuz-$KVER" "$OUT/boot/vmlinuz"
cp "$R/boot/initrd.img-$KVER" "$OUT/boot/initrd.img"
mke2fs -q -t ext4 -L xenlab-root -d "$R" "$OUT/dom0.img" 3G >/dev/null
{
    echo "kernel_abi=$KVER"
    echo "xen=$(basename "$XENGZ")"
    echo "xen_package=$(chroot "$R" dpkg-query -W -f='${Version}' xen-hypervisor-4.17-amd64)"
    echo "kernel_package=$(chroot "$R" dpkg-query -W -f='${Version}' linux-image-amd64)"
    echo "guest_initrd_bytes=$(stat -c %s "$R/var/lib/xen/guest-initrd.gz")"
    echo "built=$(date -u +%FT%TZ)"
} >"$OUT/info.txt"
log "done: $(cat "$OUT/info.txt" | tr '\n' ' ')"
