# virtfleet operator image. [REQ-05] Multi-stage; the runtime stage holds production dependencies only and runs
# as uid 65532 (non-root) with no shell and no package manager on the default base.
#
#   docker build -t ghcr.io/virtfleet/virtfleet:0.1.0 .
#
# Both bases are build arguments. BUILD_IMAGE needs Node.js 20 with npm and what node-gyp needs (g++, make,
# python3): the native modules are compiled here. BASE_IMAGE needs Node.js 20 at /nodejs/bin/node on a glibc
# compatible with BUILD_IMAGE's (the defaults are both Debian 12). Where no base can be pulled, the test
# test/e2e/image/ builds both locally (test/support/operator-image/build-base-images.sh) and builds this file
# with `--network none` from an offline npm cache.
ARG BUILD_IMAGE=node:20-bookworm
ARG BASE_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Install scripts run, from the lockfile only: they build ssh2's native crypto binding (sshcrypto.node,
# AES-GCM and ChaCha20-Poly1305 through OpenSSL; faster SSH streams than ssh2's JavaScript fallback, measured in
# the README) and better-sqlite3's native module. The build fails if either is missing.
RUN npm ci --no-audit --no-fund \
 && node -e "require('./node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node'); new (require('better-sqlite3'))(':memory:').close()"
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY config /etc/virtfleet
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/virtfleet.js"]
CMD ["run", "--config-dir", "/etc/virtfleet"]
