# virtfleet operator image. [REQ-05] Non-root (uid 65532), no shell, no package manager at run time.
# Build: docker build -t ghcr.io/virtfleet/virtfleet:0.1.0 .
# (Not built in this project's CI: base images cannot be pulled there.)

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Install scripts stay disabled: no dependency runs code at install time.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM gcr.io/distroless/nodejs20-debian12:nonroot
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
