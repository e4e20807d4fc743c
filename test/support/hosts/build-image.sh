#!/usr/bin/env bash
# [REQ-03] Builds the test hypervisor host image: Debian bookworm with sshd, libvirtd and QEMU (software
# emulation), plus the bootable guest fixture under /opt/virtfleet-guest. Built locally (no registry pull):
# debootstrap -> customise -> `docker import`. Cached twice: the debootstrap tree by its package list under
# .cache/hosts/, the image by a hash of the whole recipe (tag virtfleet-testhost:<hash>). VIRTFLEET_CACHE_DIR
# moves the cache (default .cache/ in the work tree); VIRTFLEET_DEBIAN_MIRROR overrides apt's mirror.
# Prints the image name as the last line on stdout; progress goes to stderr.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=${VIRTFLEET_CACHE_DIR:-$ROOT/.cache}
SUITE=bookworm
PACKAGES=openssh-server,libvirt-daemon,libvirt-daemon-driver-qemu,libvirt-clients,qemu-system-x86,qemu-utils,openssl,iproute2,iptables,socat,netcat-openbsd,procps,rsync

log() { echo "[build-image] $*" >&2; }

# The Debian mirror apt already uses here (deb822 or one-line sources), else Debian's default.
debian_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}' | grep -v security | head -n1 || true)
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk '$1 == "deb" && $0 ~ /bookworm/ && $0 !~ /security/ {print $2}' | head -n1 || true)
  fi
  echo "${VIRTFLEET_DEBIAN_MIRROR:-${uri:-http://deb.debian.org/debian}}"
}

hash_text() { sha256sum | cut -c1-16; }

GUEST_BUILD="$ROOT/test/support/guest/build-guest.sh"
# Derived from sources and package versions only, so a fresh clone finds the image an earlier run built.
RECIPE_HASH=$( {
  echo "$SUITE $PACKAGES"
  cat "$HERE/build-image.sh"
  (cd "$HERE/image" && find . -type f | LC_ALL=C sort | xargs sha256sum)
  echo "guest $("$GUEST_BUILD" --hash)"
} | hash_text)
IMAGE="virtfleet-testhost:$RECIPE_HASH"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "reusing $IMAGE"
  echo "$IMAGE"
  exit 0
fi

GUEST_DIR=$("$GUEST_BUILD" | tail -n1)

# Stage 1: the debootstrap tree, cached as a tarball keyed by suite and package list.
BASE_TAR="$CACHE/hosts/base-$(echo "$SUITE $PACKAGES" | hash_text).tar"
mkdir -p "$CACHE/hosts"
if [ ! -s "$BASE_TAR" ]; then
  MIRROR=$(debian_mirror)
  log "debootstrap $SUITE from $MIRROR (about a minute)"
  BASE_DIR=$(mktemp -d "$CACHE/hosts/base.XXXXXX")
  trap 'rm -rf "$BASE_DIR"' EXIT
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BASE_DIR" "$MIRROR" >&2
  rm -rf "$BASE_DIR"/var/cache/apt/archives/*.deb "$BASE_DIR"/var/lib/apt/lists/*
  tar -C "$BASE_DIR" -cf "$BASE_TAR.partial.$$" .
  mv "$BASE_TAR.partial.$$" "$BASE_TAR"
  rm -rf "$BASE_DIR"
  trap - EXIT
fi

# Stage 2: customise a copy of the tree and import it.
STAGE=$(mktemp -d "$CACHE/hosts/stage.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
tar -C "$STAGE" -xf "$BASE_TAR"

# Users and groups that libvirt-daemon-system would create; libvirtd refuses to start without them.
in_root() { chroot "$STAGE" "$@"; }
for group in kvm libvirt libvirt-qemu; do
  in_root getent group "$group" >/dev/null || in_root groupadd --system "$group"
done
in_root getent passwd libvirt-qemu >/dev/null \
  || in_root useradd --system --gid kvm --groups libvirt-qemu --home-dir /var/lib/libvirt --no-create-home \
    --shell /usr/sbin/nologin libvirt-qemu

mkdir -p "$STAGE"/var/log/libvirt/qemu "$STAGE"/var/lib/libvirt/qemu "$STAGE"/var/lib/libvirt/images \
  "$STAGE"/var/cache/libvirt "$STAGE"/run/sshd "$STAGE"/root/.ssh "$STAGE"/etc/libvirt/storage/autostart \
  "$STAGE"/opt/virtfleet-guest
chmod 700 "$STAGE"/root/.ssh
rm -f "$STAGE"/etc/ssh/ssh_host_*

install -m 0755 "$HERE/image/entrypoint.sh" "$STAGE/usr/local/sbin/virtfleet-entrypoint"
install -m 0644 "$HERE/image/sshd_config" "$STAGE/etc/ssh/sshd_config"
install -m 0644 "$HERE/image/qemu.conf" "$STAGE/etc/libvirt/qemu.conf"
install -m 0644 "$HERE/image/default-pool.xml" "$STAGE/etc/libvirt/storage/default.xml"
ln -sf ../default.xml "$STAGE/etc/libvirt/storage/autostart/default.xml"
install -m 0644 "$GUEST_DIR/vmlinuz" "$STAGE/opt/virtfleet-guest/vmlinuz"
install -m 0644 "$GUEST_DIR/initrd.img" "$STAGE/opt/virtfleet-guest/initrd.img"
install -m 0644 "$GUEST_DIR/disk.img" "$STAGE/opt/virtfleet-guest/disk.img"

for tool in virt-ssh-helper libvirtd virtlogd virsh qemu-system-x86_64 qemu-img sshd iptables; do
  in_root sh -c "command -v $tool || test -x /usr/sbin/$tool" >/dev/null \
    || { log "missing $tool in the image"; exit 1; }
done

log "importing $IMAGE"
tar -C "$STAGE" -c . | docker import \
  -c 'ENTRYPOINT ["/usr/local/sbin/virtfleet-entrypoint"]' \
  -c 'EXPOSE 22' \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$IMAGE" >&2
echo "$IMAGE"
