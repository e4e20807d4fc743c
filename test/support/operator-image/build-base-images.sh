#!/usr/bin/env bash
# [REQ-05] Builds the two base images the operator's Dockerfile takes as build arguments, locally (no registry
# pull), from Debian bookworm (debootstrap --variant=minbase) and this machine's Node.js 20:
#   virtfleet-node-runtime:<hash>  BASE_IMAGE: glibc + /nodejs/bin/node, the layout of
#                                  gcr.io/distroless/nodejs20-debian12 (what the Dockerfile defaults to)
#   virtfleet-node-build:<hash>    BUILD_IMAGE: + g++, make, python3, npm, Node's headers (node-gyp builds
#                                  ssh2's and better-sqlite3's native modules offline) and a copy of this
#                                  machine's npm cache, with npm set offline: `docker build --network none` works.
# Cached like test/support/hosts/build-image.sh: debootstrap trees as tarballs by package list under
# $VIRTFLEET_CACHE_DIR/operator-image (default .cache/), images by a hash of the recipe, the Node.js binary
# and package-lock.json. Prints "BASE_IMAGE BUILD_IMAGE" as the last line on stdout; progress on stderr.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=${VIRTFLEET_CACHE_DIR:-$ROOT/.cache}/operator-image
SUITE=bookworm
RUNTIME_PACKAGES=ca-certificates
BUILD_PACKAGES=ca-certificates,g++,make,python3
NODE=$(readlink -f "$(command -v node)")
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
NODE_HEADERS=$(dirname "$NODE")/../include/node
NPM_CACHE=$(npm config get cache)

log() { echo "[operator-image] $*" >&2; }
hash_text() { sha256sum | cut -c1-16; }

debian_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}' | grep -v security | head -n1 || true)
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk '$1 == "deb" && $0 ~ /bookworm/ && $0 !~ /security/ {print $2}' | head -n1 || true)
  fi
  echo "${VIRTFLEET_DEBIAN_MIRROR:-${uri:-http://deb.debian.org/debian}}"
}

[ "$("$NODE" -p 'process.versions.node.split(".")[0]')" = 20 ] || { log "node on PATH is not Node.js 20"; exit 1; }
[ -f "$NODE_HEADERS/node.h" ] || { log "no Node.js headers at $NODE_HEADERS (node-gyp needs them offline)"; exit 1; }

RECIPE=$( { cat "$HERE/build-base-images.sh"; sha256sum "$NODE" | cut -c1-64; "$NODE" -v; } | hash_text)
RUNTIME_IMAGE="virtfleet-node-runtime:$RECIPE"
BUILD_IMAGE="virtfleet-node-build:$( { echo "$RECIPE"; cat "$ROOT/package-lock.json"; npm -v; } | hash_text)"

# A debootstrap tree, cached as a tarball keyed by suite and package list; prints the tarball's path.
base_tarball() {
  local packages=$1 tarball dir
  tarball="$CACHE/base-$(echo "$SUITE $packages" | hash_text).tar"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$CACHE"
    dir=$(mktemp -d "$CACHE/tree.XXXXXX")
    log "debootstrap $SUITE minbase + $packages (a minute or two)"
    debootstrap --variant=minbase --include="$packages" "$SUITE" "$dir" "$(debian_mirror)" >&2
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    tar -C "$dir" -cf "$tarball.partial.$$" .
    mv "$tarball.partial.$$" "$tarball"
    rm -rf "$dir"
  fi
  echo "$tarball"
}

# Unpacks a tarball into a fresh stage directory with Node.js at /nodejs/bin/node (and on PATH).
stage_with_node() {
  local stage
  stage=$(mktemp -d "$CACHE/stage.XXXXXX")
  tar -C "$stage" -xf "$1"
  install -D -m 0755 "$NODE" "$stage/nodejs/bin/node"
  ln -sf /nodejs/bin/node "$stage/usr/local/bin/node"
  echo "$stage"
}

import_stage() {
  local stage=$1 image=$2
  shift 2
  log "importing $image"
  tar -C "$stage" -c . | docker import "$@" - "$image" >&2
  rm -rf "$stage"
}

if ! docker image inspect "$RUNTIME_IMAGE" >/dev/null 2>&1; then
  stage=$(stage_with_node "$(base_tarball "$RUNTIME_PACKAGES")")
  import_stage "$stage" "$RUNTIME_IMAGE" -c 'ENV PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin' -c 'ENTRYPOINT ["/nodejs/bin/node"]'
fi

if ! docker image inspect "$BUILD_IMAGE" >/dev/null 2>&1; then
  stage=$(stage_with_node "$(base_tarball "$BUILD_PACKAGES")")
  mkdir -p "$stage/usr/local/lib/node_modules" "$stage/usr/local/include" "$stage/root/.npm"
  cp -a "$NPM_DIR" "$stage/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$stage/usr/local/bin/npm"
  cp -a "$(readlink -f "$NODE_HEADERS")" "$stage/usr/local/include/node"
  cp -a "$NPM_CACHE/_cacache" "$stage/root/.npm/_cacache"
  import_stage "$stage" "$BUILD_IMAGE" \
    -c 'ENV PATH=/usr/local/bin:/nodejs/bin:/usr/bin:/bin' \
    -c 'ENV npm_config_offline=true' \
    -c 'ENV npm_config_nodedir=/usr/local' \
    -c 'ENV npm_config_update_notifier=false'
fi

echo "$RUNTIME_IMAGE $BUILD_IMAGE"
