#!/usr/bin/env bash
# [REQ-01] What `npm test` needs running besides the Debian packages of setup/debian-packages/ (installed by
# quickstart.sh or .ci/run): the Docker engine, the test hypervisor host image and the operator image's bases.
# npm's pretest runs it, so the README's test command works on a machine where only the quickstart ran. The
# images are cached by recipe hash: seconds when nothing changed. Never --bridge=none for dockerd: it deletes
# docker0.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in docker dockerd debootstrap; do
  command -v "$tool" >/dev/null || {
    echo "prepare-tests: $tool is missing: run ./quickstart.sh, or apt-get install $(sed -e 's/#.*//' setup/debian-packages/*.txt | xargs)" >&2
    exit 1
  }
done
if ! docker info >/dev/null 2>&1; then
  echo "prepare-tests: starting dockerd (log /tmp/virtfleet-dockerd.log)" >&2
  (dockerd >/tmp/virtfleet-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 /tmp/virtfleet-dockerd.log >&2; exit 1; }
fi
bash test/support/hosts/build-image.sh >/dev/null
bash test/support/operator-image/build-base-images.sh >/dev/null
