#!/bin/sh
# [REQ-03] Entrypoint of a virtfleet test hypervisor host container.
# Host key: $VIRTFLEET_HOST_KEY (OpenSSH private key text) or the file /run/virtfleet/host-key, else one
# ed25519 key generated on the first start and kept in the container for later restarts.
# Authorized keys: $VIRTFLEET_AUTHORIZED_KEYS (one OpenSSH public key per line).
# Starts virtlogd and libvirtd as daemons, then runs sshd in the foreground.
set -eu

HOST_KEY=/etc/ssh/ssh_host_ed25519_key
if [ -n "${VIRTFLEET_HOST_KEY:-}" ]; then
  printf '%s\n' "$VIRTFLEET_HOST_KEY" > "$HOST_KEY"
elif [ -f /run/virtfleet/host-key ]; then
  cp /run/virtfleet/host-key "$HOST_KEY"
fi
if [ ! -s "$HOST_KEY" ]; then
  ssh-keygen -q -t ed25519 -N '' -C "$(hostname)" -f "$HOST_KEY"
fi
chmod 600 "$HOST_KEY"
ssh-keygen -y -f "$HOST_KEY" > "$HOST_KEY.pub"

mkdir -p /root/.ssh /run/sshd
chmod 700 /root/.ssh
printf '%s\n' "${VIRTFLEET_AUTHORIZED_KEYS:-}" > /root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys

# Stale pid files survive `docker stop`/`kill`; the daemons lock them anyway, but start clean.
rm -f /run/virtlogd.pid /run/libvirtd.pid /run/sshd.pid
virtlogd -d
libvirtd -d
attempt=0
until [ -S /run/libvirt/libvirt-sock ] || [ "$attempt" -ge 100 ]; do
  attempt=$((attempt + 1))
  sleep 0.1
done

echo "virtfleet-testhost ready: $(ssh-keygen -l -f "$HOST_KEY.pub")"
exec /usr/sbin/sshd -D -e
