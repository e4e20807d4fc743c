#!/usr/bin/env bash
# [REQ-03] Builds the bootable test guest: a Debian kernel and a busybox initramfs whose /init (rootfs/init)
# prints VIRTFLEET-GUEST-BOOTED on the serial console, then the user-data lines of a cloud-init NoCloud seed
# (an ISO 9660 cdrom on SATA) when one is attached, and powers off on the ACPI power button. Two ways to boot
# it: direct kernel boot of vmlinuz + initrd.img, or disk.img, a raw disk that SeaBIOS boots (a FAT file system
# made bootable with syslinux and filled with mtools, so no loop device is needed) holding the same two files. Packages come from apt's configured Debian mirror (`apt-get download`), cached under
# .cache/guest/debs; the result is cached under .cache/guest/<hash> keyed by the packages and this recipe.
# Prints the directory holding vmlinuz and initrd.img as the last line on stdout; `--hash` prints only the
# cache key (no download, no build). Needs dosfstools, syslinux and mtools.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=${VIRTFLEET_CACHE_DIR:-$ROOT/.cache}/guest
# Loaded in this order (dependencies first, from the modules' depends= fields in Debian's 6.1 kernel): the ACPI
# power button, and what reads the SATA cdrom holding the cloud-init seed.
GUEST_MODULES="kernel/drivers/acpi/button.ko kernel/drivers/input/evdev.ko kernel/drivers/scsi/scsi_common.ko
  kernel/drivers/scsi/scsi_mod.ko kernel/drivers/ata/libata.ko kernel/drivers/ata/libahci.ko kernel/drivers/ata/ahci.ko
  kernel/drivers/cdrom/cdrom.ko kernel/drivers/scsi/sr_mod.ko kernel/fs/isofs/isofs.ko"
BOOT_DISK_KIB=32768

log() { echo "[build-guest] $*" >&2; }

# linux-image-amd64 is a metapackage: its dependency names the real, versioned kernel package.
KERNEL_PACKAGE=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$KERNEL_PACKAGE" ] || { log "apt-cache knows no linux-image-amd64 (run apt-get update)"; exit 1; }

candidate_version() { apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }

# The cached .deb of PACKAGE at apt's candidate version, downloaded on first use.
cached_deb() {
  local package=$1 version
  version=$(candidate_version "$package")
  find "$CACHE/debs" -maxdepth 1 -name "${package}_*.deb" | while read -r candidate; do
    [ "$(dpkg-deb -f "$candidate" Version)" = "$version" ] && echo "$candidate"
  done | head -n1
}
deb_file() {
  local package=$1 file
  file=$(cached_deb "$package")
  if [ -z "$file" ]; then
    log "downloading $package"
    (cd "$CACHE/debs" && apt-get download "$package" >&2 2>/dev/null) || true
    file=$(cached_deb "$package")
  fi
  [ -n "$file" ] || { log "could not download $package (apt-get download $package)"; exit 1; }
  echo "$file"
}

# Content key of the guest: this recipe, the initramfs files and the exact package versions. Known before
# anything is downloaded, so `--hash` is cheap and the host image can be found by it.
GUEST_HASH=$( {
  cat "$HERE/build-guest.sh"
  (cd "$HERE/rootfs" && find . -type f | LC_ALL=C sort | xargs sha256sum)
  echo "$KERNEL_PACKAGE=$(candidate_version "$KERNEL_PACKAGE") busybox-static=$(candidate_version busybox-static)"
} | sha256sum | cut -c1-16)
if [ "${1:-}" = "--hash" ]; then
  echo "$GUEST_HASH"
  exit 0
fi
OUT="$CACHE/$GUEST_HASH"

if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ] && [ -s "$OUT/disk.img" ]; then
  echo "$OUT"
  exit 0
fi
mkdir -p "$CACHE/debs"
KERNEL_DEB=$(deb_file "$KERNEL_PACKAGE")
BUSYBOX_DEB=$(deb_file busybox-static)

WORK=$(mktemp -d "$CACHE/work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
dpkg-deb -x "$KERNEL_DEB" "$WORK/kernel"
dpkg-deb -x "$BUSYBOX_DEB" "$WORK/busybox"

INITRAMFS="$WORK/initramfs"
mkdir -p "$INITRAMFS"/{bin,dev,proc,sys,lib/modules,etc,tmp}
cp -a "$HERE/rootfs/." "$INITRAMFS/"
install -m 0755 "$WORK/busybox/bin/busybox" "$INITRAMFS/bin/busybox"
ln -s busybox "$INITRAMFS/bin/sh"
MODULE_DIR=$(echo "$WORK"/kernel/lib/modules/*)
for module in $GUEST_MODULES; do
  install -m 0644 "$MODULE_DIR/$module" "$INITRAMFS/lib/modules/$(basename "$module")"
  basename "$module" >> "$INITRAMFS/etc/modules-order"
done

STAGED="$WORK/out"
mkdir -p "$STAGED"
install -m 0644 "$WORK"/kernel/boot/vmlinuz-* "$STAGED/vmlinuz"
# cpio newc archive built with busybox's own cpio applet (no extra host package needed).
(cd "$INITRAMFS" && find . | LC_ALL=C sort | "$WORK/busybox/bin/busybox" cpio -o -H newc 2>/dev/null) \
  | gzip -9 > "$STAGED/initrd.img"
# The bootable disk: syslinux's installer for FAT works on an image file through mtools.
mkfs.vfat -n VFGUEST -C "$STAGED/disk.img" "$BOOT_DISK_KIB" >/dev/null
syslinux --install "$STAGED/disk.img"
printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd.img\n  APPEND console=ttyS0 quiet panic=-1 no_timer_check\n' > "$WORK/syslinux.cfg"
mcopy -i "$STAGED/disk.img" "$STAGED/vmlinuz" "$STAGED/initrd.img" "$WORK/syslinux.cfg" ::/
# A concurrent build of the same hash may have won the race; either result is identical.
mv -T "$STAGED" "$OUT" 2>/dev/null || [ -s "$OUT/disk.img" ]
log "guest built in $OUT ($KERNEL_PACKAGE, $(du -h "$OUT/initrd.img" | cut -f1) initrd)"
echo "$OUT"
